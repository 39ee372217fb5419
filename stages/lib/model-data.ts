/**
 * The labelled rows a model stage fits on (train, ablation): features inner-joined with labels
 * on (date, symbol) where the label is set, ordered by (date, symbol); the feature columns as
 * float32 (NULL → NaN: ridge imputes the training mean, trees route missing values).
 */
import { StrataError, z, type StageContext } from "../../src/index.ts";
import { suggestionHint } from "../../src/core/suggest.ts";
import { queryRows, readColumns, f64Column, i32Column, sqlIdent, stringColumn } from "../../src/store/index.ts";
import { takeRows, type FeatureMatrix } from "../../src/quant/ml/types.ts";

const int = (min: number) => z.number().int().min(min);

/**
 * The cross-validation params a model stage shares with train (same names, defaults and
 * meaning, so settings copy across): docs/labels-and-cv.md.
 */
export const cvParamsShape = {
  /** Cross-validation scheme. */
  cv: z.enum(["walk_forward", "kfold", "cpcv"]).default("walk_forward"),
  /** walk_forward: number of test blocks; kfold: k. */
  folds: int(2).default(5),
  mode: z.enum(["expanding", "rolling"]).default("expanding"),
  /** Rolling window in dates (mode rolling). */
  trainDates: int(1).optional(),
  /** Walk-forward folds with fewer training dates are skipped. */
  minTrainDates: int(1).default(252),
  /** Bars dropped after each test block's last label (kfold, cpcv). */
  embargo: int(0).default(5),
  /** Label horizon and execution lag in bars: taken from the labels stage (`inherit`). */
  horizon: int(1).default(5),
  lag: int(0).default(1),
  /** CPCV: groups and test groups per fold. */
  groups: int(2).default(6),
  testGroups: int(1).default(2),
};

const NUMERIC =
  /^(DOUBLE|FLOAT|REAL|DECIMAL.*|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|U?(BIG|SMALL|TINY)?INT|UINTEGER)$/i;

export interface Data {
  X: FeatureMatrix;
  y: Float64Array;
  dates: Int32Array;
  symbols: (string | null)[];
}

/**
 * Reads features/features and labels/labels: the `features` param's columns, or every numeric
 * column besides date and symbol (non-numeric ones are logged as skipped). An unknown feature,
 * no feature column or no labelled row is an error naming the stage.
 */
export async function loadData(ctx: StageContext<{ features?: string[] }>): Promise<Data> {
  const f = ctx.input("features", "features"),
    l = ctx.input("labels", "labels");
  const cols = await queryRows<{ column_name: string; column_type: string }>(ctx.db, `DESCRIBE SELECT * FROM ${f}`);
  const numeric = cols
    .filter((c) => c.column_name !== "date" && c.column_name !== "symbol" && NUMERIC.test(c.column_type))
    .map((c) => c.column_name);
  const wanted = ctx.params.features;
  let names = numeric;
  if (wanted) {
    for (const name of wanted) {
      if (!numeric.includes(name)) {
        throw new StrataError(
          "PARAMS",
          `${ctx.stage}: feature '${name}' is not a numeric column of features/features`,
          {
            hint: suggestionHint(name, numeric, "numeric feature columns"),
          },
        );
      }
    }
    names = wanted;
  } else {
    const skipped = cols.filter(
      (c) => c.column_name !== "date" && c.column_name !== "symbol" && !NUMERIC.test(c.column_type),
    );
    if (skipped.length)
      ctx.log(
        `skipping non-numeric feature columns: ${skipped.map((c) => `${c.column_name} ${c.column_type}`).join(", ")}`,
      );
  }
  if (names.length === 0) {
    throw new StrataError("DATA", `${ctx.stage}: features/features has no numeric feature columns`, {
      hint: "the features stage must write DOUBLE columns besides date and symbol",
    });
  }
  const sel = names.map((n, j) => `CAST(f.${sqlIdent(n)} AS DOUBLE) AS x${j}`).join(", ");
  const data = await readColumns(
    ctx.db,
    `SELECT f.date, f.symbol, CAST(l.label AS DOUBLE) AS label, ${sel}
      FROM ${f} f JOIN ${l} l ON f.date = l.date AND f.symbol = l.symbol
     WHERE l.label IS NOT NULL AND isfinite(l.label) ORDER BY f.date, f.symbol`,
  );
  const y = f64Column(data, "label");
  if (y.length === 0) {
    throw new StrataError(
      "DATA",
      `${ctx.stage}: the join of features and labels on (date, symbol) has no row with a label`,
      { hint: "check that both stages cover the same dates and symbols" },
    );
  }
  const columns = names.map((_, j) => Float32Array.from(f64Column(data, `x${j}`)));
  return {
    X: { nRows: y.length, nFeatures: names.length, columns, names: [...names] },
    y,
    dates: i32Column(data, "date"),
    symbols: stringColumn(data, "symbol"),
  };
}

/** The rows `rows` of the data, in that order. */
export const sub = (d: Data, rows: Int32Array): Data => ({
  X: takeRows(d.X, rows),
  y: Float64Array.from(rows, (r) => d.y[r]),
  dates: Int32Array.from(rows, (r) => d.dates[r]),
  symbols: Array.from(rows, (r) => d.symbols[r]),
});

/** Per-row sums of out-of-sample scores and how many folds tested each row (CPCV tests a row more than once). */
export class Stitch {
  readonly sum: Float64Array;
  readonly cnt: Uint16Array;
  constructor(n: number) {
    this.sum = new Float64Array(n);
    this.cnt = new Uint16Array(n);
  }
  /** A fold's predictions `pred` of the rows `rows`. */
  add(rows: Int32Array, pred: Float64Array): void {
    for (let i = 0; i < rows.length; i++) {
      this.sum[rows[i]] += pred[i];
      this.cnt[rows[i]]++;
    }
  }
  /** Mean score of each tested row, in `rows` order. */
  scores(rows: Int32Array): Float64Array {
    return Float64Array.from(rows, (r) => this.sum[r] / this.cnt[r]);
  }
}

/** One row of a model stage's `trials` table: a parameter set's metric on one fold. */
export interface FoldTrial {
  trial: number;
  /** The parameter set as canonical JSON. */
  params: string;
  fold: number;
  metric: number;
  status: string;
}

/** Writes the `trials(trial, params, fold, metric, status)` table the trial registry reads. */
export async function writeFoldTrials(ctx: StageContext<unknown>, rows: readonly FoldTrial[]): Promise<void> {
  await ctx.writeTable(
    "trials",
    {
      columns: {
        trial: Int32Array.from(rows, (r) => r.trial),
        params: rows.map((r) => r.params),
        fold: Int32Array.from(rows, (r) => r.fold),
        metric: Float64Array.from(rows, (r) => r.metric),
        status: rows.map((r) => r.status),
      },
    },
    {
      orderBy: ["trial", "fold"],
      describe: {
        trial: "Trial number: one parameter set the stage evaluated (0-based).",
        params: "The trial's parameters as canonical (sorted-key) JSON.",
        fold: "Fold the metric was measured on (0-based).",
        metric: "The trial's metric on that fold: rank IC of its out-of-sample scores.",
        status: "complete, or pruned when the search stopped the trial early.",
      },
    },
  );
}
