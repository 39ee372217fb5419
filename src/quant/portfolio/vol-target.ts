/**
 * Volatility targeting: scale the whole book by k = min(targetVol / σ_p, maxLeverage / gross)
 * so its ex-ante volatility σ_p = √(wᵀΣw) hits `targetVolatility` (annualized when Σ is)
 * unless that would need gross exposure Σ|w| above `maxLeverage`. Scaling can go both ways:
 * a calm book is levered up to the cap, a volatile one cut down.
 */
import { StrataError } from "../../core/errors.ts";
import { quadForm } from "./dense.ts";

export interface VolTargetOptions {
  /** Target annualized volatility, decimal (e.g. 0.10). */
  targetVolatility: number;
  /** Cap on gross exposure Σ|w| after scaling (default 1). */
  maxLeverage?: number;
}

export interface VolTargetResult {
  weights: Float64Array;
  scale: number;
  /** Ex-ante volatility after scaling. */
  volatility: number;
  /** True when the leverage cap, not the target, set the scale. */
  leverageBound: boolean;
}

export function volatilityTarget(
  w: ArrayLike<number>,
  cov: ArrayLike<number>,
  opts: VolTargetOptions,
): VolTargetResult {
  const n = w.length;
  const lev = opts.maxLeverage ?? 1;
  if (!(opts.targetVolatility > 0))
    throw new StrataError("ARGUMENT", `volatilityTarget: targetVolatility must be > 0, got ${opts.targetVolatility}`, {
      hint: "pass an annualized decimal, e.g. 0.1 for 10%",
    });
  if (!(lev > 0)) throw new StrataError("ARGUMENT", `volatilityTarget: maxLeverage must be > 0, got ${lev}`);
  const vol = Math.sqrt(Math.max(0, quadForm(cov, w, n)));
  let gross = 0;
  for (let i = 0; i < n; i++) gross += Math.abs(w[i]);
  const byVol = vol > 0 ? opts.targetVolatility / vol : Infinity;
  const byLev = gross > 0 ? lev / gross : Infinity;
  let scale = Math.min(byVol, byLev);
  if (!Number.isFinite(scale)) scale = 0; // an empty book stays empty
  return {
    weights: Float64Array.from(w, (v) => v * scale),
    scale,
    volatility: vol * scale,
    leverageBound: byLev < byVol,
  };
}
