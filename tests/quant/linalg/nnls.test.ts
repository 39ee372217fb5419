import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { nnls } from "../../../src/quant/linalg/index.ts";

describe("nnls", () => {
  it("nnls(A, b) matches SciPy's documented example", () => {
    // scipy.optimize.nnls docstring (SciPy 1.11+): A = [[1,0],[1,0],[0,1]], b = [2,1,1]
    // → x = [1.5, 1.0], rnorm = 0.7071067811865475; b = [-1,-1,-1] → x = [0, 0], rnorm = 1.7320508075688772.
    const A = [
      [1, 1, 0],
      [0, 0, 1],
    ]; // columns
    const r1 = nnls(A, [2, 1, 1]);
    expect(r1.x[0]).toBeCloseTo(1.5, 14);
    expect(r1.x[1]).toBeCloseTo(1, 14);
    expect(r1.residualNorm).toBeCloseTo(0.7071067811865475, 14);
    const r2 = nnls(A, [-1, -1, -1]);
    expect(Array.from(r2.x)).toEqual([0, 0]);
    expect(r2.residualNorm).toBeCloseTo(1.7320508075688772, 14);
    expect(r1.converged && r2.converged).toBe(true);
  });

  it("nnls(A, b) clamps a negatively related column to zero and refits the rest (hand-solved)", () => {
    // b = a1 exactly, a2 = −a1 + e: the unconstrained fit would use a2; NNLS must give x = [1, 0].
    const a1 = [1, 2, 3, 4],
      a2 = [-1, -2, -3, -3];
    const r = nnls([a1, a2], a1);
    expect(r.x[0]).toBeCloseTo(1, 12);
    expect(r.x[1]).toBe(0);
  });

  it("nnls satisfies the KKT conditions: x ≥ 0, gradient ≥ 0, x·gradient = 0 (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 40, maxLength: 40 }), (v) => {
        const m = 10,
          k = 3;
        const cols = Array.from({ length: k }, (_, j) =>
          Array.from({ length: m }, (_, r) => v[(r * k + j) % 40] + (r === j ? 1 : 0)),
        );
        const b = Array.from({ length: m }, (_, r) => v[(r * 3 + 1) % 40]);
        const { x } = nnls(cols, b);
        for (let j = 0; j < k; j++) {
          let g = 0; // ∂/∂x_j ½‖Ax − b‖² = a_jᵀ(Ax − b)
          for (let r = 0; r < m; r++) {
            let e = -b[r];
            for (let i = 0; i < k; i++) e += cols[i][r] * x[i];
            g += cols[j][r] * e;
          }
          expect(x[j]).toBeGreaterThanOrEqual(0);
          expect(g).toBeGreaterThan(-1e-8);
          expect(Math.abs(x[j] * g)).toBeLessThan(1e-8);
        }
      }),
    );
  });
});
