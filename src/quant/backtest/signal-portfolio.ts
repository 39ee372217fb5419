/**
 * Signal → portfolio: at each rebalance row t, rank the names by their score at t, keep the
 * top N (or top quantile) — and, long-short, the bottom N as a short leg — then weight each leg
 * with a portfolio optimizer fed a trailing, point-in-time covariance of the chosen names.
 *
 * Point in time: the decision at row t reads scores of row t and returns of rows
 * t − window + 1 … t only (tested by perturbing everything after t).
 *
 * Eligible at t: a finite score, a finite return at t (the name trades that day) and at least
 * `minObservations` finite returns in the window (default: the whole window — a name listed a
 * month ago has no covariance history yet). Missing days inside the window count as 0 returns.
 * Ranking: score descending, ties by asset index (deterministic). Long-short takes the longs
 * first and the shorts from the rest, so a name is never on both sides.
 *
 * Each leg is optimized on its own names (long-only, weights summing to the leg's net target,
 * default 1, under the given caps), then scaled by its exposure: long-only 1; long-short
 * `legExposure` (default 0.5) long and the same short, i.e. gross 1, net 0. Expected returns
 * for max_sharpe and kelly are the scores × `scoreScale` (a model predicting h-day returns
 * gives annual figures with 252 / h), or the trailing arithmetic mean × periodsPerYear; the
 * short leg's optimizer sees −μ. Optional volatility targeting scales the combined book to an
 * ex-ante volatility under a leverage cap. Names not chosen get weight 0 (sold).
 */
import { StrataError } from "../../core/errors.ts";
import { ledoitWolf } from "../portfolio/ledoit-wolf.ts";
import { sampleCovariance } from "../portfolio/covariance.ts";
import { ewmaCovariance } from "../portfolio/ewma-covariance.ts";
import { optimizePortfolio } from "../portfolio/optimize.ts";
import { rebalance } from "../portfolio/rebalance.ts";
import { volatilityTarget } from "../portfolio/vol-target.ts";
import type { PortfolioConstraints } from "../portfolio/constraints.ts";
import type { LinkageMethod } from "../portfolio/linkage.ts";
import type { PortfolioMethod } from "../portfolio/types.ts";
import type { TargetRule } from "./types.ts";

export type CovarianceEstimator = "sample" | "ledoit_wolf" | "ewma";

export interface SignalPortfolioOptions {
  method: PortfolioMethod;
  /** "long" (default) or "long_short". */
  side?: "long" | "long_short";
  /** Names per leg; or `quantile`, the fraction of eligible names per leg (floor, at least 1). */
  top?: number;
  quantile?: number;
  /** Long-short: weight of each leg (default 0.5: 50 % long, 50 % short). */
  legExposure?: number;
  /** Trailing window of returns for the covariance, rows (default 126). */
  window?: number;
  /** Finite returns needed in the window (default: window). */
  minObservations?: number;
  estimator?: CovarianceEstimator;
  /** EWMA half-life in rows (default: PyPortfolioOpt's span 180). */
  halfLife?: number;
  /** Expected returns for max_sharpe and kelly: "score" (default) or "historical". */
  expectedReturns?: "score" | "historical";
  /** Multiplier turning a score into an annual expected return (default 1). */
  scoreScale?: number;
  periodsPerYear?: number;
  /** Annual risk-free rate (default 0). */
  riskFreeRate?: number;
  /** Per-leg constraints (long-only within a leg; `sectors.of` is indexed by the panel's assets). */
  constraints?: PortfolioConstraints;
  linkage?: LinkageMethod;
  kellyFraction?: number;
  /** Scale the book to this annual ex-ante volatility, gross capped at maxLeverage (default 1). */
  volTarget?: { target: number; maxLeverage?: number };
}

