/**
 * Means and centred sums of squares and cross-products of two equal-length samples, two-pass
 * (means first, then Σ(x − x̄)², Σ(y − ȳ)², Σ(x − x̄)(y − ȳ)): no cancellation of the one-pass
 * Σxy − n·x̄·ȳ form. The one home of these sums for the Pearson correlation and the
 * least-squares line. The caller checks lengths; n = 0 gives NaN means.
 */
export interface CentredSums {
  meanX: number;
  meanY: number;
  sxx: number;
  syy: number;
  sxy: number;
}

export function centredSums(x: ArrayLike<number>, y: ArrayLike<number>): CentredSums {
  const n = x.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return { meanX: mx, meanY: my, sxx, syy, sxy };
}

/** Ordinary least-squares line y ≈ intercept + slope·x; slope NaN when x is constant. */
export function leastSquaresLine(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number } {
  const { meanX, meanY, sxx, sxy } = centredSums(x, y);
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slope, intercept: meanY - slope * meanX };
}
