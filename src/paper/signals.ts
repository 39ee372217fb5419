/**
 * Scores of the universe at the decision date: the champion's model applied to that date's
 * features (live), or the champion's out-of-sample predictions of that date (reconciliation
 * with its backtest). Only rows dated exactly the decision date are read.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { f64Column, readColumns, sqlIdent, readParquetSql, sqlString, stringColumn } from "../store/index.ts";
import { predict, type Model } from "../quant/ml/model-io.ts";
import { featureMatrix } from "../quant/ml/types.ts";

export interface Scores {
  /** symbol → score (finite scores only), symbols in code-unit order. */
  bySymbol: Map<string, number>;
  /** Rows read for the date (some may have a non-finite score: a warm-up feature the model cannot use). */
  rows: number;
  source: "model" | "predictions";
}

const src = readParquetSql;

/** predict(model, features of `date`) for every symbol with a features row that day. */
export async function scoreWithModel(
  conn: DuckDBConnection,
  featuresPath: string,
  date: string,
  model: Model,
): Promise<Scores> {
  const names = (model as { features?: string[] }).features;
  if (!Array.isArray(names) || names.length === 0) {
    throw new StrataError("DATA", `the champion's model (${model.kind}) lists no features`, {
      hint: "rerun the train and champion stages",
    });
  }
  const describe = await readColumns(conn, `DESCRIBE SELECT * FROM ${src(featuresPath)}`);
  const have = new Set(stringColumn(describe, "column_name"));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length) {
    throw new StrataError("DATA", `${featuresPath} lacks the model's feature(s) ${missing.join(", ")}`, {
      hint: "the features stage changed since the champion was trained: rerun train and champion",
    });
  }
  const r = await readColumns(
    conn,
    `SELECT symbol, ${names.map((n) => `CAST(${sqlIdent(n)} AS DOUBLE) AS ${sqlIdent(n)}`).join(", ")}
      FROM ${src(featuresPath)} WHERE date = ${sqlString(date)}::DATE ORDER BY symbol`,
  );
  const symbols = stringColumn(r, "symbol");
  const X = featureMatrix(
    names,
    names.map((n) => f64Column(r, n)),
  );
  const s = symbols.length ? predict(model, X) : new Float64Array(0);
  const bySymbol = new Map<string, number>();
  symbols.forEach((sym, k) => {
    if (sym && Number.isFinite(s[k])) bySymbol.set(sym, s[k]);
  });
  return { bySymbol, rows: symbols.length, source: "model" };
}

/** The scores of `date` in a predictions table (date, symbol, score). */
export async function scoreFromPredictions(
  conn: DuckDBConnection,
  predictionsPath: string,
  date: string,
): Promise<Scores> {
  const r = await readColumns(
    conn,
    `SELECT symbol, CAST(score AS DOUBLE) AS score FROM ${src(predictionsPath)} WHERE date ` +
      `= ${sqlString(date)}::DATE ORDER BY symbol`,
  );
  const symbols = stringColumn(r, "symbol"),
    score = f64Column(r, "score");
  const bySymbol = new Map<string, number>();
  symbols.forEach((sym, k) => {
    if (sym && Number.isFinite(score[k])) bySymbol.set(sym, score[k]);
  });
  return { bySymbol, rows: symbols.length, source: "predictions" };
}