export interface Decision {
  /** Row decided at (its close). */
  t: number;
  /** Target weight per asset (0 for names not chosen). */
  weights: Float64Array;
  long: number[];
  short: number[];
  /** Method that produced each leg's weights (differs from the request after a fallback). */
  methods: PortfolioMethod[];
  /** Fallback reasons of this decision (empty when the requested method worked). */
  fallbacks: string[];
  notes: string[];
  eligible: number;
  /** Vol targeting scale (1 without it). */
  scale: number;
}

export interface SkippedDecision {
  t: number;
  reason: string;
}

function check(cond: boolean, message: string, hint?: string): void {
  if (!cond) throw new StrataError("ARGUMENT", `signalPortfolio: ${message}`, hint ? { hint } : undefined);
}

/** The options after their checks and defaults. */
interface Resolved {
  T: number;
  side: "long" | "long_short";
  window: number;
  minObs: number;
  legExposure: number;
  P: number;
  scoreScale: number;
  estimator: CovarianceEstimator;
}

function resolveOptions(
  returns: Float64Array,
  scores: Float64Array,
  N: number,
  opts: SignalPortfolioOptions,
): Resolved {
  const T = returns.length / N;
  check(
    Number.isInteger(T) && scores.length === returns.length,
    `returns (${returns.length}) and scores (${scores.length}) must both be T × N with N = ${N}`,
  );
  const side = opts.side ?? "long";
  check(side === "long" || side === "long_short", `side must be "long" or "long_short", got ${String(side)}`);
  check(
    (opts.top === undefined) !== (opts.quantile === undefined),
    "give exactly one of top (names per leg) or quantile (fraction per leg)",
  );
  if (opts.top !== undefined)
    check(Number.isInteger(opts.top) && opts.top >= 1, `top must be an integer ≥ 1, got ${opts.top}`);
  if (opts.quantile !== undefined)
    check(
      opts.quantile > 0 && opts.quantile <= (side === "long" ? 1 : 0.5),
      `quantile must be in (0, ${side === "long" ? 1 : 0.5}], got ${opts.quantile}`,
    );
  const window = opts.window ?? 126;
  check(Number.isInteger(window) && window >= 2, `window must be an integer ≥ 2, got ${window}`);
  const minObs = opts.minObservations ?? window;
  check(
    Number.isInteger(minObs) && minObs >= 2 && minObs <= window,
    `minObservations must be an integer in 2..window (${window}), got ${minObs}`,
  );
  const legExposure = side === "long" ? 1 : (opts.legExposure ?? 0.5);
  check(legExposure > 0, `legExposure must be > 0, got ${legExposure}`);
  const estimator = opts.estimator ?? "ledoit_wolf";
  check(
    ["sample", "ledoit_wolf", "ewma"].includes(estimator),
    `estimator must be sample, ledoit_wolf or ewma, got ${String(estimator)}`,
  );
  if (opts.constraints?.sectors)
    check(
      opts.constraints.sectors.of.length === N,
      `constraints.sectors.of has ${opts.constraints.sectors.of.length} entries for ${N} assets`,
    );
  return {
    T,
    side,
    window,
    minObs,
    legExposure,
    P: opts.periodsPerYear ?? 252,
    scoreScale: opts.scoreScale ?? 1,
    estimator,
  };
}

/**
 * Decisions at `rows` (increasing) from `scores` (T × N, NaN = no score) and `returns` (T × N,
 * NaN = not trading). A row with no eligible name is skipped (no rebalance; reason given).
 */
export function signalPortfolio(
  returns: Float64Array,
  scores: Float64Array,
  nAssets: number,
  rows: ArrayLike<number>,
  opts: SignalPortfolioOptions,
): { decisions: Decision[]; skipped: SkippedDecision[] } {
  const N = nAssets;
  const r = resolveOptions(returns, scores, N, opts);
  const decisions: Decision[] = [];
  const skipped: SkippedDecision[] = [];
  const counts = new Int32Array(N);
  let prevRow = -1;
  for (let k = 0; k < rows.length; k++) {
    const t = rows[k];
    check(
      Number.isInteger(t) && t > prevRow && t < r.T,
      `rows must be increasing integers in 0..${r.T - 1}, got ${t} after ${prevRow}`,
    );
    prevRow = t;
    const legs = chooseLegs(returns, scores, N, t, r, opts, counts);
    if (typeof legs === "string") skipped.push({ t, reason: legs });
    else decisions.push(decide(returns, scores, N, t, legs, r, opts));
  }
  return { decisions, skipped };
}

