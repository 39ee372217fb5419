/**
 * `dailyIc` for many (signal, target) pairs over the same rows, sharing the work the pairs have
 * in common: on a date where a column is finite on every row, its ranks are computed once and
 * used by every pair that has it. Each pair's result is bit for bit `dailyIc(columns[x],
 * columns[y], dates, opts)` (tests/quant/stats/daily-ic-pairs.test.ts): on such a date the pair's
 * finite rows are all the date's rows, in the same order, so the ranks are the same numbers;
 * on any other date the pair is gathered and correlated exactly as dailyIc does.
 *
 *   dailyIcPairs([f1, f2, fwd], [[0, 2], [1, 2]], dates, { rank: true })  // IC of f1 and f2 with fwd
 */
import { StrataError } from "../../core/errors.ts";
import { type DailyIc, dailyIc, type IcOptions } from "./information-coefficient.ts";
import { pearson } from "./pearson.ts";
import { rank } from "./rank.ts";

function allFinite(v: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let r = lo; r < hi; r++) if (!Number.isFinite(v[r])) return false;
  return true;
}

/**
 * Per-day IC of each pair `[x, y]` of indices into `columns` (row-aligned, one date per row in
 * `dates`). Rows must come grouped by date in ascending order (as a query `order by date`
 * gives); otherwise, and for a Pearson IC, each pair is simply `dailyIc`.
 */
export function dailyIcPairs(
  columns: readonly ArrayLike<number>[],
  pairs: ReadonlyArray<readonly [number, number]>,
  dates: Int32Array,
  opts: IcOptions = {},
): DailyIc[] {
  for (const [x, y] of pairs)
    if (columns[x] === undefined || columns[y] === undefined)
      throw new StrataError(
        "ARGUMENT",
        `dailyIcPairs: pair [${x}, ${y}] names a column that is not among the ${columns.length}`,
        {
          hint: "give pairs as indices into columns",
        },
      );
  const n = dates.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = dates[i - 1] <= dates[i];
  if (!sorted || opts.rank !== true || columns.some((c) => c.length !== n))
    return pairs.map(([x, y]) => dailyIc(columns[x], columns[y], dates, opts));
  // dailyIc's own check of minNames (and its error), once for every pair.
  dailyIc([], [], new Int32Array(0), opts);
  const minNames = opts.minNames ?? 5;

  const outDates = pairs.map(() => [] as number[]);
  const outIc = pairs.map(() => [] as number[]);
  const used = [...new Set(pairs.flat())];
  const ranks: Array<Float64Array | null> = columns.map(() => null);
  const xs = new Float64Array(n),
    ys = new Float64Array(n);
  for (let lo = 0; lo < n; ) {
    let hi = lo + 1;
    while (hi < n && dates[hi] === dates[lo]) hi++;
    for (const c of used) ranks[c] = allFinite(columns[c], lo, hi) ? rank(sliceOf(columns[c], lo, hi)) : null;
    pairs.forEach(([x, y], p) => {
      const rx = ranks[x],
        ry = ranks[y];
      let ic: number;
      if (rx && ry) ic = hi - lo < minNames ? NaN : pearson(rx, ry);
      else {
        const a = columns[x],
          b = columns[y];
        let m = 0;
        for (let r = lo; r < hi; r++)
          if (Number.isFinite(a[r]) && Number.isFinite(b[r])) {
            xs[m] = a[r];
            ys[m] = b[r];
            m++;
          }
        ic = m < minNames ? NaN : pearson(rank(xs.subarray(0, m)), rank(ys.subarray(0, m)));
      }
      if (Number.isNaN(ic)) return;
      outDates[p].push(dates[lo]);
      outIc[p].push(ic);
    });
    lo = hi;
  }
  return pairs.map((_, p) => ({ dates: Int32Array.from(outDates[p]), ic: Float64Array.from(outIc[p]) }));
}

function sliceOf(v: ArrayLike<number>, lo: number, hi: number): ArrayLike<number> {
  return ArrayBuffer.isView(v) ? (v as Float64Array).subarray(lo, hi) : Array.prototype.slice.call(v, lo, hi);
}
