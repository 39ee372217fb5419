/**
 * Double-double arithmetic: a value is the unevaluated sum hi + lo of two doubles with
 * |lo| ≤ ulp(hi)/2, about 106 bits of precision. Only IEEE-754 +, −, ×, ÷ on doubles are used
 * (no fused multiply-add, no library function), so every result is the same bit for bit on
 * every conforming JavaScript engine; this is what makes the functions of src/core/math
 * deterministic across runtimes where Math.exp/log/pow are not.
 *
 * Method: the error-free transformations of Dekker, "A floating-point technique for extending
 * the available precision" (Numer. Math. 18, 1971) and Knuth, TAOCP vol. 2 §4.2.2 (TwoSum);
 * the double-double operations as described by Hida, Li and Bailey, "Algorithms for quad-double
 * precision floating point arithmetic" (ARITH-15, 2001). Written from those descriptions.
 *
 * Results go into a caller-owned { hi, lo } record so that hot loops allocate nothing.
 */
export interface DD {
  hi: number;
  lo: number;
}

export function dd(): DD {
  return { hi: 0, lo: 0 };
}

/** Veltkamp splitter 2^27 + 1: splits a double into two halves of at most 26 bits each. */
const SPLITTER = 134217729;

/** o = a + b exactly (Knuth's TwoSum, no precondition on magnitudes). */
export function twoSum(a: number, b: number, o: DD): DD {
  const s = a + b;
  const bb = s - a;
  o.lo = a - (s - bb) + (b - bb);
  o.hi = s;
  return o;
}

/** o = a + b exactly, given |a| ≥ |b| or a = 0 (Dekker's FastTwoSum). */
export function fastTwoSum(a: number, b: number, o: DD): DD {
  const s = a + b;
  o.lo = b - (s - a);
  o.hi = s;
  return o;
}

/** o = a × b exactly (Dekker's TwoProduct with Veltkamp splitting; |a|, |b| < 2^996). */
export function twoProd(a: number, b: number, o: DD): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a),
    al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b),
    bl = b - bh;
  o.lo = ah * bh - p + ah * bl + al * bh + al * bl;
  o.hi = p;
  return o;
}

const T1: DD = dd();
const T2: DD = dd();

/** o = (ah + al) + (bh + bl), accurate even under cancellation (the "IEEE" double-double add). */
export function ddAdd(ah: number, al: number, bh: number, bl: number, o: DD): DD {
  twoSum(ah, bh, T1);
  const s = T1.hi;
  let e = T1.lo;
  twoSum(al, bl, T2);
  e += T2.hi;
  fastTwoSum(s, e, T1);
  e = T1.lo + T2.lo;
  return fastTwoSum(T1.hi, e, o);
}

/** o = (ah + al) × (bh + bl). */
export function ddMul(ah: number, al: number, bh: number, bl: number, o: DD): DD {
  twoProd(ah, bh, T1);
  const e = T1.lo + (ah * bl + al * bh);
  return fastTwoSum(T1.hi, e, o);
}

/** o = (ah + al) / (bh + bl): a quotient estimate corrected once by its exact remainder. */
export function ddDiv(ah: number, al: number, bh: number, bl: number, o: DD): DD {
  const q1 = ah / bh;
  ddMul(q1, 0, bh, bl, T2); // q1 × b
  ddAdd(ah, al, -T2.hi, -T2.lo, T2); // a − q1 × b
  const q2 = T2.hi / bh;
  ddMul(q2, 0, bh, bl, T1);
  ddAdd(T2.hi, T2.lo, -T1.hi, -T1.lo, T2); // remaining remainder
  const q3 = T2.hi / bh;
  fastTwoSum(q1, q2, o);
  return ddAdd(o.hi, o.lo, q3, 0, o);
}

/** ln 2 and 1/ln 10 as double-doubles (hi = the double nearest, lo = the next 53 bits). */
export const LN2_HI = 0.6931471805599453;
export const LN2_LO = 2.3190468138462996e-17;
export const INV_LN2 = 1.4426950408889634;
export const INV_LN10_HI = 0.4342944819032518;
export const INV_LN10_LO = 1.098319650216765e-17;

/** 2^k for integer k in [-1022, 1023], built by exact doubling (no Math.pow). */
const POW2 = new Float64Array(2046);
POW2[1022] = 1;
for (let k = 1; k <= 1023; k++) POW2[1022 + k] = POW2[1021 + k] * 2;
for (let k = 1; k <= 1022; k++) POW2[1022 - k] = POW2[1023 - k] / 2;

/** x × 2^k exactly for a normal result; k may be any integer in [-2044, 2046]. */
export function scale2(x: number, k: number): number {
  if (k > 1023) return x * POW2[1022 + 1023] * POW2[1022 + k - 1023];
  if (k < -1022) return x * POW2[0] * POW2[1022 + k + 1022];
  return x * POW2[1022 + k];
}

/** The ES Number::exponentiate notion of an odd integer (|y| < 2^53 and odd). */
export function isOddInteger(y: number): boolean {
  return Number.isInteger(y) && Math.abs(y) < 9007199254740992 && y % 2 !== 0;
}
