/**
 * Style factor returns built point in time from a price panel alone (close T × N row-major,
 * NaN = no price; optional volume and shares outstanding of the same shape). Asset returns follow
 * the price panel's rule (src/quant/backtest/panel.ts): r[t,i] = close[t,i] / close[u,i] − 1 with
 * u the symbol's previous row with a close (the move over a missing day lands on the day it
 * trades again), NaN without a close on t or before it.
 *
 * Each long–short factor sorts the symbols in the universe at t − 1 (a close at t − 1 and a
 * finite characteristic) on a characteristic known at the close of t − 1, takes the bottom and
 * top terciles (⌊n/3⌋ names each; ties broken by column order), and earns at t the difference
 * of the legs' equal-weighted mean returns r[t] (a leg member without a return at t is left out
 * of its leg's mean; a leg with no return makes the factor NaN). So row t reads closes up to t
 * and volume or shares up to t − 1 only: changing any later data leaves it unchanged.
 *
 *   market         equal-weighted mean of r[t] over the symbols with a return (the rule of the
 *                  backtest's equalWeightMarketReturns)
 *   size           small − big on the size proxy at t − 1 (Fama & French 1993, "Common risk
 *                  factors in the returns on stocks and bonds", JFE 33(1), SMB on terciles):
 *                  market cap close·shares when `shares` is given; else the mean dollar volume
 *                  close·volume over the last `dollarVolumeWindow` rows (a liquidity proxy of
 *                  size, highly rank-correlated with it); else the price level (log price and
 *                  price sort alike) — a weak proxy, said by `sizeProxy`
 *   momentum       top − bottom on close[t−1−skip] / close[t−1−lookback] − 1, 12−1 months by
 *                  default (Jegadeesh & Titman 1993, JF 48(1); Carhart 1997, JF 52(1)): the
 *                  baselines' momentumScores at row t − 1
 *   value          bottom − top on the 5-year return skipping the last year,
 *                  close[t−1−252] / close[t−1−1260] − 1: long-term losers minus winners
 *                  (De Bondt & Thaler 1985, "Does the stock market overreact?", JF 40(3)).
 *                  A PROXY: without fundamentals there is no book-to-market; long-term
 *                  reversal is correlated with HML (Fama & French 1996, JF 51(1)) but is not it
 *   lowVolatility  low − high on the sample standard deviation of the last `volatilityWindow`
 *                  returns up to t − 1 (at least half of them present) (Ang, Hodrick, Xing &
 *                  Zhang 2006, JF 61(1); Blitz & van Vliet 2007, JPM 34(1))
 *
 * A factor is NaN on rows where its characteristic is not yet defined for 3 names (momentum
 * before row lookback + 1 = 253, value before 1261, low volatility before about window/2 + 1).
 */
import { StrataError } from "../../core/errors.ts";
import { deviation } from "../stats/deviation.ts";
import { mean } from "../stats/mean.ts";
import { momentumScores } from "../backtest/baselines.ts";
import { checkCount } from "./inputs.ts";

export const FACTOR_NAMES = ["market", "size", "momentum", "value", "lowVolatility"] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

export interface FactorReturnsOptions {
  /** Shares traded per row (T × N, NaN = unknown): size by mean dollar volume when `shares` is absent. */
  volume?: Float64Array;
  /** Shares outstanding per row (T × N, NaN = unknown): size by market cap close·shares. */
  shares?: Float64Array;
  /** Rows averaged for the dollar-volume size proxy (default 21, about a month). */
  dollarVolumeWindow?: number;
  /** Momentum: return from close[t−1−lookback] to close[t−1−skip] (defaults 252 and 21 rows: 12−1 months). */
  momentumLookback?: number;
  momentumSkip?: number;
  /** Value proxy: return from close[t−1−lookback] to close[t−1−skip] (defaults 1260 and 252: 5 years − 1). */
  reversalLookback?: number;
  reversalSkip?: number;
  /** Returns in the volatility estimate (default 60, ≥ 2). */
  volatilityWindow?: number;
}

