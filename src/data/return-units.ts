/**
 * Are these simple returns decimals (0.015 = 1.5 %) or percentages (1.5 = 1.5 %)? Read as
 * decimals, a percent series compounds to nonsense (a CAGR of 6e42 % from SPY's daily returns),
 * so the tearsheet refuses it unless told the unit.
 *
 * Two signs, either one enough:
 *  - a return below −1: a simple return of a long position cannot lose more than 100 %, while
 *    in percent any day down more than 1 % is below −1;
 *  - a typical move that is implausibly large: median |r| above 0.1 × √(252 / P) per period
 *    (0.1 for daily, 0.22 weekly, 0.46 monthly). Daily decimal returns of stocks and indices
 *    have a median |r| near 0.005–0.02; the same series in percent has 0.5–2.
 * Pure; the caller says what to do about it.
 */
import { roundDecimals } from "../core/round.ts";

export interface ReturnUnitCheck {
  /** True when the series looks percent-valued. */
  percent: boolean;
  /** Median |r| per period. */
  medianAbs: number;
  /** Smallest return. */
  min: number;
  /** The median |r| above which a series is taken for percentages, at this frequency. */
  bound: number;
  /** Why it looks percent-valued (empty when it does not). */
  reasons: string[];
}

export function checkReturnUnits(returns: ArrayLike<number>, periodsPerYear = 252): ReturnUnitCheck {
  const abs = Float64Array.from(returns, (r) => Math.abs(r)).sort();
  const n = abs.length;
  const medianAbs = n === 0 ? NaN : n % 2 ? abs[(n - 1) / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2;
  let min = Infinity;
  for (let i = 0; i < returns.length; i++) if (returns[i] < min) min = returns[i];
  const bound = 0.1 * Math.sqrt(252 / periodsPerYear);
  const reasons: string[] = [];
  if (min < -1)
    reasons.push(`the smallest return is ${fmt(min)}, a loss of more than 100 % (a simple return cannot be below −1)`);
  if (medianAbs > bound)
    reasons.push(
      `the median |return| is ${fmt(medianAbs)} per period, above ${fmt(bound)} (decimal returns ` +
        `at ${periodsPerYear} periods a year are typically near 0.01)`,
    );
  return { percent: reasons.length > 0, medianAbs, min, bound, reasons };
}

const fmt = (x: number): string =>
  Math.abs(x) >= 100 || Math.abs(x) < 0.001 ? x.toPrecision(3) : String(roundDecimals(x, 4));
