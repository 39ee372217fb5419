/**
 * Ridge regression in closed form over standardized features.
 *
 * Objective (scikit-learn's `Ridge` convention,
 * https://scikit-learn.org/stable/modules/linear_model.html#ridge-regression):
 *   minimize  Σᵢ wᵢ (yᵢ − b − zᵢᵀβ)² + α‖β‖²
 * where z are the standardized features (zᵢⱼ = (xᵢⱼ − μⱼ)/σⱼ, weighted mean μ and population
 * standard deviation σ, ddof 0, as sklearn's StandardScaler) and the intercept b is not
 * penalized. Centering removes b from the system, leaving the normal equations
 *   (ZᵀWZ + αI) β = ZᵀW(y − ȳ),   b = ȳ
 * solved by Cholesky (src/quant/linalg). Standardizing first makes α comparable across
 * features of different units; the model reports coefficients in the original units
 * (coefⱼ = βⱼ/σⱼ, intercept = ȳ − Σ coefⱼ μⱼ), so predict is a plain dot product.
 * α is in sum-of-squares units (not per row): with n rows, ZᵀZ has n on its diagonal, so α/n
 * is the relative shrinkage of each standardized coefficient.
 *
 * Missing values: a NaN feature is imputed with that feature's training mean μⱼ (over the
 * non-missing training rows) both in fit and in predict, i.e. it contributes nothing beyond
 * the intercept. μ and σ are computed after imputation, so imputed rows do shrink σ. A feature
 * that is constant (or entirely missing) in training has σ = 0: its coefficient is 0.
 */
import { StrataError } from "../../core/errors.ts";
import { cholesky, choleskySolve } from "../linalg/cholesky.ts";
import type { FeatureMatrix, FitOptions, ModelEnvelope } from "./types.ts";

export interface RidgeParams {
  /** L2 penalty on the standardized coefficients, sum-of-squares units (default 1, ≥ 0). */
  alpha: number;
  /** Standardize features before penalizing (default true). false: penalize raw-unit coefficients. */
  standardize: boolean;
}

export const DEFAULT_RIDGE_PARAMS: RidgeParams = { alpha: 1, standardize: true };

export interface RidgeModel extends ModelEnvelope {
  kind: "ridge";
  features: string[];
  params: RidgeParams;
  /** Intercept in the units of y. */
  intercept: number;
  /** Coefficients in the original feature units: predict = intercept + Σ coef·x. */
  coef: number[];
  /** Training means (the imputation value for NaN). */
  means: number[];
  /** Training standard deviations used for standardization (1 when standardize is false). */
  scales: number[];
  /** Coefficients on the standardized features (β). */
  standardizedCoef: number[];
  /** |β| — the importance of each feature, in units of y per standard deviation. */
  importance: number[];
  nRows: number;
}

const BLOCK = 2048;

function validate(X: FeatureMatrix, y: ArrayLike<number>, weights: ArrayLike<number> | undefined): void {
  if (y.length !== X.nRows) {
    throw new StrataError("ARGUMENT", `fitRidge: y has ${y.length} rows, X has ${X.nRows}`, {
      hint: "pass one label per row of X",
    });
  }
  if (X.nRows === 0)
    throw new StrataError("ARGUMENT", "fitRidge: X has no rows", { hint: "check the training fold is not empty" });
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new StrataError("ARGUMENT", `fitRidge: y[${i}] is ${y[i]}, expected a finite number`, {
        hint: "drop rows whose label is unknown before fitting",
      });
    }
  }
  if (weights) {
    if (weights.length !== X.nRows)
      throw new StrataError("ARGUMENT", `fitRidge: weights has ${weights.length} rows, X has ${X.nRows}`);
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) {
        throw new StrataError("ARGUMENT", `fitRidge: weights[${i}] is ${weights[i]}, expected a finite number ≥ 0`);
      }
    }
  }
}

