import { EXACT_DECIMALS, roundDecimals } from "../../core/round.ts";
import {
  type ResolvedConstraints,
  dimOf,
  inequalityRows,
  maxFeasibleNet,
  netRow,
  variableOf,
  violation,
  weightsOf,
} from "./constraints.ts";
import { solveQp, type LinearConstraint } from "./qp.ts";
import type { Attempt } from "./types.ts";

/**
 * Solve min ½xᵀQx + cᵀx over the constraints with Σw = net; when the caps cannot reach the net
 * target, lower it to the largest feasible value and add a note.
 */
export function solveBudgeted(
  Q: ArrayLike<number>,
  c: ArrayLike<number>,
  r: ResolvedConstraints,
  extra: LinearConstraint[] = [],
): Attempt {
  const rows = inequalityRows(r);
  let res = solveQp(Q, c, [...rows, ...extra, netRow(r)]);
  const notes: string[] = [];
  if (res.status === "infeasible") {
    const m = maxFeasibleNet(r);
    if (!Number.isFinite(m)) return { ok: false, reason: "the constraints admit no portfolio" };
    const net = Math.sign(r.net) * m;
    notes.push(
      `net exposure lowered from ${r.net} to ${roundDecimals(net, EXACT_DECIMALS)}: the caps cannot reach the target ` +
        `(the rest is cash)`,
    );
    res = solveQp(Q, c, [...rows, ...extra, netRow(r, net)]);
  }
  if (res.status !== "optimal") return { ok: false, reason: `quadratic program ${res.status.replace("_", " ")}` };
  return { ok: true, weights: weightsOf(r, res.x), notes };
}

/**
 * Nearest weights to `w0` satisfying the constraints, in the relative metric
 * Σ (w_i − w0_i)² / |w0_i|: the KKT conditions make untouched names move in proportion to
 * their weight, i.e. "cap and redistribute the excess pro rata", generalized to sector,
 * budget and gross caps. Used to constrain the heuristic methods (equal weight, inverse vol,
 * HRP, risk parity), whose raw weights are not the solution of an optimization.
 */
export function projectOntoConstraints(w0: ArrayLike<number>, r: ResolvedConstraints): Attempt {
  let sum = 0;
  for (let i = 0; i < r.n; i++) sum += w0[i];
  if (Math.abs(sum - r.net) <= 1e-12 && violation(r, w0, 1e-12) === null)
    return { ok: true, weights: Float64Array.from(w0), notes: [] };
  const d = dimOf(r);
  const x0 = variableOf(r, w0);
  let big = 0;
  for (let i = 0; i < d; i++) big = Math.max(big, Math.abs(x0[i]));
  const floor = Math.max(big * 1e-4, 1e-12); // keeps Q's condition ≤ 1e4
  const Q = new Float64Array(d * d),
    c = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const s = 1 / Math.max(Math.abs(x0[i]), floor);
    Q[i * d + i] = s;
    c[i] = -s * x0[i];
  }
  return solveBudgeted(Q, c, r);
}
