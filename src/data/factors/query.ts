/**
 * Compose factors into one query: prices → per-bar columns → one window pass over
 * (symbol, date) for every factor. The cross-sectional rank / z-score per date are computed
 * from its materialized result by `materializeFeatures` (materialize.ts).
 *
 * Features: date, symbol, one DOUBLE column per factor in the given order, then `<c>_rank` for
 * each `rank` column, then `<c>_z` for each `zscore` column (`columns`). `sql` has no ORDER BY.
 */
import { StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import { sqlIdent } from "../../store/sql.ts";
import { barsQuery } from "./bars.ts";
import type { BarColumn, Factor, FeatureColumn } from "./types.ts";

export interface FeaturesQueryOptions {
  /** Factor columns that also get a cross-sectional rank `<c>_rank` (default none). */
  rank?: readonly string[];
  /** Factor columns that also get a cross-sectional z-score `<c>_z` (default none). */
  zscore?: readonly string[];
}

export interface FeaturesQuery {
  /** The per-symbol factors: date, symbol, one DOUBLE column per factor (no ranks, no z-scores). */
  sql: string;
  /** `sql` with the symbol's row number (1 on its first row) as column `__n` after symbol. */
  sqlWithRowNumber: string;
  /** Every output column after date and symbol, in order, with its warm-up in rows. */
  columns: FeatureColumn[];
  /** Factor columns that get `<c>_rank`, and `<c>_z`, in output order. */
  rank: string[];
  zscore: string[];
}

/** Name of the row-number column of `FeaturesQuery.sqlWithRowNumber`. */
export const ROW_NUMBER = "__n";

/** `prices` is a relation (table, view, or `read_parquet(...)`) with the prices schema. */
export function featuresQuery(
  prices: string,
  factors: readonly Factor[],
  opts: FeaturesQueryOptions = {},
): FeaturesQuery {
  if (factors.length === 0) {
    throw new StrataError("ARGUMENT", "featuresQuery: no factors to compute", {
      hint: "enable at least one factor family",
    });
  }
  const byName = new Map<string, Factor>();
  for (const f of factors) {
    if (byName.has(f.name)) {
      throw new StrataError("ARGUMENT", `featuresQuery: factor column '${f.name}' is requested twice`, {
        hint: "list each window once per family",
      });
    }
    byName.set(f.name, f);
  }
  const names = [...byName.keys()];
  const pick = (list: readonly string[] | undefined, what: string): Factor[] => {
    const seen = new Set<string>();
    return (list ?? []).map((c) => {
      const f = byName.get(c);
      if (!f) {
        throw new StrataError("ARGUMENT", `featuresQuery: ${what} column '${c}' is not a computed factor`, {
          hint: suggestionHint(c, names, "computed factors"),
        });
      }
      if (seen.has(c))
        throw new StrataError("ARGUMENT", `featuresQuery: ${what} column '${c}' is listed twice`, {
          hint: "list it once",
        });
      seen.add(c);
      return f;
    });
  };
  const ranked = pick(opts.rank, "rank");
  const scored = pick(opts.zscore, "zscore");

  const uses = new Set<BarColumn>(factors.flatMap((f) => f.uses));
  const factorSelect = factors.map((f) => `(${f.sql})::DOUBLE AS ${sqlIdent(f.name)}`).join(",\n      ");
  const perSymbol = (rowNumber: string) => `SELECT date, symbol,${rowNumber}
      ${factorSelect}
    FROM (${barsQuery(prices, uses)})
    WINDOW w AS (PARTITION BY symbol ORDER BY date)`;

  const columns: FeatureColumn[] = [
    ...factors.map((f) => ({ name: f.name, family: f.family, warmup: f.warmup })),
    ...ranked.map((f) => ({ name: `${f.name}_rank`, family: "rank" as const, warmup: f.warmup })),
    ...scored.map((f) => ({ name: `${f.name}_z`, family: "zscore" as const, warmup: f.warmup })),
  ];
  return {
    sql: perSymbol(""),
    sqlWithRowNumber: perSymbol(` n AS ${ROW_NUMBER},`),
    columns,
    rank: ranked.map((f) => f.name),
    zscore: scored.map((f) => f.name),
  };
}
