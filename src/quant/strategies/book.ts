/**
 * The equal-sleeve book of evaluateStrategies (the formula and its conventions are in
 * evaluate.ts): for every parameter set, P[t] = Σ_i pos[t−1,i]·r[t,i] and U[t] = Σ_i |Δpos[t,i]|,
 * and the integer counts behind the metrics.
 *
 * Exact sums. Each return is split into two integers (exact-sums.ts) and P is kept as the two
 * integer sums Σ pos·h and Σ pos·l, exact in doubles: P does not depend on the order of its terms,
 * and is converted once per bar. That is what lets sets share work without changing a bit: set k
 * is booked as its difference from set k − 1 (pos_k − pos_{k−1} is zero on most bars when the two
 * are nearby parameters: chain-order.ts), P_k = P_{k−1} + ΔP_k, and the integers are the ones
 * booking it alone gives.
 *
 * Work is per change, not per bar. A position changes when a decision (events.ts) falls due, lag
 * bars after it was made, and when a symbol's close goes missing (flat) or comes back (the
 * decision due). At a change of set k on symbol i at row s: the trade is counted (U, trades); the
 * run of bars earning on the old position (rows up to s: row t earns pos[t−1]) is closed — its
 * exposure and wins from prefix counts of up and down returns; and the runs of constant
 * pos_k − pos_{k−1} and pos_{k+1} − pos_k are closed, adding their rows to ΔP_k and ΔP_{k+1} when
 * the difference is not 0. Sets that do not change cost nothing.
 */
import type { EventSink } from "./events.ts";
import { type LimbScales, limbScales, splitReturns } from "./exact-sums.ts";
import { type SymbolColumns, symbolReturns } from "./panel.ts";
import { SeriesMetrics } from "./series-metrics.ts";

export class Book implements EventSink {
  /** R per set and bar at [k·T + t], filled tile by tile by `resolve` (keepReturns, else null). */
  readonly returns: Float64Array | null;
  /** Total return, Sharpe and drawdown per set, fed R tile by tile (series-metrics.ts). */
  readonly metrics: SeriesMetrics;
  /** One set's R over the current tile, when the series are not kept. */
  private readonly tileR: Float64Array;
  /**
   * The current tile's P limbs (of ΔP_k until `resolve`), h and l at [2((t − t0)·K + k)] and the
   * next index, and U at [(t − t0)·K + k]: row-major, so a change of set k at row t and the
   * difference run it closes for set k + 1 share cache lines. Changes land all over the tile, for
   * every symbol in turn: the tile is sized to stay in the core's cache (plan.ts, tileRows).
   */
  private readonly tileP: Float64Array;
  private readonly tileUnits: Int32Array;
  /**
   * The symbol and tile being booked, row shift of its changes, whether the close is missing
   * anywhere near, the next row whose gap boundary is due, in a gap, pending changes kept.
   */
  private i = 0;
  private t0 = 0;
  private shift = 0;
  private gaps = false;
  private t1 = 0;
  private gapRow = 0;
  private inGap = false;
  private later = 0;
  /**
   * Per set: position changes, Σ|Δpos|, bars held, bars held whose return is missing (the first
   * bar of a gap), and wins (held bars whose return had the position's sign).
   */
  readonly trades: Float64Array;
  readonly traded: Float64Array;
  readonly exposed: Float64Array;
  readonly missing: Float64Array;
  readonly wins: Float64Array;
  /** Traded positions per set, T × N row-major (keepPositions). */
  readonly positions: Int8Array[] | null;
  readonly scales: LimbScales;
  /**
   * The current symbol's returns over the tile, split (exact-sums.ts): h and l of row t0 + j at
   * [2j] and [2j + 1]. Changes only read rows of the tile they are booked in.
   */
  private readonly tileLimbs: Float64Array;
  /** The current symbol's returns over the tile (row t0 + j at [j]). */
  private readonly tileRet: Float64Array;
  /**
   * Per set, at [4k…4k + 3] while booking: trades, bars held, wins, bars held whose return is
   * missing (copied into the fields above by `finish`).
   */
  private readonly stats: Float64Array;
  /** Per (symbol, set), symbol-major: position and decision due. */
  private readonly held: Int8Array;
  private readonly due: Int8Array;
  /**
   * Per (symbol, set) at [i·stride + k]: c = pos_k − pos_{k−1} (pos_{−1} = 0) and the row its run
   * started. stride is K rounded up to 4, so `end` finds the few runs open four sets at a time
   * (diffWords: the same bytes as 32-bit words).
   */
  private readonly diff: Int8Array;
  private readonly diffWords: Int32Array;
  private readonly diffFrom: Int32Array;
  private readonly stride: number;
  /** Per (symbol, set), keepPositions: first row not yet written. */
  private readonly written: Int32Array;
  /** Per symbol: decision changes due after the tile (lag), as (row, set, value), up to lag·K. */
  private readonly pendingRows: Int32Array;
  private readonly pendingSets: Int32Array;
  private readonly pendingVals: Int8Array;
  private readonly pendingCount: Int32Array;
  /**
   * The current symbol, for t0 ≤ t ≤ t1, rows [0, t): how many returns were < 0, 0 (always), and
   * > 0, at [3(t − t0) + p + 1] for p = −1, 0, 1 — the bars a position p held over rows [0, t)
   * would have won. A run of p over rows [a, b) wins wonBy(p, b) − wonBy(p, a). Per symbol, the
   * counts of the rows before the tile carry over (downTo, upTo).
   */
  private readonly wonBy: Int32Array;
  private readonly downTo: Int32Array;
  private readonly upTo: Int32Array;

