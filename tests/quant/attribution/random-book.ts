/**
 * Seeded random books for the attribution identities: T × N held weights (long-biased, some
 * shorts, Σ w ≠ 1 so cash is non-zero), daily returns ~ 2 % with a share of NaN (not
 * trading), costs ≥ 0 on about a third of the rows, and a net return that also earns cash
 * interest (the backtest's cash[t−1]·cashRate[t]) so `other` is non-zero.
 */
import { createRng } from "../../../src/core/rng.ts";

export interface RandomBook {
  T: number;
  N: number;
  weights: Float64Array;
  returns: Float64Array;
  costs: Float64Array;
  /** Σ w·r − cost + cash interest. */
  net: Float64Array;
  /** The cash interest of each row, (1 − Σ w)·cashRate. */
  interest: Float64Array;
  sectors: string[];
}

export function randomBook(seed: number, T = 2000, N = 50, nanShare = 0.05): RandomBook {
  const rng = createRng(seed);
  const weights = new Float64Array(T * N);
  const returns = new Float64Array(T * N);
  const costs = new Float64Array(T);
  const net = new Float64Array(T);
  const interest = new Float64Array(T);
  const sectors = Array.from({ length: N }, (_, i) => ["tech", "energy", "health", "finance", "utilities"][i % 5]);
  for (let t = 0; t < T; t++) {
    let gross = 0,
      held = 0;
    for (let i = 0; i < N; i++) {
      const w = (1.9 * rng.next() - 0.5) / N;
      const r = rng.next() < nanShare ? NaN : 0.0005 + 0.02 * rng.normal();
      weights[t * N + i] = w;
      returns[t * N + i] = r;
      held += w;
      if (r === r) gross += w * r;
    }
    costs[t] = rng.next() < 0.3 ? 0.0005 * rng.next() : 0;
    interest[t] = (1 - held) * 0.0001;
    net[t] = gross - costs[t] + interest[t];
  }
  return { T, N, weights, returns, costs, net, interest, sectors };
}

/** Plain Σ of an array (the tests' independent check; the identities hold far inside 1e-10). */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}
