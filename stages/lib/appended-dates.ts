/**
 * For a stage that is incremental by date: did its input only gain new dates since the previous
 * run? The previous run's input (a cache object, see ctx.previous) must equal the current input
 * restricted to the dates it covered — the same rows, compared by count and hash aggregates of
 * whole rows — and the current input must have later dates. Anything else (a restated price, a removed row, a
 * previous input no longer cached) means a full run, with the reason.
 */
import type { PreviousRun, StageContext } from "../../src/index.ts";
import { sqlIdent } from "../../src/store/sql.ts";

export type Extension =
  /** The input gained `dates` new dates after `last`, the previous input's last date; older rows are unchanged. */
  { kind: "append"; last: string; dates: number; first: string } | { kind: "full"; reason: string };

export async function appendedDates(
  ctx: StageContext<unknown>,
  stage: string,
  output: string,
  by = "date",
): Promise<Extension> {
  const prev: PreviousRun | null = ctx.previous;
  if (!prev) return { kind: "full", reason: "no previous run to extend" };
  if (!Object.keys(prev.inputs).some((k) => k === `${stage}/${output}` || k.startsWith(`${stage}[`)))
    return { kind: "full", reason: `the previous ${stage}/${output} is no longer in the cache` };
  const old = prev.input(stage, output);
  const cur = ctx.input(stage, output);
  const d = sqlIdent(by);
  const [[last, first, dates]] = (
    await ctx.db.runAndReadAll(
      `WITH l AS (SELECT max(${d}) AS last FROM ${old})
       SELECT (SELECT last FROM l)::VARCHAR, min(${d})::VARCHAR, count(DISTINCT ${d})::DOUBLE
       FROM ${cur} WHERE ${d} > (SELECT last FROM l)`,
    )
  ).getRows();
  if (last === null) return { kind: "full", reason: `the previous ${stage}/${output} was empty` };
  // The same rows up to `last`: the row count and two order-free aggregates of a 64-bit hash of
  // each whole row (DuckDB's hash(); NULLs hash too). A restated, removed or added row changes
  // them but for a 2^-64-scale accident, and pipeline verify, which recomputes in full, would
  // still catch that. One scan of each table, against two anti-joins of every row both ways.
  const digest = (rel: string, where: string) =>
    `SELECT count(*)::VARCHAR || ':' || sum(h)::VARCHAR || ':' || bit_xor(h)::VARCHAR
       FROM (SELECT hash(*COLUMNS(*)) AS h FROM ${rel} ${where})`;
  const [[before, now]] = (
    await ctx.db.runAndReadAll(`SELECT (${digest(old, "")}), (${digest(cur, `WHERE ${d} <= DATE '${last}'`)})`)
  ).getRows();
  if (before !== now) {
    const [a, b] = [String(before).split(":")[0], String(now).split(":")[0]];
    return {
      kind: "full",
      reason:
        `${stage}/${output} changed on or before ${last} ` +
        `(${a === b ? `${a} rows, some different` : `${a} rows then, ${b} now`})`,
    };
  }
  if (Number(dates) === 0) return { kind: "full", reason: `${stage}/${output} has no date after ${last}` };
  return { kind: "append", last: String(last), first: String(first), dates: Number(dates) };
}