  constructor(
    readonly cols: SymbolColumns,
    readonly K: number,
    readonly lag: number,
    readonly kappa: number,
    L: number,
    keepPositions: boolean,
    keepReturns: boolean,
  ) {
    const { T, N, close } = cols;
    this.returns = keepReturns ? new Float64Array(K * T) : null;
    this.metrics = new SeriesMetrics(K);
    this.tileR = new Float64Array(L);
    this.tileP = new Float64Array(2 * L * K);
    this.tileUnits = new Int32Array(L * K);
    this.trades = new Float64Array(K);
    this.traded = new Float64Array(K);
    this.exposed = new Float64Array(K);
    this.missing = new Float64Array(K);
    this.wins = new Float64Array(K);
    this.positions = keepPositions ? Array.from({ length: K }, () => new Int8Array(T * N)) : null;
    this.scales = limbScales(close, T, N);
    this.tileLimbs = new Float64Array(2 * L);
    this.tileRet = new Float64Array(L);
    this.held = new Int8Array(N * K);
    this.due = new Int8Array(N * K);
    this.stats = new Float64Array(4 * K);
    this.stride = (K + 3) & ~3;
    this.diff = new Int8Array(N * this.stride);
    this.diffWords = new Int32Array(this.diff.buffer);
    this.diffFrom = new Int32Array(N * this.stride);
    this.written = new Int32Array(keepPositions ? N * K : 0);
    this.pendingRows = new Int32Array(N * K * lag);
    this.pendingSets = new Int32Array(N * K * lag);
    this.pendingVals = new Int8Array(N * K * lag);
    this.pendingCount = new Int32Array(N);
    this.wonBy = new Int32Array(3 * (L + 1));
    this.downTo = new Int32Array(N);
    this.upTo = new Int32Array(N);
  }

  /** The tile's split returns and win counts of symbol i, rows t0 … t1 − 1 (see the fields). */
  private tileReturns(i: number, t0: number, t1: number): void {
    const returns = this.tileRet,
      won = this.wonBy;
    symbolReturns(this.cols.close, i * this.cols.T, t0, t1 - t0, returns);
    splitReturns(returns, 0, t1 - t0, this.scales, this.tileLimbs);
    let down = this.downTo[i],
      up = this.upTo[i];
    won[0] = down;
    won[2] = up;
    for (let j = 0, at = 3; j < t1 - t0; j++, at += 3) {
      const r = returns[j];
      if (r > 0) up++;
      else if (r < 0) down++;
      won[at] = down;
      won[at + 2] = up;
    }
    this.downTo[i] = down;
    this.upTo[i] = up;
  }

