import { StrataError } from "../../core/errors.ts";
import { deviation } from "../stats/deviation.ts";

export type Regime = "risk-off" | "normal" | "risk-on";
export const REGIMES: readonly Regime[] = ["risk-off", "normal", "risk-on"];

export interface MarketRegimesOptions {
  /** Trailing window of the volatility, periods. Default 63 (a quarter of trading days). */
  volWindow?: number;
  /** Trailing window of the trend return, periods. Default 126 (half a year). */
  trendWindow?: number;
  /**
   * Volatility observations needed before its percentile is trusted (the warm-up of the
   * expanding history). Default 126.
   */
  minHistory?: number;
  /**
   * Percentile (0–1) of today's trailing vol within its own history up to today above which
   * vol counts as HIGH. Default 0.5 (above its expanding median).
   */
  volThreshold?: number;
}

export interface MarketRegimes {
  /** State per period; null during the warm-up or when a window holds a NaN. */
  states: (Regime | null)[];
  /** Trailing sample std (ddof 1) of the last `volWindow` returns, per period (not annualized). */
  vol: Float64Array;
  /** Fraction of the vol values observed up to and including t that are ≤ vol_t. */
  volPercentile: Float64Array;
  /** Trailing compounded return of the last `trendWindow` periods. */
  trend: Float64Array;
}

/**
 * Point-in-time market states from a market return series (e.g. SPY daily returns). At t only
 * r_0..r_t are used:
 *   vol_t   = std(r_{t−volWindow+1..t}),  pct_t = #{s ≤ t : vol_s ≤ vol_t} / #{s ≤ t}
 *   trend_t = Π(1 + r_{t−trendWindow+1..t}) − 1
 *   risk-off: trend_t < 0 and pct_t > volThreshold   (falling and turbulent)
 *   risk-on:  trend_t > 0 and pct_t ≤ volThreshold   (rising and calm)
 *   normal:   mixed signals.
 * The percentile ranks vol against its OWN expanding history, never the full sample, so no
 * future volatility leaks into a past state (a full-sample quantile would). Changing any r_s
 * with s > t leaves states[0..t] unchanged (tested).
 */
export function marketRegimes(marketReturns: ArrayLike<number>, opts: MarketRegimesOptions = {}): MarketRegimes {
  const volWindow = positiveInt(opts.volWindow ?? 63, "volWindow", 2);
  const trendWindow = positiveInt(opts.trendWindow ?? 126, "trendWindow", 1);
  const minHistory = positiveInt(opts.minHistory ?? 126, "minHistory", 1);
  const threshold = opts.volThreshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new StrataError("ARGUMENT", `marketRegimes: volThreshold must be in [0, 1], got ${threshold}`, {
      hint: "0.5 = above the expanding median",
    });
  }
  const r = Float64Array.from(marketReturns as ArrayLike<number>);
  const n = r.length;
  const vol = new Float64Array(n).fill(NaN);
  const volPercentile = new Float64Array(n).fill(NaN);
  const trend = new Float64Array(n).fill(NaN);
  const states: (Regime | null)[] = new Array(n).fill(null);
  const history: number[] = []; // vol values seen so far, sorted ascending
  for (let t = 0; t < n; t++) {
    if (t >= volWindow - 1) {
      const w = r.subarray(t - volWindow + 1, t + 1);
      if (w.every(Number.isFinite)) {
        const v = deviation(w);
        vol[t] = v;
        history.splice(upperBound(history, v), 0, v);
        volPercentile[t] = upperBound(history, v) / history.length;
      }
    }
    if (t >= trendWindow - 1) {
      let wealth = 1;
      for (let s = t - trendWindow + 1; s <= t; s++) wealth *= 1 + r[s];
      trend[t] = wealth - 1; // NaN if the window holds a NaN
    }
    if (history.length < minHistory || Number.isNaN(volPercentile[t]) || Number.isNaN(trend[t])) continue;
    const high = volPercentile[t] > threshold;
    states[t] = trend[t] < 0 && high ? "risk-off" : trend[t] > 0 && !high ? "risk-on" : "normal";
  }
  return { states, vol, volPercentile, trend };
}

/** Index of the first element > v in an ascending array (count of elements ≤ v). */
function upperBound(a: number[], v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positiveInt(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new StrataError("ARGUMENT", `marketRegimes: ${name} must be an integer ≥ ${min}, got ${v}`, {
      hint: "windows are counted in periods (trading days for daily data)",
    });
  }
  return v;
}
