/**
 * Strictly convex quadratic programs
 *   minimize ½·xᵀQx + cᵀx   subject to   a_kᵀx = b_k (k ∈ E),   a_kᵀx ≥ b_k (k ∈ I)
 * by the dual active-set method of Goldfarb & Idnani (1983), "A numerically stable dual method
 * for solving strictly convex quadratic programs", Math. Programming 27, 1–33 — the algorithm of
 * the `quadprog` package named in DESIGN.md, which is not installed, so it is written here.
 *
 * It starts from the unconstrained minimum −Q⁻¹c (dual feasible), adds the equalities, then
 * repeatedly adds the most violated inequality, dropping active constraints whose multipliers
 * would turn negative. No feasible starting point is needed, and infeasibility is detected (a
 * violated constraint that no step can satisfy). Here the step directions are computed from
 * Q⁻¹ (one Cholesky factorization) and the small matrix NᵀQ⁻¹N of the active normals, not from
 * the paper's updated QR factors: simpler, O(k²·n) per iteration for k active constraints,
 * fine for the tens to low hundreds of assets a portfolio has.
 *
 * Numerical conditions are returned, never thrown: Q not positive definite → status
 * "not_convex"; no feasible point → "infeasible"; iteration limit → "max_iterations".
 */
import { StrataError } from "../../core/errors.ts";
import { cholesky, choleskySolve } from "../linalg/cholesky.ts";
import { dot, invertSpd } from "./dense.ts";

export interface LinearConstraint {
  /** Normal a (length n). */
  a: Float64Array;
  b: number;
  /** "eq": aᵀx = b; "ge": aᵀx ≥ b. */
  type: "eq" | "ge";
}

export interface QpOptions {
  /** Feasibility tolerance on aᵀx − b (default 1e-10). */
  tolerance?: number;
  /** Default 10·(n + number of constraints) + 50. */
  maxIterations?: number;
}

export type QpStatus = "optimal" | "infeasible" | "not_convex" | "max_iterations";

export interface QpResult {
  x: Float64Array;
  status: QpStatus;
  iterations: number;
  /** Indices of the constraints active at x. */
  active: number[];
}

/**
 * Solve the QP of the file comment. Long on purpose (~140 lines): the dual active-set
 * iteration (pick the most violated constraint, compute the primal and dual step directions,
 * take a partial or full step, drop or add a constraint) updates x, the active set and its
 * multipliers together at every step, as in the paper; apart, the steps would
 * pass the same six arrays back and forth.
 */
