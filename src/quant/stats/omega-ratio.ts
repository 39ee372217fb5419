import { periodsPerYearOf, type PeriodsOption } from "./conventions.ts";
import { pow } from "../../core/math/index.ts";

export interface OmegaRatioOptions extends PeriodsOption {
  /** Risk-free return per period subtracted first: a constant or a row-aligned array. Default 0. */
  riskFree?: number | ArrayLike<number>;
  /**
   * Minimum acceptable return, ANNUAL (empyrical's convention), converted per period as
   * (1 + R)^(1/periodsPerYear) − 1; with periodsPerYear 1 it is used as is. Default 0.
   * R ≤ −1 gives NaN.
   */
  requiredReturn?: number;
}

/**
 * Omega ratio at threshold τ (empyrical `omega_ratio`; Keating & Shadwick 2002):
 *   Σ max(x_t, 0) / Σ max(−x_t, 0),  x_t = r_t − rf_t − τ
 * over the non-NaN periods. NaN for fewer than two returns or when no period is below τ.
 * At τ = 0 this is Bernardo & Ledoit's gain–loss ratio.
 */
export function omegaRatio(returns: ArrayLike<number>, opts: OmegaRatioOptions = {}): number {
  const p = periodsPerYearOf(opts, "omegaRatio");
  const n = returns.length;
  if (n < 2) return NaN;
  const req = opts.requiredReturn ?? 0;
  let tau: number;
  if (p === 1) tau = req;
  else if (req <= -1) return NaN;
  else tau = pow(1 + req, 1 / p) - 1;
  const rf = opts.riskFree ?? 0;
  let up = 0,
    down = 0;
  for (let i = 0; i < n; i++) {
    const x = returns[i] - (typeof rf === "number" ? rf : rf[i]) - tau;
    if (x > 0) up += x;
    else if (x < 0) down -= x;
  }
  return down > 0 ? up / down : NaN;
}
