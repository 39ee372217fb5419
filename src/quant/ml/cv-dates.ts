/**
 * Internals shared by the splitters of cv.ts: per-row date → position among the distinct
 * dates, option checks, purge/embargo on a per-date mask, and mask → fold.
 *
 * Everything is computed per distinct date ("bar"), then expanded to rows, so all rows of a
 * date always land on the same side of a split.
 */
import { StrataError } from "../../core/errors.ts";
import type { Fold } from "./cv.ts";

/** Per-date role in a fold. */
export const TRAIN = 0,
  TEST = 1,
  DROPPED = 2;

export interface DateIndex {
  /** Distinct dates, ascending (epoch days). */
  days: Int32Array;
  /** Row → position of its date in `days`. */
  pos: Int32Array;
}

export function indexDates(fn: string, dates: Int32Array): DateIndex {
  if (!(dates instanceof Int32Array)) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: dates is ${Object.prototype.toString.call(dates)}; expected an Int32Array of epoch days, one per row`,
      {
        hint: "pass Int32Array.from(dateColumn) (DuckDB DATE columns read as days since 1970-01-01)",
      },
    );
  }
  if (dates.length === 0) {
    throw new StrataError("ARGUMENT", `${fn}: dates is empty; expected one epoch day per row`, {
      hint: "pass the rows you train on",
    });
  }
  const days = Int32Array.from(new Set(dates)).sort();
  const at = new Map<number, number>();
  days.forEach((d, i) => at.set(d, i));
  const pos = new Int32Array(dates.length);
  for (let r = 0; r < dates.length; r++) pos[r] = at.get(dates[r])!;
  return { days, pos };
}

/** Throws unless `value` is an integer ≥ min (and ≤ max when given). */
export function checkInt(fn: string, name: string, value: unknown, min: number, max = Infinity, hint?: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new StrataError("ARGUMENT", `${fn}: ${name} is ${JSON.stringify(value)}; expected ${range}`, {
      hint: hint ?? `set ${name} (counts are in bars, i.e. distinct dates)`,
    });
  }
  return value;
}

export interface Windows {
  lag: number;
  labelHorizon: number;
  embargo: number;
}

export function checkWindows(fn: string, opts: Partial<Windows> | undefined): Windows {
  const o = opts ?? {};
  return {
    lag: checkInt(
      fn,
      "lag",
      o.lag,
      0,
      Infinity,
      "lag is the execution lag in bars (1: signal at close t, enter at close t+1)",
    ),
    labelHorizon: checkInt(
      fn,
      "labelHorizon",
      o.labelHorizon,
      0,
      Infinity,
      "labelHorizon is the label's holding period in bars (the labels stage's horizon)",
    ),
    embargo: checkInt(
      fn,
      "embargo",
      o.embargo,
      0,
      Infinity,
      "embargo is the number of bars dropped after each test block (0 for none)",
    ),
  };
}

/**
 * `n` contiguous blocks over `T` dates, sizes differing by at most one, the larger ones first
 * (the split of scikit-learn's KFold). Returns [start, end] date positions, inclusive.
 */
export function blocks(T: number, n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const base = Math.floor(T / n),
    extra = T % n;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push([start, start + size - 1]);
    start += size;
  }
  return out;
}

/**
 * Purge and embargo around every maximal run of TEST dates in `mask` (AFML ch. 7). With label
 * windows [d + lag, d + lag + h] (closed), a date d overlaps a test block [a, b] iff
 * a − h ≤ d ≤ b + h, whatever the lag; those non-test dates are dropped. The embargo then
 * drops the `embargo` dates after that: training resumes at b + h + embargo + 1, i.e. the
 * embargo runs from the end of the test block's last label, as in AFML §7.4.2 (training
 * observations starting within h bars of a test label's end are dropped).
 */
export function purgeAndEmbargo(mask: Uint8Array, w: Windows): void {
  const T = mask.length,
    h = w.labelHorizon;
  for (let a = 0; a < T; ) {
    if (mask[a] !== TEST) {
      a++;
      continue;
    }
    let b = a;
    while (b + 1 < T && mask[b + 1] === TEST) b++;
    for (let d = Math.max(0, a - h); d < a; d++) if (mask[d] !== TEST) mask[d] = DROPPED;
    for (let d = b + 1; d <= Math.min(T - 1, b + h + w.embargo); d++) if (mask[d] !== TEST) mask[d] = DROPPED;
    a = b + 1;
  }
}

/** Rows of the TRAIN and TEST dates of a per-date mask, ascending. */
export function foldOf(index: number, ix: DateIndex, mask: Uint8Array): Fold {
  let nTrain = 0,
    nTest = 0;
  for (let r = 0; r < ix.pos.length; r++) {
    const m = mask[ix.pos[r]];
    if (m === TRAIN) nTrain++;
    else if (m === TEST) nTest++;
  }
  const train = new Int32Array(nTrain),
    test = new Int32Array(nTest);
  nTrain = 0;
  nTest = 0;
  for (let r = 0; r < ix.pos.length; r++) {
    const m = mask[ix.pos[r]];
    if (m === TRAIN) train[nTrain++] = r;
    else if (m === TEST) test[nTest++] = r;
  }
  const first = mask.indexOf(TEST),
    last = mask.lastIndexOf(TEST);
  return { index, train, test, testStart: ix.days[first], testEnd: ix.days[last] };
}

/** Number of TRAIN dates in a mask. */
export function trainDateCount(mask: Uint8Array): number {
  let n = 0;
  for (let d = 0; d < mask.length; d++) if (mask[d] === TRAIN) n++;
  return n;
}
