/**
 * Donchian channels: the highest high and the lowest low of the `w` bars before the current one
 * (Donchian's "N-day breakout", as the Turtle rules use it: Faith, "Way of the Turtle", 2007,
 * ch. 5 — a breakout is a close beyond the extreme of the previous N days, the current bar
 * excluded). Without highs and lows the panel's closes stand in for both.
 *
 * Computed with a monotonic deque (the "ascending minima" algorithm, Lemire 2006,
 * arXiv:cs/0610046), rebuilt from the w rows before each tile of rows: O(1) per row amortized.
 * A maximum is exact, so the value does not depend on how rows are tiled.
 */
import type { FeatureFill } from "./features.ts";

/**
 * max_{u=t−w..t−1} x[u] (`side` "max") or the minimum (`side` "min"); NaN until t ≥ w and while
 * any of those w bars is missing. `maxRows` is the longest tile the fill is called with.
 */
export function channelFill(x: Float64Array, T: number, w: number, side: "max" | "min", maxRows: number): FeatureFill {
  const dq = new Int32Array(maxRows + w + 1);
  const max = side === "max";
  return (i, t0, n, out, off) => {
    const b = i * T;
    let head = 0,
      tail = 0,
      lastMissing = -1;
    for (let u = Math.max(0, t0 - w); u < t0 + n; u++) {
      if (u >= t0) {
        // The window of row u is [u − w, u − 1]: every index < u is pushed, drop those < u − w.
        while (head < tail && dq[head] < u - w) head++;
        out[off + u - t0] = u >= w && lastMissing < u - w ? x[b + dq[head]] : NaN;
      }
      const v = x[b + u];
      if (v !== v) {
        lastMissing = u;
        continue;
      }
      if (max) while (tail > head && x[b + dq[tail - 1]] <= v) tail--;
      else while (tail > head && x[b + dq[tail - 1]] >= v) tail--;
      dq[tail++] = u;
    }
  };
}
