/**
 * Compose factors into one query: prices → per-bar columns → one window pass over
 * (symbol, date) for every factor → cross-sectional rank / z-score per date.
 *
 * Output: date, symbol, one DOUBLE column per factor in the given order, then `<c>_rank` for
 * each `rank` column, then `<c>_z` for each `zscore` column. The query has no ORDER BY: write
 * it with orderBy ["date", "symbol"] (ctx.writeTable / copyQueryToParquet).
 */
import { StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import { sqlIdent } from "../../store/sql.ts";
import { barsQuery } from "./bars.ts";
import { crossSectionalRank, crossSectionalZ, dateStatsQuery } from "./cross-section.ts";
import type { BarColumn, Factor, FeatureColumn } from "./types.ts";

export interface FeaturesQueryOptions {
  /** Factor columns that also get a cross-sectional rank `<c>_rank` (default none). */
  rank?: readonly string[];
  /** Factor columns that also get a cross-sectional z-score `<c>_z` (default none). */
  zscore?: readonly string[];
}

export interface FeaturesQuery {
  sql: string;
  /** Every output column after date and symbol, in order, with its warm-up in rows. */
  columns: FeatureColumn[];
}

/** `prices` is a relation (table, view, or `read_parquet(...)`) with the prices schema. */
export function featuresQuery(prices: string, factors: readonly Factor[], opts: FeaturesQueryOptions = {}): FeaturesQuery {
  if (factors.length === 0) {
    throw new StrataError("ARGUMENT", "featuresQuery: no factors to compute", { hint: "enable at least one factor family" });
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
      if (seen.has(c)) throw new StrataError("ARGUMENT", `featuresQuery: ${what} column '${c}' is listed twice`, { hint: "list it once" });
      seen.add(c);
      return f;
    });
  };
  const ranked = pick(opts.rank, "rank");
  const scored = pick(opts.zscore, "zscore");

  const uses = new Set<BarColumn>(factors.flatMap((f) => f.uses));
  const factorSelect = factors.map((f) => `(${f.sql})::DOUBLE AS ${sqlIdent(f.name)}`).join(",\n      ");
  const perSymbol = `SELECT date, symbol,
      ${factorSelect}
    FROM (${barsQuery(prices, uses)})
    WINDOW w AS (PARTITION BY symbol ORDER BY date)`;

  const columns: FeatureColumn[] = [
    ...factors.map((f) => ({ name: f.name, family: f.family, warmup: f.warmup })),
    ...ranked.map((f) => ({ name: `${f.name}_rank`, family: "rank" as const, warmup: f.warmup })),
    ...scored.map((f) => ({ name: `${f.name}_z`, family: "zscore" as const, warmup: f.warmup })),
  ];
  if (ranked.length === 0 && scored.length === 0) return { sql: perSymbol, columns };
  // One set of per-date statistics per transformed column (a column both ranked and scored
  // shares it), computed by a GROUP BY date and joined back.
  const transformed = [...new Set([...ranked, ...scored].map((f) => f.name))];
  const idx = new Map(transformed.map((n, i) => [n, i]));
  const zNames = new Set(scored.map((f) => f.name));
  const xs = [
    ...ranked.map((f) => `(${crossSectionalRank(f.name, idx.get(f.name)!)})::DOUBLE AS ${sqlIdent(`${f.name}_rank`)}`),
    ...scored.map((f) => `(${crossSectionalZ(f.name, idx.get(f.name)!)})::DOUBLE AS ${sqlIdent(`${f.name}_z`)}`),
  ];
  const xsNames = columns.slice(factors.length).map((c) => `x.${sqlIdent(c.name)}`);
  // The per-date work runs on a narrow relation (date, symbol, the transformed columns, their
  // date statistics): window sorts carry only those columns, not the whole factor row.
  const sql = `WITH f AS MATERIALIZED (${perSymbol}),
    g AS (${dateStatsQuery("f", transformed, zNames)}),
    x AS (
      SELECT date, symbol, ${xs.join(",\n        ")}
      FROM (SELECT f.date, f.symbol, ${transformed.map((n) => `f.${sqlIdent(n)}`).join(", ")}, g.* EXCLUDE (date)
            FROM f JOIN g ON f.date = g.date))
    SELECT f.*, ${xsNames.join(", ")}
    FROM f JOIN x ON f.date = x.date AND f.symbol = x.symbol`;
  return { sql, columns };
}
