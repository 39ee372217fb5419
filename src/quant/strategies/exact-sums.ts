/**
 * Returns as exact integers, so that sums of positions × returns are exact whatever their order
 * (book.ts). Each return r is split into two integers at fixed binary scales,
 *
 *   r ≈ h·2^−a + l·2^−b,   h = round(r·2^a),   l = round((r − h·2^−a)·2^b),
 *
 * the rounding being to a multiple of 2^−b (below 10⁻²⁰ for daily data, where b ≈ 80). A double
 * holds every integer up to 2^53 exactly, so as long as a sum of such terms stays below that
 * bound, adding them in any order — or a difference of two sums to a third — gives the same
 * integers: the exact sum, converted to a double once (h_sum·2^−a + l_sum·2^−b, one rounding).
 * The two-limb split is the idea of double-double arithmetic (Dekker 1971) on a fixed grid instead
 * of a floating one.
 */

/** Smallest e with 2^e ≥ x (x > 0), by doubling and halving: exact on every engine. */
function ceilLog2(x: number): number {
  let e = 0,
    p = 1;
  while (p < x) {
    p *= 2;
    e++;
  }
  while (p / 2 >= x) {
    p /= 2;
    e--;
  }
  return e;
}

export interface LimbScales {
  /** 2^a and 2^b, and their inverses 2^−a and 2^−b. */
  hiUp: number;
  loUp: number;
  hiScale: number;
  loScale: number;
}

/**
 * The scales of the split h = round(r·2^a), l = round((r − h·2^−a)·2^b), a and b chosen from N and
 * max|r| so that sums of up to 3N terms c·h or c·l with |c| ≤ 2 stay below 2^52 (exact). Typical
 * daily data (N = 500, |r| < 1): a = 41, b = 80.
 */
export function limbScales(close: Float64Array, T: number, N: number): LimbScales {
  // max|r| over the close-to-close returns of the symbol-major closes (panel.ts, closeReturns).
  let g = 2 ** -20;
  for (let b = 0; b < T * N; b += T) {
    for (let t = b + 1; t < b + T; t++) {
      const r = Math.abs(close[t] / close[t - 1] - 1);
      if (r > g) g = r; // NaN compares false
    }
  }
  const n2 = ceilLog2(4 * N) + 1;
  const a = 52 - n2 - ceilLog2(g),
    b = a + 51 - n2;
  return { hiUp: 2 ** a, loUp: 2 ** b, hiScale: 2 ** -a, loScale: 2 ** -b };
}

/**
 * h and l of returns[from + j] at out[2j] and out[2j + 1] for j < n (0 where the return is
 * missing): the book splits one tile of one symbol at a time, so no split of the whole panel is kept.
 */
export function splitReturns(
  returns: Float64Array,
  from: number,
  n: number,
  { hiUp, loUp, hiScale }: LimbScales,
  out: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    const r = returns[from + j];
    if (r !== r) {
      out[2 * j] = 0;
      out[2 * j + 1] = 0;
      continue;
    }
    const h = Math.round(r * hiUp);
    out[2 * j] = h;
    out[2 * j + 1] = Math.round((r - h * hiScale) * loUp);
  }
}
