/**
 * Rolling means and Bollinger z-scores over the last `w` closes, by running sums.
 *
 * Arithmetic (why the numbers do not depend on which other windows are computed): each window
 * length has its own running sums, rolled forward one bar at a time (add the new close, remove
 * the one leaving), and recomputed from scratch — summed oldest to newest — on every row that
 * is a multiple of RESTART_EVERY. The value for (window, symbol, row) is therefore a function
 * of that symbol's closes alone, whatever else is evaluated beside it and however the rows are
 * tiled, and the rounding error is bounded by about w + RESTART_EVERY roundings instead of
 * growing with the length of the series as a never-restarted running sum does. The sums are of
 * x − c, with c the close on the restart row (the previous c when that close is missing): near
 * the price level, so the sums stay small and Σ(x − c)² − (Σ(x − c))²/w does not cancel as
 * Σx² − (Σx)²/w does for a stock at 1,000 moving by 1. A compensated (Neumaier) running sum was
 * the alternative; it costs four more operations per update on the hot path, and its value
 * still depends on the whole history since row 0, which the restart avoids.
 *
 * A window is full when it holds w closes of the symbol, none missing: before that, and for w
 * bars after any missing close, the value is NaN (the strategies stay flat).
 */
import type { FeatureFill } from "./features.ts";

/** Rows between two recomputations of the running sums from scratch (rows 0, 256, 512, …). */
export const RESTART_EVERY = 256;

/** One SMA window's running state per symbol: the sum of (close − c), c, and closes missing. */
interface SmaState {
  w: number;
  /** 1/w: a multiply instead of a divide per value (this is the hot loop of a big grid). */
  inv: number;
  sums: Float64Array;
  refs: Float64Array;
  missing: Int32Array;
}

const smaState = (N: number, w: number): SmaState => ({
  w,
  inv: 1 / w,
  sums: new Float64Array(N),
  refs: new Float64Array(N),
  missing: new Int32Array(N),
});

/** Rows t0 … t0 + n − 1 of SMA(w) for symbol i (w ≥ 2), every check made. */
function smaRows(
  x: Float64Array,
  T: number,
  st: SmaState,
  i: number,
  t0: number,
  n: number,
  out: Float64Array,
  off: number,
) {
  const { w, inv } = st,
    b = i * T;
  let s = st.sums[i],
    c = st.refs[i],
    bad = st.missing[i];
  for (let j = 0; j < n; j++) {
    const t = t0 + j;
    if (t % RESTART_EVERY === 0) {
      const v = x[b + t];
      if (v === v) c = v;
      s = 0;
      bad = 0;
      for (let u = Math.max(0, t - w + 1); u <= t; u++) {
        const y = x[b + u];
        if (y !== y) bad++;
        else s += y - c;
      }
    } else {
      const v = x[b + t];
      if (v !== v) bad++;
      else s += v - c;
      if (t >= w) {
        const o = x[b + t - w];
        if (o !== o) bad--;
        else s -= o - c;
      }
    }
    out[off + j] = t >= w - 1 && bad === 0 ? c + s * inv : NaN;
  }
  st.sums[i] = s;
  st.refs[i] = c;
  st.missing[i] = bad;
}

/** The sum of (close − c) over the w closes ending at row t (a restart row, all present). */
function restartSum(x: Float64Array, b: number, t: number, w: number, c: number): number {
  let s = 0;
  for (let u = t - w + 1; u <= t; u++) s += x[b + u] - c;
  return s;
}

/**
 * SMA(w)[t] = (1/w) Σ_{u=t−w+1..t} close[u], computed as c + Σ(close[u] − c)·(1/w) (see the
 * module comment; 1/w rounded once). SMA(1) is the close itself.
 */
export function smaFill(x: Float64Array, T: number, N: number, w: number): FeatureFill {
  if (w === 1) {
    return (i, t0, n, out, off) => {
      for (let j = 0; j < n; j++) out[off + j] = x[i * T + t0 + j];
    };
  }
  const st = smaState(N, w);
  return (i, t0, n, out, off) => smaRows(x, T, st, i, t0, n, out, off);
}

/**
 * Several SMA windows at once: the same values as smaFill for each (the same operations in the
 * same order), window `windows[g]` written at out[offsets[g] + j]. Each window's running sum is a
 * chain of dependent additions, so one window at a time waits on the adder; four chains advanced
 * side by side keep it busy. Used where a whole group's rows are present (`gaps`, lastMissing):
 * otherwise, or for the windows left over, each window goes alone through every check.
 */
