/**
 * Walk-forward optimization of a rule strategy (src/quant/strategies): in each window
 * (walk-forward.ts) its parameters are searched — by grid or by the genetic algorithm of the
 * tuner (src/quant/ml/tuning) — on the training bars only, then traded on the test bars; the
 * test bars of all windows are stitched into one out-of-sample return series.
 *
 * A parameter set is evaluated once over the whole panel (evaluateStrategies, every set of a
 * batch in one vectorized pass) and its return series R is sliced per window. That is point in
 * time because R[t] reads prices up to t only (the strategies decide at a close from closes up
 * to it, and trade `lag` ≥ 1 bars later): a training window's figures cannot see a later
 * price, which a test proves by perturbing every price of a test window.
 *
 * Objectives, all maximized: `sharpe` (annualized, of R on the bars), `total_return`,
 * `max_drawdown` (≤ 0, so less deep is larger), `turnover` (its negative: less is better) and
 * `win_rate`. One objective searches for its maximum; several make the search multi-objective
 * (NSGA-II for the genetic search, the non-dominated set for the grid) and each window's choice
 * is `pickFromFront` by `weights`.
 *
 * Stitching: the test bars' R of each window's choice, plus at each window's first test bar the
 * cost of moving the book from the previous choice's positions to this one's (from flat for the
 * first window): κ·(1/N)·Σ_i |pos_new[t₀−1,i] − pos_old[t₀−1,i]|.
 *
 * The stitched book (`held`): the position carried out of the close of row t is the one of the
 * choice whose test window holds row t + 1 — at a window's last bar the next window's choice is
 * already in place (the switch above) — and at the last test bar, the last choice's. It starts
 * at the row before the first test bar (the book built from flat) and its weight is pos / N (the
 * equal sleeves). Each row's `turnover` in `oos` is what its cost was charged on, (1/N)·Σ|Δpos|
 * plus the switch at a window's first bar, so Σ cost = κ · Σ turnover.
 */
import { StrataError } from "../../core/errors.ts";
import { hashString32 } from "../../core/rng.ts";
import { linearCostRate } from "../backtest/costs.ts";
import { geneticSearch } from "../ml/tuning/genetic.ts";
import { gridPoints, paramKey } from "../ml/tuning/grid.ts";
import { frontAndBest } from "../ml/tuning/pareto.ts";
import type { ParamValues, SearchSpace } from "../ml/tuning/space.ts";
import { maxDrawdown } from "../stats/max-drawdown.ts";
import { sharpeRatio } from "../stats/sharpe-ratio.ts";
import { evaluateStrategies, type StrategyKindName, type StrategyPanel } from "../strategies/index.ts";
import {
  walkForwardSummary,
  walkForwardWindows,
  type RobustnessFilters,
  type WalkForwardOptions,
  type WalkForwardSummary,
  type WalkForwardWindow,
  type WindowOutcome,
} from "./walk-forward.ts";

