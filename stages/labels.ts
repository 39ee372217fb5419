/**
 * labels — forward returns to learn and evaluate against, aligned with the execution lag.
 *
 * Input   data/prices(date, symbol, close, …) — symbols list late and delist: rows are absent.
 * Output  labels(date DATE, symbol VARCHAR, label DOUBLE, fwd_ret DOUBLE), one row per price
 *         row, ordered by (date, symbol).
 *
 *   fwd_ret[t] = close[t + lag + horizon] / close[t + lag] − 1
 *
 * counted over the symbol's own trading days (its rows): a signal formed at the close of t is
 * entered at the close of t + lag and exited `horizon` bars later. `label` is fwd_ret
 * transformed cross-sectionally per date; `fwd_ret` stays raw (for backtests and IC in return
 * units). The last lag + horizon dates of the panel have NULL labels, as does any row whose
 * window is incomplete; consumers keep `label IS NOT NULL`.
 *
 * Params (train takes horizon and lag from here for its purge: write them once, here)
 *   horizon    bars held, integer ≥ 1 (default 5)
 *   lag        execution lag in bars, integer ≥ 0 (default 1; 0 means trading at the very close
 *              the signal is computed from, which DESIGN.md's conventions do not allow — a warning)
 *   transform  per date, over that date's non-NULL fwd_ret (default "raw"):
 *                raw     label = fwd_ret
 *                demean  fwd_ret − mean
 *                rank    (average rank − 1) / (n − 1) − 0.5, in [−0.5, 0.5], ties share their
 *                        average rank; 0 when n = 1
 *                zscore  (fwd_ret − mean) / sd, sd the sample standard deviation (n − 1);
 *                        0 when sd is 0 or n = 1 (as the synthetic market's z)
 *   delisted   a symbol whose last row is before the panel's last date is delisted.
 *              "drop" (default): a window running past its last trading day gives NULL.
 *              "last": the return to its last traded close instead, the realistic exit
 *                close[last] / close[t + lag] − 1 (0 when entry is the last day itself);
 *                still NULL when the entry day t + lag is past the last trading day, and
 *                always NULL for windows running past the end of the panel (those returns
 *                are unknown, not delisted).
 *
 * Metrics: rows, labeled (non-NULL labels), null_share, window_bars — the largest
 * (exit date position − signal date position) over labeled rows, counted on the panel's
 * distinct dates. It equals lag + horizon when no symbol skips a panel date; if larger, a
 * symbol has gaps and cross-validation must purge `window_bars − lag` bars, not `horizon`
 * (a warning, ctx.warn).
 */
import { defineStage, StrataError, z, type StageContext } from "../src/index.ts";
import { appendedDates } from "./lib/appended-dates.ts";
import { roundOrNull, SHARE_DECIMALS } from "../src/core/round.ts";

const params = z
  .object({
    horizon: z.number().int().positive().default(5),
    lag: z.number().int().min(0).default(1),
    transform: z.enum(["raw", "demean", "rank", "zscore"]).default("raw"),
    delisted: z.enum(["drop", "last"]).default("drop"),
  })
  .strict();

type Params = z.output<typeof params>;

/** The label query over a prices view (exported for tests and notebooks). */
export function labelsSql(prices: string, p: Params): string {
  const exit = p.lag + p.horizon;
  const last = p.delisted === "last" ? `WHEN c_in IS NOT NULL AND sym_last < panel_last THEN c_last / c_in - 1` : "";
  // The per-date mean and sd are ordered aggregates over a GROUP BY (the `m` CTE): a plain
  // `avg(...) OVER (PARTITION BY date)` sums the date's rows in whatever order DuckDB's threads
  // hand them over, so its last bits (and the output's bytes) varied with the thread count.
  const moments = p.transform === "demean" || p.transform === "zscore";
  const label = {
    raw: "fwd_ret",
    demean: "fwd_ret - m.mu",
    // average rank = rank() (the lowest rank of the tie group) + (tie size − 1) / 2
    rank: `CASE WHEN fwd_ret IS NULL THEN NULL WHEN count(fwd_ret) OVER d = 1 THEN 0.0::DOUBLE
             ELSE (rank() OVER dr - 1 + (count(*) OVER (PARTITION BY r.date, fwd_ret) - 1) / 2.0)
                  / (count(fwd_ret) OVER d - 1) - 0.5 END`,
    zscore: `CASE WHEN fwd_ret IS NULL THEN NULL
             WHEN coalesce(m.sd, 0) = 0 THEN 0.0::DOUBLE
             ELSE (fwd_ret - m.mu) / m.sd END`,
  }[p.transform];
  return `
    WITH px AS (
      SELECT date, symbol, close FROM ${prices}
    ), w AS (
      SELECT date, symbol,
             lead(close, ${p.lag}) OVER s AS c_in,
             lead(close, ${exit}) OVER s AS c_out,
             last_value(close) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED
             FOLLOWING) AS c_last,
             max(date) OVER (PARTITION BY symbol) AS sym_last,
             (SELECT max(date) FROM px) AS panel_last
        FROM px
      WINDOW s AS (PARTITION BY symbol ORDER BY date)
    ), r AS (
      SELECT date, symbol,
             CASE WHEN c_out IS NOT NULL THEN c_out / c_in - 1 ${last} END AS fwd_ret
        FROM w
    )${
      moments
        ? `, m AS (
      SELECT date, avg(fwd_ret ORDER BY symbol) AS mu, stddev_samp(fwd_ret ORDER BY symbol) AS sd
        FROM r GROUP BY date
    )`
        : ""
    }
    SELECT r.date, r.symbol, ${label} AS label, fwd_ret
      FROM r${moments ? " LEFT JOIN m ON r.date = m.date" : ""}
    WINDOW d AS (PARTITION BY r.date), dr AS (PARTITION BY r.date ORDER BY fwd_ret ASC NULLS LAST)`;
}

