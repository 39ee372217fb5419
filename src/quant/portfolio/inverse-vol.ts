import type { ResolvedConstraints } from "./constraints.ts";
import { projectOntoConstraints } from "./project.ts";
import type { Attempt } from "./types.ts";

/**
 * Inverse-volatility weights w_i ∝ 1/σ_i (σ_i = √Σ_ii), scaled to the net target, projected onto
 * the constraints. Ignores correlations by design. Fails when some σ_i is not finite and > 0.
 */
export function inverseVolAttempt(cov: ArrayLike<number>, r: ResolvedConstraints): Attempt {
  const n = r.n;
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(Number.isFinite(v) && v > 0))
      return {
        ok: false,
        reason: `asset ${i} has variance ${v}; inverse volatility needs every variance finite and > 0`,
      };
    w[i] = 1 / Math.sqrt(v);
    s += w[i];
  }
  for (let i = 0; i < n; i++) w[i] *= r.net / s;
  return projectOntoConstraints(w, r);
}
