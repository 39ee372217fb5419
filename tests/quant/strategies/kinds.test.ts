/**
 * Each kind's rule on a short series worked by hand (the arithmetic is in the comments), and the
 * rolling quantities behind them against their textbook definitions computed naively here.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import {
  donchianSignals,
  meanReversionSignals,
  trendAtrSignals,
  tsMomentumSignals,
} from "../../../src/quant/strategies/index.ts";
import { channelFill } from "../../../src/quant/strategies/channels.ts";
import { lastMissing } from "../../../src/quant/strategies/panel.ts";
import { RESTART_EVERY, smaBankFill, smaFill, zscoreFill } from "../../../src/quant/strategies/rolling-sums.ts";
import { atrFill, rsiFill } from "../../../src/quant/strategies/wilder.ts";
import type { FeatureFill } from "../../../src/quant/strategies/features.ts";
import { panelOf } from "./helpers.ts";

const list = (a: Int8Array) => Array.from(a);

/** A fill's values for one symbol over rows 0 … T − 1, in tiles of `tile` rows. */
function values(fill: FeatureFill, T: number, tile = 64): Float64Array {
  const out = new Float64Array(T);
  for (let t0 = 0; t0 < T; t0 += tile) fill(0, t0, Math.min(tile, T - t0), out, t0);
  return out;
}

describe("tsMomentumSignals", () => {
  it("is the sign of the lookback return beyond ±threshold (by hand)", () => {
    // Closes 100, 102, 101, 99, 104, 103, lookback 2, threshold 0.015:
    // t2 101/100 − 1 = 0.010 (inside the band) → 0; t3 99/102 − 1 = −0.0294 → −1;
    // t4 104/101 − 1 = +0.0297 → +1; t5 103/99 − 1 = +0.0404 → +1; t0, t1: warm-up.
    const p = panelOf([100, 102, 101, 99, 104, 103]);
    expect(list(tsMomentumSignals(p, { lookback: 2, threshold: 0.015, long_only: false }))).toEqual([
      0, 0, 0, -1, 1, 1,
    ]);
    expect(list(tsMomentumSignals(p, { lookback: 2, threshold: 0.015 }))).toEqual([0, 0, 0, 0, 1, 1]);
    // threshold 0 (the default): the plain sign; t2 is now +1.
    expect(list(tsMomentumSignals(p, { lookback: 2, long_only: false }))).toEqual([0, 0, 1, -1, 1, 1]);
  });
});

