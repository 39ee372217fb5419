/**
 * Many running sums at once, each compensated (Kahan–Neumaier, the update of stats/mean.ts):
 * `sum[k]` and `comp[k]` are slot k's running sum and its lost low-order part, so thousands of
 * small G[t−1]-scaled daily terms keep their last digits and the attribution identities hold
 * to rounding of the result, not of every addition.
 */
export class Sums {
  readonly sum: Float64Array;
  readonly comp: Float64Array;

  constructor(size: number) {
    this.sum = new Float64Array(size);
    this.comp = new Float64Array(size);
  }

  add(k: number, v: number): void {
    const s = this.sum[k];
    const t = s + v;
    this.comp[k] += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.sum[k] = t;
  }

  /** Slot k's compensated value. */
  value(k: number): number {
    return this.sum[k] + this.comp[k];
  }

  /** Slots from … from + n − 1 as a new array. */
  values(from = 0, n = this.sum.length - from): Float64Array {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = this.sum[from + k] + this.comp[from + k];
    return out;
  }
}

/** Compensated Σ of the values `a[i]` whose `index[i]` is g, for each g < size (group totals). */
export function sumByIndex(a: ArrayLike<number>, index: ArrayLike<number>, size: number): Float64Array {
  const s = new Sums(size);
  for (let i = 0; i < a.length; i++) s.add(index[i], a[i]);
  return s.values();
}
