import { StrataError } from "../../core/errors.ts";
import { finiteValues } from "./conventions.ts";
import { kurtosis } from "./kurtosis.ts";
import { mean } from "./mean.ts";
import { normalCdf } from "./normal-cdf.ts";
import { skew } from "./skew.ts";
import { variance } from "./variance.ts";

/**
 * Shape of the returns behind a Sharpe ratio. Defaults describe normal returns. Used by the
 * probabilistic and deflated Sharpe ratios and the minimum track record length.
 */
export interface ReturnShapeOptions {
  /** Skewness γ3 of the returns (moment coefficient, as `skew`). Default 0. */
  skew?: number;
  /** RAW (Pearson) kurtosis γ4 of the returns: 3 for a normal, NOT excess. Default 3. */
  kurtosis?: number;
}

export interface ProbabilisticSharpeRatioOptions extends ReturnShapeOptions {
  /** Benchmark Sharpe ratio SR*, PER PERIOD like `sharpe`. Default 0. */
  benchmark?: number;
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient
 * Frontier", Journal of Risk 15(2), eq. 9): the probability that the true Sharpe ratio exceeds
 * the benchmark SR*, given an estimate SR̂ from n observations of returns with skewness γ3 and
 * raw kurtosis γ4,
 *   PSR(SR*) = Φ( (SR̂ − SR*)·√(n − 1) / √(1 − γ3·SR̂ + (γ4 − 1)/4·SR̂²) ).
 * The denominator over √(n − 1) is the standard error of SR̂ under non-normal i.i.d. returns
 * (Mertens 2002); for normal returns it is Lo's (2002) √((1 + SR̂²/2)/(n − 1)).
 * `sharpe` and `benchmark` are PER PERIOD (not annualized): divide an annual Sharpe by
 * √periodsPerYear first, or use `sharpeSignificance`.
 */
export function probabilisticSharpeRatio(
  sharpe: number,
  observations: number,
  opts: ProbabilisticSharpeRatioOptions = {},
): number {
  const sr0 = opts.benchmark ?? 0;
  if (!Number.isFinite(sr0)) {
    throw new StrataError(
      "ARGUMENT",
      `probabilisticSharpeRatio: benchmark must be a finite per-period Sharpe ratio, got ${sr0}`,
      {
        hint: "divide an annualized benchmark Sharpe by √periodsPerYear",
      },
    );
  }
  const se = sharpeRatioStandardError(sharpe, observations, opts, "probabilisticSharpeRatio");
  return normalCdf((sharpe - sr0) / se);
}

/**
 * Standard error of a per-period Sharpe estimate SR̂ from n i.i.d. observations with skewness
 * γ3 and raw kurtosis γ4 (Mertens 2002; Bailey & López de Prado 2012, eq. 8):
 *   σ(SR̂) = √((1 − γ3·SR̂ + (γ4 − 1)/4·SR̂²) / (n − 1)).
 */
export function sharpeRatioStandardError(
  sharpe: number,
  observations: number,
  opts: ReturnShapeOptions = {},
  fn = "sharpeRatioStandardError",
): number {
  if (!Number.isFinite(sharpe)) {
    throw new StrataError("ARGUMENT", `${fn}: sharpe must be a finite per-period Sharpe ratio, got ${sharpe}`, {
      hint: "compute it as mean/std of the returns (not annualized); a zero-variance series has no Sharpe ratio",
    });
  }
  if (!Number.isInteger(observations) || observations < 2) {
    throw new StrataError("ARGUMENT", `${fn}: observations must be an integer ≥ 2, got ${observations}`, {
      hint: "pass the number of returns the Sharpe ratio was estimated from",
    });
  }
  const { g3, g4 } = shapeOf(opts, fn);
  const v = 1 - g3 * sharpe + ((g4 - 1) / 4) * sharpe * sharpe;
  return Math.sqrt(v / (observations - 1));
}

/** Validated skewness and raw kurtosis (Pearson's bound γ4 ≥ 1 + γ3² holds for every distribution). */
export function shapeOf(opts: ReturnShapeOptions, fn: string): { g3: number; g4: number } {
  const g3 = opts.skew ?? 0;
  const g4 = opts.kurtosis ?? 3;
  if (!Number.isFinite(g3)) {
    throw new StrataError("ARGUMENT", `${fn}: skew must be a finite number, got ${g3}`, {
      hint: "0 for symmetric returns",
    });
  }
  if (!Number.isFinite(g4) || g4 < 1 + g3 * g3) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: kurtosis ${g4} is impossible with skew ${g3}; raw kurtosis is at least 1 + skew² = ${1 + g3 * g3}`,
      {
        hint: "pass RAW kurtosis (3 for a normal distribution): excess kurtosis + 3",
      },
    );
  }
  return { g3, g4 };
}

export interface ReturnsSharpeMoments {
  /** Per-period Sharpe ratio mean/std (ddof 1) of the finite returns. */
  sharpe: number;
  observations: number;
  /** Moment skewness g1 (scipy default). */
  skew: number;
  /** Raw moment kurtosis m4/m2² (scipy `fisher=False`). */
  kurtosis: number;
}

/**
 * The inputs of the PSR measured on a return series: the per-period Sharpe (ddof 1), the count
 * of finite returns, the moment skewness and the RAW moment kurtosis — the estimators of the
 * papers' Python code (scipy.stats defaults). Returns are already in excess of any risk-free rate.
 */
export function returnsSharpeMoments(returns: ArrayLike<number>): ReturnsSharpeMoments {
  const r = finiteValues(returns);
  const sd = Math.sqrt(variance(r));
  return { sharpe: mean(r) / sd, observations: r.length, skew: skew(r), kurtosis: kurtosis(r, { fisher: false }) };
}
