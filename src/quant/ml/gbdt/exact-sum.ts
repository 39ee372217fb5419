/**
 * Correctly rounded sum of doubles (Shewchuk 1997, "Adaptive Precision Floating-Point
 * Arithmetic and Fast Robust Geometric Predicates", §2; the `msum` recipe behind Python's
 * math.fsum). The result does not depend on the order of the terms, which is what makes the
 * base score and the early-stopping metric invariant to row order.
 */
export function exactSum(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let x = weights ? values[i] * weights[i] : values[i];
    let n = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j];
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[n++] = lo;
      x = hi;
    }
    partials.length = n;
    partials.push(x);
  }
  return roundPartials(partials);
}

/** Sum of non-overlapping partials (increasing magnitude), correctly rounded (half-even). */
function roundPartials(p: number[]): number {
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Half-way case: the remaining partials decide the rounding direction (as in CPython).
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}

/** Mean of (optionally weighted) values with an order-independent, correctly rounded sum. */
export function exactMean(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const total = exactSum(values, weights);
  const w = weights ? exactSum(weights) : values.length;
  return total / w;
}