/** Window length actually spanned on the panel's dates (see "window_bars" above). */
function windowBarsSql(prices: string, p: Params): string {
  const exit = p.lag + p.horizon;
  const last =
    p.delisted === "last"
      ? `WHEN lead(pos, ${p.lag}) OVER s IS NOT NULL AND max(date) OVER (PARTITION BY symbol) < (SELECT max(date)
        FROM ${prices})
         THEN last_value(pos) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED
         FOLLOWING)`
      : "";
  return `
    WITH pos AS (SELECT date, dense_rank() OVER (ORDER BY date) AS pos FROM (SELECT DISTINCT date FROM ${prices})),
    x AS (
      SELECT pos.pos, CASE WHEN lead(pos.pos, ${exit}) OVER s IS NOT NULL THEN lead(pos.pos, ${exit}) OVER s ${last} END
      AS exit_pos
        FROM ${prices} p JOIN pos USING (date)
      WINDOW s AS (PARTITION BY p.symbol ORDER BY p.date)
    )
    SELECT count(*)::BIGINT AS rows, count(exit_pos)::BIGINT AS labeled, coalesce(max(exit_pos - pos), 0)::BIGINT AS
    window_bars FROM x`;
}

/**
 * The rows to write: every label from the prices, or (incremental: by date) the previous labels
 * before the first date a new day can change, and the rest recomputed. A label at t reads the
 * symbol's rows t … t + lag + horizon and, for `delisted: last`, whether its last row is the
 * panel's last date; a transform reads the whole date. So the dates from the earliest of the
 * last lag + horizon + 1 rows (up to the previous last date) of any symbol trading on or after
 * that date are recomputed — over the prices from that date on, which hold every row those
 * labels read — and the older rows are kept byte for byte.
 */
async function labelsQuery(ctx: StageContext<Params>, prices: string): Promise<string> {
  const p = ctx.params;
  const ext = await appendedDates(ctx, "data", "prices");
  if (ext.kind === "full") {
    if (ctx.previous) ctx.log(`in full: ${ext.reason}`);
    return labelsSql(prices, p);
  }
  const exit = p.lag + p.horizon;
  const [[from]] = (
    await ctx.db.runAndReadAll(
      `WITH r AS (SELECT symbol, date, row_number() OVER (PARTITION BY symbol ORDER BY date DESC) AS k
                    FROM ${prices} WHERE date <= DATE '${ext.last}'),
            live AS (SELECT DISTINCT symbol FROM ${prices} WHERE date >= DATE '${ext.last}')
       SELECT min(date)::VARCHAR FROM r JOIN live USING (symbol) WHERE k <= ${exit + 1}`,
    )
  ).getRows();
  const cut = String(from ?? ext.first);
  ctx.log(`appending ${ext.dates} date(s) ${ext.first} …: labels from ${cut} recomputed, earlier ones kept`);
  const recent = `(SELECT * FROM ${prices} WHERE date >= DATE '${cut}')`;
  return `SELECT * FROM ${ctx.previous!.output("labels")} WHERE date < DATE '${cut}'
    UNION ALL SELECT * FROM (${labelsSql(recent, p)})`;
}

export default defineStage({
  description: "Forward returns after the execution lag, transformed per date",
  params,
  outputs: ["labels"],
  incremental: { by: "date" },
  async run(ctx) {
    const p = ctx.params;
    if (p.lag === 0)
      ctx.warn(
        "lag 0 enters at the close the signal is computed from (no execution lag): the labels reward trades no one " +
          "could make; set labels.params.lag to 1 or more",
      );
    const prices = ctx.input("data", "prices");
    const { rows } = await ctx.writeTable("labels", await labelsQuery(ctx, prices), {
      orderBy: ["date", "symbol"],
      describe: {
        date: "Signal day t: the label is what a position formed at this close earns.",
        symbol: "Asset identifier.",
        label: `fwd_ret transformed across the symbols of the date (transform: ${p.transform}); NULL where fwd_ret is.`,
        fwd_ret:
          `Forward return close[t + ${p.lag + p.horizon}] / close[t + ${p.lag}] − 1 (lag ${p.lag}, horizon ${p.horizon} ` +
          "bars of the symbol); NULL when the window is incomplete.",
      },
    });
    ctx.progress(0.7, "written");
    const reader = await ctx.db.runAndReadAll(windowBarsSql(prices, p));
    const [total, labeled, bars] = reader.getRows()[0].map(Number);
    if (total !== rows) {
      throw new StrataError(
        "INTERNAL",
        `labels: wrote ${rows} rows but the prices have ${total}; expected one label row per price row`,
        {
          hint: "report this with the data stage's params",
        },
      );
    }
    if (bars > p.lag + p.horizon) {
      ctx.warn(
        `some labels span ${bars} panel dates, more than lag ${p.lag} + horizon ${p.horizon} = ${p.lag + p.horizon}: ` +
          `symbols skip dates, so a purge of ${p.horizon} bars (what train takes from labels) is too short there; ` +
          `fill the gaps in the prices, or purge ${bars - p.lag} bars`,
      );
    }
    ctx.metric("rows", rows);
    ctx.metric("labeled", labeled);
    ctx.metric("null_share", rows === 0 ? null : roundOrNull((rows - labeled) / rows, SHARE_DECIMALS));
    ctx.metric("window_bars", bars);
  },
});
