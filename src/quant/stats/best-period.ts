export interface ExtremePeriod {
  /** The return; NaN when there is no non-NaN return. */
  value: number;
  /** Its index (the first one on ties); −1 when none. */
  index: number;
}

/** The best single-period return (quantstats `best` on the un-aggregated returns) and where. */
export function bestPeriod(returns: ArrayLike<number>): ExtremePeriod {
  let value = NaN,
    index = -1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (!Number.isNaN(r) && (index < 0 || r > value)) {
      value = r;
      index = i;
    }
  }
  return { value, index };
}