/** Means over non-missing rows; standard deviations after mean imputation (two passes; 1 unstandardized). */
function featureMoments(
  X: FeatureMatrix,
  wt: (i: number) => number,
  sw: number,
  standardize: boolean,
): { means: Float64Array; scales: Float64Array } {
  const n = X.nRows,
    k = X.nFeatures;
  const means = new Float64Array(k),
    scales = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const c = X.columns[j];
    let s = 0,
      sWj = 0;
    for (let i = 0; i < n; i++) {
      const v = c[i];
      if (v === v) {
        s += wt(i) * v;
        sWj += wt(i);
      }
    }
    const mu = sWj > 0 ? s / sWj : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = c[i];
      if (v === v) {
        const d = v - mu;
        ss += wt(i) * d * d;
      }
    }
    means[j] = mu;
    scales[j] = standardize ? Math.sqrt(ss / sw) : 1;
  }
  return { means, scales };
}

/** G = ZᵀWZ (lower triangle) and r = ZᵀW(y − ȳ), accumulated over row blocks of standardized values. */
function normalEquations(
  X: FeatureMatrix,
  y: ArrayLike<number>,
  ybar: number,
  means: Float64Array,
  scales: Float64Array,
  active: boolean[],
  w: ArrayLike<number> | undefined,
): { G: Float64Array; r: Float64Array } {
  const n = X.nRows,
    k = X.nFeatures;
  const wt = (i: number) => (w ? w[i] : 1);
  const G = new Float64Array(k * k),
    r = new Float64Array(k);
  const Z = new Float64Array(k * BLOCK);
  for (let start = 0; start < n; start += BLOCK) {
    const m = Math.min(BLOCK, n - start);
    for (let j = 0; j < k; j++) {
      const c = X.columns[j],
        mu = means[j],
        inv = active[j] ? 1 / scales[j] : 0,
        off = j * BLOCK;
      for (let t = 0; t < m; t++) {
        const v = c[start + t];
        Z[off + t] = v === v ? (v - mu) * inv : 0;
      }
    }
    for (let a = 0; a < k; a++) {
      const oa = a * BLOCK;
      let ra = 0;
      for (let t = 0; t < m; t++) ra += wt(start + t) * Z[oa + t] * (y[start + t] - ybar);
      r[a] += ra;
      for (let b = 0; b <= a; b++) {
        const ob = b * BLOCK;
        let g = 0;
        if (w) for (let t = 0; t < m; t++) g += w[start + t] * Z[oa + t] * Z[ob + t];
        else for (let t = 0; t < m; t++) g += Z[oa + t] * Z[ob + t];
        G[a * k + b] += g;
      }
    }
  }
  return { G, r };
}

/** Fit standardized ridge regression (see the file comment for the objective and NaN policy). */
export function fitRidge(
  X: FeatureMatrix,
  y: ArrayLike<number>,
  params: Partial<RidgeParams> = {},
  opts: FitOptions = {},
): RidgeModel {
  const p: RidgeParams = { ...DEFAULT_RIDGE_PARAMS, ...params };
  if (!(p.alpha >= 0) || !Number.isFinite(p.alpha)) {
    throw new StrataError("ARGUMENT", `fitRidge: alpha is ${p.alpha}, expected a finite number ≥ 0`, {
      hint: "alpha = 0 is ordinary least squares",
    });
  }
  const w = opts.weights;
  validate(X, y, w);
  const n = X.nRows,
    k = X.nFeatures;
  const wt = (i: number) => (w ? w[i] : 1);

  let sw = 0,
    sy = 0;
  for (let i = 0; i < n; i++) {
    sw += wt(i);
    sy += wt(i) * y[i];
  }
  if (!(sw > 0))
    throw new StrataError("ARGUMENT", "fitRidge: the weights sum to 0", {
      hint: "give at least one row a positive weight",
    });
  const ybar = sy / sw;

  const { means, scales } = featureMoments(X, wt, sw, p.standardize);
  const active = Array.from(scales, (s) => s > 0 && Number.isFinite(s));
  const { G, r } = normalEquations(X, y, ybar, means, scales, active, w);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) G[b * k + a] = G[a * k + b];
    // An inactive (constant) feature has an all-zero row; a unit diagonal pins its β at 0.
    G[a * k + a] += active[a] ? p.alpha : 1;
  }
  const f = cholesky(G, k);
  if (!f.ok) {
    throw new StrataError(
      "ARGUMENT",
      `fitRidge: XᵀX + αI is not positive definite (alpha = ${p.alpha}, pivot at feature '${X.names[f.failedAt]}')`,
      {
        hint: "features are collinear; use alpha > 0",
      },
    );
  }
  const beta = k > 0 ? choleskySolve(f, r) : new Float64Array(0);

  const coef = new Array<number>(k);
  let intercept = ybar;
  for (let j = 0; j < k; j++) {
    coef[j] = active[j] ? beta[j] / scales[j] : 0;
    intercept -= coef[j] * means[j];
  }
  return {
    format: "strata-model",
    version: 1,
    kind: "ridge",
    features: [...X.names],
    params: p,
    intercept,
    coef,
    means: Array.from(means),
    scales: Array.from(scales),
    standardizedCoef: Array.from(beta, (b, j) => (active[j] ? b : 0)),
    importance: Array.from(beta, (b, j) => (active[j] ? Math.abs(b) : 0)),
    nRows: n,
  };
}

