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
  /**
   * Only the rows dated after this day ("YYYY-MM-DD"), computed from each symbol's last
   * `lookback` rows up to it (see FeaturesQuery.lookback) and everything after: an update of
   * a features table by new dates. Every value equals the full query's (the window frames see
   * the same rows, and materializeFeatures evaluates each frame on its own; tested).
   */
  after?: string;
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
  /** Rows of a symbol's history any factor reads at a date (its own row included): max warm-up + 1. */
  lookback: number;
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
  const lookback = Math.max(...factors.map((f) => f.warmup)) + 1;
  const bars = barsQuery(prices, uses);
  const perSymbol = (rowNumber: string) => {
    const all = `SELECT date, symbol,${rowNumber}
      ${factorSelect}
    FROM (${opts.after === undefined ? bars : recentBars(bars, prices, opts.after, lookback)})
    WINDOW w AS (PARTITION BY symbol ORDER BY date)`;
    return opts.after === undefined ? all : `SELECT * FROM (${all}) WHERE date > ${dateLiteral(opts.after)}`;
  };

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
    lookback,
  };
}

/**
 * The bars of every date after `after`, plus each symbol's last `lookback` bars up to it. The
 * per-bar columns (row number n, previous close, returns, the market mean) are computed on the
 * full history first, so they are the full query's; only the factor windows see fewer rows,
 * and never fewer than they read. A symbol's n at its last bar up to `after` is its count of
 * rows up to then (a grouped count: a window aggregate over the whole partition would be
 * evaluated frame by frame, quadratically, under the SEPARATE window mode).
 */
function recentBars(bars: string, prices: string, after: string, lookback: number): string {
  return `SELECT b.* FROM (${bars}) b
    LEFT JOIN (SELECT symbol, count(*) - ${lookback} AS __from FROM ${prices}
               WHERE date <= ${dateLiteral(after)} GROUP BY symbol) h ON h.symbol = b.symbol
    WHERE h.__from IS NULL OR b.n > h.__from`;
}

function dateLiteral(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new StrataError("ARGUMENT", `featuresQuery: after must be a date "YYYY-MM-DD", got ${JSON.stringify(day)}`);
  }
  return `DATE '${day}'`;
}
