import { StrataError } from "../../core/errors.ts";
import { excessReturns, periodsPerYearOf, type PeriodsOption, type RiskFreeOption } from "./conventions.ts";
import { pow } from "../../core/math/index.ts";

export interface AlphaBetaOptions extends PeriodsOption, RiskFreeOption {
  /**
   * How the mean per-period alpha ᾱ is annualized: "compound" (default, empyrical ≥ 0.5.3 /
   * empyrical-reloaded `alpha_aligned`: (1 + ᾱ)^P − 1) or "simple" (older empyrical: ᾱ·P).
   */
  annualization?: "compound" | "simple";
}

export interface AlphaBeta {
  /** Annualized Jensen's alpha (decimal); NaN when undefined. */
  alpha: number;
  /** CAPM beta, Cov(r, b) / Var(b); NaN when the benchmark is constant (Var < 1e-30, as empyrical). */
  beta: number;
}

/**
 * CAPM alpha and beta of `returns` against a row-aligned `benchmark` (empyrical
 * `alpha_beta_aligned`): only periods where both are non-NaN count; with e = r − rf and
 * f = b − rf, β = Σ(f − f̄)(e − ē) / Σ(f − f̄)² (two-pass, the OLS slope of scipy's linregress),
 * ᾱ = mean(e − β·f), alpha = (1 + ᾱ)^P − 1. NaN for fewer than two pairs.
 */
export function alphaBeta(
  returns: ArrayLike<number>,
  benchmark: ArrayLike<number>,
  opts: AlphaBetaOptions = {},
): AlphaBeta {
  const n = returns.length;
  if (benchmark.length !== n) {
    throw new StrataError(
      "ARGUMENT",
      `alphaBeta: returns has ${n} values but benchmark has ${benchmark.length}; expected equal lengths`,
      {
        hint: "align the two series on their dates first (inner join), then pass them row-aligned",
      },
    );
  }
  const p = periodsPerYearOf(opts, "alphaBeta");
  const e = excessReturns(returns, opts, "alphaBeta");
  const f = excessReturns(benchmark, opts, "alphaBeta");
  let k = 0,
    me = 0,
    mf = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(f[i])) continue;
    k++;
    me += e[i];
    mf += f[i];
  }
  if (k < 2) return { alpha: NaN, beta: NaN };
  me /= k;
  mf /= k;
  let sff = 0,
    sfe = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(f[i])) continue;
    const df = f[i] - mf;
    sff += df * df;
    sfe += df * (e[i] - me);
  }
  const beta = sff / k < 1e-30 ? NaN : sfe / sff;
  let sa = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(f[i])) continue;
    sa += e[i] - beta * f[i];
  }
  const a = sa / k;
  const alpha = opts.annualization === "simple" ? a * p : pow(1 + a, p) - 1;
  return { alpha, beta };
}
