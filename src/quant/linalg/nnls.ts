/**
 * Non-negative least squares: min ‖A·x − b‖₂ subject to x ≥ 0.
 *
 * Lawson & Hanson's active-set algorithm (Solving Least Squares Problems, 1974, ch. 23,
 * algorithm NNLS), run on the normal equations Q = AᵀA, c = Aᵀb. The learners use it with few
 * columns (ensemble members) and many rows, so forming the k×k Gram matrix once and solving
 * each passive-set subproblem by Cholesky is both the cheapest and an exact restatement: the
 * gradient of ½‖Ax − b‖² is Qx − c, so the dual vector w = c − Qx is the one in the book.
 */
import { StrataError } from "../../core/errors.ts";
import { solveSpd } from "./cholesky.ts";

export interface NnlsResult {
  x: Float64Array;
  /** ‖A·x − b‖₂ (only from `nnls`, which sees A and b; NaN from `nnlsGram`). */
  residualNorm: number;
  /** False when the iteration limit was hit or a subproblem was singular. */
  converged: boolean;
  iterations: number;
}

export interface NnlsOptions {
  /** Dual-feasibility tolerance (default 1e-10 × max|c|). */
  tolerance?: number;
  /** Outer iterations (default 3·k, as in Lawson–Hanson and SciPy). */
  maxIterations?: number;
}

/**
 * NNLS on the normal equations: Q (k×k row-major, symmetric PSD) and c = Aᵀb.
 * Long on purpose (~90 lines): Lawson and Hanson's two nested loops (outer: free the variable
 * with the largest dual; inner: step back until the passive set is feasible) share the passive
 * set, x and z, and read as the book's algorithm NNLS (Ch. 23) only side by side.
 */
export function nnlsGram(Q: ArrayLike<number>, c: ArrayLike<number>, k: number, opts: NnlsOptions = {}): NnlsResult {
  if (Q.length !== k * k || c.length !== k) {
    throw new StrataError(
      "ARGUMENT",
      `nnlsGram: Q has ${Q.length} entries and c ${c.length}, expected ${k * k} and ${k}`,
    );
  }
  let cmax = 0;
  for (let j = 0; j < k; j++) cmax = Math.max(cmax, Math.abs(c[j]));
  const tol = opts.tolerance ?? 1e-10 * Math.max(cmax, 1e-300);
  const maxIter = opts.maxIterations ?? 3 * k;
  const x = new Float64Array(k);
  const passive = new Uint8Array(k);
  const w = new Float64Array(k);
  const dual = () => {
    for (let i = 0; i < k; i++) {
      let s = c[i];
      for (let j = 0; j < k; j++) s -= Q[i * k + j] * x[j];
      w[i] = s;
    }
  };
  // Solve the unconstrained subproblem on the passive set; zero elsewhere.
  const subproblem = (): Float64Array | null => {
    const idx: number[] = [];
    for (let j = 0; j < k; j++) if (passive[j]) idx.push(j);
    const m = idx.length;
    const q = new Float64Array(m * m),
      r = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      r[a] = c[idx[a]];
      for (let b = 0; b < m; b++) q[a * m + b] = Q[idx[a] * k + idx[b]];
    }
    const s = solveSpd(q, m, r);
    if (!s.ok) return null;
    const z = new Float64Array(k);
    idx.forEach((j, a) => (z[j] = s.x[a]));
    return z;
  };

  let iterations = 0;
  let converged = true;
  dual();
  for (;;) {
    let t = -1;
    for (let j = 0; j < k; j++) if (!passive[j] && w[j] > tol && (t < 0 || w[j] > w[t])) t = j;
    if (t < 0) break;
    if (iterations++ >= maxIter) {
      converged = false;
      break;
    }
    passive[t] = 1;
    for (;;) {
      const z = subproblem();
      if (!z) {
        passive[t] = 0;
        converged = false;
        break;
      }
      let feasible = true;
      for (let j = 0; j < k; j++) if (passive[j] && z[j] <= 0) feasible = false;
      if (feasible) {
        x.set(z);
        break;
      }
      // Step from x towards z until the first passive coordinate hits zero.
      let alpha = Infinity,
        hit = -1;
      for (let j = 0; j < k; j++) {
        if (passive[j] && z[j] <= 0) {
          const a = x[j] / (x[j] - z[j]);
          if (a < alpha) {
            alpha = a;
            hit = j;
          }
        }
      }
      for (let j = 0; j < k; j++) {
        x[j] += alpha * (z[j] - x[j]);
        // The blocking coordinate is zero in exact arithmetic; round-off must not keep it.
        if (passive[j] && (j === hit || x[j] <= 0)) {
          passive[j] = 0;
          x[j] = 0;
        }
      }
    }
    if (!converged) break;
    dual();
  }
  return { x, residualNorm: NaN, converged, iterations };
}

/** NNLS from the columns of A (each of length m) and b. */
export function nnls(columns: ArrayLike<number>[], b: ArrayLike<number>, opts: NnlsOptions = {}): NnlsResult {
  const k = columns.length,
    m = b.length;
  for (let j = 0; j < k; j++) {
    if (columns[j].length !== m) {
      throw new StrataError(
        "ARGUMENT",
        `nnls: column ${j} has ${columns[j].length} rows, expected ${m} (the length of b)`,
      );
    }
  }
  const Q = new Float64Array(k * k),
    c = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const ci = columns[i];
    let s = 0;
    for (let r = 0; r < m; r++) s += ci[r] * b[r];
    c[i] = s;
    for (let j = 0; j <= i; j++) {
      const cj = columns[j];
      let q = 0;
      for (let r = 0; r < m; r++) q += ci[r] * cj[r];
      Q[i * k + j] = Q[j * k + i] = q;
    }
  }
  const res = nnlsGram(Q, c, k, opts);
  let ss = 0;
  for (let r = 0; r < m; r++) {
    let e = -b[r];
    for (let j = 0; j < k; j++) e += columns[j][r] * res.x[j];
    ss += e * e;
  }
  return { ...res, residualNorm: Math.sqrt(ss) };
}
