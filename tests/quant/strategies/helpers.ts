/**
 * Shared by the strategy tests: seeded panels and parameter sets, and a reference book written
 * straight from the formula in src/quant/strategies/evaluate.ts, bar by bar, without any of the
 * evaluator's machinery (events, chains, exact sums) — the independent value the evaluator is
 * checked against.
 */
import { createRng, type Rng } from "../../../src/core/rng.ts";
import type { StrategyKindName, StrategyPanel } from "../../../src/quant/strategies/index.ts";

/** A panel of one or more symbols from closes given per symbol (columns), close-only. */
export function panelOf(...columns: number[][]): StrategyPanel {
  const N = columns.length,
    T = columns[0].length;
  const close = new Float64Array(T * N);
  for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) close[t * N + i] = columns[i][t];
  return { nRows: T, nAssets: N, close };
}

export interface RandomPanelOptions {
  /** Listings, a delisting and scattered missing bars (default true). */
  gaps?: boolean;
  /** Highs and lows around the closes (default true). */
  highLow?: boolean;
}

/** Seeded random-walk panel (daily vol 1–3 %), with NaN bars as asked. */
export function randomPanel(seed: number, T: number, N: number, opts: RandomPanelOptions = {}): StrategyPanel {
  const rng = createRng(seed);
  const close = new Float64Array(T * N),
    high = new Float64Array(T * N),
    low = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    const vol = 0.01 + 0.02 * rng.next();
    let p = 20 + 80 * rng.next();
    for (let t = 0; t < T; t++) {
      p *= Math.exp(vol * rng.normal());
      const missing =
        opts.gaps !== false &&
        ((i === 1 && t < T / 10) || (i === 2 && t > (9 * T) / 10) || (i % 3 === 0 && rng.next() < 0.01));
      const j = t * N + i;
      close[j] = missing ? NaN : p;
      high[j] = missing ? NaN : p * (1 + vol * rng.next());
      low[j] = missing ? NaN : p * (1 - vol * rng.next());
    }
  }
  return opts.highLow === false ? { nRows: T, nAssets: N, close } : { nRows: T, nAssets: N, close, high, low };
}

/** A random valid parameter set of each kind (long_only drawn too). */
export function randomParams(kind: StrategyKindName, rng: Rng): Record<string, unknown> {
  const long_only = rng.next() < 0.5;
  switch (kind) {
    case "ma_cross": {
      const fast = 1 + rng.int(12);
      return { fast, slow: fast + 1 + rng.int(20), long_only };
    }
    case "ts_momentum":
      return { lookback: 1 + rng.int(25), threshold: rng.next() < 0.3 ? 0 : 0.05 * rng.next(), long_only };
    case "donchian":
      return { entry: 1 + rng.int(25), exit: 1 + rng.int(15), long_only };
    case "mean_reversion": {
      const z_entry = 0.5 + 2 * rng.next();
      const p: Record<string, unknown> = {
        window: 2 + rng.int(25),
        z_entry,
        z_exit: 0.9 * z_entry * rng.next(),
        long_only,
      };
      if (rng.next() < 0.5) Object.assign(p, { rsi_window: 2 + rng.int(15), rsi_low: 20 + 25 * rng.next() });
      if (rng.next() < 0.5) Object.assign(p, { rsi_high: 55 + 25 * rng.next() });
      return p;
    }
    case "trend_atr":
      return { breakout: 1 + rng.int(25), atr_window: 1 + rng.int(15), atr_mult: 0.5 + 3 * rng.next(), long_only };
  }
}

export interface ReferenceBook {
  /** Traded positions, T × N row-major. */
  positions: Int8Array;
  R: Float64Array;
  trades: number;
  traded: number;
  exposed: number;
  heldWithReturn: number;
  wins: number;
}

/**
 * The book by its definition: pos[t,i] = d[t − lag, i] (0 before lag, 0 without a close),
 * r = close[t]/close[t−1] − 1, R[t] = (1/N) Σ_i (pos[t−1,i]·r[t,i] − κ·|Δpos|), NaN r: no P&L.
 */
export function referenceBook(panel: StrategyPanel, decisions: Int8Array, lag: number, kappa: number): ReferenceBook {
  const { nRows: T, nAssets: N, close } = panel;
  const positions = new Int8Array(T * N);
  for (let t = lag; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const c = close[t * N + i];
      positions[t * N + i] = Number.isNaN(c) ? 0 : decisions[(t - lag) * N + i];
    }
  }
  const R = new Float64Array(T);
  let trades = 0,
    traded = 0,
    exposed = 0,
    heldWithReturn = 0,
    wins = 0;
  for (let t = 1; t < T; t++) {
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const p = positions[(t - 1) * N + i],
        q = positions[t * N + i];
      const r = close[t * N + i] / close[(t - 1) * N + i] - 1;
      if (p !== 0) {
        exposed++;
        if (!Number.isNaN(r)) {
          sum += p * r;
          heldWithReturn++;
          if (p * r > 0) wins++;
        }
      }
      if (q !== p) {
        trades++;
        traded += Math.abs(q - p);
        sum -= kappa * Math.abs(q - p);
      }
    }
    R[t] = sum / N;
  }
  return { positions, R, trades, traded, exposed, heldWithReturn, wins };
}
