/**
 * Wilder's smoothed indicators (J. Welles Wilder Jr., "New Concepts in Technical Trading
 * Systems", 1978): the Relative Strength Index and the Average True Range. Both average a
 * per-bar quantity over n bars: the first average is the simple mean of the first n values, each
 * later one A[t] = (A[t−1]·(n − 1) + v[t]) / n (Wilder's smoothing, an EMA with α = 1/n; TA-Lib
 * seeds the same way). The per-bar quantity needs the previous close, so the first average is at
 * row n. A missing bar restarts the average: the value is NaN until n new per-bar values exist.
 * The state is carried from row to row, so the value does not depend on how rows are tiled.
 */
import type { FeatureFill } from "./features.ts";

/**
 * RSI(n)[t] = 100 − 100 / (1 + AG/AL), AG and AL Wilder averages of the gains max(Δclose, 0) and
 * losses max(−Δclose, 0); 100 when AL = 0 < AG, 50 when both are 0 (no move over the window).
 */
export function rsiFill(close: Float64Array, T: number, N: number, n: number): FeatureFill {
  const gain = new Float64Array(N),
    loss = new Float64Array(N),
    count = new Int32Array(N);
  return (i, t0, rows, out, off) => {
    const b = i * T;
    let ag = gain[i],
      al = loss[i],
      k = count[i];
    for (let j = 0; j < rows; j++) {
      const t = t0 + j;
      const d = t > 0 ? close[b + t] - close[b + t - 1] : NaN;
      if (d !== d) {
        ag = 0;
        al = 0;
        k = 0;
        out[off + j] = NaN;
        continue;
      }
      const g = Math.max(d, 0),
        l = d < 0 ? -d : 0;
      if (k < n) {
        ag += g;
        al += l;
        if (++k === n) {
          ag /= n;
          al /= n;
        }
      } else {
        ag = (ag * (n - 1) + g) / n;
        al = (al * (n - 1) + l) / n;
      }
      out[off + j] = k < n ? NaN : al === 0 ? (ag === 0 ? 50 : 100) : 100 - 100 / (1 + ag / al);
    }
    gain[i] = ag;
    loss[i] = al;
    count[i] = k;
  };
}

/**
 * ATR(n)[t]: Wilder average of the true range TR[t] = max(high − low, |high − close[t−1]|,
 * |low − close[t−1]|). On a close-only panel high = low = close, so TR = |close[t] − close[t−1]|.
 */
export function atrFill(
  close: Float64Array,
  high: Float64Array,
  low: Float64Array,
  T: number,
  N: number,
  n: number,
): FeatureFill {
  const avg = new Float64Array(N),
    count = new Int32Array(N);
  return (i, t0, rows, out, off) => {
    const b = i * T;
    let a = avg[i],
      k = count[i];
    for (let j = 0; j < rows; j++) {
      const t = t0 + j;
      const prev = t > 0 ? close[b + t - 1] : NaN,
        h = high[b + t],
        l = low[b + t];
      const tr = Math.max(h - l, Math.abs(h - prev), Math.abs(l - prev)); // NaN if any input is
      if (tr !== tr) {
        a = 0;
        k = 0;
        out[off + j] = NaN;
        continue;
      }
      if (k < n) {
        a += tr;
        if (++k === n) a /= n;
      } else a = (a * (n - 1) + tr) / n;
      out[off + j] = k < n ? NaN : a;
    }
    avg[i] = a;
    count[i] = k;
  };
}
