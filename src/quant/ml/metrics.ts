/**
 * Out-of-sample evaluation of predictions beside the information coefficient: hit rate and
 * mean squared error. Pure functions over row-aligned arrays; rows are in any order; a row
 * whose prediction or target is NaN (or ±Infinity) is skipped.
 *
 * The IC itself (dailyIc, icSummary) lives in src/quant/stats/information-coefficient.ts, the
 * one implementation the train stage, the monitor and the reports share.
 */
import { StrataError } from "../../core/errors.ts";

function sameLength(fn: string, pred: ArrayLike<number>, y: ArrayLike<number>): void {
  if (pred.length !== y.length) {
    throw new StrataError(
      "ARGUMENT",
      `${fn}: pred has ${pred.length} rows but y has ${y.length}; expected row-aligned arrays of equal length`,
      {
        hint: "pass predictions and targets for the same rows, in the same order",
      },
    );
  }
}

const valid = (p: number, t: number): boolean => Number.isFinite(p) && Number.isFinite(t);

/**
 * Share of rows where the prediction has the sign of the target (directional accuracy).
 * Rows with a NaN, or with a zero prediction or target (no direction), are skipped; NaN when
 * no row remains.
 */
export function hitRate(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength("hitRate", pred, y);
  let hits = 0,
    n = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i],
      t = y[i];
    if (!valid(p, t) || p === 0 || t === 0) continue;
    n++;
    if (p > 0 === t > 0) hits++;
  }
  return n === 0 ? NaN : hits / n;
}

/** Mean squared error over the rows where both values are finite; NaN when there are none. */
export function mse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength("mse", pred, y);
  let s = 0,
    n = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i],
      t = y[i];
    if (!valid(p, t)) continue;
    const e = p - t;
    s += e * e;
    n++;
  }
  return n === 0 ? NaN : s / n;
}
