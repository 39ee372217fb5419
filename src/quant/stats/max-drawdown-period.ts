import { drawdownSeries, type DrawdownOptions } from "./drawdown-series.ts";

export interface MaxDrawdownPeriodOptions extends DrawdownOptions {
  /** Dates of the returns as days since 1970-01-01, row-aligned; when given, the result carries them. */
  dates?: ArrayLike<number>;
}

export interface MaxDrawdownPeriod {
  /** The maximum drawdown (≤ 0); NaN for an empty series. */
  maxDrawdown: number;
  /**
   * Index of the peak: the last period at which the wealth stood at its running maximum
   * before the trough; −1 is the starting value before the first return (`from: "start"`).
   */
  peak: number;
  /** Index of the trough (the first period at the maximum drawdown). */
  trough: number;
  /** First index after the trough at which the wealth is back at the peak; null if it never is. */
  recovery: number | null;
  /** Periods from peak to recovery, or from peak to the last period when not recovered. */
  duration: number;
  /** Periods from peak to trough. */
  declineDuration: number;
  /** Dates (epoch days) when `dates` was given; null where there is none (peak −1, no recovery). */
  peakDate?: number | null;
  troughDate?: number | null;
  recoveryDate?: number | null;
}

/**
 * The maximum drawdown with where it happened, located as pyfolio's
 * `get_max_drawdown_underwater` does on the drawdown series: trough = first minimum, peak =
 * last zero before it, recovery = first zero after it. All zero ⇒ maxDrawdown 0 with peak =
 * trough = the first period and recovery = that period.
 */
export function maxDrawdownPeriod(returns: ArrayLike<number>, opts: MaxDrawdownPeriodOptions = {}): MaxDrawdownPeriod {
  const n = returns.length;
  const dd = drawdownSeries(returns, opts);
  let trough = -1,
    min = Infinity;
  for (let i = 0; i < n; i++)
    if (dd[i] < min) {
      min = dd[i];
      trough = i;
    }
  if (trough < 0) {
    return {
      maxDrawdown: NaN,
      peak: -1,
      trough: -1,
      recovery: null,
      duration: 0,
      declineDuration: 0,
      ...withDates(opts.dates, -1, -1, null),
    };
  }
  let peak = -1;
  if (min === 0) peak = trough;
  else
    for (let i = trough - 1; i >= 0; i--)
      if (dd[i] === 0) {
        peak = i;
        break;
      }
  // With from "first" the first period is always a zero, so peak −1 only arises for "start".
  let recovery: number | null = min === 0 ? trough : null;
  if (recovery === null)
    for (let i = trough + 1; i < n; i++)
      if (dd[i] === 0) {
        recovery = i;
        break;
      }
  const end = recovery ?? n - 1;
  return {
    maxDrawdown: min,
    peak,
    trough,
    recovery,
    duration: end - peak,
    declineDuration: trough - peak,
    ...withDates(opts.dates, peak, trough, recovery),
  };
}

function withDates(dates: ArrayLike<number> | undefined, peak: number, trough: number, recovery: number | null) {
  if (!dates) return {};
  const at = (i: number | null) => (i === null || i < 0 || i >= dates.length ? null : dates[i]);
  return { peakDate: at(peak), troughDate: at(trough), recoveryDate: at(recovery) };
}