export const OBJECTIVES = ["sharpe", "total_return", "max_drawdown", "turnover", "win_rate"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface SearchSettings {
  method: "grid" | "genetic";
  /** Grid: the cap on its points. */
  maxPoints?: number;
  /** Genetic: population, generations, patience (generations without a better front). */
  population?: number;
  generations?: number;
  patience?: number;
  seed: number;
}

export interface WalkForwardSearchOptions {
  kind: StrategyKindName;
  panel: StrategyPanel;
  /** Bar dates, epoch days, ascending (one per panel row). */
  days: Int32Array;
  space: SearchSpace;
  /** A filter on parameter sets (e.g. fast < slow); infeasible sets are never evaluated. */
  constraint?: (p: ParamValues) => boolean;
  /** Fixed params added to every set (e.g. long_only). */
  fixed?: Record<string, unknown>;
  search: SearchSettings;
  objectives: readonly Objective[];
  weights?: readonly number[];
  walkForward: WalkForwardOptions;
  filters: RobustnessFilters;
  lag: number;
  commissionBps: number;
  slippageBps: number;
}

/** One distinct parameter set evaluated, with its full-sample figures (for the trial registry). */
export interface EvaluatedSet {
  index: number;
  params: Record<string, unknown>;
  sharpe: number;
}

export interface WindowChoice extends WindowOutcome {
  window: WalkForwardWindow;
  /** Distinct sets evaluated in this window's search (cached ones included). */
  searched: number;
}

export interface WalkForwardSearchResult {
  windows: WindowChoice[];
  /**
   * The stitched out-of-sample returns: bar index, return, and the turnover its cost was charged
   * on ((1/N)·Σ_i |Δpos|, with the switch between choices at a window's first bar), in order.
   */
  oos: { row: number; ret: number; turnover: number }[];
  /**
   * The stitched positions carried out of each close (−1, 0, +1; the book's weight is pos / N):
   * rows `first` … `first + rows − 1` (the row before the first test bar to the last test bar),
   * row-major (rows × N). Traded at that close, so decided `lag` rows earlier.
   */
  held: { first: number; rows: number; positions: Int8Array };
  summary: WalkForwardSummary;
  /** Every distinct set evaluated, in evaluation order. */
  evaluated: EvaluatedSet[];
  /** The last window's front (several objectives) or best set, as [params, objectives]. */
  front: { params: Record<string, unknown>; objectives: number[] }[];
}

interface Cached {
  index: number;
  params: Record<string, unknown>;
  returns: Float64Array;
  /** Position changes per bar (Σ_i [pos[t,i] ≠ pos[t−1,i]]) and Σ_i |Δpos| / N per bar. */
  trades: Int32Array;
  turnover: Float64Array;
  /** Symbol-bars held and won per bar (win rate over a slice). */
  held: Int32Array;
  won: Int32Array;
}

const BATCH = 64;

/** Evaluates the not-yet-cached sets of `batch` (in order) and caches them. */
function evaluateInto(o: WalkForwardSearchOptions, cache: Map<string, Cached>, order: Cached[], batch: ParamValues[]) {
  const fresh: { key: string; params: Record<string, unknown> }[] = [];
  for (const p of batch) {
    const params = { ...p, ...o.fixed };
    const key = paramKey(params as ParamValues);
    if (!cache.has(key) && !fresh.some((f) => f.key === key)) fresh.push({ key, params });
  }
  const { nRows: T, nAssets: N, close } = o.panel;
  for (let s = 0; s < fresh.length; s += BATCH) {
    const part = fresh.slice(s, s + BATCH);
    const ev = evaluateStrategies(o.kind, o.panel, part.map((f) => f.params) as never[], {
      lag: o.lag,
      commissionBps: o.commissionBps,
      slippageBps: o.slippageBps,
      keepReturns: true,
      keepPositions: true,
    });
    part.forEach((f, k) => {
      const pos = ev[k].positions!;
      const trades = new Int32Array(T),
        turnover = new Float64Array(T),
        held = new Int32Array(T),
        won = new Int32Array(T);
      for (let t = 1; t < T; t++) {
        let n = 0,
          a = 0,
          h = 0,
          w = 0;
        for (let i = 0; i < N; i++) {
          const d = pos[t * N + i] - pos[(t - 1) * N + i];
          if (d !== 0) {
            n++;
            a += Math.abs(d);
          }
          const p = pos[(t - 1) * N + i];
          const r = close[t * N + i] / close[(t - 1) * N + i] - 1;
          if (p !== 0 && r === r) {
            h++;
            if (p * r > 0) w++;
          }
        }
        trades[t] = n;
        turnover[t] = a / N;
        held[t] = h;
        won[t] = w;
      }
      const c: Cached = {
        index: order.length,
        params: f.params,
        returns: Float64Array.from(ev[k].returns!),
        trades,
        turnover,
        held,
        won,
      };
      cache.set(f.key, c);
      order.push(c);
    });
  }
}

const annualReturn = (r: Float64Array) => {
  let g = 1;
  for (const x of r) g *= 1 + x;
  return r.length ? g ** (252 / r.length) - 1 : NaN;
};
const sum = (a: ArrayLike<number>, from: number, to: number) => {
  let s = 0;
  for (let t = from; t < to; t++) s += a[t];
  return s;
};

/** The objectives of a cached set over bars [from, to). */
function objectivesOf(c: Cached, names: readonly Objective[], from: number, to: number): number[] {
  const r = c.returns.subarray(from, to);
  return names.map((n) => {
    const v =
      n === "sharpe"
        ? sharpeRatio(r)
        : n === "total_return"
          ? r.reduce((g, x) => g * (1 + x), 1) - 1
          : n === "max_drawdown"
            ? maxDrawdown(r)
            : n === "turnover"
              ? -sum(c.turnover, from, to) / Math.max(1, to - from)
              : sum(c.won, from, to) / sum(c.held, from, to);
    return Number.isFinite(v) ? v : -Infinity;
  });
}

/** Searches one window's training bars; returns the chosen cached set and the number of sets searched. */
async function searchWindow(
  o: WalkForwardSearchOptions,
  w: WalkForwardWindow,
  cache: Map<string, Cached>,
  order: Cached[],
): Promise<{ chosen: Cached; searched: number; front: Cached[] }> {
  const [from, to] = w.train;
  const score = async (batch: ParamValues[]) => {
    evaluateInto(o, cache, order, batch);
    return batch.map((p) =>
      objectivesOf(cache.get(paramKey({ ...p, ...o.fixed } as ParamValues))!, o.objectives, from, to),
    );
  };
  let sets: ParamValues[];
  let objectives: number[][];
  if (o.search.method === "grid") {
    sets = gridPoints(o.space, { constraint: o.constraint, maxPoints: o.search.maxPoints });
    objectives = await score(sets);
  } else {
    const g = await geneticSearch(o.space, score, {
      seed: hashString32(`${o.search.seed}:${w.index}`),
      population: o.search.population,
      generations: o.search.generations,
      patience: o.search.patience,
      constraint: o.constraint,
      weights: o.weights ? [...o.weights] : undefined,
    });
    sets = g.evaluations.map((e) => e.params);
    objectives = g.evaluations.map((e) => e.objectives);
  }
  const items = objectives.map((obj, k) => ({ objectives: obj, k }));
  const { front, best } = frontAndBest(items, o.weights ? [...o.weights] : undefined);
  const at = (k: number) => cache.get(paramKey({ ...sets[k], ...o.fixed } as ParamValues))!;
  return { chosen: at(best.k), searched: sets.length, front: front.map((f) => at(f.k)) };
}

/** The walk-forward optimization of one strategy kind. */
export async function walkForwardSearch(o: WalkForwardSearchOptions): Promise<WalkForwardSearchResult> {
  if (!o.objectives.length || o.objectives.some((n) => !OBJECTIVES.includes(n)))
    throw new StrataError("ARGUMENT", `walk-forward search: objectives ${JSON.stringify(o.objectives)}`, {
      hint: `choose from ${OBJECTIVES.join(", ")}`,
    });
  if (o.days.length !== o.panel.nRows)
    throw new StrataError("ARGUMENT", `walk-forward search: ${o.days.length} dates for ${o.panel.nRows} bars`);
  const windows = walkForwardWindows(o.days, o.walkForward);
  const cache = new Map<string, Cached>();
  const order: Cached[] = [];
  const kappa = linearCostRate(o.commissionBps, o.slippageBps);
  const choices: WindowChoice[] = [];
  const oos: { row: number; ret: number; turnover: number }[] = [];
  let previous: Cached | null = null;
  let lastFront: Cached[] = [];
  for (const w of windows) {
    const { chosen, searched, front } = await searchWindow(o, w, cache, order);
    lastFront = front;
    const [a, b] = w.test;
    const test = chosen.returns.subarray(a, b);
    const train = chosen.returns.subarray(w.train[0], w.train[1]);
    choices.push({
      window: w,
      params: chosen.params,
      searched,
      trainSharpe: sharpeRatio(train),
      trainReturn: annualReturn(train),
      testSharpe: sharpeRatio(test),
      testReturn: annualReturn(test),
      testDrawdown: maxDrawdown(test),
      testTrades: sum(chosen.trades, a, b),
    });
    const switched = switchTurnover(o, chosen, previous, a);
    const switchCost = kappa * switched;
    for (let t = a; t < b; t++)
      oos.push({
        row: t,
        ret: chosen.returns[t] - (t === a ? switchCost : 0),
        turnover: chosen.turnover[t] + (t === a ? switched : 0),
      });
    previous = chosen;
  }
  return {
    windows: choices,
    oos,
    held: stitchedPositions(o, choices),
    summary: walkForwardSummary(choices, o.filters),
    evaluated: order.map((c) => ({ index: c.index, params: c.params, sharpe: sharpeRatio(c.returns) })),
    front: lastFront.map((c) => ({
      params: c.params,
      objectives: objectivesOf(c, o.objectives, windows.at(-1)!.train[0], windows.at(-1)!.train[1]),
    })),
  };
}

/** (1/N)·Σ_i |pos_new[t₀−1,i] − pos_old[t₀−1,i]|: moving the book from one choice to the next at a window's start. */
function switchTurnover(o: WalkForwardSearchOptions, next: Cached, prev: Cached | null, t0: number): number {
  if (t0 === 0) return 0;
  if (prev && paramKey(prev.params as ParamValues) === paramKey(next.params as ParamValues)) return 0;
  const sets = prev ? [next.params, prev.params] : [next.params];
  const ev = evaluateStrategies(o.kind, o.panel, sets as never[], {
    lag: o.lag,
    commissionBps: o.commissionBps,
    slippageBps: o.slippageBps,
    keepPositions: true,
  });
  const N = o.panel.nAssets,
    row = (t0 - 1) * N;
  let a = 0;
  for (let i = 0; i < N; i++) a += Math.abs(ev[0].positions![row + i] - (prev ? ev[1].positions![row + i] : 0));
  return a / N;
}

/**
 * The stitched positions (WalkForwardSearchResult.held): row t carries the position of the
 * choice whose test window holds row t + 1, from the row before the first test bar to the last
 * test bar (which carries the last choice's). Each distinct choice is evaluated once more, with
 * its positions kept (the cache keeps returns only).
 */
function stitchedPositions(o: WalkForwardSearchOptions, choices: readonly WindowChoice[]) {
  const N = o.panel.nAssets;
  if (!choices.length) return { first: 0, rows: 0, positions: new Int8Array(0) };
  const keys = choices.map((c) => paramKey(c.params as ParamValues));
  const distinct = [...new Set(keys)];
  const sets = distinct.map((k) => choices[keys.indexOf(k)].params);
  const ev = evaluateStrategies(o.kind, o.panel, sets as never[], {
    lag: o.lag,
    commissionBps: o.commissionBps,
    slippageBps: o.slippageBps,
    keepPositions: true,
  });
  const first = Math.max(0, choices[0].window.test[0] - 1);
  const last = choices.at(-1)!.window.test[1] - 1;
  const rows = last - first + 1;
  const positions = new Int8Array(rows * N);
  let w = 0;
  for (let t = first; t <= last; t++) {
    // The window whose test holds t + 1 (the last bar: its own); in a gap between test windows
    // (step_months > test_months), the previous choice, as the switch cost assumes.
    const u = Math.min(t + 1, last);
    while (w < choices.length - 1 && choices[w].window.test[1] <= u) w++;
    const k = choices[w].window.test[0] > u && w > 0 ? w - 1 : w;
    const pos = ev[distinct.indexOf(keys[k])].positions!;
    positions.set(pos.subarray(t * N, (t + 1) * N), (t - first) * N);
  }
  return { first, rows, positions };
}
