/**
 * Shared shapes of the learners. Pure data: a fitted model is a plain object (serializable to
 * versioned JSON), and `predict(model, X)` is a separate function (DESIGN.md, "a fitted model
 * is data").
 */
import type { Rng } from "../../core/rng.ts";

/**
 * Column-major feature matrix: `columns[j][i]` is feature j of row i, float32, NaN = missing.
 * Column-major because binning, histograms and standardization all walk one feature at a time,
 * and because DuckDB hands tables over column by column.
 */
export interface FeatureMatrix {
  nRows: number;
  nFeatures: number;
  columns: Float32Array[];
  /** Feature names, one per column. */
  names: string[];
}

/** Options shared by every learner's fit. Everything optional, with documented defaults. */
export interface FitOptions {
  /** Randomness (row/feature subsampling, bagging). Required by learners that sample. */
  rng?: Rng;
  /** Per-row weights (default 1). */
  weights?: Float64Array;
  /** Validation set for early stopping (learners that support it). */
  valid?: { X: FeatureMatrix; y: Float64Array };
  /** Worker threads to use (default: available parallelism, capped by the learner). */
  threads?: number;
  signal?: AbortSignal;
  /** Progress in [0, 1]. */
  onProgress?: (fraction: number, note?: string) => void;
}

export type ModelKind = "ridge" | "gbdt" | "random_forest" | "ensemble";

/** Envelope of every serialized model: `{ format, version, kind, ...model }`. */
export interface ModelEnvelope {
  format: "strata-model";
  version: 1;
  kind: ModelKind;
}

/** Build a FeatureMatrix from equal-length columns (copied to float32). */
export function featureMatrix(names: string[], columns: ArrayLike<number>[]): FeatureMatrix {
  if (names.length !== columns.length) {
    throw new RangeError(`featureMatrix: ${names.length} names for ${columns.length} columns`);
  }
  const nRows = columns.length ? columns[0].length : 0;
  const out = columns.map((c, j) => {
    if (c.length !== nRows)
      throw new RangeError(`featureMatrix: column '${names[j]}' has ${c.length} rows, expected ${nRows}`);
    return c instanceof Float32Array ? c : Float32Array.from(c);
  });
  return { nRows, nFeatures: names.length, columns: out, names: [...names] };
}

/** Rows of X selected by index (for CV folds). */
export function takeRows(X: FeatureMatrix, rows: Int32Array | Uint32Array): FeatureMatrix {
  const columns = X.columns.map((c) => {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = c[rows[i]];
    return out;
  });
  return { nRows: rows.length, nFeatures: X.nFeatures, columns, names: X.names };
}