interface Legs {
  long: number[];
  short: number[];
  /** Number of eligible names. */
  eligible: number;
}

/**
 * The long and short names at row t (ascending indices), or the reason there are none.
 * Eligible names are read from rows t − window + 1 … t only; `counts` is scratch (length N).
 */
function chooseLegs(
  returns: Float64Array,
  scores: Float64Array,
  N: number,
  t: number,
  r: Resolved,
  opts: SignalPortfolioOptions,
  counts: Int32Array,
): Legs | string {
  const lo = t - r.window + 1;
  if (lo < 0) return `fewer than ${r.window} rows of return history`;
  counts.fill(0);
  for (let s = lo; s <= t; s++) {
    const o = s * N;
    for (let i = 0; i < N; i++) if (returns[o + i] === returns[o + i]) counts[i]++;
  }
  const eligible: number[] = [];
  for (let i = 0; i < N; i++) {
    const sc = scores[t * N + i],
      rt = returns[t * N + i];
    if (Number.isFinite(sc) && rt === rt && counts[i] >= r.minObs) eligible.push(i);
  }
  if (eligible.length === 0) return "no name has a score and enough return history";
  eligible.sort((a, b) => scores[t * N + b] - scores[t * N + a] || a - b);
  const m = eligible.length;
  let per = opts.top ?? Math.max(1, Math.floor((opts.quantile as number) * m));
  if (r.side === "long_short") per = Math.min(per, Math.floor(m / 2));
  if (per < 1) return `${m} eligible name(s): too few for a long and a short leg`;
  const long = eligible.slice(0, Math.min(per, m)).sort((a, b) => a - b);
  const short = r.side === "long_short" ? eligible.slice(m - per).sort((a, b) => a - b) : [];
  return { long, short, eligible: m };
}

/** Weights of the chosen legs at row t: each leg optimized on its own names, then vol targeting. */
function decide(
  returns: Float64Array,
  scores: Float64Array,
  N: number,
  t: number,
  { long, short, eligible }: Legs,
  r: Resolved,
  opts: SignalPortfolioOptions,
): Decision {
  const lo = t - r.window + 1;
  const union = [...long, ...short];
  const cov = covarianceOf(returns, N, lo, t, union, r.estimator, r.P, opts.halfLife);
  const weights = new Float64Array(N);
  const methods: PortfolioMethod[] = [],
    fallbacks: string[] = [],
    notes: string[] = [];
  const legs: [number[], number][] = [[long, 1]];
  if (short.length) legs.push([short, -1]);
  let offset = 0;
  for (const [names, sign] of legs) {
    const n = names.length;
    const sub = new Float64Array(n * n);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) sub[a * n + b] = cov[(offset + a) * union.length + offset + b];
    const mu = needsMu(opts.method)
      ? expectedReturns(returns, scores, N, lo, t, names, opts.expectedReturns ?? "score", r.scoreScale, r.P).map(
          (v) => sign * v,
        )
      : undefined;
    const res = optimizePortfolio(opts.method, sub, {
      expectedReturns: mu,
      constraints: legConstraints(opts.constraints, names),
      riskFreeRate: opts.riskFreeRate,
      linkage: opts.linkage,
      kellyFraction: opts.kellyFraction,
    });
    methods.push(res.method);
    if (res.fallback) fallbacks.push(`${sign > 0 ? "long" : "short"} leg: ${res.fallback.reason}`);
    notes.push(...res.notes);
    for (let a = 0; a < n; a++) weights[names[a]] = sign * r.legExposure * res.weights[a];
    offset += n;
  }
  let scale = 1;
  if (opts.volTarget) {
    const w = Float64Array.from(union, (i) => weights[i]);
    const vt = volatilityTarget(w, cov, {
      targetVolatility: opts.volTarget.target,
      maxLeverage: opts.volTarget.maxLeverage,
    });
    scale = vt.scale;
    union.forEach((i, a) => {
      weights[i] = vt.weights[a];
    });
  }
  return { t, weights, long, short, methods, fallbacks, notes, eligible, scale };
}

