/**
 * Decisions as changes: for one symbol and one tile of rows, the (row, set, new decision) at which
 * a parameter set's decision changes, in row order, sent to the book. Decisions change rarely (a
 * crossover, a breakout), so the book (book.ts) works per change, not per bar, and a kernel that
 * knows where the changes are (pair-order.ts) never looks at the sets that do not change.
 */
import type { DecideKernel } from "./kind.ts";

/** Receives decision changes: set k's decision is `val` from row `row` of the tile on. */
export interface EventSink {
  push(row: number, k: number, val: number): void;
}

/**
 * Sends every set's decision changes for symbol i at rows t0 … t0 + n − 1 to `sink`, in row order
 * (a set changes at most once per row). Called for each symbol on consecutive tiles from row 0.
 */
export interface EventKernel {
  events(i: number, t0: number, n: number, feat: Float64Array, sink: EventSink): void;
}

/**
 * Events from a kind's per-set kernel: every set's decisions for the tile, then compared row by
 * row with each set's decision of the row before (0 before row 0).
 */
export class DenseEvents implements EventKernel {
  readonly last: Int8Array;
  readonly decided: Int8Array;
  constructor(
    readonly kernel: DecideKernel,
    readonly K: number,
    N: number,
    readonly L: number,
  ) {
    this.last = new Int8Array(N * K);
    this.decided = new Int8Array(K * L);
  }
  events(i: number, t0: number, n: number, feat: Float64Array, sink: EventSink): void {
    const { K, L, decided, last } = this;
    for (let k = 0; k < K; k++) this.kernel.decide(i, k, t0, n, feat, decided, k * L);
    const b = i * K;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < K; k++) {
        const d = decided[k * L + j];
        if (d !== last[b + k]) {
          sink.push(j, k, d);
          last[b + k] = d;
        }
      }
    }
  }
}
