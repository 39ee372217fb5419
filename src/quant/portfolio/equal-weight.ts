import type { ResolvedConstraints } from "./constraints.ts";
import { projectOntoConstraints } from "./project.ts";
import type { Attempt } from "./types.ts";

/** w_i = net / n, projected onto the constraints (sector caps can bind). Never fails for n ≥ 1. */
export function equalWeightAttempt(r: ResolvedConstraints): Attempt {
  if (r.n === 0) return { ok: true, weights: new Float64Array(0), notes: ["no assets"] };
  return projectOntoConstraints(new Float64Array(r.n).fill(r.net / r.n), r);
}
