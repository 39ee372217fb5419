/**
 * Aggregation of long series before plotting, so pages stay small: a daily series of twenty
 * years becomes weekly or monthly points with the same shape.
 */

/** Keep every k-th point of each group (always the first and last) so at most `max` remain. */
export function thinSeries<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  const step = Math.ceil(rows.length / max);
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += step) out.push(rows[i]);
  if (out[out.length - 1] !== rows[rows.length - 1]) out.push(rows[rows.length - 1]);
  return out;
}

/**
 * Rows grouped by `key`, each group thinned to at most `maxPerGroup` points (order kept).
 * Use on cumulative quantities (equity, drawdown): thinning a level series keeps its shape.
 */
export function thinByGroup<T>(rows: readonly T[], key: (r: T) => string, maxPerGroup: number): T[] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return [...groups.values()].flatMap((g) => thinSeries(g, maxPerGroup));
}

/** Period key of an ISO date "YYYY-MM-DD": the week's Monday ("W"), the month ("M") or the year ("Y"). */
export function periodOf(date: string, period: "W" | "M" | "Y"): string {
  if (period === "Y") return date.slice(0, 4);
  if (period === "M") return date.slice(0, 7);
  const d = new Date(`${date}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - dow * 86_400_000).toISOString().slice(0, 10);
}

/** The period for a span of `days` calendar days so that about ≤ 300 points remain. */
export function periodFor(days: number): "D" | "W" | "M" {
  return days <= 400 ? "D" : days <= 2100 ? "W" : "M";
}
