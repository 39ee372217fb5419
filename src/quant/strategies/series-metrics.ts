/**
 * The metrics of many return series read once, front to back, tile by tile — so the book needs no
 * T-long series per set unless the caller keeps it (evaluate.ts, `keepReturns`).
 *
 * Each metric is the same sequence of floating-point operations as the function of
 * src/quant/stats it stands for, applied to the values in the same order, so the numbers are the
 * same to the bit (tests/quant/strategies/series-metrics.test.ts checks it):
 *   totalReturn   wealth ·= 1 + r over the non-NaN r, minus 1;
 *   maxDrawdown   drawdownSeries from a peak of 1 (the same wealth), its minimum;
 *   sharpeRatio   rf = 0 and ddof 1: mean by a Neumaier sum, SD by Welford's update (variance.ts),
 *                 both over the finite values, mean / SD · √P.
 * Those functions take a whole array and copy it (excess returns, the drawdown series) once per
 * set; here the state is a few numbers per set.
 */

export class SeriesMetrics {
  /** Per series: compounded wealth, its running peak, the least drawdown so far. */
  private readonly wealth: Float64Array;
  private readonly peak: Float64Array;
  private readonly trough: Float64Array;
  /** Per series: Neumaier sum and its compensation, finite count, Welford mean and sum of squares. */
  private readonly sum: Float64Array;
  private readonly comp: Float64Array;
  private readonly count: Float64Array;
  private readonly mean: Float64Array;
  private readonly squares: Float64Array;
  /** Values added per series (the same for every series once the book is done). */
  private readonly length: Float64Array;

  constructor(readonly K: number) {
    this.wealth = new Float64Array(K).fill(1);
    this.peak = new Float64Array(K).fill(1);
    this.trough = new Float64Array(K).fill(Infinity);
    this.sum = new Float64Array(K);
    this.comp = new Float64Array(K);
    this.count = new Float64Array(K);
    this.mean = new Float64Array(K);
    this.squares = new Float64Array(K);
    this.length = new Float64Array(K);
  }

  /** Appends r[from … to − 1] to series k. */
  add(k: number, r: Float64Array, from: number, to: number): void {
    let wealth = this.wealth[k],
      peak = this.peak[k],
      trough = this.trough[k],
      sum = this.sum[k],
      comp = this.comp[k],
      n = this.count[k],
      m = this.mean[k],
      s = this.squares[k];
    for (let t = from; t < to; t++) {
      const v = r[t];
      if (v === v) wealth *= 1 + v;
      if (wealth > peak) peak = wealth;
      const dd = wealth / peak - 1;
      if (dd < trough) trough = dd;
      if (!Number.isFinite(v)) continue;
      // mean.ts (Neumaier) and variance.ts (Welford), step for step.
      const u = sum + v;
      comp += Math.abs(sum) >= Math.abs(v) ? sum - u + v : v - u + sum;
      sum = u;
      n++;
      const delta = v - m;
      m += delta / n;
      s += delta * (v - m);
    }
    this.wealth[k] = wealth;
    this.peak[k] = peak;
    this.trough[k] = trough;
    this.sum[k] = sum;
    this.comp[k] = comp;
    this.count[k] = n;
    this.mean[k] = m;
    this.squares[k] = s;
    this.length[k] += to - from;
  }

  /** Π(1 + r) − 1 (totalReturn); NaN for an empty series. */
  totalReturn(k: number): number {
    return this.length[k] === 0 ? NaN : this.wealth[k] - 1;
  }

  /** min_t (W_t / max_{s≤t} W_s − 1) from a starting wealth of 1 (maxDrawdown). */
  maxDrawdown(k: number): number {
    const min = this.trough[k];
    return this.length[k] === 0 || min === Infinity ? NaN : min;
  }

  /** mean / SD (ddof 1) · √periodsPerYear (sharpeRatio with rf = 0). */
  sharpe(k: number, periodsPerYear: number): number {
    if (this.length[k] < 2) return NaN;
    const n = this.count[k];
    const mean = n === 0 ? NaN : (this.sum[k] + this.comp[k]) / n;
    // deviationWithDdof(·, 1): NaN for n ≤ 1, else √(variance · (n − 1) / (n − 1)).
    const variance = n > 1 ? this.squares[k] / (n - 1) : NaN;
    const sd = n <= 1 ? NaN : Math.sqrt((variance * (n - 1)) / (n - 1));
    return (mean / sd) * Math.sqrt(periodsPerYear);
  }
}
