/**
 * Cross-sectional z-score within each group (a date), over the group's non-missing values
 * (NaN = missing):
 *
 *   z_i = (v_i − mean) / sd     sd the sample standard deviation (ddof 1);
 *         0 when sd = 0 (every value equal); NaN when m < 2 or v_i is NaN.
 *
 * Deterministic: the moments are accumulated in row order (a table sorted by (date, symbol)
 * gives symbol order), the mean as a plain running sum / m and the variance by Welford's
 * update (Welford 1962, Technometrics 4(3):419–420) exactly as DuckDB's avg / stddev_samp
 * aggregates do, so the values equal DuckDB's over a symbol-ordered list, to the bit.
 */

/**
 * Z-scores of `values` within the groups given by `starts` (see groupStarts), written to `out`
 * (allocated when omitted; may alias `values`).
 */
export function groupZScores(
  values: Float64Array,
  starts: Int32Array,
  out = new Float64Array(values.length),
): Float64Array {
  for (let g = 0; g + 1 < starts.length; g++) {
    const s = starts[g],
      e = starts[g + 1];
    let m = 0,
      sum = 0,
      wMean = 0,
      dsq = 0;
    for (let i = s; i < e; i++) {
      const v = values[i];
      if (v !== v) continue;
      m++;
      sum += v;
      const d = (v - wMean) / m;
      const next = wMean + d;
      dsq += (v - next) * (v - wMean);
      wMean = next;
    }
    if (m < 2) {
      for (let i = s; i < e; i++) out[i] = NaN;
      continue;
    }
    const mean = sum / m,
      sd = Math.sqrt(dsq / (m - 1));
    for (let i = s; i < e; i++) {
      const v = values[i];
      out[i] = v !== v ? NaN : sd > 0 ? (v - mean) / sd : 0;
    }
  }
  return out;
}
