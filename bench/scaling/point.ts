/**
 * One point of the symbol and year sweeps of bench/scaling.bench.ts, run in a fresh Node process
 * (`node --import tsx/esm bench/scaling/point.ts SYMBOLS YEARS`) so that the peak RSS it reports
 * is this point's alone and no JIT or heap state carries over from a smaller point.
 *
 * The product's work on a synthetic market of SYMBOLS symbols over the YEARS calendar years
 * ending 2024-12-31 (seed 1, the market of bench/features.bench.ts and bench/data.bench.ts),
 * each phase timed once, cold:
 *
 * 1. generate — `generateMarket`;
 * 2. prices — the long rows to Parquet in (date, symbol) order (the data stage's output);
 * 3. features — the features stage's default factor set exactly as bench/features.bench.ts
 *    runs it: materialized in DuckDB (all threads), written to Parquet, null shares, dropped;
 * 4. backtest — the dense panel (`pricePanel`), 12-1 momentum scores, weekly long/short
 *    targets (top decile +1/n, bottom decile −1/n, decided at the week's last close, traded one
 *    bar later), and the engine with 1 bp commission + 2 bp slippage and every T × N output, as
 *    the backtest stage's base evaluation runs it.
 *
 * Prints one JSON line: seconds per phase, the rows, and the process's peak RSS after each phase
 * (`process.resourceUsage().maxRSS`, the high-water mark so far: the phase that raises it is
 * the one whose figure jumps). Temp files are removed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateMarket } from "../../src/data/synthetic.ts";
import { featuresQuery, materializeFeatures } from "../../src/data/factors/index.ts";
import { backtest, momentumScores, pricePanel, rebalanceRows, type TargetRow } from "../../src/quant/backtest/index.ts";
import { copyQueryToParquet, createDatabase, sqlString, writeColumnsToParquet } from "../../src/store/index.ts";
import stage, { plan } from "../../stages/features.ts";

export interface PointResult {
  symbols: number;
  years: number;
  rows: number;
  days: number;
  generate_s: number;
  prices_s: number;
  features_s: number;
  backtest_s: number;
  total_s: number;
  /** Peak RSS (MB) of the process after each phase; the last is the point's peak. */
  rss_mb: { generate: number; prices: number; features: number; backtest: number };
  peak_mb: number;
}

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in kB

/** Weekly decile long/short targets on 12-1 momentum: +1/n for the top tenth, −1/n for the bottom. */
function decileTargets(close: Float64Array, returns: Float64Array, days: Int32Array, N: number): TargetRow[] {
  const score = momentumScores(close, N);
  const out: TargetRow[] = [];
  for (const t of rebalanceRows(days, "weekly")) {
    const names: number[] = [];
    for (let i = 0; i < N; i++)
      if (Number.isFinite(score[t * N + i]) && Number.isFinite(returns[t * N + i])) names.push(i);
    const n = Math.floor(names.length / 10);
    if (n === 0) continue;
    names.sort((a, b) => score[t * N + a] - score[t * N + b] || a - b);
    const weights = new Float64Array(N);
    for (let k = 0; k < n; k++) {
      weights[names[k]] = -1 / n;
      weights[names[names.length - 1 - k]] = 1 / n;
    }
    out.push({ t, weights });
  }
  return out;
}

export async function runPoint(symbols: number, years: number): Promise<PointResult> {
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-scaling-"));
  const s = (t0: number) => (performance.now() - t0) / 1000;
  try {
    let t0 = performance.now();
    const m = generateMarket({ symbols, start: `${2025 - years}-01-01`, end: "2024-12-31", seed: 1 });
    const generate_s = s(t0);
    const rss_generate = peakMb();

    t0 = performance.now();
    const db = await createDatabase();
    const conn = await db.connect();
    const pricesPath = join(dir, "prices.parquet");
    const { date, symbol, open, high, low, close, volume, sector } = m;
    await writeColumnsToParquet(
      conn,
      { columns: { date, symbol, open, high, low, close, volume, sector }, types: { date: "DATE" } },
      pricesPath,
      { orderBy: ["date", "symbol"] },
    );
    const prices_s = s(t0);
    const rss_prices = peakMb();

    t0 = performance.now();
    const p = plan(stage.params.parse({}) as Parameters<typeof plan>[0]);
    const q = featuresQuery(`read_parquet(${sqlString(pricesPath)})`, p.factors, { rank: p.rank, zscore: p.zscore });
    const f = await materializeFeatures(conn, q, "__features");
    await copyQueryToParquet(conn, f.select, join(dir, "features.parquet"));
    await f.nullShares();
    await f.drop();
    const features_s = s(t0);
    const rss_features = peakMb();
    conn.closeSync();
    db.closeSync();

    t0 = performance.now();
    const panel = pricePanel(m.date, m.symbol, m.close);
    const targets = decileTargets(panel.close, panel.returns, panel.days, panel.nAssets);
    const res = backtest(panel.returns, targets, panel.nAssets, { lag: 1, commissionBps: 1, slippageBps: 2 });
    if (!Number.isFinite(res.equity[panel.nRows - 1]))
      throw new Error("scaling point: the backtest's equity is not finite");
    const backtest_s = s(t0);
    const rss_backtest = peakMb();

    return {
      symbols,
      years,
      rows: m.rows,
      days: m.days.length,
      generate_s,
      prices_s,
      features_s,
      backtest_s,
      total_s: generate_s + prices_s + features_s + backtest_s,
      rss_mb: { generate: rss_generate, prices: rss_prices, features: rss_features, backtest: rss_backtest },
      peak_mb: rss_backtest,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [symbols, years] = process.argv.slice(2).map(Number);
  if (!(symbols >= 1 && years >= 1)) throw new Error("usage: point.ts SYMBOLS YEARS");
  process.stdout.write(`${JSON.stringify(await runPoint(symbols, years))}\n`);
}
