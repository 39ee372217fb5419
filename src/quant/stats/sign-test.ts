import { StrataError } from "../../core/errors.ts";
import { exp, log, pow } from "../../core/math/index.ts";

export interface SignTestOptions {
  /**
   * "two-sided" (default; H1: P(r > 0) ≠ ½), "greater" (H1: positive returns are more likely)
   * or "less".
   */
  alternative?: "two-sided" | "greater" | "less";
}

export interface SignTestResult {
  positives: number;
  negatives: number;
  /** Zero returns, left out of the test. */
  zeros: number;
  /** positives + negatives: the binomial sample size. */
  n: number;
  pValue: number;
  alternative: "two-sided" | "greater" | "less";
}

/**
 * Sign test of returns (Dixon & Mood 1946; Conover, Practical Nonparametric Statistics, §3.4):
 * under H0 a return is as likely to be positive as negative, so the count k of positives among
 * the n non-zero returns is Binomial(n, ½). Exact p-values:
 *   greater: P(X ≥ k),   less: P(X ≤ k),   two-sided: min(1, 2·min(P(X ≥ k), P(X ≤ k)))
 * (for p = ½ the same as R's `binom.test`, which sums the outcomes no more likely than k).
 * Zero and NaN returns are left out. The smaller tail is summed directly (ratios of consecutive
 * terms from Loader's saddle-point P(X = k)), so small p-values keep their relative accuracy.
 * p = 1 when there are no non-zero returns.
 */
export function signTest(returns: ArrayLike<number>, opts: SignTestOptions = {}): SignTestResult {
  const alternative = opts.alternative ?? "two-sided";
  if (alternative !== "two-sided" && alternative !== "greater" && alternative !== "less") {
    throw new StrataError(
      "ARGUMENT",
      `signTest: alternative must be "two-sided", "greater" or "less", got ${JSON.stringify(alternative)}`,
      {
        hint: '"greater" asks whether positive returns are more frequent than negative ones',
      },
    );
  }
  let positives = 0,
    negatives = 0,
    zeros = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (r > 0) positives++;
    else if (r < 0) negatives++;
    else if (r === 0) zeros++;
  }
  const n = positives + negatives;
  let pValue: number;
  if (alternative === "greater") pValue = binomialUpperTail(n, positives);
  else if (alternative === "less")
    pValue = binomialUpperTail(n, negatives); // P(X ≤ k) = P(X ≥ n − k) for p = ½
  else pValue = Math.min(1, 2 * Math.min(binomialUpperTail(n, positives), binomialUpperTail(n, negatives)));
  return { positives, negatives, zeros, n, pValue, alternative };
}

/** P(X ≥ k) for X ~ Binomial(n, ½), to ~1e-12 relative accuracy or better, even for tails near 1e-90 (n = 10⁴). */
export function binomialUpperTail(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (2 * k <= n) return 1 - binomialUpperTail(n, n - k + 1); // P(X ≥ k) = 1 − P(X ≥ n − k + 1) ≥ ½: no cancellation
  // Σ_{i≥k} P(X = i) = P(X = k) · Σ_{i≥k} C(n, i)/C(n, k); the term ratio (n − i)/(i + 1) < 1 decreases.
  let term = 1,
    sum = 1;
  for (let i = k; i < n; i++) {
    term *= (n - i) / (i + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return binomialHalfPmf(n, k) * sum;
}

/**
 * P(X = k) for X ~ Binomial(n, ½) by Loader's saddle-point expansion (Loader 2000, "Fast and
 * Accurate Computation of Binomial Probabilities"; the method of R's dbinom):
 *   P = √(n / (2π·k·(n − k))) · exp(δ(n) − δ(k) − δ(n − k) − D(k, n/2) − D(n − k, n/2)),
 * δ(m) = ln m! − (m + ½)ln m + m − ½ln 2π (Stirling's error), D(x, M) = x·ln(x/M) + M − x.
 * Every piece is small, so nothing of size n·ln 2 cancels (as ln C(n, k) − n·ln 2 would).
 */
function binomialHalfPmf(n: number, k: number): number {
  if (k === 0 || k === n) return pow(0.5, n);
  const m = n / 2;
  const e = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, m) - deviance(n - k, m);
  return Math.sqrt(n / (2 * Math.PI * k * (n - k))) * exp(e);
}

/** δ(m) = ln m! − (m + ½)·ln m + m − ½·ln 2π for an integer m ≥ 1: exact product below 16, Stirling's series above. */
function stirlingError(m: number): number {
  if (m < 16) {
    let f = 1;
    for (let i = 2; i <= m; i++) f *= i; // ≤ 15! < 2^53: exact
    return log(f) - (m + 0.5) * log(m) + m - 0.5 * log(2 * Math.PI);
  }
  const mm = m * m;
  // 1/(12m) − 1/(360m³) + 1/(1260m⁵) − 1/(1680m⁷) + 1/(1188m⁹)
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / mm) / mm) / mm) / mm) / m;
}

/** D(x, M) = x·ln(x/M) + M − x, by its series in v = (x − M)/(x + M) when x is near M (Loader's bd0). */
function deviance(x: number, M: number): number {
  if (Math.abs(x - M) < 0.1 * (x + M)) {
    const v = (x - M) / (x + M),
      v2 = v * v;
    let s = (x - M) * v,
      ej = 2 * x * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const next = s + ej / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
    return s;
  }
  return x * log(x / M) + M - x;
}
