/**
 * What the backtest and baselines stages share: the price panel read from DuckDB, the
 * schedule and cost params, the optional market-impact inputs, the engine runs at the base
 * cost and every stress level, and the tables they write. Definitions: docs/backtest.md.
 */
import { StrataError, type z, type StageContext, type StageIssue } from "../../src/index.ts";
import { roundOrNull } from "../../src/core/round.ts";
import { readColumns, f64Column, i32Column, stringColumn, formatIsoDate, parseIsoDate } from "../../src/store/index.ts";
import { backtest } from "../../src/quant/backtest/backtest.ts";
import { pricePanel, type PricePanel } from "../../src/quant/backtest/panel.ts";
import { rebalanceRows } from "../../src/quant/backtest/schedule.ts";
import { impactLaw, linearCostRate, weightTradeCost } from "../../src/quant/backtest/costs.ts";
import { trailingImpactInputs } from "../../src/quant/backtest/impact-inputs.ts";
import type { costsParams } from "../../src/quant/backtest/book-params.ts";
import type {
  BacktestOptions,
  BacktestResult,
  ImpactModel,
  Targets,
  TargetRule,
} from "../../src/quant/backtest/types.ts";
import { tearsheet, type Tearsheet } from "../../src/quant/stats/tearsheet.ts";
import type { Regime } from "../../src/quant/regime/market-regimes.ts";
import { panelMarket } from "../../src/quant/backtest/market.ts";
import { regimeMetrics } from "../../src/quant/regime/regime-metrics.ts";

export type Costs = z.output<typeof costsParams>;

/**
 * Plan-time: each cost stress level must be harsher than the one before (strictly increasing),
 * so the stress table reads as a ladder and no two levels share a `net_stress_<bps>` column.
 */
export function costsIssues(costs: Costs): StageIssue[] {
  const s = costs.stress_bps;
  for (let k = 1; k < s.length; k++) {
    if (!(s[k] > s[k - 1])) {
      const sorted = [...new Set(s)].sort((a, b) => a - b);
      return [
        {
          level: "error",
          param: "costs.stress_bps",
          message: `cost stress levels must increase: [${s.join(", ")}] has ${s[k]} after ${s[k - 1]}`,
          hint: `write stress_bps: [${sorted.join(", ")}]`,
        },
      ];
    }
  }
  return [];
}

export interface Market {
  panel: PricePanel;
  /** T × N close × volume (NaN where absent). */
  dollarVolume: Float64Array;
  /** Sector of each symbol (its last non-NULL sector), or null without a sector column. */
  sectors: string[] | null;
  /** Equal-weight return of the names trading on each row (NaN before any). */
  marketReturns: Float64Array;
  states: (Regime | null)[];
}

/** Reads prices (date, symbol, close, volume[, sector]) into the panel and its market states. */
export async function loadMarket(
  ctx: StageContext<{ regimes: { vol_window: number; trend_window: number; min_history: number } }>,
  prices: string,
): Promise<Market> {
  const cols = await readColumns(ctx.db, `DESCRIBE SELECT * FROM ${prices}`);
  const names = stringColumn(cols, "column_name");
  const hasSector = names.includes("sector"),
    hasVolume = names.includes("volume");
  const data = await readColumns(
    ctx.db,
    `SELECT date, symbol, CAST(close AS DOUBLE) AS close,
      ${hasVolume ? "CAST(volume AS DOUBLE)" : "NULL::DOUBLE"} AS volume${hasSector ? ", sector" : ""}
      FROM ${prices} ORDER BY date, symbol`,
  );
  const dates = i32Column(data, "date"),
    symbols = stringColumn(data, "symbol"),
    close = f64Column(data, "close"),
    volume = f64Column(data, "volume");
  if (dates.length === 0)
    throw new StrataError("DATA", `${ctx.stage}: the prices table is empty`, {
      hint: "check the data stage's params (symbols, start, end)",
    });
  const panel = pricePanel(dates, symbols, close);
  const { nRows: T, nAssets: N } = panel;
  const dollarVolume = new Float64Array(T * N).fill(NaN);
  const row = new Map<number, number>(),
    col = new Map<string, number>();
  panel.days.forEach((d, t) => row.set(d, t));
  panel.symbols.forEach((s, i) => col.set(s, i));
  let sectors: string[] | null = null;
  const sectorCol = hasSector ? stringColumn(data, "sector") : null;
  if (sectorCol) sectors = new Array<string>(N).fill("");
  for (let k = 0; k < dates.length; k++) {
    const t = row.get(dates[k])!,
      i = col.get(symbols[k]!)!;
    dollarVolume[t * N + i] = close[k] * volume[k];
    if (sectors && sectorCol![k]) sectors[i] = sectorCol![k]!;
  }
  if (sectors?.some((s) => s === "")) sectors = sectors.map((s) => s || "unknown");
  const rg = ctx.params.regimes;
  const { marketReturns, states } = panelMarket(panel, {
    volWindow: rg.vol_window,
    trendWindow: rg.trend_window,
    minHistory: rg.min_history,
  });
  return { panel, dollarVolume, sectors, marketReturns, states };
}

