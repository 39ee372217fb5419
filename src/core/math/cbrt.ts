import { dd, twoProd } from "./dd.ts";
import { expDD } from "./exp-dd.ts";
import { logDD } from "./log-dd.ts";

const L = dd();
const P = dd();

/**
 * The real cube root, e^(ln|x| / 3) with the logarithm and the division in double-double and
 * one rounding: the same bits on every JavaScript engine (Math.cbrt differs between V8
 * versions), correctly rounded in almost all cases, exact for exact cubes. ES Math.cbrt
 * semantics for NaN, ±0 and ±Infinity.
 */
export function cbrt(x: number): number {
  if (x !== x || x === 0 || x === Infinity || x === -Infinity) return x;
  const ax = Math.abs(x);
  if (ax === 1) return x;
  logDD(ax, L);
  // (hi + lo)/3 in double-double: q = hi/3, then the exact remainder hi − 3q.
  const q = L.hi / 3;
  twoProd(q, 3, P);
  const ql = (L.hi - P.hi - P.lo + L.lo) / 3;
  const r = expDD(q, ql);
  return x < 0 ? -r : r;
}
