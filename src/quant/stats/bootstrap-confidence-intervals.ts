import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import type { BlockBootstrapMethod } from "./block-bootstrap.ts";
import { periodsPerYearOf, type PeriodsOption } from "./conventions.ts";
import { optimalBlockLength } from "./optimal-block-length.ts";
import { quantileSorted } from "./quantile.ts";
import { pow } from "../../core/math/index.ts";

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
export function bootstrapConfidenceIntervals(
  returns: ArrayLike<number>,
  opts: BootstrapConfidenceIntervalOptions,
): BootstrapConfidenceIntervals {
  const p = periodsPerYearOf(opts, "bootstrapConfidenceIntervals");
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) {
    throw new StrataError("ARGUMENT", `bootstrapConfidenceIntervals: level must be in (0, 1), got ${level}`, {
      hint: "e.g. 0.95 for a 95% interval",
    });
  }
  const setup = bootstrapSetup(returns, opts, "bootstrapConfidenceIntervals");
  const { x, method, blockLength, resamples } = setup;
  const sharpe = new Float64Array(resamples),
    growth = new Float64Array(resamples),
    mdd = new Float64Array(resamples);
  const stats = new Float64Array(3);
  if (method === "circular") circularResampleStatistics(x, blockLength, opts.rng, p, sharpe, growth, mdd);
  else stationaryResampleStatistics(x, blockLength, opts.rng, p, sharpe, growth, mdd);
  pathStatistics(x, p, stats);
  const lo = (1 - level) / 2,
    hi = (1 + level) / 2;
  const interval = (estimate: number, values: Float64Array): ConfidenceInterval => {
    const sorted = sortedFinite(values);
    return { estimate, lower: quantileSorted(sorted, lo), upper: quantileSorted(sorted, hi) };
  };
  return {
    sharpe: interval(stats[0], sharpe),
    cagr: interval(stats[1], growth),
    maxDrawdown: interval(stats[2], mdd),
    level,
    method,
    blockLength,
    resamples,
  };
}

/**
 * The bootstrap distribution of any statistic of a return series: B block-bootstrap resamples
 * (options as `bootstrapConfidenceIntervals`), the statistic of each. The statistic receives a
 * reused buffer: copy it if you keep it.
 */
export function bootstrapDistribution(
  returns: ArrayLike<number>,
  statistic: (sample: Float64Array) => number,
  opts: BlockBootstrapOptions,
): Float64Array {
  const { x, n, method, blockLength, resamples } = bootstrapSetup(returns, opts, "bootstrapDistribution");
  const out = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    fillResample(method, x, blockLength, opts.rng, sample);
    out[b] = statistic(sample);
  }
  return out;
}

/** Validated inputs shared by the bootstraps of a return series. */
export function bootstrapSetup(returns: ArrayLike<number>, opts: BlockBootstrapOptions, fn: string) {
  if (!opts?.rng) {
    throw new StrataError("ARGUMENT", `${fn}: opts.rng is required`, {
      hint: "pass { rng: createRng(seed) } so the resampling is reproducible",
    });
  }
  const n = returns.length;
  const x = Float64Array.from(returns);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i])) {
      throw new StrataError("ARGUMENT", `${fn}: return ${i} is ${x[i]}; the series must be finite`, {
        hint: "drop or fill missing returns first",
      });
    }
  }
  if (n < 2)
    throw new StrataError("ARGUMENT", `${fn}: needs at least 2 returns, got ${n}`, { hint: "pass a longer series" });
  const method = opts.method ?? "stationary";
  if (method !== "stationary" && method !== "circular") {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: method must be "stationary" or "circular", got ${JSON.stringify(method)}`,
    );
  }
  const resamples = opts.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new StrataError("ARGUMENT", `${fn}: resamples must be a positive integer, got ${resamples}`, {
      hint: "1000 or more for percentile intervals",
    });
  }
  let blockLength = opts.blockLength;
  if (blockLength === undefined) {
    if (n < 9)
      throw new StrataError("ARGUMENT", `${fn}: the automatic block length needs at least 9 returns, got ${n}`, {
        hint: "pass opts.blockLength",
      });
    const b = optimalBlockLength(x);
    blockLength = Math.max(1, method === "circular" ? b.circular : b.stationary);
  }
  if (!(blockLength >= 1) || !Number.isFinite(blockLength) || blockLength > n) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: blockLength must be between 1 and the series length ${n}, got ${blockLength}`,
      {
        hint: "omit it to use the Politis–White automatic length",
      },
    );
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
  let ss = 0,
    wealth = 1,
    peak = 1,
    mdd = 0;
  for (let t = 0; t < n; t++) {
    const d = r[t] - m;
    ss += d * d;
    wealth *= 1 + r[t];
    if (wealth > peak) peak = wealth;
    const dd = wealth / peak - 1;
    if (dd < mdd) mdd = dd;
  }
  out[0] = (m / Math.sqrt(ss / (n - 1))) * Math.sqrt(periodsPerYear);
  out[1] = pow(wealth, periodsPerYear / n) - 1;
  out[2] = mdd;
}

