/**
 * Crossover decisions of many (fast, slow) pairs at once, from the order of the moving averages.
 *
 * A grid of K pairs over W distinct windows (K up to W²/2) asks K comparisons per bar, but a
 * pair's decision changes only when its two averages cross, i.e. when they swap places in the
 * sorted order of all W averages. So per symbol the W averages are kept sorted from bar to bar by
 * insertion sort (Knuth, TAOCP vol. 3, §5.2.1): from one bar to the next the order barely moves,
 * the sort costs about W comparisons plus one swap per crossing, and every swap names the pair
 * that crossed — whose decision then follows from which of the two is now above (below). Averages
 * that are not defined (warm-up, a missing bar) are out of the order; their pairs are flat, and
 * decided from their two values (the per-set kernel's comparison, ma-cross.ts) when they return.
 *
 * Order: by value, ties by window length (shorter first). For a pair fast < slow, fast above slow
 * then means SMA(fast) > SMA(slow) exactly, ties included (a tie is "not above", as the rule).
 */
import type { EventKernel, EventSink } from "./events.ts";

export class PairOrderEvents implements EventKernel {
  /** Per symbol: the defined slots in increasing order at [i·W, i·W + size[i]). */
  readonly order: Int32Array;
  readonly size: Int32Array;
  /** Per symbol: the other slots at [i·W, i·W + outside[i]) of `out`. */
  readonly out: Int32Array;
  readonly outside: Int32Array;
  /** Per (symbol, set), symbol-major: the current decision. */
  readonly decision: Int8Array;
  /**
   * Sets of each unordered slot pair {a, b}: a linked list from head[a·W + b] (= head[b·W + a])
   * through next; paired[a·W + b] is 1 when the list is not empty.
   */
  readonly head: Int32Array;
  readonly next: Int32Array;
  readonly paired: Uint8Array;
  /** The current row's crossings of pairs that sets read, as a·W + b (at most W(W − 1)/2). */
  private readonly codes: Int32Array;
  /** Per crossing x·W + y (x moved below y): y, the slot now above. */
  private readonly above: Int32Array;
  /** Sets reading each slot: bySlot[slotStart[s] … slotStart[s + 1]). */
  readonly slotStart: Int32Array;
  readonly bySlot: Int32Array;
  /** The current row: values in order (aligned with `order`), and per slot (when the order changes). */
  private readonly sorted: Float64Array;
  private readonly values: Float64Array;
  /** Per slot, while the order changes: 1 if in the order. */
  private readonly member: Uint8Array;
  private sink: EventSink | null = null;

  constructor(
    readonly K: number,
    N: number,
    readonly W: number,
    readonly L: number,
    /** Window length per slot (the tie-break). */
    readonly lengths: Int32Array,
    readonly fast: Int32Array,
    readonly slow: Int32Array,
    readonly below: Int8Array,
  ) {
    this.order = new Int32Array(N * W);
    this.size = new Int32Array(N);
    this.out = new Int32Array(N * W);
    this.outside = new Int32Array(N).fill(W);
    for (let i = 0; i < N; i++) for (let s = 0; s < W; s++) this.out[i * W + s] = s;
    this.decision = new Int8Array(N * K);
    this.head = new Int32Array(W * W).fill(-1);
    this.next = new Int32Array(K).fill(-1);
    const count = new Int32Array(W + 1);
    for (let k = K - 1; k >= 0; k--) {
      const a = Math.min(fast[k], slow[k]),
        b = Math.max(fast[k], slow[k]);
      this.next[k] = this.head[a * W + b];
      this.head[a * W + b] = k;
      count[fast[k] + 1]++;
      count[slow[k] + 1]++;
    }
    this.paired = new Uint8Array(W * W);
    this.above = Int32Array.from({ length: W * W }, (_, xy) => xy % W);
    for (let a = 0; a < W; a++)
      for (let b = a + 1; b < W; b++) {
        this.head[b * W + a] = this.head[a * W + b];
        this.paired[a * W + b] = this.paired[b * W + a] = this.head[a * W + b] >= 0 ? 1 : 0;
      }
    this.codes = new Int32Array((W * (W - 1)) / 2 + 1);
    for (let s = 0; s < W; s++) count[s + 1] += count[s];
    this.slotStart = count.slice();
    this.bySlot = new Int32Array(2 * K);
    for (let k = 0; k < K; k++) {
      this.bySlot[count[fast[k]]++] = k;
      this.bySlot[count[slow[k]]++] = k;
    }
    this.sorted = new Float64Array(W);
    this.values = new Float64Array(W);
    this.member = new Uint8Array(W);
  }

