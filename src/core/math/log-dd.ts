import { LN2_HI, LN2_LO, dd, ddAdd, ddDiv, ddMul, twoProd, twoSum, type DD } from "./dd.ts";

/**
 * ln x as a double-double, for finite x > 0 (relative error below about 2^-72).
 *
 * Method (the classic reduction of fdlibm's e_log.c and Cody & Waite ch. 5, evaluated in
 * double-double instead of with fdlibm's minimax polynomial): x = 2^e · m with m in
 * [√½, √2); ln m = 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …) with s = (m − 1)/(m + 1), |s| ≤
 * 0.1716, so s² ≤ 0.0295 and 15 terms of the series reach 2^-75; the terms from s^6 on are
 * evaluated in double (they are below 2^-23 relative), the rest in double-double; then
 * ln x = e·ln2 + ln m with a 106-bit ln 2.
 */
export function logDD(x: number, o: DD): DD {
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormal inputs become normal
    e = -54;
  }
  F[0] = x;
  const hw = U[HI];
  e += ((hw >>> 20) & 0x7ff) - 1023;
  U[HI] = (hw & 0x000fffff) | 0x3ff00000; // m in [1, 2)
  let m = F[0];
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // s = (m − 1)/(m + 1); m − 1 is exact (Sterbenz), m + 1 is taken exactly as a double-double.
  twoSum(m, 1, D1);
  ddDiv(m - 1, 0, D1.hi, D1.lo, Sd);
  const sh = Sd.hi,
    sl = Sd.lo;
  ddMul(sh, sl, sh, sl, T); // t = s²
  const th = T.hi,
    tl = T.lo;
  // Q(t) = Σ_{j≥0} t^j/(2j+3); the tail j ≥ 3 in double.
  let q = 1 / 33;
  for (let j = 14; j >= 3; j--) q = q * th + COEF[j];
  A.hi = q;
  A.lo = 0;
  for (let j = 2; j >= 0; j--) {
    ddMul(A.hi, A.lo, th, tl, A);
    ddAdd(A.hi, A.lo, COEF_HI[j], COEF_LO[j], A);
  }
  // ln m = 2s + 2s·t·Q(t)
  ddMul(A.hi, A.lo, th, tl, A);
  ddAdd(A.hi, A.lo, 1, 0, A);
  ddMul(A.hi, A.lo, 2 * sh, 2 * sl, A);
  if (e === 0) {
    o.hi = A.hi;
    o.lo = A.lo;
    return o;
  }
  twoProd(e, LN2_HI, T);
  ddAdd(T.hi, T.lo, e * LN2_LO, 0, T);
  return ddAdd(T.hi, T.lo, A.hi, A.lo, o);
}

const SQRT2 = 1.4142135623730951;
const F = new Float64Array(1);
const U = new Uint32Array(F.buffer);
/** Index of the high (sign, exponent) word of a double in U. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

const D1 = dd();
const Sd = dd();
const T = dd();
const A = dd();

/** 1/(2j+3): as doubles for the tail, as double-doubles for j ≤ 2. */
const COEF = new Float64Array(15);
const COEF_HI = new Float64Array(3);
const COEF_LO = new Float64Array(3);
{
  const q = dd();
  for (let j = 0; j <= 14; j++) {
    ddDiv(1, 0, 2 * j + 3, 0, q);
    COEF[j] = q.hi;
    if (j <= 2) {
      COEF_HI[j] = q.hi;
      COEF_LO[j] = q.lo;
    }
  }
}