function sortedFinite(values: Float64Array): Float64Array {
  let k = 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out.subarray(0, k).sort();
}

/*
 * The resampling kernels. Each resample is drawn and measured in one pass, without index or
 * sample buffers: the same draws from `rng`, in the same order, as `stationaryBootstrapIndices`
 * / `circularBlockBootstrapIndices` followed by `pathStatistics` on the resampled path, and the
 * same running sums and products, so the mean, CAGR and max drawdown of every resample are
 * `pathStatistics`' values bit for bit. Only the Sharpe ratio's sum of squares is gathered
 * differently (in the same pass, see `resampleSharpe`): it differs from the two-pass value by
 * rounding alone.
 *
 * Drawdown without a division per period: the running minimum `low` of W_t/peak − 1 can only
 * fall on a period where W_t < peak·(1 + low), so the division is done only then. The test uses
 * the threshold peak·(1 + low + DD_SLACK·(1 − low)), above the exact boundary by more than the
 * rounding of both sides (under 3 ulp of 1 + |low|), so every period whose rounded drawdown
 * fl(fl(W/peak) − 1) is below `low` is divided, and the minimum is the two-pass one exactly.
 *
 * The drawdown step is written out in each kernel here and in monte-carlo-returns.ts on
 * purpose: it updates three locals (peak, low, thr) every period, which a helper could only
 * hand back through an object or array per period in the innermost loop.
 */
export const DD_SLACK = 1e-15;

/**
 * Sharpe ratio of a resample of n values from s = Σr (summed in order, as `pathStatistics`)
 * and q = Σ(r − k)², k the resample's first value. With m = s/n,
 *   Σ(r − m)² = Σ(r − k)² − n·(m − k)²
 * (the shifted-data formula; Chan, Golub & LeVeque 1983): one pass, and k, a value of the
 * resample, keeps the subtraction well conditioned — its rounding error relative to the
 * variance grows like (1 + (k − m)²/σ²)·√n·ε: ~1e-14 when k lies within a σ or two of the
 * mean, ~1e-12 for a 10σ first day. A constant resample gives q = 0 exactly, hence no variance
 * and a non-finite Sharpe ratio that the quantiles leave out (the two-pass sum could leave a
 * spurious ~1e-35 from the rounding of m, and a finite Sharpe ratio of ~1e17).
 */
function resampleSharpe(s: number, q: number, k: number, n: number, rootP: number): number {
  const m = s / n;
  const e = m - k;
  const ss = Math.max(0, q - n * e * e);
  return (m / Math.sqrt(ss / (n - 1))) * rootP;
}

