import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import { DD_SLACK, bootstrapSetup, type BlockBootstrapOptions } from "./bootstrap-confidence-intervals.ts";
import { quantileSorted } from "./quantile.ts";

export interface MonteCarloReturnsOptions extends Omit<BlockBootstrapOptions, "resamples"> {
  /** Number of simulated paths. Default 1000. */
  paths?: number;
  /** Periods per path. Default: the length of the series. */
  horizon?: number;
  /** Probabilities at which to report quantiles. Default [0.05, 0.25, 0.5, 0.75, 0.95]. */
  quantiles?: number[];
  /** Loss fractions f (decimal) for P(final equity < 1 − f) and P(max drawdown < −f). Default [0.1, 0.2, 0.3]. */
  lossFractions?: number[];
}

export interface MonteCarloReturns {
  /** Final equity of each path (start = 1), sorted ascending. */
  finalEquity: Float64Array;
  /** Max drawdown of each path (a negative decimal, peak starting at 1), sorted ascending (worst first). */
  maxDrawdown: Float64Array;
  /** Quantiles of the final equity (numpy's linear method). */
  finalEquityQuantiles: { p: number; value: number }[];
  /** Quantiles of the max drawdown: p = 0.05 is a bad case (a deep drawdown). */
  maxDrawdownQuantiles: { p: number; value: number }[];
  /** P(final equity < 1): the path ends with a loss. */
  probabilityOfLoss: number;
  /** P(final equity < 1 − f) for each loss fraction f. */
  lossProbabilities: { fraction: number; probability: number }[];
  /** P(max drawdown < −f) for each loss fraction f. */
  drawdownProbabilities: { fraction: number; probability: number }[];
  paths: number;
  horizon: number;
  method: "stationary" | "circular";
  blockLength: number;
}

/**
 * Monte Carlo of a return series by block resampling: `paths` paths of `horizon` periods drawn
 * with the stationary (default) or circular block bootstrap (see `bootstrapConfidenceIntervals`
 * for the block length), each compounded from equity 1:
 *   W_h = Π_{t≤h}(1 + r*_t),   MDD = min_t (W_t / max(1, max_{s≤t} W_s) − 1),
 * giving the distribution of final equity and max drawdown and the probabilities of ending
 * with a loss, of losing more than a fraction f (W_h < 1 − f) and of a drawdown deeper than f.
 * Resampling blocks keeps volatility clustering and short-range dependence that an i.i.d.
 * shuffle would destroy (blockLength 1 is that shuffle). Seeded: the same rng seed gives the
 * same paths.
 */
export function monteCarloReturns(returns: ArrayLike<number>, opts: MonteCarloReturnsOptions): MonteCarloReturns {
  const paths = opts.paths ?? 1000;
  if (!Number.isInteger(paths) || paths < 1) {
    throw new StrataError("ARGUMENT", `monteCarloReturns: paths must be a positive integer, got ${paths}`, {
      hint: "1000 or more for stable tail quantiles",
    });
  }
  const { x, n, method, blockLength } = bootstrapSetup(returns, { ...opts, resamples: paths }, "monteCarloReturns");
  const horizon = opts.horizon ?? n;
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new StrataError(
      "ARGUMENT",
      `monteCarloReturns: horizon must be a positive integer number of periods, got ${horizon}`,
      {
        hint: "e.g. 252 for one year of daily returns",
      },
    );
  }
  const probs = opts.quantiles ?? [0.05, 0.25, 0.5, 0.75, 0.95];
  const fractions = opts.lossFractions ?? [0.1, 0.2, 0.3];
  for (const p of probs) {
    if (!(p >= 0 && p <= 1))
      throw new StrataError("ARGUMENT", `monteCarloReturns: quantile ${p} is not a probability in [0, 1]`, {
        hint: "e.g. [0.05, 0.5, 0.95]",
      });
  }
  for (const f of fractions) {
    if (!(f >= 0 && f <= 1))
      throw new StrataError("ARGUMENT", `monteCarloReturns: loss fraction ${f} is not in [0, 1]`, {
        hint: "a decimal: 0.2 for a 20% loss",
      });
  }
  const finalEquity = new Float64Array(paths),
    maxDrawdown = new Float64Array(paths);
  if (method === "circular") circularPaths(x, blockLength, horizon, opts.rng, finalEquity, maxDrawdown);
  else stationaryPaths(x, blockLength, horizon, opts.rng, finalEquity, maxDrawdown);
  finalEquity.sort();
  maxDrawdown.sort();
  const below = (sorted: Float64Array, v: number) => {
    let lo = 0,
      hi = sorted.length; // first index with sorted[i] ≥ v
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo / sorted.length;
  };
  return {
    finalEquity,
    maxDrawdown,
    finalEquityQuantiles: probs.map((p) => ({ p, value: quantileSorted(finalEquity, p) })),
    maxDrawdownQuantiles: probs.map((p) => ({ p, value: quantileSorted(maxDrawdown, p) })),
    probabilityOfLoss: below(finalEquity, 1),
    lossProbabilities: fractions.map((f) => ({ fraction: f, probability: below(finalEquity, 1 - f) })),
    drawdownProbabilities: fractions.map((f) => ({ fraction: f, probability: below(maxDrawdown, -f) })),
    paths,
    horizon,
    method,
    blockLength,
  };
}

/*
 * The path kernels: each path drawn and compounded in one pass, without an index buffer, with
 * the same draws from `rng` in the same order as `stationaryBootstrapIndices` /
 * `circularBlockBootstrapIndices` (length = horizon) and the same running product, so every
 * path's final equity and max drawdown are bit for bit those of compounding the resampled
 * indices. The drawdown divides only on periods that may set a new low, as in
 * `bootstrapConfidenceIntervals` (see DD_SLACK there: the threshold sits above the exact
 * boundary by more than the rounding of both sides, so no new low is missed); the step is
 * written out in each loop for the reason given there.
 */

function stationaryPaths(
  x: Float64Array,
  blockLength: number,
  horizon: number,
  rng: Rng,
  finalEquity: Float64Array,
  maxDrawdown: Float64Array,
): void {
  const n = x.length,
    p = 1 / blockLength;
  for (let b = 0; b < finalEquity.length; b++) {
    // `| 0`: an index the compiler knows is an int32 (rng.int returns one, typed as a double).
    let i = rng.int(n) | 0;
    let w = 1,
      peak = 1,
      low = 0,
      thr = 1 + DD_SLACK;
    for (let t = 0; ; ) {
      w *= 1 + x[i];
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
      if (++t === horizon) break;
      i = rng.next() < p ? rng.int(n) | 0 : i + 1 === n ? 0 : i + 1;
    }
    finalEquity[b] = w;
    maxDrawdown[b] = low;
  }
}

function circularPaths(
  x: Float64Array,
  blockLength: number,
  horizon: number,
  rng: Rng,
  finalEquity: Float64Array,
  maxDrawdown: Float64Array,
): void {
  const n = x.length;
  for (let b = 0; b < finalEquity.length; b++) {
    let w = 1,
      peak = 1,
      low = 0,
      thr = 1 + DD_SLACK;
    for (let t = 0; t < horizon; ) {
      let i = rng.int(n) | 0;
      let left = Math.min(blockLength, horizon - t);
      t += left;
      while (left > 0) {
        const stop = Math.min(n, i + left);
        left -= stop - i;
        for (; i < stop; i++) {
          w *= 1 + x[i];
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
    finalEquity[b] = w;
    maxDrawdown[b] = low;
  }
}
