/**
 * A dated series' values on other dates (an exact join on the date key): `fill` where the
 * series has no row. What the fill means is the caller's choice and is part of the result's
 * meaning — NaN for "unknown" (a benchmark missing a day: the pair is dropped), 0 for "not
 * invested" (a strategy that had no position that day) — so it has no default.
 */
export function alignByDate(
  seriesDates: ArrayLike<number>,
  seriesValues: ArrayLike<number>,
  dates: ArrayLike<number>,
  fill: number,
): { values: Float64Array; found: number; missing: number } {
  const at = new Map<number, number>();
  for (let k = 0; k < seriesDates.length; k++) at.set(seriesDates[k], seriesValues[k]);
  let found = 0;
  const values = Float64Array.from(dates, (d) => {
    const v = at.get(d);
    if (v === undefined) return fill;
    found++;
    return v;
  });
  return { values, found, missing: dates.length - found };
}
