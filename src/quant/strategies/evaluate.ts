/**
 * Evaluates many parameter sets of one strategy kind in one pass over a price panel.
 *
 * The book, with the backtest engine's conventions (src/quant/backtest: lag = bars between the
 * decision and the trade; costs κ = (commission_bps + slippage_bps) / 10⁴ per side on traded
 * notional, linearCostRate in costs.ts). The decision d[t,i] made at the close of bar t
 * (kind.ts) is traded at the close of bar t + lag and held over the bars after it:
 *
 *   pos[t,i] = d[t − lag, i]  (0 for t < lag), and 0 when symbol i has no close at t
 *   r[t,i]   = close[t,i] / close[t−1,i] − 1   (NaN when either close is missing: no P&L)
 *   R[t]     = (1/N) Σ_i ( pos[t−1,i]·r[t,i] − κ·|pos[t,i] − pos[t−1,i]| )
 *
 * Each symbol has an equal sleeve of 1/N of equity, rebalanced to 1/N every bar: R is the mean
 * over the N symbols of the per-symbol strategy returns (the cross-sectional mean of per-column
 * returns one takes of a vectorbt-style signal backtest), a symbol without a position earning 0.
 * A symbol without a close at t is flat from then until it has a close again: its position is
 * closed at t (paying κ on it) at its last close, since r is NaN on that bar. R[0] = 0 (no
 * return yet), so the series is row-aligned with the panel. Costs enter as a deduction from the
 * bar's return, as in the backtest engine (net = gross − cost).
 *
 * Arithmetic, and why evaluating K sets at once gives each exactly the numbers it gets alone:
 * every rolling quantity is a function of its own window and symbol only (rolling-sums.ts,
 * wilder.ts, channels.ts); decisions are comparisons of those; P = Σ_i pos·r is summed exactly,
 * in integers, after rounding each return to a multiple of 2^−b (b ≈ 80 for daily data: below
 * 10⁻²⁰), and converted to a double once (exact-sums.ts); U is an integer; R[t] = (P − κ·U)/N is
 * then one expression. No value depends on which other sets, windows or tiles were computed, nor
 * on the order of the sets.
 *
 * Cost: the K·N·T set-bars are not visited one by one. Decisions are followed as changes
 * (events.ts); the sets are booked in a chain of nearby parameters (chain-order.ts), each as its
 * difference from the one before (book.ts); many moving-average pairs follow the sorted order of
 * the averages (pair-order.ts).
 */
import { StrataError } from "../../core/errors.ts";
import { linearCostRate } from "../backtest/costs.ts";
import { type PeriodsOption, periodsPerYearOf } from "../stats/conventions.ts";
import { chainOrder } from "./chain-order.ts";
import { parseParams, type StrategyKind } from "./kind.ts";
import {
  type StrategyKindName,
  type StrategyParamsByKind,
  type StrategyParamsInputByKind,
  strategyKind,
} from "./kinds.ts";
import { type StrategyPanel, type SymbolColumns, symbolColumns, validatePanel } from "./panel.ts";
import { Book } from "./book.ts";
import { plan } from "./plan.ts";

export interface EvaluateStrategiesOptions extends PeriodsOption {
  /** Bars between the decision and its trade (whole number ≥ 1, default 1). */
  lag?: number;
  /** Commission in basis points per side on traded notional (default 0). */
  commissionBps?: number;
  /** Slippage in basis points per side on traded notional (default 0). */
  slippageBps?: number;
  /** Keep each set's return series R (default false). */
  keepReturns?: boolean;
  /** Keep each set's traded positions pos, row-major T × N (default false; T·N bytes per set). */
  keepPositions?: boolean;
}

export interface StrategyMetrics {
  /** Π(1 + R[t]) − 1 (totalReturn, src/quant/stats). */
  totalReturn: number;
  /** Annualized Sharpe ratio of R, mean / SD (ddof 1) · √periodsPerYear (sharpeRatio); NaN for a flat book. */
  sharpe: number;
  /** Maximum drawdown of the compounded R, ≤ 0 (maxDrawdown, from a starting wealth of 1). */
  maxDrawdown: number;
  /** Position changes: the (t, i) with pos[t,i] ≠ pos[t−1,i] (a reversal −1 → +1 is one). */
  trades: number;
  /** Mean over the T bars of (1/N) Σ_i |pos[t,i] − pos[t−1,i]| (a reversal counts 2). */
  meanTurnover: number;
  /**
   * Fraction of the symbol-bars held (pos[t−1,i] ≠ 0 with r[t,i] defined) on which the position
   * gained (pos·r > 0), before costs; NaN when nothing was held.
   */
  winRate: number;
  /** Mean over the T bars of the fraction of symbols held, (1/N) Σ_i |pos[t−1,i]|. */
  meanExposure: number;
}

