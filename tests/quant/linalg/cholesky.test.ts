import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cholesky, choleskySolve, solveSpd } from "../../../src/quant/linalg/index.ts";

describe("cholesky", () => {
  it("cholesky(A) factors the 3×3 example of Wikipedia's 'Cholesky decomposition' article", () => {
    // https://en.wikipedia.org/wiki/Cholesky_decomposition#Example:
    // [[4,12,-16],[12,37,-43],[-16,-43,98]] = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
    const f = cholesky([4, 12, -16, 12, 37, -43, -16, -43, 98], 3);
    expect(f.ok).toBe(true);
    expect(Array.from(f.lower)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it("choleskySolve solves a hand-solved 2×2 system", () => {
    // [[4,2],[2,3]]·x = [2,1]: det = 8, x = [(3·2 − 2·1)/8, (4·1 − 2·2)/8] = [0.5, 0].
    const x = choleskySolve(cholesky([4, 2, 2, 3], 2), [2, 1]);
    expect(x[0]).toBeCloseTo(0.5, 15);
    expect(x[1]).toBeCloseTo(0, 15);
  });

  it("cholesky(A) reports a matrix that is not positive definite instead of throwing", () => {
    // [[1,2],[2,1]] has eigenvalues 3 and −1.
    const f = cholesky([1, 2, 2, 1], 2);
    expect(f.ok).toBe(false);
    expect(f.failedAt).toBe(1);
    expect(solveSpd([1, 2, 2, 1], 2, [1, 1]).ok).toBe(false);
    expect(() => choleskySolve(f, [1, 1])).toThrow(/not positive definite/);
  });

  it("cholesky(A) names the expected size when the matrix has the wrong length", () => {
    expect(() => cholesky([1, 2, 3], 2)).toThrow(/3 entries, expected n·n = 4/);
  });

  it("solveSpd(BᵀB + I, b) has residual ≈ 0 for random B (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 60, maxLength: 60 }),
        (n, vals) => {
          const A = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              let s = i === j ? 1 : 0;
              for (let r = 0; r < n; r++) s += vals[(r * n + i) % 60] * vals[(r * n + j) % 60];
              A[i * n + j] = s;
            }
          const b = Array.from({ length: n }, (_, i) => vals[(i * 7) % 60]);
          const { ok, x } = solveSpd(A, n, b);
          expect(ok).toBe(true);
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += A[i * n + j] * x[j];
            expect(Math.abs(s - b[i])).toBeLessThan(1e-8 * (1 + Math.abs(b[i])) * A[i * n + i]);
          }
        },
      ),
    );
  });
});