/** The rebalance rows of the panel on or after `startRow`. */
export function decisionRows(
  panel: PricePanel,
  frequency: "daily" | "weekly" | "monthly",
  startRow: number,
): Int32Array {
  return rebalanceRows(panel.days, frequency).filter((t) => t >= startRow);
}

/** Row of the first panel date ≥ `day`, or −1. */
export function rowOnOrAfter(panel: PricePanel, day: number): number {
  for (let t = 0; t < panel.nRows; t++) if (panel.days[t] >= day) return t;
  return -1;
}

export function parseDateParam(stage: string, name: string, value: string): number {
  const d = parseIsoDate(value);
  if (d === null)
    throw new StrataError("PARAMS", `${stage}: ${name} '${value}' is not a date`, { hint: "write it as YYYY-MM-DD" });
  return d;
}

export interface Evaluation {
  /** First reported row: the first trade (decision row + lag). */
  start: number;
  base: BacktestResult;
  /** Decisions handed to the engine, by decision row (what the rule returned). */
  decided: Map<number, Float64Array>;
  stress: { bps: number; result: BacktestResult; metrics: Tearsheet }[];
  metrics: Tearsheet;
  /** The impact inputs the engine charged (null without an impact model). */
  impact: ImpactModel | null;
}

/** Runs the engine at the base costs (full outputs) and at each stress level (lean). */
export function evaluate(
  market: Market,
  targets: TargetRule,
  firstDecision: number,
  lag: number,
  costs: Costs,
): Evaluation {
  const { panel } = market;
  const decided = new Map<number, Float64Array>();
  const recording: TargetRule = (t, h, e) => {
    const x = targets(t, h, e);
    if (x) decided.set(t, x);
    return x;
  };
  const impact = costs.impact ? trailingImpactInputs(market.panel, market.dollarVolume, costs.impact) : undefined;
  const options = (extra: number, matrices: boolean): BacktestOptions => ({
    lag,
    commissionBps: costs.commission_bps,
    slippageBps: costs.slippage_bps + extra,
    impact,
    matrices,
  });
  const base = backtest(panel.returns, recording, panel.nAssets, options(0, true));
  const start = Math.min(firstDecision + lag, panel.nRows - 1);
  const metrics = tearsheet(base.net.subarray(start));
  const stress = costs.stress_bps.map((bps) => {
    const result = bps === 0 ? base : backtest(panel.returns, targets, panel.nAssets, options(bps, false));
    return { bps, result, metrics: tearsheet(result.net.subarray(start)) };
  });
  return { start, base, decided, stress, metrics, impact: impact ?? null };
}

/** Per-regime Sharpe, CAGR, max drawdown and share of days for returns from `start`. */
export function regimeSummary(market: Market, net: Float64Array, start: number) {
  const r = regimeMetrics(net.subarray(start), market.states.slice(start));
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [
      k,
      {
        periods: v.periods,
        fraction: roundOrNull(v.fraction),
        sharpe: roundOrNull(v.metrics?.sharpe),
        cagr: roundOrNull(v.metrics?.cagr),
        max_drawdown: roundOrNull(v.metrics?.max_drawdown),
      },
    ]),
  );
}

export function roundMetrics(m: Tearsheet): Record<string, number | null> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, roundOrNull(v as number)]));
}

/** Daily rows from `start`: the columns of the `returns` table. */
export function returnColumns(market: Market, ev: Evaluation) {
  const { panel } = market;
  const r = ev.base,
    s = ev.start,
    T = panel.nRows;
  const rows = T - s;
  const cols: Record<string, Float64Array | Int32Array | (string | null)[]> = {
    date: panel.days.slice(s),
    gross: r.gross.slice(s),
    net: r.net.slice(s),
    turnover: r.turnover.slice(s),
    costs: r.costs.slice(s),
    gross_exposure: r.grossExposure.slice(s),
    net_exposure: r.netExposure.slice(s),
    cash: r.cash.slice(s),
    n_names: r.nNames.slice(s),
    // Equity rebased to 1 at the start of the reported period.
    equity: Float64Array.from({ length: rows }, (_, k) => r.equity[s + k] / (s > 0 ? r.equity[s - 1] : 1)),
    regime: market.states.slice(s),
  };
  for (const st of ev.stress)
    if (st.bps !== 0) cols[`net_stress_${String(st.bps).replace(".", "_")}`] = st.result.net.slice(s);
  return cols;
}

