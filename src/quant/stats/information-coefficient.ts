/**
 * The information coefficient (IC): the cross-sectional correlation between a signal and the
 * realized forward returns of the same names on one date, then its summary over dates. One
 * implementation for every caller: the train stage's out-of-sample metrics and tuning score,
 * the live monitor, and the report's feature pages.
 *
 * Rules (the same everywhere):
 * - Pairs: a row counts only when both values are finite (NaN, ±∞ are left out pairwise).
 * - Pearson IC: `pearson` (two-pass) of the pairs. Rank IC: Spearman's ρ = Pearson's r of
 *   the average ranks — tied values share the mean of the ranks they span (scipy.stats.
 *   spearmanr; `rank` in rank.ts), never the 1 − 6Σd²/(n(n²−1)) shortcut, which is wrong with
 *   ties, and never min-ranks (SQL's rank()).
 * - A date with fewer than `minNames` pairs, or with every signal (or every return) equal,
 *   has no IC (NaN from crossSectionIc; left out by dailyIc).
 * - Summary over dates: mean (compensated sum), sample sd (ddof 1), IR = mean / sd, and the
 *   t-statistic mean / (sd / √n) of the n finite daily ICs.
 */
import { StrataError } from "../../core/errors.ts";
import { mean } from "./mean.ts";
import { pearson } from "./pearson.ts";
import { spearman } from "./spearman.ts";
import { variance } from "./variance.ts";

export interface IcOptions {
  /** Spearman rank IC (average ranks for ties) when true, Pearson when false. Default false. */
  rank?: boolean;
  /** Fewer finite pairs ⇒ no IC. Integer ≥ 2; default 2 for crossSectionIc, 5 for dailyIc. */
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

function sameLength(fn: string, a: string, x: ArrayLike<number>, b: string, y: ArrayLike<number>): void {
  if (x.length !== y.length) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: ${a} has ${x.length} rows but ${b} has ${y.length}; expected row-aligned arrays of equal length`,
      {
        hint: `pass ${a} and ${b} for the same rows, in the same order`,
      },
    );
  }
}

function minNamesOf(fn: string, minNames: number): number {
  if (!Number.isInteger(minNames) || minNames < 2) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: minNames is ${minNames}; expected an integer ≥ 2 (a correlation needs two names)`,
      {
        hint: fn === "dailyIc" ? "omit minNames for the default 5" : "omit minNames for the default 2",
      },
    );
  }
  return minNames;
}

const valid = (p: number, t: number): boolean => Number.isFinite(p) && Number.isFinite(t);

/** The IC of the first `m` entries of xs, ys (all finite), or NaN below minNames. */
function icOfPairs(xs: Float64Array, ys: Float64Array, m: number, rank: boolean, minNames: number): number {
  if (m < minNames) return NaN;
  return (rank ? spearman : pearson)(xs.subarray(0, m), ys.subarray(0, m));
}

/**
 * IC of one cross-section: the correlation of `signal` with `returns` over the names where
 * both are finite (row-aligned). NaN with fewer than `minNames` such pairs (default 2) or when
 * either side is constant.
 *
 *   crossSectionIc(scores, forward, { rank: true })   // Spearman rank IC of one date
 */
export function crossSectionIc(signal: ArrayLike<number>, returns: ArrayLike<number>, opts: IcOptions = {}): number {
  sameLength("crossSectionIc", "signal", signal, "returns", returns);
  const minNames = minNamesOf("crossSectionIc", opts.minNames ?? 2);
  const n = signal.length;
  const xs = new Float64Array(n),
    ys = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++)
    if (valid(signal[i], returns[i])) {
      xs[m] = signal[i];
      ys[m] = returns[i];
      m++;
    }
  return icOfPairs(xs, ys, m, opts.rank === true, minNames);
}

/**
 * Per-day IC between predictions and realized targets. `dates[i]` is row i's date (epoch
 * days); rows may come in any order (within a day they are taken in input order). Days
 * without an IC (too few pairs, a constant side) are left out.
 *
 *   dailyIc(pred, label, dates, { rank: true })   // Spearman rank IC per day
 */
export function dailyIc(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  dates: Int32Array,
  opts: IcOptions = {},
): DailyIc {
  sameLength("dailyIc", "pred", pred, "y", y);
  if (dates.length !== pred.length) {
    throw new StrataError(
      "ARGUMENT",
      `dailyIc: dates has ${dates.length} rows but pred has ${pred.length}; expected one date per row`,
      {
        hint: "pass the date column of the same rows as pred and y",
      },
    );
  }
  const minNames = minNamesOf("dailyIc", opts.minNames ?? 5);
  const rank = opts.rank === true;

  // Rows grouped by date: skip the sort when the rows already come date-ordered (the usual case).
  const n = dates.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = dates[i - 1] <= dates[i];
  if (!sorted) order.sort((a, b) => dates[a] - dates[b] || a - b);

  const outDates: number[] = [],
    outIc: number[] = [];
  const xs = new Float64Array(n),
    ys = new Float64Array(n);
  for (let lo = 0; lo < n; ) {
    const day = dates[order[lo]];
    let hi = lo,
      m = 0;
    for (; hi < n && dates[order[hi]] === day; hi++) {
      const r = order[hi];
      if (valid(pred[r], y[r])) {
        xs[m] = pred[r];
        ys[m] = y[r];
        m++;
      }
    }
    lo = hi;
    const ic = icOfPairs(xs, ys, m, rank, minNames);
    if (Number.isNaN(ic)) continue; // too few names, or constant predictions or targets that day
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
