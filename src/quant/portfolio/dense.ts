/**
 * Small dense helpers shared by the portfolio code. Matrices are row-major Float64Array
 * (`a[i * n + j]`), the layout of src/quant/linalg. Returns are given as one column per asset
 * (`ArrayLike<number>[]`, each of length T), NaN marking a missing observation.
 */
import { StrataError } from "../../core/errors.ts";
import { cholesky, choleskySolve } from "../linalg/cholesky.ts";

export type Matrix = Float64Array;
export type ReturnColumns = ReadonlyArray<ArrayLike<number>>;

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function matVec(m: ArrayLike<number>, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += m[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** xᵀ·M·x. */
export function quadForm(m: ArrayLike<number>, x: ArrayLike<number>, n: number): number {
  return dot(x, matVec(m, x, n));
}

export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** Side n of a square row-major matrix, checked. */
export function sideOf(cov: ArrayLike<number>, where: string): number {
  const n = Math.round(Math.sqrt(cov.length));
  if (n * n !== cov.length) {
    throw new StrataError("ARGUMENT", `${where}: covariance has ${cov.length} entries, which is not n·n for any n`, {
      hint: "pass a row-major Float64Array of length n*n",
    });
  }
  return n;
}

/** Columns must all have the same length T; returns [n, T]. */
export function shapeOf(returns: ReturnColumns, where: string): [number, number] {
  const n = returns.length;
  const t = n ? returns[0].length : 0;
  for (let j = 0; j < n; j++) {
    if (returns[j].length !== t) {
      throw new StrataError(
        "ARGUMENT",
        `${where}: asset ${j} has ${returns[j].length} observations but asset 0 has ${t}`,
        {
          hint: "pass one column per asset, row-aligned on dates (NaN for a missing value)",
        },
      );
    }
  }
  return [n, t];
}

/**
 * Inverse of a symmetric positive-definite matrix via Cholesky, or null when the matrix is not
 * (numerically) positive definite; `failedAt` names the pivot row.
 */
export function invertSpd(a: ArrayLike<number>, n: number): { inverse: Matrix | null; failedAt: number } {
  const f = cholesky(a, n);
  if (!f.ok) return { inverse: null, failedAt: f.failedAt };
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(f, e);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  // Symmetrize away round-off.
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) inv[i * n + j] = inv[j * n + i] = 0.5 * (inv[i * n + j] + inv[j * n + i]);
  return { inverse: inv, failedAt: -1 };
}

/** True when every entry is finite and the matrix is symmetric to 1e-12 relative. */
export function isFiniteSymmetric(a: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j],
        w = a[j * n + i];
      if (!Number.isFinite(v)) return false;
      if (Math.abs(v - w) > 1e-12 * Math.max(1, Math.abs(v), Math.abs(w))) return false;
    }
  }
  return true;
}
