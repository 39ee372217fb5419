/**
 * Exact power-of-two scaling and access to the high 32 bits of a double — the two bit-level
 * operations fdlibm-style functions need — through one shared typed-array view.
 */
const F = new Float64Array(1);
const U = new Uint32Array(F.buffer);
// Which 32-bit word holds the sign, exponent and top of the mantissa.
F[0] = 1;
const HI = U[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** The high word (sign, 11 exponent bits, 20 mantissa bits) of a double. */
export function highWord(x: number): number {
  F[0] = x;
  return U[HI] | 0;
}

/** x with its high word replaced (the low word kept). */
export function withHighWord(x: number, hi: number): number {
  F[0] = x;
  U[HI] = hi >>> 0;
  return F[0];
}

/** 2^k for an integer -1022 ≤ k ≤ 1023, built from its bits. */
function powerOfTwo(k: number): number {
  U[HI] = ((k + 1023) << 20) >>> 0;
  U[LO] = 0;
  return F[0];
}

/** 2^k for k = -1022 … 1023 at index k + 1022, each built from its bits. */
const POW2 = Float64Array.from({ length: 2046 }, (_, i) => powerOfTwo(i - 1022));

/**
 * y·2^k for y in about [0.5, 2] and integer k: exact while the result is a normal number (a
 * multiplication by a power of two only moves the exponent), rounded once below it.
 */
export function scaleByPowerOfTwo(y: number, k: number): number {
  if (k > 1023) return y * POW2[1023 + 1022] * POW2[k - 1023 + 1022];
  if (k >= -1021) return y * POW2[k + 1022];
  // Result near or below the smallest normal: scale up first so only the last step rounds.
  return y * POW2[k + 1000 + 1022] * POW2[-1000 + 1022];
}
