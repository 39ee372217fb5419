/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive-definite matrix and the matching
 * solve. Dense, row-major Float64Array storage (`a[i * n + j]`), for the small systems of the
 * learners (ridge normal equations: one row/column per feature).
 *
 * Algorithm: the Cholesky–Banachiewicz row-by-row recurrence (Golub & Van Loan, Matrix
 * Computations, 4th ed., Algorithm 4.2.1):
 *   L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]   (j < i)
 *   L[i][i] = √(A[i][i] − Σ_{k<i} L[i][k]²)
 * A matrix that is not (numerically) positive definite is a numerical condition, reported as
 * `{ ok: false, failedAt }`, not thrown.
 */
import { StrataError } from "../../core/errors.ts";

export interface CholeskyResult {
  /** True when every pivot was positive. */
  ok: boolean;
  /** Lower-triangular factor, row-major n×n (upper triangle zero). Partial when !ok. */
  lower: Float64Array;
  n: number;
  /** Row whose pivot was ≤ 0 (or not finite) when !ok; -1 otherwise. */
  failedAt: number;
}

function checkSquare(a: ArrayLike<number>, n: number, where: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new StrataError("ARGUMENT", `${where}: n must be a non-negative integer, got ${n}`);
  }
  if (a.length !== n * n) {
    throw new StrataError(
      "ARGUMENT",
      `${where}: matrix has ${a.length} entries, expected n·n = ${n * n} (row-major, n = ${n})`,
      {
        hint: "pass a row-major Float64Array of length n*n",
      },
    );
  }
}

/** Factor A = L·Lᵀ. Only the lower triangle of `a` is read. */
export function cholesky(a: ArrayLike<number>, n: number): CholeskyResult {
  checkSquare(a, n, "cholesky");
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return { ok: false, lower: L, n, failedAt: i };
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  return { ok: true, lower: L, n, failedAt: -1 };
}

/** Solve L·Lᵀ·x = b by forward then back substitution. */
export function choleskySolve(factor: CholeskyResult, b: ArrayLike<number>): Float64Array {
  const { lower: L, n } = factor;
  if (!factor.ok) {
    throw new StrataError(
      "ARGUMENT",
      `choleskySolve: the factorization failed at row ${factor.failedAt} (matrix not positive definite)`,
      {
        hint: "check cholesky(...).ok before solving, or regularize the matrix (e.g. add a ridge penalty)",
      },
    );
  }
  if (b.length !== n)
    throw new StrataError("ARGUMENT", `choleskySolve: right-hand side has ${b.length} entries, expected ${n}`);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Solve A·x = b for symmetric positive-definite A. Returns `{ ok: false }` (x all NaN) when A
 * is not positive definite.
 */
export function solveSpd(a: ArrayLike<number>, n: number, b: ArrayLike<number>): { ok: boolean; x: Float64Array } {
  const f = cholesky(a, n);
  if (!f.ok) return { ok: false, x: new Float64Array(n).fill(NaN) };
  return { ok: true, x: choleskySolve(f, b) };
}