describe("donchianSignals", () => {
  // Closes 10, 11, 12, 13, 12, 11, 10, 9, 10, 12; entry 3, exit 2, close-only, long-short:
  // t3 13 > max(10, 11, 12) = 12 → long (warm-up: t < max(3, 2) = 3 flat).
  // t4 12 < min(12, 13) = 12? no → long.
  // t5 11 < min(13, 12) = 12 → exit; 11 < min(12, 13, 12) = 12 → short (same bar).
  // t6 10 > max(12, 11) = 12? no; t7 9 > max(11, 10)? no; t8 10 > max(10, 9) = 10? no → short.
  // t9 12 > max(9, 10) = 10 → exit; 12 > max(10, 9, 10) = 10 → long.
  const closes = [10, 11, 12, 13, 12, 11, 10, 9, 10, 12];

  it("enters on a breakout of the entry channel and exits on the exit channel (by hand)", () => {
    const p = panelOf(closes);
    expect(list(donchianSignals(p, { entry: 3, exit: 2, long_only: false }))).toEqual([
      0, 0, 0, 1, 1, -1, -1, -1, -1, 1,
    ]);
    // long_only: t5 exits and stays flat until t9's breakout (t6 … t8 are below the entry channel).
    expect(list(donchianSignals(p, { entry: 3, exit: 2 }))).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 1]);
  });

  it("uses highs and lows when the panel has them", () => {
    // Highs = close + 1, lows = close − 1: at t3 13 > max(highs 11, 12, 13) = 13 fails: no entry;
    // at t9 12 > max(highs 11, 10, 11) = 11 → long.
    const p = panelOf(closes);
    const high = p.close.map((c) => c + 1),
      low = p.close.map((c) => c - 1);
    const d = donchianSignals({ ...p, high, low }, { entry: 3, exit: 2 });
    expect(list(d)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe("meanReversionSignals", () => {
  // Closes 10, 10, 10, 7, 9, 10, 13, 11, 10; window 3, z_entry 1, z_exit 0.2; z with the
  // population SD of the window (Bollinger):
  // t2 (10, 10, 10): SD 0 → z 0 → flat (warm-up: t < window − 1 = 2).
  // t3 (10, 10, 7): mean 9, SD √2 → z = −2/√2 = −1.414 < −1 → long.
  // t4 (10, 7, 9): mean 8.667, SD 1.247 → z = +0.267 ≥ −0.2 → exit; not > 1 → flat.
  // t5 (7, 9, 10): z = (10 − 8.667)/1.247 = +1.069 > 1 → short.
  // t6 (9, 10, 13): mean 10.667, SD 1.700 → z = +1.373: still short (exit needs z ≤ 0.2).
  // t7 (10, 13, 11): mean 11.333, SD 1.247 → z = −0.267 ≤ 0.2 → exit; not < −1 → flat.
  // t8 (13, 11, 10): z = −1.069 < −1 → long.
  const p = panelOf([10, 10, 10, 7, 9, 10, 13, 11, 10]);
  const base = { window: 3, z_entry: 1, z_exit: 0.2 };

  it("enters beyond ±z_entry and exits once back within z_exit (by hand)", () => {
    expect(list(meanReversionSignals(p, { ...base, long_only: false }))).toEqual([0, 0, 0, 1, 0, -1, -1, 0, 1]);
    expect(list(meanReversionSignals(p, base))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  it("the RSI filter blocks a long unless RSI < rsi_low (Wilder RSI(2) by hand)", () => {
    // Changes: 0, 0, −3, +2, +1, +3, −2, −1. RSI(2): first averages at t2 (gains 0, losses 0: 50);
    // t3 AG 0, AL 1.5 → 0; t4 AG 1, AL .75; t5 1, .375; t6 2, .1875; t7 1, 1.09375;
    // t8 AG 0.5, AL 1.046875 → RSI = 100 − 100/(1 + 0.4776) = 32.3.
    // rsi_low 30 lets t3's long through (RSI 0) but not t8's (32.3); rsi_low 35 lets both.
    expect(list(meanReversionSignals(p, { ...base, rsi_window: 2, rsi_low: 30 }))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(list(meanReversionSignals(p, { ...base, rsi_window: 2, rsi_low: 35 }))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});

describe("trendAtrSignals", () => {
  it("enters on a breakout and exits on the ATR trailing stop (by hand)", () => {
    // Closes 10, 11, 12, 14, 13, 13.5, 12, 11, 10; breakout 2, atr_window 2, atr_mult 1, close-only.
    // TR = |Δclose|: 1, 1, 2, 1, .5, 1.5, 1, 1. ATR(2): t2 1; t3 (1 + 2)/2 = 1.5; t4 1.25;
    // t5 .875; t6 1.1875; t7 1.09375; t8 1.046875.
    // t2 12 > max(10, 11) → long, e = 12. t3 e 14, stop 12.5. t4 e 14, stop 12.75 (13 holds).
    // t5 stop 13.125 (13.5 holds). t6 stop 14 − 1.1875 = 12.8125 > 12 → exit; 12 < min(13, 13.5)
    // → short, e = 12. t7 e 11, stop 12.09; t8 e 10, stop 11.05 → short.
    const p = panelOf([10, 11, 12, 14, 13, 13.5, 12, 11, 10]);
    const q = { breakout: 2, atr_window: 2, atr_mult: 1 };
    expect(list(trendAtrSignals(p, { ...q, long_only: false }))).toEqual([0, 0, 1, 1, 1, 1, -1, -1, -1]);
    expect(list(trendAtrSignals(p, q))).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0]);
  });
});

describe("rolling quantities", () => {
  const rng = createRng(5);
  const T = 3 * RESTART_EVERY + 37;
  const x = new Float64Array(T);
  let level = 1000;
  for (let t = 0; t < T; t++) {
    level *= 1 + 0.01 * rng.normal();
    x[t] = t === 300 || t === 301 || t === 700 ? NaN : level;
  }
  const windowOf = (t: number, w: number) => Array.from(x.subarray(t - w + 1, t + 1));

  it("SMA matches the plain mean of the window; NaN while a close in it is missing", () => {
    for (const w of [1, 2, 7, 20, 300]) {
      for (const tile of [64, 100]) {
        const sma = values(smaFill(x, T, 1, w), T, tile);
        for (let t = 0; t < T; t++) {
          const win = t >= w - 1 ? windowOf(t, w) : [];
          if (win.length < w || win.some(Number.isNaN)) {
            expect(sma[t]).toBeNaN();
            continue;
          }
          const mean = win.reduce((a, b) => a + b) / w;
          expect(Math.abs(sma[t] - mean)).toBeLessThanOrEqual(1e-12 * mean);
        }
      }
    }
  });

  it("the value does not depend on the tiling of the rows (bit for bit)", () => {
    for (const make of [
      () => smaFill(x, T, 1, 30),
      () => zscoreFill(x, T, 1, 30),
      () => channelFill(x, T, 30, "max", 512),
      () => rsiFill(x, T, 1, 14),
      () => atrFill(x, x, x, T, 1, 14),
    ]) {
      const a = values(make(), T, 512),
        b = values(make(), T, 37);
      for (let t = 0; t < T; t++) expect(Object.is(a[t], b[t])).toBe(true);
    }
  });

  it("the banked SMA fill gives each window exactly its values alone (gaps, restarts, tilings)", () => {
    // Seven windows: one group of four advanced side by side, three alone, w = 1 copied; the
    // missing closes at 300, 301 and 700 send the groups through the checked path near them.
    const windows = [1, 2, 5, 9, 30, 64, 120, 3];
    const gaps = lastMissing(x, T, 1);
    for (const tile of [64, 37, 512]) {
      const bank = smaBankFill(
        x,
        T,
        1,
        windows,
        windows.map((_, g) => g * tile),
        gaps,
      );
      const buf = new Float64Array(windows.length * tile),
        out = new Float64Array(windows.length * T);
      for (let t0 = 0; t0 < T; t0 += tile) {
        const n = Math.min(tile, T - t0);
        bank(0, t0, n, buf);
        for (let g = 0; g < windows.length; g++) out.set(buf.subarray(g * tile, g * tile + n), g * T + t0);
      }
      windows.forEach((w, g) => {
        const alone = values(smaFill(x, T, 1, w), T, tile);
        for (let t = 0; t < T; t++) expect(Object.is(out[g * T + t], alone[t])).toBe(true);
      });
    }
  });

  it("Bollinger z uses the population SD of the window", () => {
    const z = values(zscoreFill(x, T, 1, 20), T);
    for (const t of [19, 250, 256, 257, 800]) {
      const win = windowOf(t, 20);
      const mean = win.reduce((a, b) => a + b) / 20;
      const sd = Math.sqrt(win.reduce((a, v) => a + (v - mean) ** 2, 0) / 20);
      expect(z[t]).toBeCloseTo((x[t] - mean) / sd, 8);
    }
    expect(z[301 + 5]).toBeNaN(); // a missing close in the window
  });

  it("Donchian channels: extremes of the w bars before t, exact", () => {
    const hi = values(channelFill(x, T, 10, "max", 64), T),
      lo = values(channelFill(x, T, 10, "min", 64), T);
    for (let t = 10; t < T; t++) {
      const prev = Array.from(x.subarray(t - 10, t));
      if (prev.some(Number.isNaN)) {
        expect(hi[t]).toBeNaN();
        continue;
      }
      expect(hi[t]).toBe(Math.max(...prev));
      expect(lo[t]).toBe(Math.min(...prev));
    }
    expect(hi[9]).toBeNaN();
  });

  it("RSI and ATR follow Wilder's recursion, seeded with the mean of the first n values", () => {
    // Naive Wilder (1978) over a gap-free stretch, from its first change.
    const n = 14,
      start = 702; // after the last missing close (t 700), changes exist from t 702
    const rsi = values(rsiFill(x, T, 1, n), T),
      atr = values(atrFill(x, x, x, T, 1, n), T);
    let ag = 0,
      al = 0,
      tr = 0;
    for (let k = 1; k <= n; k++) {
      const d = x[start + k - 1] - x[start + k - 2];
      ag += Math.max(d, 0) / n;
      al += Math.max(-d, 0) / n;
      tr += Math.abs(d) / n;
    }
    const first = start + n - 1;
    expect(rsi[first - 1]).toBeNaN();
    expect(rsi[first]).toBeCloseTo(100 - 100 / (1 + ag / al), 10);
    expect(atr[first]).toBeCloseTo(tr, 10);
    for (let t = first + 1; t < first + 50; t++) {
      const d = x[t] - x[t - 1];
      ag = (ag * (n - 1) + Math.max(d, 0)) / n;
      al = (al * (n - 1) + Math.max(-d, 0)) / n;
      tr = (tr * (n - 1) + Math.abs(d)) / n;
      expect(rsi[t]).toBeCloseTo(100 - 100 / (1 + ag / al), 9);
      expect(atr[t]).toBeCloseTo(tr, 9);
    }
  });
});
