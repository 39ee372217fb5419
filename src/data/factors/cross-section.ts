/**
 * Cross-sectional transforms per date, over the symbols with a non-NULL value that date.
 *
 *   <c>_rank = (average rank of c among the date's m values − 1) / (m − 1), in 0 … 1
 *              (ties share their average rank; 0.5 when m = 1)
 *   <c>_z    = (c − mean) / stdev   (sample stdev, ddof 1; 0 when every value is equal;
 *              NULL when m < 2)
 * NULL where c is NULL. A date's transform uses only that date's values: no look-ahead, and a
 * symbol listing later changes only the dates it trades on.
 *
 * The per-date statistics come from one GROUP BY date whose float sums run in symbol order
 * (see dateStatsQuery), so the values are the same to the bit whatever the thread count or the
 * input row order; ranks are integers.
 */
import { sqlIdent } from "../../store/sql.ts";

/** Aliases of the per-date statistics of the i-th transformed column. */
export function dateStatNames(i: number): { m: string; mean: string; sd: string } {
  return { m: `__xs_m${i}`, mean: `__xs_mean${i}`, sd: `__xs_sd${i}` };
}

/**
 * Per-date statistics of the transformed columns of `relation`: date, then for the i-th
 * column its count `__xs_m{i}` and, for z-scored columns, `__xs_mean{i}` and `__xs_sd{i}`.
 * The moments come from one symbol-ordered list per date (`list(... ORDER BY symbol)`, a
 * single sort for all columns), reduced by list_avg / list_stddev_samp: one canonical order.
 */
export function dateStatsQuery(relation: string, columns: readonly string[], zscored: ReadonlySet<string>): string {
  const counts = columns.map((c, i) => `count(${sqlIdent(c)}) AS ${dateStatNames(i).m}`);
  const moments = columns.flatMap((c, i) => (zscored.has(c) ? [i] : []));
  if (moments.length === 0) return `SELECT date, ${counts.join(", ")} FROM ${relation} GROUP BY date`;
  const packed = `list({${moments.map((i) => `'v${i}': ${sqlIdent(columns[i])}`).join(", ")}} ORDER BY symbol) AS __xs_list`;
  const names = columns.map((_, i) => dateStatNames(i).m);
  const reduce = moments.flatMap((i) => {
    const s = dateStatNames(i), v = `list_transform(__xs_list, r -> r.v${i})`;
    return [`list_avg(${v}) AS ${s.mean}`, `list_stddev_samp(${v}) AS ${s.sd}`];
  });
  return `SELECT date, ${names.join(", ")}, ${reduce.join(", ")}
    FROM (SELECT date, ${counts.join(", ")}, ${packed} FROM ${relation} GROUP BY date)`;
}

/** Rank expression; needs the date's statistics of column i joined in. */
export function crossSectionalRank(column: string, i: number): string {
  const c = sqlIdent(column), { m } = dateStatNames(i);
  // NULLs sort last, so they never shift the ranks of the values. rank() is the first position
  // of the tie group and the peer count its size: the average position is rank + (peers − 1)/2.
  const order = `PARTITION BY date ORDER BY ${c} NULLS LAST`;
  const avgPos = `(rank() OVER (${order}) + (count(*) OVER (${order} RANGE BETWEEN CURRENT ROW AND CURRENT ROW) - 1) / 2.0)`;
  return `CASE WHEN ${c} IS NOT NULL THEN CASE WHEN ${m} = 1 THEN 0.5 ELSE (${avgPos} - 1) / (${m} - 1) END END`;
}

/** Z-score expression; needs the date's statistics of column i (with moments) joined in. */
export function crossSectionalZ(column: string, i: number): string {
  const c = sqlIdent(column), s = dateStatNames(i);
  return `CASE WHEN ${c} IS NOT NULL AND ${s.m} >= 2 THEN CASE WHEN ${s.sd} > 0 THEN (${c} - ${s.mean}) / ${s.sd} ELSE 0 END END`;
}