export interface FactorReturns {
  nRows: number;
  /** Column order of `matrix`: FACTOR_NAMES. */
  names: readonly FactorName[];
  /** T × 5 row-major, the factors' returns per row (decimal; NaN where undefined, always on row 0). */
  matrix: Float64Array;
  /** The same columns, one array each. */
  series: Record<FactorName, Float64Array>;
  /** r[t,i] from the closes, T × N. */
  assetReturns: Float64Array;
  /** Which size characteristic was used. */
  sizeProxy: "marketCap" | "dollarVolume" | "price";
}

function checkPanel(name: string, a: Float64Array, length: number, min: number, strict: boolean): void {
  if (a.length !== length) {
    throw new StrataError("ARGUMENT", `factorReturns: ${name} has ${a.length} values, expected T × N = ${length}`, {
      hint: `pass ${name} in the layout of close (row-major, m[t * N + i])`,
    });
  }
  for (let j = 0; j < length; j++) {
    const v = a[j];
    if (v !== v || (Number.isFinite(v) && (strict ? v > min : v >= min))) continue;
    throw new StrataError(
      "ARGUMENT",
      `factorReturns: ${name}[${j}] is ${v}, expected a finite number ${strict ? ">" : "≥"} ${min} or NaN (missing)`,
    );
  }
}

function window(name: string, v: number | undefined, def: number, min: number): number {
  const w = v ?? def;
  if (!Number.isInteger(w) || w < min) {
    throw new StrataError("ARGUMENT", `factorReturns: ${name} must be an integer ≥ ${min}, got ${w}`);
  }
  return w;
}

/** Market, size, momentum, value (long-term reversal proxy) and low-volatility factor returns. */
export function factorReturns(close: Float64Array, nAssets: number, opts: FactorReturnsOptions = {}): FactorReturns {
  checkCount("factorReturns", "nAssets", nAssets);
  const N = nAssets;
  if (close.length % N !== 0) {
    throw new StrataError("ARGUMENT", `factorReturns: close has ${close.length} values, not a multiple of N = ${N}`, {
      hint: "pass the closes as a T × N row-major Float64Array",
    });
  }
  checkPanel("close", close, close.length, 0, true);
  if (opts.volume) checkPanel("volume", opts.volume, close.length, 0, false);
  if (opts.shares) checkPanel("shares", opts.shares, close.length, 0, true);
  const dvWindow = window("dollarVolumeWindow", opts.dollarVolumeWindow, 21, 1);
  const momL = window("momentumLookback", opts.momentumLookback, 252, 1);
  const momS = window("momentumSkip", opts.momentumSkip, 21, 0);
  const revL = window("reversalLookback", opts.reversalLookback, 1260, 1);
  const revS = window("reversalSkip", opts.reversalSkip, 252, 0);
  const volW = window("volatilityWindow", opts.volatilityWindow, 60, 2);
  if (momS >= momL || revS >= revL) {
    throw new StrataError("ARGUMENT", "factorReturns: a skip must be shorter than its lookback", {
      hint: `got momentum ${momS}/${momL}, reversal ${revS}/${revL} (skip/lookback rows)`,
    });
  }
  const T = close.length / N;
  const r = assetReturns(close, N);
  const momentum = momentumScores(close, N, momL, momS);
  const reversal = momentumScores(close, N, revL, revS);
  const sizeProxy = opts.shares ? "marketCap" : opts.volume ? "dollarVolume" : "price";
  const series = Object.fromEntries(FACTOR_NAMES.map((f) => [f, new Float64Array(T).fill(NaN)])) as Record<
    FactorName,
    Float64Array
  >;
  const signal = new Float64Array(N);
  const buf = new Float64Array(Math.max(dvWindow, volW));
  const idx: number[] = [];
  for (let t = 1; t < T; t++) {
    const s = t - 1;
    const o = t * N;
    series.market[t] = mean(r.subarray(o, o + N));
    sizeSignal(sizeProxy, close, opts, s, N, dvWindow, buf, signal);
    series.size[t] = -tercileSpread(signal, close, r, s, t, N, idx);
    series.momentum[t] = tercileSpread(momentum.subarray(s * N, t * N), close, r, s, t, N, idx);
    series.value[t] = -tercileSpread(reversal.subarray(s * N, t * N), close, r, s, t, N, idx);
    volatilitySignal(r, s, N, volW, buf, signal);
    series.lowVolatility[t] = -tercileSpread(signal, close, r, s, t, N, idx);
  }
  const K = FACTOR_NAMES.length;
  const matrix = new Float64Array(T * K);
  FACTOR_NAMES.forEach((f, k) => {
    for (let t = 0; t < T; t++) matrix[t * K + k] = series[f][t];
  });
  return { nRows: T, names: FACTOR_NAMES, matrix, series, assetReturns: r, sizeProxy };
}

