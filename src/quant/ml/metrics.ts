/**
 * Out-of-sample evaluation of cross-sectional predictions: the daily information coefficient
 * (IC) and its summary, hit rate and mean squared error. Pure functions over row-aligned
 * arrays; rows are in any order.
 *
 * Missing values: a row whose prediction or target is NaN (or ±Infinity) is skipped.
 * `dailyIc` also skips whole days with fewer than `minNames` valid rows and days on which the
 * correlation is undefined (every prediction, or every target, equal that day).
 */
import { StrataError } from "../../core/errors.ts";
import { mean } from "../stats/mean.ts";
import { pearson } from "../stats/pearson.ts";
import { spearman } from "../stats/spearman.ts";
import { variance } from "../stats/variance.ts";

export interface DailyIcOptions {
  /** Spearman rank IC (average ranks for ties) when true, Pearson when false. Default false. */
  rank?: boolean;
  /** Days with fewer valid (pred, y) pairs are skipped. Integer ≥ 2, default 5. */
  minNames?: number;
}

export interface DailyIc {
  /** The days that have an IC, ascending, epoch days. */
  dates: Int32Array;
  /** IC of each of those days. */
  ic: Float64Array;
}

export interface IcSummary {
  /** Mean IC over days. */
  mean: number;
  /** Sample standard deviation of the daily IC (n − 1). */
  std: number;
  /** Information ratio of the IC, mean / std (per day, not annualized). */
  icir: number;
  /** t-statistic of the mean, mean / (std / √n). Overlapping labels make daily ICs
   *  autocorrelated, so this overstates significance for horizons > 1 bar. */
  tStat: number;
  /** Number of finite daily ICs used. */
  n: number;
}

function sameLength(fn: string, pred: ArrayLike<number>, y: ArrayLike<number>): void {
  if (pred.length !== y.length) {
    throw new StrataError("ARGUMENT", `${fn}: pred has ${pred.length} rows but y has ${y.length}; expected row-aligned arrays of equal length`, {
      hint: "pass predictions and targets for the same rows, in the same order",
    });
  }
}

const valid = (p: number, t: number): boolean => Number.isFinite(p) && Number.isFinite(t);

/**
 * Per-day cross-sectional correlation between predictions and realized targets.
 * `dates[i]` is row i's date (epoch days); rows may come in any order.
 *
 *   dailyIc(pred, label, dates, { rank: true })   // Spearman rank IC per day
 */
export function dailyIc(pred: ArrayLike<number>, y: ArrayLike<number>, dates: Int32Array, opts: DailyIcOptions = {}): DailyIc {
  sameLength("dailyIc", pred, y);
  if (dates.length !== pred.length) {
    throw new StrataError("ARGUMENT", `dailyIc: dates has ${dates.length} rows but pred has ${pred.length}; expected one date per row`, {
      hint: "pass the date column of the same rows as pred and y",
    });
  }
  const minNames = opts.minNames ?? 5;
  if (!Number.isInteger(minNames) || minNames < 2) {
    throw new StrataError("ARGUMENT", `dailyIc: minNames is ${minNames}; expected an integer ≥ 2 (a correlation needs two names)`, {
      hint: "omit minNames for the default 5",
    });
  }
  const corr = opts.rank ? spearman : pearson;

  // Rows grouped by date: skip the sort when the rows already come date-ordered (the usual case).
  const n = dates.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = dates[i - 1] <= dates[i];
  if (!sorted) order.sort((a, b) => dates[a] - dates[b] || a - b);

  const outDates: number[] = [], outIc: number[] = [];
  const xs = new Float64Array(n), ys = new Float64Array(n);
  for (let lo = 0; lo < n; ) {
    const day = dates[order[lo]];
    let hi = lo, m = 0;
    for (; hi < n && dates[order[hi]] === day; hi++) {
      const r = order[hi];
      if (valid(pred[r], y[r])) { xs[m] = pred[r]; ys[m] = y[r]; m++; }
    }
    lo = hi;
    if (m < minNames) continue;
    const ic = corr(xs.subarray(0, m), ys.subarray(0, m));
    if (Number.isNaN(ic)) continue; // constant predictions or targets that day
    outDates.push(day);
    outIc.push(ic);
  }
  return { dates: Int32Array.from(outDates), ic: Float64Array.from(outIc) };
}

/**
 * Mean, sample standard deviation, IR (mean/std) and t-statistic (mean/(std/√n)) of a series
 * of daily ICs; non-finite entries are skipped. With n < 2 the std, icir and tStat are NaN;
 * with std = 0 they are ±Infinity (or NaN for a zero mean), as the formulas give.
 */
export function icSummary(ic: ArrayLike<number>): IcSummary {
  let n = 0;
  for (let i = 0; i < ic.length; i++) if (Number.isFinite(ic[i])) n++;
  const m = mean(ic);
  const std = Math.sqrt(variance(ic));
  return { mean: m, std, icir: m / std, tStat: m / (std / Math.sqrt(n)), n };
}

/**
 * Share of rows where the prediction has the sign of the target (directional accuracy).
 * Rows with a NaN, or with a zero prediction or target (no direction), are skipped; NaN when
 * no row remains.
 */
export function hitRate(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength("hitRate", pred, y);
  let hits = 0, n = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i], t = y[i];
    if (!valid(p, t) || p === 0 || t === 0) continue;
    n++;
    if (p > 0 === t > 0) hits++;
  }
  return n === 0 ? NaN : hits / n;
}

/** Mean squared error over the rows where both values are finite; NaN when there are none. */
export function mse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength("mse", pred, y);
  let s = 0, n = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i], t = y[i];
    if (!valid(p, t)) continue;
    const e = p - t;
    s += e * e;
    n++;
  }
  return n === 0 ? NaN : s / n;
}
