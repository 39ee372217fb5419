/**
 * Mean daily Spearman rank IC between a per-row signal and the forward return with an
 * execution lag, computed from long (date, symbol)-sorted columns. Test helper: written
 * independently of the generator (it sees only the output columns).
 */
export interface RankIcResult {
  mean: number;
  /** Standard error of the mean over days (sd / √days). */
  se: number;
  days: number;
}

function ranks(x: Float64Array): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(n);
  for (let a = 0; a < n; ) {
    let b = a;
    while (b + 1 < n && x[idx[b + 1]] === x[idx[a]]) b++;
    const avg = (a + b) / 2 + 1; // average rank for ties
    for (let k = a; k <= b; k++) r[idx[k]] = avg;
    a = b + 1;
  }
  return r;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma,
      db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Signal at close t; return from close t+lag to close t+lag+horizon (lag 1, horizon 5 ⇒
 * close t+1 → close t+6). Days with fewer than `minNames` valid pairs are skipped.
 */
export function meanRankIc(
  cols: { date: Int32Array; symbol: string[]; close: Float64Array },
  signal: Float64Array,
  opts: { lag?: number; horizon?: number; minNames?: number } = {},
): RankIcResult {
  const lag = opts.lag ?? 1,
    h = opts.horizon ?? 5,
    minNames = opts.minNames ?? 20;
  const dayIndex = new Map<number, number>();
  const symIndex = new Map<string, number>();
  for (let r = 0; r < cols.date.length; r++) {
    if (!dayIndex.has(cols.date[r])) dayIndex.set(cols.date[r], dayIndex.size);
    if (!symIndex.has(cols.symbol[r])) symIndex.set(cols.symbol[r], symIndex.size);
  }
  const T = dayIndex.size,
    N = symIndex.size;
  const px = new Float64Array(T * N).fill(NaN),
    sg = new Float64Array(T * N).fill(NaN);
  for (let r = 0; r < cols.date.length; r++) {
    const k = dayIndex.get(cols.date[r])! * N + symIndex.get(cols.symbol[r])!;
    px[k] = cols.close[r];
    sg[k] = signal[r];
  }
  const ics: number[] = [];
  for (let t = 0; t + lag + h < T; t++) {
    const s: number[] = [],
      f: number[] = [];
    for (let i = 0; i < N; i++) {
      const a = sg[t * N + i],
        p0 = px[(t + lag) * N + i],
        p1 = px[(t + lag + h) * N + i];
      if (Number.isFinite(a) && Number.isFinite(p0) && Number.isFinite(p1)) {
        s.push(a);
        f.push(p1 / p0 - 1);
      }
    }
    if (s.length < minNames) continue;
    ics.push(pearson(ranks(Float64Array.from(s)), ranks(Float64Array.from(f))));
  }
  const mean = ics.reduce((a, b) => a + b, 0) / ics.length;
  const sd = Math.sqrt(ics.reduce((a, b) => a + (b - mean) ** 2, 0) / (ics.length - 1));
  return { mean, se: sd / Math.sqrt(ics.length), days: ics.length };
}
