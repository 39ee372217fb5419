import { highWord, withHighWord } from "./bits.ts";

// Method of fdlibm's e_log.c (Sun Microsystems, 1993; algorithm and coefficients published
// in its source): x = 2^k·(1 + f) with √2/2 ≤ 1 + f < √2, then ln(1 + f) = 2s + 2s³/3 + … with
// s = f/(2 + f), the odd series replaced by a degree-14 minimax polynomial in s², and
// k·ln2 added with ln2 split in two. Only + − × ÷ and exact bit moves: the same bits on every
// conforming engine. Error < 1 ulp.
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO54 = 1.8014398509481984e16;
const LG1 = 6.66666666666673513e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/**
 * ln x, the same bits on every JavaScript engine (Math.log differs by an ulp between V8
 * versions on a few inputs in 100), within 1 ulp of the exact value; ES Math.log semantics
 * for NaN, negatives, ±0 and +Infinity; log(1) = +0. About as fast as Math.log.
 */
export function log(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    k = -54; // subnormal: scale into the normal range
    x *= TWO54;
  }
  let hx = highWord(x);
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i0 ^ 0x3ff00000)); // normalize x or x/2 into [√2/2, √2)
  k += i0 >> 20;
  const f = x - 1;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // -2^-20 ≤ f < 2^-20
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : dk * LN2_HI - (r - dk * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  let i = hx - 0x6147a;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}
