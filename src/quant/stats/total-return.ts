/**
 * Total compounded return Π(1 + r_t) − 1 (empyrical `cum_returns_final`, which uses nanprod:
 * a NaN period is flat). NaN for an empty series.
 */
export function totalReturn(returns: ArrayLike<number>): number {
  if (returns.length === 0) return NaN;
  let wealth = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (!Number.isNaN(r)) wealth *= 1 + r;
  }
  return wealth - 1;
}