  /**
   * Starts booking symbol i over rows t0 … t1 − 1: the changes pending from before t0 first, then
   * this tile's decision changes as the kernel finds them (`push`, in row order), then `end`. A
   * change falls due lag rows after its row; at a row where the close goes missing that comes
   * first, where it comes back, last.
   */
  begin(i: number, t0: number, t1: number): void {
    this.i = i;
    this.t0 = t0;
    this.t1 = t1;
    this.shift = t0 + this.lag;
    const { T, close } = this.cols,
      cb = i * T;
    // Does the close go missing in the tile (or is it missing before it)? Else no gap checks.
    // closeGaps: the last row ≤ t1 − 1 whose close is missing (panel.ts, lastMissing).
    this.gaps = this.cols.closeGaps[cb + t1 - 1] >= Math.max(0, t0 - 1);
    this.inGap = t0 > 0 && close[cb + t0 - 1] !== close[cb + t0 - 1];
    this.gapRow = t0;
    this.tileReturns(i, t0, t1);
    const pBase = i * this.K * this.lag,
      pr = this.pendingRows,
      ps = this.pendingSets,
      pv = this.pendingVals;
    this.later = 0;
    for (let u = 0, c = this.pendingCount[i]; u < c; u++) this.take(i, pr[pBase + u], ps[pBase + u], pv[pBase + u]);
  }

  /** Set k's decision is v from row t0 + j on (EventSink). */
  push(j: number, k: number, v: number): void {
    this.take(this.i, j + this.shift, k, v);
  }

  /** Ends the tile of symbol i. */
  end(): void {
    const i = this.i,
      t1 = this.t1;
    this.pendingCount[i] = this.later;
    if (this.gaps) this.gapsTo(i, t1, false);
    // The runs of differences still open add their rows in this tile now: `resolve` needs them.
    const words = this.diffWords,
      db = i * this.stride;
    for (let w = db >> 2, e = (db + this.stride) >> 2; w < e; w++) {
      if (words[w] === 0) continue;
      for (let d = 4 * w; d < 4 * w + 4; d++) {
        const c = this.diff[d];
        if (c === 0) continue;
        this.addDiff(d - db, this.diffFrom[d], t1, c);
        this.diffFrom[d] = t1;
      }
    }
  }

  /** Set k's decision v falls due at row s: its position, unless the close is missing there. */
  private take(i: number, s: number, k: number, v: number): void {
    if (s >= this.t1) {
      if (s < this.cols.T) {
        const at = i * this.K * this.lag + this.later++;
        this.pendingRows[at] = s;
        this.pendingSets[at] = k;
        this.pendingVals[at] = v;
      }
      return;
    }
    const sk = i * this.K + k;
    if (this.gaps) {
      this.gapsTo(i, s, true); // boundaries before s, and a gap starting at s, come first
      this.due[sk] = v;
      const c = this.cols.close[i * this.cols.T + s];
      if (c !== c) return;
    } else this.due[sk] = v;
    if (v !== this.held[sk]) this.change(i, k, s, v);
  }

  /** Gap boundaries of rows before s; with `atS` also row s, unless the close comes back there. */
  private gapsTo(i: number, s: number, atS: boolean): void {
    const close = this.cols.close,
      cb = i * this.cols.T;
    while (this.gapRow < s || (atS && this.gapRow === s)) {
      const g = this.gapRow,
        missing = close[cb + g] !== close[cb + g];
      if (g === s && !missing && this.inGap) return;
      if (missing && !this.inGap) this.gapStart(i, g);
      else if (!missing && this.inGap) this.gapEnd(i, g);
      this.inGap = missing;
      this.gapRow = g + 1;
    }
  }

  /** The close of symbol i goes missing at row s: every set goes flat (row s earns, its return is missing). */
  private gapStart(i: number, s: number): void {
    for (let k = 0, sk = i * this.K; k < this.K; k++, sk++) {
      if (this.held[sk] === 0) continue;
      this.stats[4 * k + 3]++;
      this.change(i, k, s, 0);
    }
  }

  /** The close comes back at row s: every set takes the decision due. */
  private gapEnd(i: number, s: number): void {
    for (let k = 0, sk = i * this.K; k < this.K; k++, sk++) {
      if (this.due[sk] !== this.held[sk]) this.change(i, k, s, this.due[sk]);
    }
  }