/** Sharpe, CAGR and max drawdown of each of `sharpe.length` stationary-bootstrap resamples. */
function stationaryResampleStatistics(
  x: Float64Array,
  blockLength: number,
  rng: Rng,
  periodsPerYear: number,
  sharpe: Float64Array,
  growth: Float64Array,
  mdd: Float64Array,
): void {
  const n = x.length,
    p = 1 / blockLength;
  const rootP = Math.sqrt(periodsPerYear),
    exponent = periodsPerYear / n;
  for (let b = 0; b < sharpe.length; b++) {
    // `| 0`: an index the compiler knows is an int32 (rng.int returns one, typed as a double).
    let i = rng.int(n) | 0;
    const k = x[i];
    let s = 0,
      q = 0,
      w = 1,
      peak = 1,
      low = 0,
      thr = 1 + DD_SLACK;
    for (let t = 0; ; ) {
      const r = x[i];
      s += r;
      const d = r - k;
      q += d * d;
      w *= 1 + r;
      if (w > peak) {
        peak = w;
        thr = peak * (1 + low + DD_SLACK * (1 - low));
      } else if (w < thr) {
        const dd = w / peak - 1;
        if (dd < low) {
          low = dd;
          thr = peak * (1 + low + DD_SLACK * (1 - low));
        }
      }
      if (++t === n) break;
      // As stationaryBootstrapIndices: a new uniform start with probability p, else the next day.
      i = rng.next() < p ? rng.int(n) | 0 : i + 1 === n ? 0 : i + 1;
    }
    sharpe[b] = resampleSharpe(s, q, k, n, rootP);
    growth[b] = pow(w, exponent) - 1;
    mdd[b] = low;
  }
}

/** As `stationaryResampleStatistics`, for the circular block bootstrap (integer blockLength). */
function circularResampleStatistics(
  x: Float64Array,
  blockLength: number,
  rng: Rng,
  periodsPerYear: number,
  sharpe: Float64Array,
  growth: Float64Array,
  mdd: Float64Array,
): void {
  const n = x.length;
  const rootP = Math.sqrt(periodsPerYear),
    exponent = periodsPerYear / n;
  for (let b = 0; b < sharpe.length; b++) {
    let s = 0,
      q = 0,
      w = 1,
      peak = 1,
      low = 0,
      thr = 1 + DD_SLACK,
      k = 0;
    for (let t = 0; t < n; ) {
      // As circularBlockBootstrapIndices: blockLength consecutive values from a uniform start,
      // wrapping past the end, the last block cut at n; walked as at most two contiguous runs.
      let i = rng.int(n) | 0;
      if (t === 0) k = x[i];
      let left = Math.min(blockLength, n - t);
      t += left;
      while (left > 0) {
        const stop = Math.min(n, i + left);
        left -= stop - i;
        for (; i < stop; i++) {
          const r = x[i];
          s += r;
          const d = r - k;
          q += d * d;
          w *= 1 + r;
          if (w > peak) {
            peak = w;
            thr = peak * (1 + low + DD_SLACK * (1 - low));
          } else if (w < thr) {
            const dd = w / peak - 1;
            if (dd < low) {
              low = dd;
              thr = peak * (1 + low + DD_SLACK * (1 - low));
            }
          }
        }
        i = 0;
      }
    }
    sharpe[b] = resampleSharpe(s, q, k, n, rootP);
    growth[b] = pow(w, exponent) - 1;
    mdd[b] = low;
  }
}

/** One resample of x into out (x.length values): the values at the bootstrap's indices. */
function fillResample(
  method: BlockBootstrapMethod,
  x: Float64Array,
  blockLength: number,
  rng: Rng,
  out: Float64Array,
): void {
  const n = x.length;
  if (method === "circular") {
    for (let t = 0; t < n; ) {
      let i = rng.int(n);
      for (let k = 0; k < blockLength && t < n; k++, t++) {
        out[t] = x[i];
        i = i + 1 === n ? 0 : i + 1;
      }
    }
    return;
  }
  const p = 1 / blockLength;
  let i = rng.int(n);
  out[0] = x[i];
  for (let t = 1; t < n; t++) {
    i = rng.next() < p ? rng.int(n) : i + 1 === n ? 0 : i + 1;
    out[t] = x[i];
  }
}
