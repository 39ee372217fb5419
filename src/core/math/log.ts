import { dd } from "./dd.ts";
import { logDD } from "./log-dd.ts";

const L = dd();

/**
 * ln x, the same bits on every JavaScript engine (Math.log differs by an ulp between V8
 * versions on a few inputs in 100). Correctly rounded in almost all cases; ES Math.log
 * semantics for NaN, negatives, ±0, +Infinity; log(1) = +0.
 */
export function log(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;
  return logDD(x, L).hi;
}
