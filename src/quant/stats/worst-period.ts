import type { ExtremePeriod } from "./best-period.ts";

/** The worst single-period return (quantstats `worst` on the un-aggregated returns) and where. */
export function worstPeriod(returns: ArrayLike<number>): ExtremePeriod {
  let value = NaN,
    index = -1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (!Number.isNaN(r) && (index < 0 || r < value)) {
      value = r;
      index = i;
    }
  }
  return { value, index };
}
