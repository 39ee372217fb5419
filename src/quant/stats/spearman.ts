import { pearson } from "./pearson.ts";
import { rank } from "./rank.ts";

/**
 * Spearman's rank correlation ρ: Pearson's r of the average ranks (so ties are handled
 * exactly, unlike the 1 − 6Σd²/(n(n²−1)) shortcut, which holds only without ties).
 * Same contract as `pearson`: equal lengths, NaN in ⇒ NaN out (`rank` leaves non-finite
 * values NaN), NaN for a constant sample.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(rank(x), rank(y));
}