  /**
   * Set k's position on symbol i becomes q at row s (q ≠ the position held p). Row s earned on p,
   * row s + 1 earns on q: the run of p ends at s + 1 and the run of q starts there, so bars held
   * and wins add their end values and subtract their start values (`finish` adds the last ends).
   */
  private change(i: number, k: number, s: number, q: number): void {
    const K = this.K,
      sk = i * K + k,
      p = this.held[sk],
      d = q > p ? q - p : p - q,
      at = 3 * (s + 1 - this.t0),
      st = this.stats;
    this.tileUnits[(s - this.t0) * K + k] += d;
    st[4 * k]++;
    st[4 * k + 1] += (p * p - q * q) * (s + 1);
    st[4 * k + 2] += this.wonBy[at + p + 1] - this.wonBy[at + q + 1];
    if (this.positions !== null) {
      const pos = this.positions[k],
        N = this.cols.N;
      for (let t = this.written[sk]; t < s; t++) pos[t * N + i] = p;
      this.written[sk] = s;
    }
    this.held[sk] = q;
    // The differences with the neighbouring sets change from row s + 1.
    const sd = i * this.stride + k;
    const c = this.diff[sd];
    if (c !== 0) this.addDiff(k, this.diffFrom[sd], s + 1, c);
    this.diff[sd] = q - (k > 0 ? this.held[sk - 1] : 0);
    this.diffFrom[sd] = s + 1;
    if (k + 1 < K) {
      const c1 = this.diff[sd + 1];
      if (c1 !== 0) this.addDiff(k + 1, this.diffFrom[sd + 1], s + 1, c1);
      this.diff[sd + 1] = this.held[sk + 1] - q;
      this.diffFrom[sd + 1] = s + 1;
    }
  }

  /** ΔP_k += c·r over rows [from, to) of the tile, of the symbol being booked. */
  private addDiff(k: number, from: number, to: number, c: number): void {
    const P = this.tileP,
      r = this.tileLimbs,
      step = 2 * this.K;
    for (
      let t = from, j = 2 * ((from - this.t0) * this.K + k), u = 2 * (from - this.t0);
      t < to;
      t++, j += step, u += 2
    ) {
      P[j] += c * r[u];
      P[j + 1] += c * r[u + 1];
    }
  }

  /**
   * After every symbol of the tile [t0, t1): P_k = P_{k−1} + ΔP_k in set order (exact), then
   * R[t] = (P[t] − κ·U[t]) / N, P converted once, and R goes to the metrics (and is kept).
   */
  resolve(t0: number, t1: number): void {
    const { T, N } = this.cols,
      { K, kappa } = this,
      { hiScale, loScale } = this.scales,
      P = this.tileP,
      units = this.tileUnits,
      traded = this.traded,
      n = t1 - t0;
    for (let j = 0; j < n; j++) {
      for (let a = 2 * (j * K + 1), e = 2 * (j + 1) * K; a < e; a += 2) {
        P[a] += P[a - 2];
        P[a + 1] += P[a - 1];
      }
    }
    for (let k = 0; k < K; k++) {
      const R = this.returns ?? this.tileR,
        from = this.returns ? k * T + t0 : 0;
      let sum = traded[k];
      for (let j = 0, a = 2 * k, u = k, at = from; j < n; j++, a += 2 * K, u += K, at++) {
        R[at] = (P[a] * hiScale + P[a + 1] * loScale - kappa * units[u]) / N;
        sum += units[u];
      }
      traded[k] = sum;
      this.metrics.add(k, R, from, from + n);
    }
    P.fill(0);
    units.fill(0);
  }

  /** After the last tile: closes the runs still open; returns R (set k's series at [k·T, (k + 1)·T)) if kept. */
  finish(): Float64Array | null {
    const { T, N } = this.cols,
      K = this.K,
      st = this.stats;
    for (let i = 0; i < N; i++) {
      // Bars won over all T rows by each position: down, none, up (the counts carried to T).
      const won = [this.downTo[i], 0, this.upTo[i]];
      for (let k = 0, sk = i * K; k < K; k++, sk++) {
        const p = this.held[sk];
        st[4 * k + 1] += p * p * T;
        st[4 * k + 2] += won[p + 1];
        if (this.positions !== null) {
          const pos = this.positions[k];
          for (let t = this.written[sk]; t < T; t++) pos[t * N + i] = p;
        }
      }
    }
    for (let k = 0; k < K; k++) {
      this.trades[k] = st[4 * k];
      this.exposed[k] = st[4 * k + 1];
      this.wins[k] = st[4 * k + 2];
      this.missing[k] = st[4 * k + 3];
    }
    return this.returns;
  }
}
