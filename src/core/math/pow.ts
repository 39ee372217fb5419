import { dd, isOddInteger, twoProd } from "./dd.ts";
import { expDD } from "./exp-dd.ts";
import { logDD } from "./log-dd.ts";

const L = dd();

/**
 * x^y with the ES Math.pow / `**` semantics, the same bits on every JavaScript engine (Math.pow
 * differs by an ulp between V8 versions on about 1 input in 10). Computed as e^(y·ln|x|) with
 * ln|x| and the product in double-double, so correctly rounded in almost all cases (internal
 * error about 2^-70 relative for |y·ln x| ≲ 1, 2^-63 near overflow). pow(x, 0.5) is
 * Math.sqrt(x) (IEEE sqrt is correctly rounded everywhere) for x ≥ +0.
 */
export function pow(x: number, y: number): number {
  if (y !== y) return NaN;
  if (y === 0) return 1;
  if (x !== x) return NaN;
  if (y === 1) return x;
  const ax = Math.abs(x);
  if (y === Infinity || y === -Infinity) {
    if (ax === 1) return NaN;
    return ax > 1 === y > 0 ? Infinity : 0;
  }
  if (ax === Infinity || ax === 0) {
    // |x|^y is ∞ or 0; the sign is x's only for an odd integer y.
    const big = (ax === Infinity) === y > 0;
    const neg = x < 0 || Object.is(x, -0) ? isOddInteger(y) : false;
    return big ? (neg ? -Infinity : Infinity) : neg ? -0 : 0;
  }
  let neg = false;
  if (x < 0) {
    if (!Number.isInteger(y)) return NaN;
    neg = isOddInteger(y);
  }
  let r: number;
  if (y === 0.5 && x > 0) r = Math.sqrt(x);
  else if (y === 2) r = ax * ax;
  else if (y === -1) r = 1 / ax;
  else if (ax === 1) r = 1;
  else {
    logDD(ax, L);
    const p = y * L.hi;
    if (p > 746) r = Infinity;
    else if (p < -746) r = 0;
    else {
      twoProd(y, L.hi, M);
      r = expDD(M.hi, M.lo + y * L.lo);
    }
  }
  return neg ? -r : r;
}

const M = dd();