export function solveQp(
  Q: ArrayLike<number>,
  c: ArrayLike<number>,
  constraints: LinearConstraint[],
  opts: QpOptions = {},
): QpResult {
  const n = c.length;
  if (Q.length !== n * n)
    throw new StrataError("ARGUMENT", `solveQp: Q has ${Q.length} entries, expected n·n = ${n * n} (n = ${c.length})`);
  for (const [k, con] of constraints.entries()) {
    if (con.a.length !== n)
      throw new StrataError("ARGUMENT", `solveQp: constraint ${k} has ${con.a.length} coefficients, expected ${n}`);
  }
  const tol = opts.tolerance ?? 1e-10;
  const maxIter = opts.maxIterations ?? 10 * (n + constraints.length) + 50;
  const fail = (status: QpStatus, iterations: number): QpResult => ({
    x: new Float64Array(n).fill(NaN),
    status,
    iterations,
    active: [],
  });

  const { inverse: Qi } = invertSpd(Q, n);
  if (!Qi) return fail("not_convex", 0);
  const qinv = (v: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Qi[i * n + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  // Unconstrained minimum.
  const x = qinv(c).map((v) => -v);

  // Active set: constraint index, sign used (equalities may be entered as −a ≥ −b), Q⁻¹·normal, multiplier.
  const act: { k: number; sign: number; w: Float64Array; u: number; eq: boolean }[] = [];
  const normal = (k: number, sign: number) => (sign === 1 ? constraints[k].a : constraints[k].a.map((v) => -v));

  /** z = H·n_p, r = N*·n_p for the current active set (see the paper's eq. (2.4)–(2.5)). */
  const directions = (np: Float64Array): { z: Float64Array; r: Float64Array } | null => {
    const q = qinv(np);
    const k = act.length;
    if (k === 0) return { z: q, r: new Float64Array(0) };
    const M = new Float64Array(k * k),
      rhs = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const ni = normal(act[i].k, act[i].sign);
      rhs[i] = dot(ni, q);
      for (let j = 0; j <= i; j++) M[i * k + j] = M[j * k + i] = dot(ni, act[j].w);
    }
    const f = cholesky(M, k);
    if (!f.ok) return null;
    const r = choleskySolve(f, rhs);
    const z = q.slice();
    for (let j = 0; j < k; j++) {
      const w = act[j].w;
      for (let i = 0; i < n; i++) z[i] -= r[j] * w[i];
    }
    return { z, r };
  };

  let iterations = 0;
  /** Bring constraint k (entered with `sign`) into the active set. Returns false when infeasible. */
  const addConstraint = (k: number, sign: number, eq: boolean): "added" | "infeasible" | "skip" | "max" => {
    const np = normal(k, sign);
    const bp = sign * constraints[k].b;
    let up = 0;
    for (;;) {
      if (iterations++ > maxIter) return "max";
      const s = dot(np, x) - bp;
      const d = directions(np);
      if (!d) return "infeasible";
      const { z, r } = d;
      const zn = dot(z, np);
      const scale = dot(np, qinv(np));
      // Partial (dual) step: the largest t keeping every active inequality's multiplier ≥ 0.
      let t1 = Infinity,
        drop = -1;
      for (let j = 0; j < act.length; j++) {
        if (act[j].eq || r[j] <= 0) continue;
        const tj = act[j].u / r[j];
        if (tj < t1) {
          t1 = tj;
          drop = j;
        }
      }
      // zn/scale is the fraction of n_p not in the span of the active normals; round-off in an
      // ill-conditioned Q leaves ~1e-10 of it for a dependent constraint.
      const zIsZero = !(zn > 1e-9 * Math.max(scale, 1e-300));
      const t2 = zIsZero ? Infinity : -s / zn;
      if (zIsZero && Math.abs(s) <= tol * (1 + Math.abs(bp))) return "skip"; // redundant (dependent) constraint
      const t = Math.min(t1, t2);
      if (t === Infinity) return "infeasible";
      if (!zIsZero) for (let i = 0; i < n; i++) x[i] += t * z[i];
      for (let j = 0; j < act.length; j++) act[j].u -= t * r[j];
      up += t;
      if (t === t2) {
        act.push({ k, sign, w: qinv(np), u: up, eq });
        return "added";
      }
      act.splice(drop, 1);
    }
  };

  for (let k = 0; k < constraints.length; k++) {
    if (constraints[k].type !== "eq") continue;
    const s = dot(constraints[k].a, x) - constraints[k].b;
    const res = addConstraint(k, s > 0 ? -1 : 1, true);
    if (res === "infeasible") return fail("infeasible", iterations);
    if (res === "max") return fail("max_iterations", iterations);
  }
  for (;;) {
    let worst = -1,
      worstS = 0;
    for (let k = 0; k < constraints.length; k++) {
      const con = constraints[k];
      if (con.type !== "ge") continue;
      const s = (dot(con.a, x) - con.b) / (1 + Math.abs(con.b));
      if (s < -tol && s < worstS && !act.some((a) => a.k === k)) {
        worst = k;
        worstS = s;
      }
    }
    if (worst < 0) break;
    const res = addConstraint(worst, 1, false);
    if (res === "infeasible") return fail("infeasible", iterations);
    if (res === "max") return fail("max_iterations", iterations);
    if (res === "skip") break;
  }
  // Safety net: round-off in an ill-conditioned Q can hide a dependent, contradictory active
  // set; never call a point optimal that breaks a constraint by more than 1e-8 (relative).
  for (const con of constraints) {
    const s = (dot(con.a, x) - con.b) / (1 + Math.abs(con.b));
    if (con.type === "eq" ? Math.abs(s) > 1e-8 : s < -1e-8) return fail("infeasible", iterations);
  }
  return { x, status: "optimal", iterations, active: act.map((a) => a.k) };
}
