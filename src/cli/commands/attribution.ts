/**
 * `pipeline attribution CELL [--json]`: a backtest cell's performance attribution
 * (attribution.json, stages/lib/attribution.ts) — the return by symbol, sector (with
 * Brinson–Fachler allocation and selection against 1/N), year and regime, and its factor
 * exposures with the alpha left. CELL is the lock's cell id (`backtest[model=ridge,optimizer=hrp]`)
 * or its axes alone (`model=ridge,optimizer=hrp`); an unknown one lists the closest.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import { findSpecFile } from "../../pipeline/project.ts";
import { lockPathFor, readLock } from "../../pipeline/lock.ts";
import { printJson } from "../output.ts";
import { PAPER_LEDGER } from "../../paper/paths.ts";

type Json = Record<string, unknown>;

export async function attributionCommand(
  cell: string,
  flags: { file?: string; json?: boolean; ledger?: string; prices?: string },
): Promise<void> {
  const spec = findSpecFile({ file: flags.file });
  const root = dirname(spec);
  if (cell === "paper") return paperCommand(root, flags);
  const lock = await readLock(lockPathFor(spec));
  const cells = Object.entries(lock.cells).filter(([, c]) => c.outputs?.attribution?.path);
  const ids = cells.map(([id]) => id).sort();
  if (!ids.length)
    throw new StrataError("DATA", "no cell of the lock has an attribution output", {
      hint: "run the backtest stage (pipeline run backtest): each cell writes attribution.json",
    });
  const found = cells.find(([id]) => id === cell || id.endsWith(`[${cell}]`));
  if (!found)
    throw new StrataError("ARGUMENT", `attribution: no cell '${cell}' with an attribution`, {
      hint: suggestionHint(cell, ids, "cells"),
      details: { cells: ids },
    });
  const path = join(root, found[1].outputs!.attribution!.path!);
  if (!existsSync(path))
    throw new StrataError("DATA", `attribution: ${path} is missing`, {
      hint: `restore it: pipeline run ${found[0].split("[")[0]} (it restores from the cache)`,
    });
  const doc = JSON.parse(readFileSync(path, "utf8")) as Json;
  if (flags.json) {
    printJson({ ok: true, cell: found[0], ...doc });
    return;
  }
  process.stdout.write(render(found[0], doc));
}

/** `pipeline attribution paper`: the paper ledger's book (src/paper/attribution.ts). */
async function paperCommand(root: string, flags: { json?: boolean; ledger?: string; prices?: string }) {
  const ledgerFile = join(root, flags.ledger ?? PAPER_LEDGER);
  const prices = join(root, flags.prices ?? "data/data/prices.parquet");
  for (const [what, f] of [
    ["ledger", ledgerFile],
    ["prices", prices],
  ] as const)
    if (!existsSync(f))
      throw new StrataError("DATA", `attribution paper: no ${what} at ${f}`, {
        hint: what === "ledger" ? "run `pipeline paper run` first, or pass --ledger PATH" : "pass --prices PATH",
      });
  const { Ledger } = await import("../../paper/ledger.ts");
  const { paperAttribution } = await import("../../paper/attribution.ts");
  const { createDatabase } = await import("../../store/index.ts");
  const ledger = await Ledger.open(ledgerFile, { readOnly: true });
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    const doc = await paperAttribution(ledger, conn, prices);
    if (!doc)
      throw new StrataError("DATA", `attribution paper: ${ledgerFile} records fewer than two days`, {
        hint: "run more paper days first",
      });
    if (flags.json) printJson({ ok: true, cell: "paper", ...doc });
    else process.stdout.write(render("paper book", doc));
  } finally {
    conn.closeSync();
    db.closeSync();
    ledger.close();
  }
}

const pct = (v: unknown) => (typeof v === "number" ? `${(v * 100).toFixed(2)} %` : "—");
const num = (v: unknown, d = 2) => (typeof v === "number" ? v.toFixed(d) : "—");

function render(cell: string, d: Json): string {
  const out: string[] = [];
  const w = (s = "") => out.push(s);
  const period = (d.period ?? {}) as Json;
  w(`${cell}: ${pct(d.total_return)} from ${period.start} to ${period.end} (${period.days} days)`);
  w(`  costs ${pct(d.cost)}${typeof d.other === "number" && d.other !== 0 ? `, cash interest ${pct(d.other)}` : ""}`);
  const syms = (d.by_symbol ?? []) as { symbol: string; contribution: number }[];
  w(`\nby symbol (${syms.length} contributed): best and worst five`);
  for (const s of [...syms.slice(0, 5), ...(syms.length > 10 ? syms.slice(-5) : syms.slice(5))])
    w(`  ${s.symbol.padEnd(12)} ${pct(s.contribution).padStart(10)}`);
  const b = d.brinson as Json | null;
  if (b) {
    w(`\nby sector, Brinson–Fachler against ${String(b.benchmark)}`);
    w(`  ${"sector".padEnd(12)} ${"allocation".padStart(11)} ${"selection".padStart(11)}`);
    for (const s of (b.sectors ?? []) as Json[])
      w(`  ${String(s.sector).padEnd(12)} ${pct(s.allocation).padStart(11)} ${pct(s.selection).padStart(11)}`);
    w(`  cash allocation ${pct(b.cash_allocation)}; book ${pct(b.portfolio_return)}, 1/N ${pct(b.benchmark_return)}`);
  }
  w("\nby year: contribution to the total, and the year's own return");
  for (const y of (d.by_year ?? []) as Json[])
    w(`  ${String(y.period).padEnd(8)} ${pct(y.contribution).padStart(10)} ${pct(y.own_return).padStart(10)}`);
  w("\nby regime");
  for (const y of (d.by_regime ?? []) as Json[])
    w(`  ${String(y.period).padEnd(9)} ${String(y.days).padStart(5)} days ${pct(y.own_return).padStart(10)}`);
  const f = ((d.factors ?? {}) as Json).fit as Json | null;
  if (f) {
    w(
      `\nfactor exposures (${f.observations} days, R² ${num(f.r_squared)}): alpha ${pct(f.alpha_annualized)} a year, t ${num(f.alpha_t)}`,
    );
    const ex = (f.exposures ?? {}) as Json,
      ts = (f.t_stats ?? {}) as Json;
    for (const k of Object.keys(ex)) w(`  ${k.padEnd(14)} ${num(ex[k], 3).padStart(8)}  t ${num(ts[k])}`);
  }
  return `${out.join("\n")}\n`;
}
