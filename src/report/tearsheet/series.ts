/**
 * The input of the tearsheet charts: one return series (simple, decimal, net of costs) with
 * its dates, and optionally a benchmark and the book's turnover and exposures on the same dates.
 */
export interface ReturnSeries {
  /** What the series is ("backtest[model=gbdt,optimizer=hrp]", "returns.csv:net"). */
  label: string;
  /** YYYY-MM-DD, ascending, one per return. */
  dates: readonly string[];
  returns: readonly number[];
  benchmark?: { label: string; returns: readonly number[] };
  turnover?: readonly number[];
  grossExposure?: readonly number[];
  netExposure?: readonly number[];
  /** 252 for daily returns. */
  periodsPerYear: number;
}

/**
 * At most this many points per curve: a 20-year daily series is thinned to every k-th day (the
 * last kept). 300 points on a 760-pixel chart are ~2.5 pixels apart: no visible loss, and a page
 * of nine charts stays ~0.2 MB and ~0.1 s to draw.
 */
export const MAX_POINTS = 300;

/** Indices to draw: every k-th so that at most MAX_POINTS remain, always the last. */
export function thinned(n: number): number[] {
  const k = Math.max(1, Math.ceil(n / MAX_POINTS));
  const idx: number[] = [];
  for (let i = 0; i < n; i += k) idx.push(i);
  if (n > 0 && idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/**
 * Each drawn point's stretch reduced: `fold(acc, x)` over the values from just after the previous
 * drawn index up to this one, so a thinned curve keeps what happened between its points (the
 * deepest drawdown, the summed turnover).
 */
export function overStretches(
  idx: readonly number[],
  values: ArrayLike<number>,
  fold: (acc: number, x: number) => number,
  init: number,
): number[] {
  return idx.map((i, j) => {
    let acc = init;
    for (let t = j > 0 ? idx[j - 1] + 1 : 0; t <= i; t++) acc = fold(acc, values[t]);
    return acc;
  });
}

/** Growth of 1: Π(1 + r) up to each period (NaN returns flat). */
export function wealth(returns: readonly number[]): number[] {
  let w = 1;
  return returns.map((r) => (w *= 1 + (Number.isFinite(r) ? r : 0)));
}

/** "thinned to every 5th of 3,000 days" or "" when nothing is thinned. */
export function thinnedNote(n: number): string {
  const k = Math.ceil(n / MAX_POINTS);
  return k > 1 ? ` Drawn every ${k}th period of ${n} (the data table holds the drawn points).` : "";
}
