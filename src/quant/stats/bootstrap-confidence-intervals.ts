import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import { blockBootstrapIndices, type BlockBootstrapMethod } from "./block-bootstrap.ts";
import { periodsPerYearOf, type PeriodsOption } from "./conventions.ts";
import { optimalBlockLength } from "./optimal-block-length.ts";
import { quantileSorted } from "./quantile.ts";

export interface BlockBootstrapOptions {
  /** The seeded random stream. Required: the same seed gives the same resamples. */
  rng: Rng;
  /** "stationary" (default; Politis & Romano 1994) or "circular" (fixed blocks, wrapping). */
  method?: BlockBootstrapMethod;
  /**
   * Mean (stationary) or fixed (circular, rounded) block length in periods. Default: the
   * automatic length of `optimalBlockLength` for the method, at least 1.
   */
  blockLength?: number;
  /** Number of resamples B. Default 1000. */
  resamples?: number;
}

export interface BootstrapConfidenceIntervalOptions extends BlockBootstrapOptions, PeriodsOption {
  /** Two-sided confidence level. Default 0.95. */
  level?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the original series. */
  estimate: number;
  lower: number;
  upper: number;
}

export interface BootstrapConfidenceIntervals {
  /** Annualized Sharpe ratio (mean/std, ddof 1, × √periodsPerYear — as `sharpeRatio`). */
  sharpe: ConfidenceInterval;
  /** CAGR (as `cagr`). */
  cagr: ConfidenceInterval;
  /** Maximum drawdown, a negative decimal (as `maxDrawdown`). */
  maxDrawdown: ConfidenceInterval;
  level: number;
  method: BlockBootstrapMethod;
  /** The block length used (after defaulting and, for the circular bootstrap, rounding). */
  blockLength: number;
  resamples: number;
}

/**
 * Percentile confidence intervals (Efron's percentile method) of the annualized Sharpe ratio,
 * CAGR and maximum drawdown of a return series under a block bootstrap: B resamples of the
 * series' length by the stationary (Politis & Romano 1994) or circular (Politis & Romano 1992)
 * bootstrap, each statistic computed on every resample, and the interval
 *   [Q((1 − level)/2), Q((1 + level)/2)]
 * of the B values (`quantile`, numpy's linear method). Resamples on which a statistic is not
 * finite (a constant resample's Sharpe) are left out of its quantiles. Deterministic for a
 * given `rng` seed. Returns must be finite simple returns (decimal), already net of any
 * risk-free rate. The block length defaults to Politis & White (2004) with the Patton,
 * Politis & White (2009) correction.
 */
export function bootstrapConfidenceIntervals(returns: ArrayLike<number>, opts: BootstrapConfidenceIntervalOptions): BootstrapConfidenceIntervals {
  const p = periodsPerYearOf(opts, "bootstrapConfidenceIntervals");
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) {
    throw new StrataError("ARGUMENT", `bootstrapConfidenceIntervals: level must be in (0, 1), got ${level}`, { hint: "e.g. 0.95 for a 95% interval" });
  }
  const setup = bootstrapSetup(returns, opts, "bootstrapConfidenceIntervals");
  const { x, n, method, blockLength, resamples } = setup;
  const sharpe = new Float64Array(resamples), growth = new Float64Array(resamples), mdd = new Float64Array(resamples);
  const idx = new Int32Array(n), sample = new Float64Array(n), stats = new Float64Array(3);
  for (let b = 0; b < resamples; b++) {
    blockBootstrapIndices(method, n, blockLength, { rng: opts.rng, out: idx });
    for (let t = 0; t < n; t++) sample[t] = x[idx[t]];
    pathStatistics(sample, p, stats);
    sharpe[b] = stats[0]; growth[b] = stats[1]; mdd[b] = stats[2];
  }
  pathStatistics(x, p, stats);
  const lo = (1 - level) / 2, hi = (1 + level) / 2;
  const interval = (estimate: number, values: Float64Array): ConfidenceInterval => {
    const sorted = sortedFinite(values);
    return { estimate, lower: quantileSorted(sorted, lo), upper: quantileSorted(sorted, hi) };
  };
  return {
    sharpe: interval(stats[0], sharpe),
    cagr: interval(stats[1], growth),
    maxDrawdown: interval(stats[2], mdd),
    level, method, blockLength, resamples,
  };
}

