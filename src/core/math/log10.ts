import { INV_LN10_HI, INV_LN10_LO, dd, ddMul } from "./dd.ts";
import { logDD } from "./log-dd.ts";

const L = dd();

/**
 * log₁₀ x = ln x · (1/ln 10) in double-double, rounded once: the same bits on every engine,
 * correctly rounded in almost all cases (exact powers of ten give exact integers).
 */
export function log10(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;
  logDD(x, L);
  return ddMul(L.hi, L.lo, INV_LN10_HI, INV_LN10_LO, L).hi;
}