/**
 * Executed trades: for each trade row, every asset whose weight moved because of the trade —
 * (date, symbol, before: the drifted weight, after, traded = after − before, cost charged).
 */
export function tradeColumns(market: Market, ev: Evaluation, lag: number, costs: Costs) {
  const { panel } = market;
  const { nAssets: N } = panel;
  const r = ev.base;
  const kappa = linearCostRate(costs.commission_bps, costs.slippage_bps);
  const impact = ev.impact,
    law = impact ? impactLaw(impact) : null;
  const date: number[] = [],
    symbol: string[] = [],
    before: number[] = [],
    after: number[] = [],
    traded: number[] = [],
    cost: number[] = [];
  const rows = [...ev.decided.keys()].sort((a, b) => a - b);
  for (const d of rows) {
    const t = d + lag;
    if (t >= panel.nRows || !r.traded[t] || (r.ruinedAt >= 0 && t >= r.ruinedAt)) continue;
    const x = ev.decided.get(d)!;
    const inv = 1 / (1 + r.gross[t]);
    const preEquity = (t > 0 ? r.equity[t - 1] : 1) * (1 + r.gross[t]);
    for (let i = 0; i < N; i++) {
      const ret = panel.returns[t * N + i];
      if (x[i] !== x[i] || ret !== ret) continue;
      const prev = t > 0 ? r.holdings[(t - 1) * N + i] : 0;
      const w = prev * (1 + ret) * inv;
      const dlt = x[i] - w;
      if (dlt === 0) continue;
      const c = weightTradeCost(
        Math.abs(dlt),
        kappa,
        law,
        preEquity,
        impact ? impact.sigma[t * N + i] : 0,
        impact ? impact.adv[t * N + i] : 0,
      );
      date.push(panel.days[t]);
      symbol.push(panel.symbols[i]);
      before.push(w);
      after.push(x[i]);
      traded.push(dlt);
      cost.push(c);
    }
  }
  return {
    date: Int32Array.from(date),
    symbol,
    before: Float64Array.from(before),
    after: Float64Array.from(after),
    traded: Float64Array.from(traded),
    cost: Float64Array.from(cost),
  };
}

/** metrics.json's `stress`: the Sharpe ratio, CAGR and max drawdown at each cost stress level. */
export function stressSummary(ev: Evaluation) {
  return ev.stress.map((s) => ({
    stress_bps: s.bps,
    sharpe: roundOrNull(s.metrics.sharpe),
    cagr: roundOrNull(s.metrics.cagr),
    max_drawdown: roundOrNull(s.metrics.max_drawdown),
  }));
}

export function stressColumns(ev: Evaluation, costs: Costs) {
  const s = ev.start;
  const sum = (a: Float64Array) => {
    let x = 0;
    for (let k = s; k < a.length; k++) x += a[k];
    return x;
  };
  return {
    stress_bps: Float64Array.from(ev.stress, (x) => x.bps),
    bps_per_side: Float64Array.from(ev.stress, (x) => costs.commission_bps + costs.slippage_bps + x.bps),
    total_costs: Float64Array.from(ev.stress, (x) => sum(x.result.costs)),
    total_return: Float64Array.from(ev.stress, (x) => x.metrics.total_return),
    cagr: Float64Array.from(ev.stress, (x) => x.metrics.cagr),
    annual_volatility: Float64Array.from(ev.stress, (x) => x.metrics.annual_volatility),
    sharpe: Float64Array.from(ev.stress, (x) => x.metrics.sharpe),
    max_drawdown: Float64Array.from(ev.stress, (x) => x.metrics.max_drawdown),
  };
}

/** Annual two-sided turnover Σ|Δw| per year over the reported rows, and mean names held. */
export function activity(ev: Evaluation, periodsPerYear = 252) {
  const r = ev.base,
    s = ev.start,
    n = r.nRows - s;
  let tau = 0,
    names = 0,
    costs = 0;
  for (let t = s; t < r.nRows; t++) {
    tau += r.turnover[t];
    names += r.nNames[t];
    costs += r.costs[t];
  }
  return {
    turnover_annual: roundOrNull((tau / n) * periodsPerYear),
    mean_names: roundOrNull(names / n),
    total_costs: roundOrNull(costs),
    skipped_trades: r.skippedTrades,
  };
}

export const isoDate = (days: number) => formatIsoDate(days);

export type { Targets };