/**
 * The bootstrap distribution of any statistic of a return series: B block-bootstrap resamples
 * (options as `bootstrapConfidenceIntervals`), the statistic of each. The statistic receives a
 * reused buffer: copy it if you keep it.
 */
export function bootstrapDistribution(returns: ArrayLike<number>, statistic: (sample: Float64Array) => number, opts: BlockBootstrapOptions): Float64Array {
  const { x, n, method, blockLength, resamples } = bootstrapSetup(returns, opts, "bootstrapDistribution");
  const out = new Float64Array(resamples);
  const idx = new Int32Array(n), sample = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    blockBootstrapIndices(method, n, blockLength, { rng: opts.rng, out: idx });
    for (let t = 0; t < n; t++) sample[t] = x[idx[t]];
    out[b] = statistic(sample);
  }
  return out;
}

/** Validated inputs shared by the bootstraps of a return series. */
export function bootstrapSetup(returns: ArrayLike<number>, opts: BlockBootstrapOptions, fn: string) {
  if (!opts?.rng) {
    throw new StrataError("ARGUMENT", `${fn}: opts.rng is required`, { hint: "pass { rng: createRng(seed) } so the resampling is reproducible" });
  }
  const n = returns.length;
  const x = Float64Array.from(returns);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i])) {
      throw new StrataError("ARGUMENT", `${fn}: return ${i} is ${x[i]}; the series must be finite`, { hint: "drop or fill missing returns first" });
    }
  }
  if (n < 2) throw new StrataError("ARGUMENT", `${fn}: needs at least 2 returns, got ${n}`, { hint: "pass a longer series" });
  const method = opts.method ?? "stationary";
  if (method !== "stationary" && method !== "circular") {
    throw new StrataError("ARGUMENT", `${fn}: method must be "stationary" or "circular", got ${JSON.stringify(method)}`);
  }
  const resamples = opts.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new StrataError("ARGUMENT", `${fn}: resamples must be a positive integer, got ${resamples}`, { hint: "1000 or more for percentile intervals" });
  }
  let blockLength = opts.blockLength;
  if (blockLength === undefined) {
    if (n < 9) throw new StrataError("ARGUMENT", `${fn}: the automatic block length needs at least 9 returns, got ${n}`, { hint: "pass opts.blockLength" });
    const b = optimalBlockLength(x);
    blockLength = Math.max(1, method === "circular" ? b.circular : b.stationary);
  }
  if (!(blockLength >= 1) || !Number.isFinite(blockLength) || blockLength > n) {
    throw new StrataError("ARGUMENT", `${fn}: blockLength must be between 1 and the series length ${n}, got ${blockLength}`, {
      hint: "omit it to use the Politis–White automatic length",
    });
  }
  if (method === "circular") blockLength = Math.max(1, Math.round(blockLength));
  return { x, n, method, blockLength, resamples };
}

/**
 * Annualized Sharpe (ddof 1), CAGR and max drawdown of one path into out[0..2], in one pass
 * each and without allocating; same definitions as `sharpeRatio`, `cagr` and `maxDrawdown`.
 */
export function pathStatistics(r: Float64Array, periodsPerYear: number, out: Float64Array): void {
  const n = r.length;
  let s = 0;
  for (let t = 0; t < n; t++) s += r[t];
  const m = s / n;
  let ss = 0, wealth = 1, peak = 1, mdd = 0;
  for (let t = 0; t < n; t++) {
    const d = r[t] - m;
    ss += d * d;
    wealth *= 1 + r[t];
    if (wealth > peak) peak = wealth;
    const dd = wealth / peak - 1;
    if (dd < mdd) mdd = dd;
  }
  out[0] = (m / Math.sqrt(ss / (n - 1))) * Math.sqrt(periodsPerYear);
  out[1] = Math.pow(wealth, periodsPerYear / n) - 1;
  out[2] = mdd;
}

function sortedFinite(values: Float64Array): Float64Array {
  let k = 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out.subarray(0, k).sort();
}