/** The book's constraints for one leg: long-only, with sector and budget maps cut to its names. */
function legConstraints(c: PortfolioConstraints | undefined, names: number[]): PortfolioConstraints {
  return {
    ...c,
    longOnly: true,
    sectors: c?.sectors ? { of: names.map((i) => c.sectors!.of[i]), caps: c.sectors.caps } : undefined,
    budgets: c?.budgets
      ? { ...c.budgets, strategyOf: c.budgets.strategyOf ? names.map((i) => c.budgets!.strategyOf![i]) : undefined }
      : undefined,
  };
}

const needsMu = (m: PortfolioMethod) => m === "max_sharpe" || m === "kelly";

/** Annualized covariance of `names` over rows lo..t (missing returns as 0). */
function covarianceOf(
  returns: Float64Array,
  N: number,
  lo: number,
  t: number,
  names: number[],
  estimator: CovarianceEstimator,
  P: number,
  halfLife?: number,
): Float64Array {
  const cols = names.map((i) => {
    const c = new Float64Array(t - lo + 1);
    for (let s = lo; s <= t; s++) {
      const r = returns[s * N + i];
      c[s - lo] = r === r ? r : 0;
    }
    return c;
  });
  if (estimator === "sample") return sampleCovariance(cols, { periodsPerYear: P });
  if (estimator === "ewma")
    return ewmaCovariance(cols, halfLife === undefined ? { periodsPerYear: P } : { halfLife, periodsPerYear: P });
  return ledoitWolf(cols, { periodsPerYear: P }).covariance;
}

function expectedReturns(
  returns: Float64Array,
  scores: Float64Array,
  N: number,
  lo: number,
  t: number,
  names: number[],
  kind: "score" | "historical",
  scale: number,
  P: number,
): number[] {
  if (kind === "score") return names.map((i) => scores[t * N + i] * scale);
  return names.map((i) => {
    let s = 0,
      n = 0;
    for (let r = lo; r <= t; r++) {
      const v = returns[r * N + i];
      if (v === v) {
        s += v;
        n++;
      }
    }
    return (s / n) * P;
  });
}

export interface TradingRules {
  /** No-trade band: names whose target is within `band` of the current weight are not traded. */
  band?: number;
  /** Cap on Σ|Δw| per rebalance: trades are scaled down to fit. */
  maxTurnover?: number;
}

/**
 * The engine's target rule for `decisions`: on a decision row, the target after the no-trade
 * band and the turnover cap, both measured against the holdings at the decision's close (the
 * trade itself happens lag rows later, on the weights drifted by then). Names held by the band
 * are left untraded (NaN), so they keep drifting instead of being reset to their old weight.
 */
export function decisionRule(decisions: readonly Decision[], rules: TradingRules = {}): TargetRule {
  const at = new Map<number, Float64Array>();
  for (const d of decisions) at.set(d.t, d.weights);
  const band = rules.band ?? 0,
    maxTurnover = rules.maxTurnover ?? Infinity;
  if (band === 0 && maxTurnover === Infinity) return (t) => at.get(t) ?? null;
  return (t, holdings) => {
    const target = at.get(t);
    if (!target) return null;
    const r = rebalance(target, holdings, { band, maxTurnover });
    for (const i of r.held) r.weights[i] = NaN;
    return r.weights;
  };
}