/** signal[i] = the size proxy of asset i at row s (NaN where unknown). */
function sizeSignal(
  proxy: FactorReturns["sizeProxy"],
  close: Float64Array,
  opts: FactorReturnsOptions,
  s: number,
  N: number,
  dvWindow: number,
  buf: Float64Array,
  signal: Float64Array,
): void {
  for (let i = 0; i < N; i++) {
    if (proxy === "marketCap") signal[i] = close[s * N + i] * opts.shares![s * N + i];
    else if (proxy === "price") signal[i] = close[s * N + i];
    else {
      // mean close·volume over rows s − dvWindow + 1 … s (those that exist)
      const w = Math.min(dvWindow, s + 1);
      for (let k = 0; k < w; k++) buf[k] = close[(s - k) * N + i] * opts.volume![(s - k) * N + i];
      signal[i] = mean(buf.subarray(0, w));
    }
  }
}

/** signal[i] = sample sd of r[s − volW + 1 … s, i], NaN with fewer than max(2, volW/2) returns (row 0 has none). */
function volatilitySignal(
  r: Float64Array,
  s: number,
  N: number,
  volW: number,
  buf: Float64Array,
  signal: Float64Array,
) {
  const w = Math.min(volW, s);
  for (let i = 0; i < N; i++) {
    let n = 0;
    for (let k = 0; k < w; k++) {
      const v = r[(s - k) * N + i];
      buf[k] = v;
      if (v === v) n++;
    }
    signal[i] = n >= 2 && 2 * n >= volW ? deviation(buf.subarray(0, w)) : NaN;
  }
}

/** r[t,i] = close[t,i] / (the symbol's previous close) − 1; NaN without a close on t or before. */
function assetReturns(close: Float64Array, N: number): Float64Array {
  const r = new Float64Array(close.length).fill(NaN);
  const last = new Float64Array(N).fill(NaN);
  for (let j = 0; j < close.length; j++) {
    const c = close[j];
    if (c !== c) continue;
    const i = j % N;
    r[j] = c / last[i] - 1; // NaN before the first close
    last[i] = c;
  }
  return r;
}

/**
 * Mean r[t] of the top tercile minus that of the bottom tercile of `signal` among the symbols
 * with a close at s and a finite signal; NaN with fewer than 3 of them or an empty leg.
 */
function tercileSpread(
  signal: Float64Array,
  close: Float64Array,
  r: Float64Array,
  s: number,
  t: number,
  N: number,
  idx: number[],
): number {
  idx.length = 0;
  for (let i = 0; i < N; i++) if (Number.isFinite(signal[i]) && close[s * N + i] === close[s * N + i]) idx.push(i);
  idx.sort((a, b) => signal[a] - signal[b] || a - b);
  const n = idx.length;
  const k = Math.floor(n / 3);
  if (k === 0) return NaN;
  return legMean(idx, n - k, n, r, t * N) - legMean(idx, 0, k, r, t * N);
}

function legMean(idx: number[], from: number, to: number, r: Float64Array, o: number): number {
  let s = 0,
    n = 0;
  for (let k = from; k < to; k++) {
    const v = r[o + idx[k]];
    if (v === v) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}
