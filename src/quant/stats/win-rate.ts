export interface WinRateOptions {
  /**
   * false (default, quantstats `win_rate`: positive / non-zero periods — flat days, e.g. days
   * out of the market, are neither wins nor losses) or true (positive / all non-NaN periods).
   */
  countZeros?: boolean;
}

/** Fraction of winning periods (r > 0) among the non-NaN periods; NaN when none qualifies. */
export function winRate(returns: ArrayLike<number>, opts: WinRateOptions = {}): number {
  let wins = 0,
    total = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (Number.isNaN(r)) continue;
    if (r > 0) wins++;
    if (r !== 0 || opts.countZeros) total++;
  }
  return total === 0 ? NaN : wins / total;
}