export interface StrategyEvaluation<P> {
  /** The parameter set, validated and with its defaults. */
  params: P;
  metrics: StrategyMetrics;
  /** R (length T) with `keepReturns`: views into one buffer shared by all sets. */
  returns?: Float64Array;
  /** pos (T × N, row-major) with `keepPositions`. */
  positions?: Int8Array;
}

function checkOptions(o: EvaluateStrategiesOptions): { lag: number; kappa: number; periods: number } {
  const lag = o.lag ?? 1;
  if (!Number.isInteger(lag) || lag < 1) {
    throw new StrataError("ARGUMENT", `evaluateStrategies: lag must be a whole number of bars ≥ 1, got ${lag}`, {
      hint: "a decision made at the close of t can trade at the close of t + 1 at the earliest (lag 1)",
    });
  }
  for (const key of ["commissionBps", "slippageBps"] as const) {
    const v = o[key] ?? 0;
    if (!(v >= 0) || v === Infinity)
      throw new StrataError("ARGUMENT", `evaluateStrategies: ${key} must be a finite number ≥ 0, got ${v}`, {
        hint: "costs are basis points per side on traded notional: 1 = 0.01 %",
      });
  }
  const kappa = linearCostRate(o.commissionBps ?? 0, o.slippageBps ?? 0);
  return { lag, kappa, periods: periodsPerYearOf(o, "evaluateStrategies") };
}

/**
 * Evaluates every parameter set of `kind` on `panel` (see the module comment for the book), each
 * distinct rolling quantity computed once for all the sets that read it. Returns one evaluation
 * per set, in order. Throws a StrataError naming the set and the param for invalid params.
 */
export function evaluateStrategies<Kind extends StrategyKindName>(
  kind: Kind,
  panel: StrategyPanel,
  paramSets: readonly StrategyParamsInputByKind[Kind][],
  options: EvaluateStrategiesOptions = {},
): StrategyEvaluation<StrategyParamsByKind[Kind]>[] {
  const spec = strategyKind(kind, "evaluateStrategies");
  validatePanel(panel, "evaluateStrategies");
  const { lag, kappa, periods } = checkOptions(options);
  const sets = paramSets.map((p, k) => parseParams(spec, p, k));
  if (sets.length === 0) return [];
  const cols = symbolColumns(panel);
  // Booked in chain order (neighbouring parameters next to each other): faster, same numbers.
  const order = chainOrder(sets);
  const chain = Array.from(order, (k) => sets[k]);
  const book = run(spec, chain, cols, lag, kappa, options.keepPositions === true, options.keepReturns === true);
  const series = book.finish();
  const { T, N } = cols,
    { trades, traded, exposed, missing, wins, positions, metrics: m } = book;
  const out = new Array<StrategyEvaluation<StrategyParamsByKind[Kind]>>(sets.length);
  order.forEach((k, c) => {
    // The same numbers as totalReturn, sharpeRatio and maxDrawdown (src/quant/stats) of R.
    const metrics: StrategyMetrics = {
      totalReturn: m.totalReturn(c),
      sharpe: m.sharpe(c, periods),
      maxDrawdown: m.maxDrawdown(c),
      trades: trades[c],
      meanTurnover: traded[c] / (N * T),
      // Bars held with a return: all held bars but the first of each gap (its close is missing).
      winRate: exposed[c] - missing[c] === 0 ? NaN : wins[c] / (exposed[c] - missing[c]),
      meanExposure: exposed[c] / (N * T),
    };
    const e: StrategyEvaluation<StrategyParamsByKind[Kind]> = {
      params: sets[k] as StrategyParamsByKind[Kind],
      metrics,
    };
    if (series) e.returns = series.subarray(c * T, (c + 1) * T);
    if (positions) e.positions = positions[c];
    out[k] = e;
  });
  return out;
}

/**
 * The pass over the panel: tiles of rows, then symbols; per (tile, symbol) the features, then
 * every set's decision changes into the book (plan.ts has the why of this order).
 */
function run<P>(
  spec: StrategyKind<P, unknown>,
  sets: P[],
  cols: SymbolColumns,
  lag: number,
  kappa: number,
  keepPositions: boolean,
  keepReturns: boolean,
): Book {
  const { T, N } = cols;
  const { L, specs, fill, events } = plan(spec, sets, cols);
  const book = new Book(cols, sets.length, lag, kappa, L, keepPositions, keepReturns);
  const feat = new Float64Array(specs.length * L);
  for (let t0 = 0; t0 < T; t0 += L) {
    const t1 = Math.min(T, t0 + L);
    for (let i = 0; i < N; i++) {
      fill(i, t0, t1 - t0, feat);
      book.begin(i, t0, t1);
      events.events(i, t0, t1 - t0, feat, book);
      book.end();
    }
    book.resolve(t0, t1);
  }
  return book;
}