  events(i: number, _t0: number, n: number, feat: Float64Array, sink: EventSink): void {
    const { W, L, order, out, sorted, codes } = this;
    const ob = i * W;
    this.sink = sink;
    for (let j = 0; j < n; j++) {
      // 1. A slot entering the order (a value again) is placed first (reorder).
      let entering = false;
      for (let u = 0, o = this.outside[i]; u < o; u++) {
        const v = feat[out[ob + u] * L + j];
        if (v === v) entering = true;
      }
      if (entering) this.reorder(i, j, feat);
      // 2. Insertion sort, each value read in its turn, the ones before it sorted by then (one pass
      // over the values, not a copy and then a sort). Each swap is a crossing, noted (without a
      // branch) when a set reads the pair. A slot without a value stops the pass: it leaves the
      // order first (reorder), then the sort goes on over the rest.
      let crossings = 0,
        p = 0;
      const m = this.size[i];
      for (; p < m; p++) {
        const x = order[ob + p],
          vx = feat[x * L + j];
        if (vx !== vx) break;
        if (p > 0 && this.outOfPlace(ob, p, x, vx)) crossings = this.insert(ob, p, x, vx, crossings);
        else sorted[p] = vx;
      }
      if (p < m) {
        this.reorder(i, j, feat);
        for (let q = 1, e = this.size[i]; q < e; q++) {
          const x = order[ob + q],
            vx = sorted[q];
          if (this.outOfPlace(ob, q, x, vx)) crossings = this.insert(ob, q, x, vx, crossings);
        }
      }
      // 3. The sets of the pairs that crossed are decided again: long where the fast average is
      // now the one above, i.e. SMA(fast) > SMA(slow) (the order's ties are "not above", as the rule).
      for (let c = 0; c < crossings; c++) {
        const xy = codes[c],
          y = this.above[xy];
        for (let k = this.head[xy]; k >= 0; k = this.next[k]) this.set(i, j, k, this.fast[k] === y ? 1 : this.below[k]);
      }
    }
    this.sink = null;
  }

  /** Is slot x (value vx) below the slot before it, at position p − 1 of the order (key: value, then length)? */
  private outOfPlace(ob: number, p: number, x: number, vx: number): boolean {
    const vy = this.sorted[p - 1];
    return !(vy < vx || (vy === vx && this.lengths[this.order[ob + p - 1]] < this.lengths[x]));
  }

  /**
   * Moves slot x (value vx), out of place at position p, down to its place among positions 0 … p − 1
   * (sorted): each slot it passes is a crossing, noted at codes[crossings] (kept when a set reads
   * the pair). Returns the new count of crossings.
   */
  private insert(ob: number, p: number, x: number, vx: number, crossings: number): number {
    const { W, order, sorted, lengths, codes, paired } = this;
    let q = p,
      y = order[ob + p - 1],
      vy = sorted[p - 1];
    for (;;) {
      order[ob + q] = y;
      sorted[q] = vy;
      q--;
      const xy = x * W + y;
      codes[crossings] = xy;
      crossings += paired[xy];
      if (q === 0) break;
      y = order[ob + q - 1];
      vy = sorted[q - 1];
      if (vy < vx || (vy === vx && lengths[y] < lengths[x])) break;
    }
    order[ob + q] = x;
    sorted[q] = vx;
    return crossings;
  }

  /**
   * Slots leave the order (no value) or enter it (a value again) at row j: the leaving ones go
   * first and their pairs flat once all are out (no pair is decided against a stale partner);
   * the entering ones are inserted in place, and their pairs decided.
   */
  private reorder(i: number, j: number, feat: Float64Array): void {
    const { W, L, order, out, sorted, values, member, lengths } = this,
      ob = i * W;
    for (let s = 0; s < W; s++) values[s] = feat[s * L + j];
    let size = this.size[i],
      outside = this.outside[i];
    const left = outside;
    let kept = 0;
    member.fill(0);
    for (let p = 0; p < size; p++) {
      const s = order[ob + p];
      if (values[s] === values[s]) {
        order[ob + kept] = s;
        sorted[kept++] = values[s];
        member[s] = 1;
      } else out[ob + outside++] = s;
    }
    size = kept;
    this.size[i] = size;
    for (let u = left; u < outside; u++) this.slotChanged(i, j, out[ob + u]);
    // Entering slots, inserted by key (the sort that follows finds no swap among them).
    for (let u = 0; u < outside; ) {
      const s = out[ob + u],
        vs = values[s];
      if (vs !== vs) {
        u++;
        continue;
      }
      out[ob + u] = out[ob + --outside];
      const ls = lengths[s];
      let q = size;
      while (q > 0) {
        const y = order[ob + q - 1],
          vy = sorted[q - 1];
        if (vy < vs || (vy === vs && lengths[y] < ls)) break;
        order[ob + q] = y;
        sorted[q] = vy;
        q--;
      }
      order[ob + q] = s;
      sorted[q] = vs;
      member[s] = 1;
      this.size[i] = ++size;
      this.slotChanged(i, j, s);
    }
    this.outside[i] = outside;
  }

  /** Slot s entered or left the order: its sets are decided again (0 unless both slots are in). */
  private slotChanged(i: number, j: number, s: number): void {
    const { member, values } = this;
    for (let e = this.slotStart[s], end = this.slotStart[s + 1]; e < end; e++) {
      const k = this.bySlot[e],
        a = this.fast[k],
        b = this.slow[k];
      this.set(i, j, k, member[a] === 1 && member[b] === 1 ? (values[a] > values[b] ? 1 : this.below[k]) : 0);
    }
  }

  private set(i: number, j: number, k: number, d: number): void {
    const sk = i * this.K + k;
    if (d !== this.decision[sk]) {
      this.decision[sk] = d;
      this.sink!.push(j, k, d);
    }
  }
}