/** Check that X has the model's features, in order; throws naming the first mismatch. */
function checkFeatures(model: { kind: string; features: string[] }, X: FeatureMatrix): void {
  const want = model.features;
  if (X.nFeatures !== want.length || X.names.some((nm, j) => nm !== want[j])) {
    const j = X.names.findIndex((nm, i) => nm !== want[i]);
    throw new StrataError(
      "ARGUMENT",
      `predict (${model.kind}): X has features [${X.names.join(", ")}], the model was fit on ` +
        `[${want.join(", ")}]${j >= 0 ? ` (first difference at column ${j})` : ""}`,
      {
        hint: "build X with the model's features, in the same order",
      },
    );
  }
}

/** intercept + Σ coef·x, with NaN features replaced by the training means. */
export function predictRidge(model: RidgeModel, X: FeatureMatrix): Float64Array {
  checkFeatures(model, X);
  const out = new Float64Array(X.nRows).fill(model.intercept);
  for (let j = 0; j < X.nFeatures; j++) {
    const c = X.columns[j],
      b = model.coef[j],
      mu = model.means[j];
    if (b === 0) continue;
    for (let i = 0; i < X.nRows; i++) {
      const v = c[i];
      out[i] += b * (v === v ? v : mu);
    }
  }
  return out;
}

/** Validate a parsed JSON value as a RidgeModel (throws naming the bad field). */
export function ridgeFromJson(value: unknown): RidgeModel {
  const m = value as Partial<RidgeModel> | null;
  const bad = (field: string, want: string): never => {
    throw new StrataError(
      "ARGUMENT",
      `ridge model: field '${field}' ` +
        `is ${JSON.stringify((m as Record<string, unknown> | null)?.[field])?.slice(0, 80)}, expected ${want}`,
      {
        hint: "the model file is corrupt or from another tool; refit the model",
      },
    );
  };
  if (!m || typeof m !== "object") bad("(root)", "an object");
  if (m!.format !== "strata-model") bad("format", '"strata-model"');
  if (m!.version !== 1) bad("version", "1");
  if (m!.kind !== "ridge") bad("kind", '"ridge"');
  const k = Array.isArray(m!.features) ? m!.features.length : bad("features", "an array of names");
  if (!m!.features!.every((f) => typeof f === "string")) bad("features", "an array of strings");
  for (const field of ["coef", "means", "scales", "standardizedCoef", "importance"] as const) {
    const a = m![field];
    if (!Array.isArray(a) || a.length !== k || !a.every((x) => typeof x === "number" && Number.isFinite(x)))
      bad(field, `${k} finite numbers`);
  }
  if (typeof m!.intercept !== "number" || !Number.isFinite(m!.intercept)) bad("intercept", "a finite number");
  if (!m!.params || typeof m!.params.alpha !== "number" || typeof m!.params.standardize !== "boolean")
    bad("params", "{ alpha: number, standardize: boolean }");
  if (typeof m!.nRows !== "number") bad("nRows", "a number");
  return m as RidgeModel;
}
