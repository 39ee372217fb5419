/**
 * The planted score S[i,t] of the synthetic market, recomputed from the long (date, symbol,
 * close) columns alone with the formula in docs/synthetic-market.md ("The planted signal").
 * Test helper, written independently of src/data/synthetic.ts: it never sees the generator's
 * log prices, listing spans or RNG, only the output columns.
 *
 *   mom20[i,t] = ln(C[i,t] / C[i,t−20]),  rev5[i,t] = −ln(C[i,t] / C[i,t−5])
 *   S[i,t]     = clip(z(z(mom20) + z(rev5)), −3, 3)
 *
 * t−k counts trading days of the panel (the distinct dates). A symbol takes part on day t when
 * it has closes on t−20..t (21 closes, 20 days of history); z is the cross-sectional z-score
 * over those symbols, (x − mean) / sd with sd the sample standard deviation (n − 1), 0 when
 * sd = 0; with fewer than 3 such symbols the day has no score. Rows without a score are NaN.
 */
export function plantedScore(cols: { date: Int32Array; symbol: string[]; close: ArrayLike<number> }): Float64Array {
  const n = cols.date.length;
  const dayOf = new Map<number, number>(),
    symOf = new Map<string, number>();
  for (const d of [...new Set(cols.date)].sort((a, b) => a - b)) dayOf.set(d, dayOf.size);
  for (const s of cols.symbol) if (!symOf.has(s)) symOf.set(s, symOf.size);
  const T = dayOf.size,
    N = symOf.size;
  // close[day][symbol], NaN where the symbol has no row that day
  const px = new Float64Array(T * N).fill(NaN);
  const rowDay = new Int32Array(n),
    rowSym = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    rowDay[r] = dayOf.get(cols.date[r])!;
    rowSym[r] = symOf.get(cols.symbol[r])!;
    px[rowDay[r] * N + rowSym[r]] = cols.close[r];
  }
  const traded = (t: number, i: number): boolean => t >= 0 && !Number.isNaN(px[t * N + i]);

  const score = new Float64Array(T * N).fill(NaN);
  for (let t = 0; t < T; t++) {
    const names: number[] = [];
    for (let i = 0; i < N; i++) {
      let full = true;
      for (let k = 0; k <= 20 && full; k++) full = traded(t - k, i);
      if (full) names.push(i);
    }
    if (names.length < 3) continue;
    const c = (k: number, i: number): number => px[(t - k) * N + i];
    const mom = names.map((i) => Math.log(c(0, i) / c(20, i)));
    const rev = names.map((i) => -Math.log(c(0, i) / c(5, i)));
    const zm = zscore(mom),
      zr = zscore(rev);
    const s = zscore(zm.map((v, j) => v + zr[j]));
    names.forEach((i, j) => {
      score[t * N + i] = Math.min(3, Math.max(-3, s[j]));
    });
  }
  return Float64Array.from({ length: n }, (_, r) => score[rowDay[r] * N + rowSym[r]]);
}

/** Two-pass z-score with the sample standard deviation; all zeros when it is 0. */
function zscore(x: number[]): number[] {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
  return x.map((v) => (sd > 0 ? (v - mean) / sd : 0));
}
