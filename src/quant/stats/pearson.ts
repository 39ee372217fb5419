import { StrataError } from "../../core/errors.ts";
import { centredSums } from "./centred-sums.ts";

/**
 * Pearson product-moment correlation of two equal-length samples, two-pass (means first, then
 * centred cross-products), which avoids the cancellation of the one-pass Σxy − n·x̄·ȳ form.
 * Every pair is used: a NaN anywhere gives NaN (filter first). NaN when n < 2 or either
 * sample is constant (the correlation is undefined, not 0).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (y.length !== n) {
    throw new StrataError("ARGUMENT", `pearson: x has ${n} values but y has ${y.length}; expected equal lengths`, {
      hint: "pass the two samples row-aligned",
    });
  }
  if (n < 2) return NaN;
  const { sxx, syy, sxy } = centredSums(x, y);
  if (sxx === 0 || syy === 0) return NaN;
  // Clamp: rounding can push |r| a hair above 1 for (anti)collinear samples.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
