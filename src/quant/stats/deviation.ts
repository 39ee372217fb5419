import { variance } from "./variance.ts";

/** Sample standard deviation (n − 1), √variance; NaN when fewer than two finite values. */
export function deviation(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values));
}
