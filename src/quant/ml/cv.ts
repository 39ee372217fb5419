/**
 * Cross-validation splitters for panels of (date, symbol) rows whose labels are forward
 * returns: purged walk-forward, purged k-fold and combinatorial purged CV (López de Prado,
 * Advances in Financial Machine Learning (AFML), 2018, ch. 7 and ch. 12).
 *
 * Splits are by DATE, never by row: every row of a date is on the same side. `dates` holds one
 * epoch day per row, in any row order; counts (lag, labelHorizon, embargo, trainDates …) are
 * in bars, i.e. positions among the sorted distinct dates of `dates`.
 *
 * Label windows. The row at date position d carries the label
 *   close[d + lag + h] / close[d + lag] − 1       (stages/labels.ts)
 * whose information spans the closed window [d + lag, d + lag + labelHorizon]. Two rows
 * "overlap" when their windows share a bar; for positions d < t that is t − d ≤ labelHorizon.
 *
 * - Purge: a training date whose window overlaps the window of any test date is dropped.
 * - Embargo (k-fold, CPCV): after each test block [a, b] the dates b + h + 1 … b + h + embargo
 *   are dropped as well, so training resumes `embargo` bars after the block's last label ends
 *   (AFML §7.4.2: features are serially correlated, so training right after a test block
 *   would learn from the test period). Before a test block only the purge applies.
 * - Walk-forward trains only on dates before the test block, and only on labels already
 *   realized when the block's first signal is formed (close of date a):
 *   d + lag + h ≤ a and no overlap, i.e. d ≤ a − h − max(1, lag). For lag = 1 that is exactly
 *   the purge; for lag > 1 it is stricter. The embargo does not apply (nothing after the test
 *   block is trained on).
 *
 * Pass the dates of the rows you will fit on (label not NULL). Dates missing from `dates`
 * make bars count fewer real days, which only widens the purge in calendar terms (safe).
 */
import { StrataError } from "../../core/errors.ts";
import {
  blocks,
  checkInt,
  checkWindows,
  foldOf,
  indexDates,
  purgeAndEmbargo,
  trainDateCount,
  DROPPED,
  TEST,
  TRAIN,
} from "./cv-dates.ts";

export interface CvOptions {
  /** Execution lag in bars: signal at close t, position entered at close t + lag. */
  lag: number;
  /** Label horizon in bars (the holding period of the label). */
  labelHorizon: number;
  /** Bars dropped from training after each test block's last label (k-fold, CPCV). */
  embargo: number;
}

export interface Fold {
  /** 0, 1, 2 … in the order returned. */
  index: number;
  /** Training rows, ascending row indices into `dates`. */
  train: Int32Array;
  /** Test rows, ascending row indices into `dates`. */
  test: Int32Array;
  /** First and last test date, epoch days (CPCV: the test dates between them need not all be test). */
  testStart: number;
  testEnd: number;
}

/** A CPCV fold also says which groups it tests (ascending group numbers 0 … nGroups − 1). */
export interface CpcvFold extends Fold {
  testGroups: number[];
}

export interface WalkForwardOptions extends CvOptions {
  /** Number of test blocks. The dates are cut into nFolds + 1 equal blocks (remainder to the
   *  first), the last nFolds are the test blocks — as scikit-learn's TimeSeriesSplit. */
  nFolds: number;
  /** "expanding" (default): train from the first date; "rolling": the last `trainDates` dates. */
  mode?: "expanding" | "rolling";
  /** Rolling window length in dates (required with mode "rolling", only then). */
  trainDates?: number;
  /** Folds with fewer training dates are dropped (default 1). */
  minTrainDates?: number;
}

/**
 * Walk-forward: consecutive test blocks at the end of the sample, each trained on earlier
 * dates only, minus the purge (see the file comment). Folds left with fewer than
 * `minTrainDates` training dates are dropped, and the rest renumbered from 0; if none remain
 * the call throws and says why.
 *
 *   purgedWalkForward(dates, { lag: 1, labelHorizon: 5, embargo: 0, nFolds: 5 })
 */
