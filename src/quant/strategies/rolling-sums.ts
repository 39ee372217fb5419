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
  const sums = new Float64Array(N),
    refs = new Float64Array(N),
    missing = new Int32Array(N),
    inv = 1 / w; // a multiply instead of a divide per value (this is the hot loop of a big grid)
  return (i, t0, n, out, off) => {
    const b = i * T;
    let s = sums[i],
      c = refs[i],
      bad = missing[i];
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
    sums[i] = s;
    refs[i] = c;
    missing[i] = bad;
  };
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