export function smaBankFill(
  x: Float64Array,
  T: number,
  N: number,
  windows: readonly number[],
  offsets: readonly number[],
  gaps: Int32Array,
): (i: number, t0: number, n: number, out: Float64Array) => void {
  const one: number[] = [],
    states: SmaState[] = [],
    at: number[] = [];
  windows.forEach((w, g) => {
    if (w === 1) one.push(offsets[g]);
    else {
      states.push(smaState(N, w));
      at.push(offsets[g]);
    }
  });
  const groups = Math.floor(states.length / 4);
  return (i, t0, n, out) => {
    const b = i * T;
    for (const o of one) for (let j = 0; j < n; j++) out[o + j] = x[b + t0 + j];
    for (let g = 0; g < 4 * groups; g += 4) {
      const s0 = states[g],
        s1 = states[g + 1],
        s2 = states[g + 2],
        s3 = states[g + 3];
      const wMax = Math.max(s0.w, s1.w, s2.w, s3.w);
      const clean =
        t0 >= wMax &&
        gaps[b + t0 + n - 1] < t0 - wMax &&
        s0.missing[i] + s1.missing[i] + s2.missing[i] + s3.missing[i] === 0;
      if (clean) sma4(x, b, t0, n, out, i, s0, s1, s2, s3, at[g], at[g + 1], at[g + 2], at[g + 3]);
      else for (let h = g; h < g + 4; h++) smaRows(x, T, states[h], i, t0, n, out, at[h]);
    }
    for (let g = 4 * groups; g < states.length; g++) smaRows(x, T, states[g], i, t0, n, out, at[g]);
  };
}

/** Four windows over rows with every close present from t0 − max(w) on (see smaBankFill). */
function sma4(
  x: Float64Array,
  b: number,
  t0: number,
  n: number,
  out: Float64Array,
  i: number,
  A: SmaState,
  B: SmaState,
  C: SmaState,
  D: SmaState,
  oa: number,
  ob: number,
  oc: number,
  od: number,
) {
  const wa = A.w,
    wb = B.w,
    wc = C.w,
    wd = D.w,
    ia = A.inv,
    ib = B.inv,
    ic = C.inv,
    id = D.inv;
  let c = A.refs[i],
    sa = A.sums[i],
    sb = B.sums[i],
    sc = C.sums[i],
    sd = D.sums[i];
  for (let j = 0; j < n; ) {
    const t = t0 + j;
    if ((t & (RESTART_EVERY - 1)) === 0) {
      c = x[b + t];
      sa = restartSum(x, b, t, wa, c);
      sb = restartSum(x, b, t, wb, c);
      sc = restartSum(x, b, t, wc, c);
      sd = restartSum(x, b, t, wd, c);
      out[oa + j] = c + sa * ia;
      out[ob + j] = c + sb * ib;
      out[oc + j] = c + sc * ic;
      out[od + j] = c + sd * id;
      j++;
    }
    // Up to the next restart row: no call in this loop, so the four sums stay in registers.
    const end = Math.min(n, j + RESTART_EVERY - ((t0 + j) & (RESTART_EVERY - 1)));
    for (let u = b + t0 + j; j < end; j++, u++) {
      const v = x[u];
      sa += v - c;
      sb += v - c;
      sc += v - c;
      sd += v - c;
      sa -= x[u - wa] - c;
      sb -= x[u - wb] - c;
      sc -= x[u - wc] - c;
      sd -= x[u - wd] - c;
      out[oa + j] = c + sa * ia;
      out[ob + j] = c + sb * ib;
      out[oc + j] = c + sc * ic;
      out[od + j] = c + sd * id;
    }
  }
  A.sums[i] = sa;
  B.sums[i] = sb;
  C.sums[i] = sc;
  D.sums[i] = sd;
  A.refs[i] = B.refs[i] = C.refs[i] = D.refs[i] = c;
}

/**
 * Bollinger z-score (Bollinger, "Bollinger on Bollinger Bands", 2001): z[t] = (close[t] − SMA(w)[t]) /
 * SD(w)[t], with SD the population standard deviation (divisor w, as Bollinger's bands use) of the
 * same w closes. w ≥ 2. A window whose SD is below 10⁻¹⁰ of its mean (numerically constant prices,
 * e.g. a suspended stock quoted at its last price) has no band: z = 0.
 */
export function zscoreFill(x: Float64Array, T: number, N: number, w: number): FeatureFill {
  const sums = new Float64Array(N),
    squares = new Float64Array(N),
    refs = new Float64Array(N),
    missing = new Int32Array(N);
  return (i, t0, n, out, off) => {
    const b = i * T;
    let s = sums[i],
      q = squares[i],
      c = refs[i],
      bad = missing[i];
    for (let j = 0; j < n; j++) {
      const t = t0 + j;
      if (t % RESTART_EVERY === 0) {
        const v = x[b + t];
        if (v === v) c = v;
        s = 0;
        q = 0;
        bad = 0;
        for (let u = Math.max(0, t - w + 1); u <= t; u++) {
          const y = x[b + u];
          if (y !== y) bad++;
          else {
            const d = y - c;
            s += d;
            q += d * d;
          }
        }
      } else {
        const v = x[b + t];
        if (v !== v) bad++;
        else {
          const d = v - c;
          s += d;
          q += d * d;
        }
        if (t >= w) {
          const o = x[b + t - w];
          if (o !== o) bad--;
          else {
            const d = o - c;
            s -= d;
            q -= d * d;
          }
        }
      }
      if (t >= w - 1 && bad === 0) {
        const m = s / w;
        const variance = (q - s * m) / w;
        const sd = variance > 0 ? Math.sqrt(variance) : 0;
        out[off + j] = sd > 1e-10 * Math.abs(c + m) ? (x[b + t] - c - m) / sd : 0;
      } else out[off + j] = NaN;
    }
    sums[i] = s;
    squares[i] = q;
    refs[i] = c;
    missing[i] = bad;
  };
}