export function purgedWalkForward(dates: Int32Array, opts: WalkForwardOptions): Fold[] {
  const fn = "purgedWalkForward";
  const w = checkWindows(fn, opts);
  const nFolds = checkInt(fn, "nFolds", opts?.nFolds, 1, Infinity, "nFolds is the number of test blocks, e.g. 5");
  const mode = opts.mode ?? "expanding";
  if (mode !== "expanding" && mode !== "rolling") {
    throw new StrataError("ARGUMENT", `${fn}: mode is ${JSON.stringify(mode)}; expected "expanding" or "rolling"`, {
      hint: 'omit mode for "expanding"',
    });
  }
  let trainDates = Infinity;
  if (mode === "rolling") {
    trainDates = checkInt(
      fn,
      "trainDates",
      opts.trainDates,
      1,
      Infinity,
      'mode "rolling" needs trainDates, the window length in dates, e.g. 504',
    );
  } else if (opts.trainDates !== undefined) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: trainDates is ${opts.trainDates} but mode is "expanding"; trainDates is only used by mode "rolling"`,
      {
        hint: 'set mode: "rolling", or remove trainDates',
      },
    );
  }
  const minTrain = opts.minTrainDates === undefined ? 1 : checkInt(fn, "minTrainDates", opts.minTrainDates, 1);
  const ix = indexDates(fn, dates);
  const T = ix.days.length;
  const testSize = Math.floor(T / (nFolds + 1));
  if (testSize < 1) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: ${T} distinct dates cannot make ${nFolds} test blocks plus a training block; expected at least nFolds ` +
        `+ 1 = ${nFolds + 1} dates`,
      {
        hint: "use fewer folds or more dates",
      },
    );
  }
  const gap = w.labelHorizon + Math.max(1, w.lag);
  const folds: Fold[] = [];
  let mostTrain = 0;
  for (let i = 0; i < nFolds; i++) {
    const a = T - (nFolds - i) * testSize,
      b = a + testSize - 1;
    const hi = a - gap,
      lo = mode === "rolling" ? Math.max(0, hi - trainDates + 1) : 0;
    const nTrain = Math.max(0, hi - lo + 1);
    mostTrain = Math.max(mostTrain, nTrain);
    if (nTrain < minTrain) continue;
    const mask = new Uint8Array(T).fill(DROPPED);
    mask.fill(TRAIN, lo, hi + 1);
    mask.fill(TEST, a, b + 1);
    folds.push(foldOf(folds.length, ix, mask));
  }
  if (folds.length === 0) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: every fold has fewer than minTrainDates = ${minTrain} training dates (at most ${mostTrain}: ${T} ` +
        `dates, test blocks of ${testSize}, ${gap} dates purged before each)`,
      {
        hint: "use fewer folds, a smaller minTrainDates or labelHorizon, or more dates",
        details: { dates: T, testSize, gap, minTrainDates: minTrain },
      },
    );
  }
  return folds;
}

/**
 * Purged k-fold: the dates cut into k contiguous blocks (sizes differ by at most one, the
 * larger first); each block is tested once, trained on every other date minus purge and
 * embargo. Throws if a fold is left without training dates.
 *
 *   purgedKFold(dates, { lag: 1, labelHorizon: 5, embargo: 5, k: 5 })
 */
export function purgedKFold(dates: Int32Array, opts: CvOptions & { k: number }): Fold[] {
  const fn = "purgedKFold";
  const w = checkWindows(fn, opts);
  const k = checkInt(fn, "k", opts?.k, 2, Infinity, "k is the number of folds, e.g. 5");
  const ix = indexDates(fn, dates);
  const T = ix.days.length;
  if (T < k) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: ${T} distinct dates cannot make k = ${k} folds; expected at least k dates`,
      { hint: "use a smaller k" },
    );
  }
  return blocks(T, k).map(([a, b], i) => {
    const mask = new Uint8Array(T);
    mask.fill(TEST, a, b + 1);
    purgeAndEmbargo(mask, w);
    requireTraining(fn, i, mask, ix.days, a, b, w);
    return foldOf(i, ix, mask);
  });
}

/** Refuse more folds than this from CPCV: each fold holds row index arrays. */
const MAX_CPCV_FOLDS = 10_000;

/**
 * Combinatorial purged CV (AFML ch. 12): the dates cut into N = nGroups contiguous groups
 * (as in k-fold); every combination of k = nTestGroups groups is one fold's test set, in
 * lexicographic order of the combinations, so there are C(N, k) folds. Each test group run is
 * purged and embargoed as in k-fold (adjacent test groups form one block). See `cpcvPaths` for
 * assembling the C(N − 1, k − 1) backtest paths.
 *
 *   combinatorialPurgedCv(dates, { lag: 1, labelHorizon: 5, embargo: 5, nGroups: 6, nTestGroups: 2 })
 */
