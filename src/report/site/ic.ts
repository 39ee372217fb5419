/**
 * Information coefficients in DuckDB SQL: the Spearman rank correlation of a signal with
 * forward returns across symbols on each date, then its mean and t-statistic over dates.
 *
 * Spearman's rho is Pearson's correlation of the ranks, ties given their average rank
 * (Spearman 1904; the convention of scipy.stats.spearmanr). With r↑ the ascending rank
 * (1 + number smaller) and r↓ the descending rank (1 + number larger) in a group of n,
 * the average rank is (r↑ + n + 1 − r↓) / 2.
 */
import { sqlIdent } from "../../store/index.ts";

/** Average rank (ties share their mean rank) of `col` within `partition`. */
export function averageRankSql(col: string, partition: string): string {
  return `((rank() over (partition by ${partition} order by ${col}) + count(*) over (partition by ${partition}) + 1 - rank() over (partition by ${partition} order by ${col} desc)) / 2.0)`;
}

/**
 * Per group (e.g. date × feature): Spearman rank correlation of `x` with `y` and the number
 * of pairs. `long` is a relation with the group columns, `x` and `y`; rows where either is
 * NULL or not finite are left out pairwise, and groups with fewer than `minPairs` pairs
 * (default 3) are dropped.
 */
export function rankIcSql(long: string, groups: readonly string[], opts: { minPairs?: number } = {}): string {
  const g = groups.map(sqlIdent).join(", ");
  return `select ${g}, corr(rx, ry) as ic, count(*)::INTEGER as pairs from (
      select ${g}, ${averageRankSql("x", g)} as rx, ${averageRankSql("y", g)} as ry
        from (${long}) where x is not null and y is not null and isfinite(x) and isfinite(y))
    group by ${g} having count(*) >= ${opts.minPairs ?? 3}`;
}

/**
 * Mean IC, its standard deviation, the number of dates and the t-statistic
 * mean / (sd / √dates) per `keys`, from a per-date IC relation (`rankIcSql`). Dates whose IC
 * is undefined (a constant cross-section) are left out.
 */
export function icSummarySql(perDate: string, keys: readonly string[]): string {
  const k = keys.map(sqlIdent).join(", ");
  // Rounded to 12 decimals: parallel aggregation may differ in the last bits run to run, and
  // pages must be byte-identical for the same inputs (the order of features follows these).
  return `select ${k}, round(avg(ic), 12) as mean_ic, round(stddev_samp(ic), 12) as sd_ic, count(*)::INTEGER as dates,
      round(avg(ic) / (stddev_samp(ic) / sqrt(count(*))), 10) as t_stat
    from (${perDate}) where ic is not null and isfinite(ic) group by ${k} order by ${k}`;
}
