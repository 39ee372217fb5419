import { LN2_HI, LN2_LO, INV_LN2, dd, scale2, twoProd, twoSum, fastTwoSum, ddDiv } from "./dd.ts";

/**
 * e^(xh + xl) for a double-double argument, rounded to the nearest double (correctly rounded
 * except in rare cases: the internal error is below 2^-70 relative for |x| ≲ 1, growing to
 * about 2^-64 at |x| ≈ 709 through the argument's own error).
 *
 * Method (Cody & Waite, "Software Manual for the Elementary Functions", 1980, ch. 6; Tang,
 * "Table-driven implementation of the exponential function", ACM TOMS 15, 1989, without the
 * table): x = k·ln2 + r with k = round(x/ln2), |r| ≤ ln2/2, r computed in double-double
 * against a 106-bit ln 2; e^r by its Taylor series (terms up to r^17/17!, bound < 2^-80),
 * the terms from r^7 on evaluated in double (they are below 2^-23), the first seven in
 * double-double; then e^x = 2^k · e^r, an exact scaling.
 */
export function expDD(xh: number, xl: number): number {
  if (xh !== xh) return NaN;
  if (xh > 709.79) return Infinity;
  if (xh < -745.2) return 0;
  const k = Math.round(xh * INV_LN2);
  // r = x − k·ln2 in double-double. The double-double steps below are dd.ts's twoProd,
  // twoSum, fastTwoSum, ddMul and ddAdd written out inline (the same operations in the same
  // order, so the same bits), which makes this about 3× faster than calling them.
  twoProd(k, LN2_HI, P);
  twoSum(xh, -P.hi, S);
  fastTwoSum(S.hi, S.lo - P.lo + xl - k * LN2_LO, R);
  const rh = R.hi,
    rl = R.lo;
  // Taylor tail in double: Σ_{n=7..17} r^n/n! = r^7 · (1/7! + r/8! + …).
  let t = INV_FACT[17];
  for (let n = 16; n >= 7; n--) t = t * rh + INV_FACT[n];
  // Head in double-double: Horner from n = 6 down to 0, a ← a·r + 1/n!.
  let c = SPLITTER * rh;
  const rhh = c - (c - rh),
    rhl = rh - rhh;
  let ah = t,
    al = 0;
  for (let n = 6; n >= 0; n--) {
    // ddMul(ah, al, rh, rl)
    let p = ah * rh;
    c = SPLITTER * ah;
    const ahh = c - (c - ah),
      ahl = ah - ahh;
    let e = ahh * rhh - p + ahh * rhl + ahl * rhh + ahl * rhl;
    e = e + (ah * rl + al * rh);
    ah = p + e;
    al = e - (ah - p);
    // ddAdd(ah, al, INV_FACT_HI[n], INV_FACT_LO[n])
    const bh = INV_FACT_HI[n],
      bl = INV_FACT_LO[n];
    const s1 = ah + bh;
    let bb = s1 - ah;
    e = ah - (s1 - bb) + (bh - bb);
    const t2 = al + bl;
    bb = t2 - al;
    const f = al - (t2 - bb) + (bl - bb);
    e += t2;
    p = s1 + e;
    e = e - (p - s1);
    e = e + f;
    ah = p + e;
    al = e - (ah - p);
  }
  // (ah, al) is normalized, so ah is ah + al rounded to nearest; the scaling is exact unless
  // the result is subnormal (then it rounds once more).
  if (k < -1021) return scale2(ah + al, k);
  return scale2(ah, k);
}

const SPLITTER = 134217729;
const P = dd();
const S = dd();
const R = dd();

/** 1/n! for n ≤ 17: as doubles, and as double-doubles (exact quotient refinement) for n ≤ 6. */
const INV_FACT = new Float64Array(18);
const INV_FACT_HI = new Float64Array(7);
const INV_FACT_LO = new Float64Array(7);
{
  let f = 1; // n! is exact in a double for n ≤ 18
  const q = dd();
  for (let n = 0; n <= 17; n++) {
    if (n > 0) f *= n;
    ddDiv(1, 0, f, 0, q);
    INV_FACT[n] = q.hi;
    if (n <= 6) {
      INV_FACT_HI[n] = q.hi;
      INV_FACT_LO[n] = q.lo;
    }
  }
}