export function combinatorialPurgedCv(
  dates: Int32Array,
  opts: CvOptions & { nGroups: number; nTestGroups: number },
): CpcvFold[] {
  const fn = "combinatorialPurgedCv";
  const w = checkWindows(fn, opts);
  const N = checkInt(
    fn,
    "nGroups",
    opts?.nGroups,
    2,
    Infinity,
    "nGroups is the number of contiguous date groups, e.g. 6",
  );
  const k = checkInt(
    fn,
    "nTestGroups",
    opts.nTestGroups,
    1,
    N - 1,
    `nTestGroups is how many of the ${N} groups each fold tests, e.g. 2`,
  );
  const combos = combinations(N, k, fn);
  const ix = indexDates(fn, dates);
  const T = ix.days.length;
  if (T < N) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: ${T} distinct dates cannot make nGroups = ${N} groups; expected at least nGroups dates`,
      { hint: "use fewer groups" },
    );
  }
  const groups = blocks(T, N);
  return combos.map((combo, i) => {
    const mask = new Uint8Array(T);
    for (const g of combo) mask.fill(TEST, groups[g][0], groups[g][1] + 1);
    purgeAndEmbargo(mask, w);
    requireTraining(fn, i, mask, ix.days, groups[combo[0]][0], groups[combo[k - 1]][1], w);
    return { ...foldOf(i, ix, mask), testGroups: [...combo] };
  });
}

/**
 * Backtest paths of CPCV (AFML §12.4): `paths[p][g]` is the index of the fold whose
 * predictions on group g make up path p. Each group is tested by C(N − 1, k − 1) folds; path p
 * takes, for every group, the p-th of those folds in fold order. So there are
 * φ = C(N − 1, k − 1) = k/N · C(N, k) paths, each covering every group exactly once, and every
 * (fold, test group) pair is used by exactly one path. Fold indices match
 * `combinatorialPurgedCv` with the same nGroups and nTestGroups; `cpcvGroupOf` gives each
 * row's group.
 */
export function cpcvPaths(nGroups: number, nTestGroups: number): number[][] {
  const fn = "cpcvPaths";
  const N = checkInt(fn, "nGroups", nGroups, 2);
  const k = checkInt(fn, "nTestGroups", nTestGroups, 1, N - 1);
  const combos = combinations(N, k, fn);
  const nPaths = (combos.length * k) / N;
  const paths = Array.from({ length: nPaths }, () => new Array<number>(N).fill(-1));
  const used = new Array<number>(N).fill(0);
  combos.forEach((combo, f) => {
    for (const g of combo) paths[used[g]++][g] = f;
  });
  return paths;
}

/** Group (0 … nGroups − 1) of each row's date, as `combinatorialPurgedCv` forms the groups. */
export function cpcvGroupOf(dates: Int32Array, nGroups: number): Int32Array {
  const fn = "cpcvGroupOf";
  const N = checkInt(fn, "nGroups", nGroups, 1);
  const ix = indexDates(fn, dates);
  const byDate = new Int32Array(ix.days.length);
  blocks(ix.days.length, N).forEach(([a, b], g) => byDate.fill(g, a, b + 1));
  return ix.pos.map((p) => byDate[p]);
}

/** k-subsets of 0 … n − 1 in lexicographic order. */
function combinations(n: number, k: number, fn: string): number[][] {
  let count = 1;
  for (let i = 1; i <= k; i++) count = (count * (n - k + i)) / i;
  if (count > MAX_CPCV_FOLDS) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: C(${n}, ${k}) = ${Math.round(count)} folds; expected at most ${MAX_CPCV_FOLDS}`,
      {
        hint: "use fewer groups or fewer test groups (C(6, 2) = 15 folds and 5 paths is a common choice)",
      },
    );
  }
  const out: number[][] = [];
  const c = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    out.push([...c]);
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return out;
    c[i]++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  }
}

function requireTraining(
  fn: string,
  fold: number,
  mask: Uint8Array,
  days: Int32Array,
  a: number,
  b: number,
  w: CvOptions,
): void {
  if (trainDateCount(mask) > 0) return;
  throw new StrataError(
    "ARGUMENT",
    `${fn}: fold ${fold} (test ${iso(days[a])} … ${iso(days[b])}) has no training dates left after ` +
      `purging ${w.labelHorizon} and embargoing ${w.embargo} dates around its test dates (${days.length} dates in all)`,
    {
      hint: "use fewer folds/test groups, a smaller labelHorizon or embargo, or more dates",
    },
  );
}

const iso = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
