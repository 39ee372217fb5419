/**
 * factorReturns: a 6-name panel whose tercile sorts are worked by hand, the size proxies,
 * agreement with the backtest's equal-weight market and panel returns, the look-ahead test
 * (changing any data after row t leaves every factor up to t unchanged), and argument checks.
 */
import { describe, expect, it } from "vitest";
import { FACTOR_NAMES, factorReturns } from "../../../src/quant/attribution/index.ts";
import { equalWeightMarketReturns, pricePanel } from "../../../src/quant/backtest/index.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { createRng } from "../../../src/core/rng.ts";

/**
 * Names A–F, closes from 10, 20, …, 60 and these returns:
 *
 *        A      B      C      D      E      F
 *   r1  0.10  −0.05   0.08   0.00  −0.10   0.04
 *   r2  0.05   0.06  −0.05   0.02   0.00  −0.03
 *   r3  0.02  −0.01   0.03  −0.03   0.01  −0.02
 *
 * close row 2 = 11.55, 20.14, 30.78, 40.8, 45, 60.528. With N = 6 each tercile holds 2 names.
 * Row 3 (sorts on data up to row 2, returns r3):
 * - market: mean r3 = (0.02 − 0.01 + 0.03 − 0.03 + 0.01 − 0.02)/6 = 0;
 * - size by price: smallest A, B, largest E, F: (0.02 − 0.01)/2 − (0.01 − 0.02)/2 = 0.01;
 * - momentum, lookback 2 / skip 1: signal close[1]/close[0] − 1 = r1; bottom E (−0.10), B
 *   (−0.05), top C (0.08), A (0.10): (0.03 + 0.02)/2 − (0.01 − 0.01)/2 = 0.025;
 * - value, lookback 2 / skip 0: close[2]/close[0] − 1 = 0.155, 0.007, 0.026, 0.02, −0.1,
 *   0.0088; losers E, B, winners C, A: (0.01 − 0.01)/2 − (0.03 + 0.02)/2 = −0.025;
 * - low volatility, window 2: sd of (r1, r2) = |r1 − r2|/√2 ∝ 0.05, 0.11, 0.13, 0.02, 0.10,
 *   0.07; low D, A, high B, C: (−0.03 + 0.02)/2 − (−0.01 + 0.03)/2 = −0.015.
 * Row 1 (sorts on row 0): market = mean r1 = 0.07/6; size by price: A, B small, E, F big:
 *   (0.10 − 0.05)/2 − (−0.10 + 0.04)/2 = 0.055; momentum, value, low volatility not yet defined.
 */
function handPanel(): Float64Array {
  const r = [
    [0.1, -0.05, 0.08, 0, -0.1, 0.04],
    [0.05, 0.06, -0.05, 0.02, 0, -0.03],
    [0.02, -0.01, 0.03, -0.03, 0.01, -0.02],
  ];
  const close = new Float64Array(4 * 6);
  for (let i = 0; i < 6; i++) close[i] = 10 * (i + 1);
  for (let t = 1; t < 4; t++) for (let i = 0; i < 6; i++) close[t * 6 + i] = close[(t - 1) * 6 + i] * (1 + r[t - 1][i]);
  return close;
}
const short = { momentumLookback: 2, momentumSkip: 1, reversalLookback: 2, reversalSkip: 0, volatilityWindow: 2 };

describe("factorReturns: the hand panel", () => {
  it("sorts into terciles on data up to t − 1 and earns r[t]", () => {
    const f = factorReturns(handPanel(), 6, short);
    expect(f.names).toEqual(FACTOR_NAMES);
    expect(f.sizeProxy).toBe("price");
    const s = f.series;
    for (const name of FACTOR_NAMES) expect(s[name][0]).toBeNaN();
    expect(s.market[1]).toBeCloseTo(0.07 / 6, 15);
    expect(s.size[1]).toBeCloseTo(0.055, 15);
    expect(s.momentum[1]).toBeNaN();
    expect(s.value[1]).toBeNaN();
    expect(s.lowVolatility[1]).toBeNaN();
    expect(s.lowVolatility[2]).toBeNaN(); // one return in the window (row 1): no sd
    expect(s.market[3]).toBeCloseTo(0, 15);
    expect(s.size[3]).toBeCloseTo(0.01, 15);
    expect(s.momentum[3]).toBeCloseTo(0.025, 15);
    expect(s.value[3]).toBeCloseTo(-0.025, 15);
    expect(s.lowVolatility[3]).toBeCloseTo(-0.015, 15);
    // matrix holds the same columns, row-major
    FACTOR_NAMES.forEach((name, k) => expect(f.matrix[3 * 5 + k]).toBe(s[name][3]));
  });

  it("size by dollar volume, and by market cap when shares are given", () => {
    // volume (every row) 1000, 10, 500, 20, 300, 5: dollar volume on row 2 (window 1) =
    //   11550, 201.4, 15390, 816, 13500, 302.64: small B, F, big E, C:
    //   (−0.01 − 0.02)/2 − (0.01 + 0.03)/2 = −0.035.
    // shares 100, 1, 10, 1, 1, 1: cap on row 2 = 1155, 20.14, 307.8, 40.8, 45, 60.528: small
    //   B, D, big C, A: (−0.01 − 0.03)/2 − (0.03 + 0.02)/2 = −0.045 (shares win over volume).
    const close = handPanel();
    const volume = new Float64Array(24);
    const shares = new Float64Array(24);
    for (let t = 0; t < 4; t++) {
      volume.set([1000, 10, 500, 20, 300, 5], t * 6);
      shares.set([100, 1, 10, 1, 1, 1], t * 6);
    }
    const dv = factorReturns(close, 6, { ...short, volume, dollarVolumeWindow: 1 });
    expect(dv.sizeProxy).toBe("dollarVolume");
    expect(dv.series.size[3]).toBeCloseTo(-0.035, 15);
    const cap = factorReturns(close, 6, { ...short, volume, shares });
    expect(cap.sizeProxy).toBe("marketCap");
    expect(cap.series.size[3]).toBeCloseTo(-0.045, 15);
  });
});

/** Random-walk closes T × N with listing gaps, missing days and a delisting; volume and shares. */
function randomPanel(seed: number, T: number, N: number) {
  const rng = createRng(seed);
  const close = new Float64Array(T * N).fill(NaN);
  const volume = new Float64Array(T * N).fill(NaN);
  const shares = new Float64Array(T * N).fill(NaN);
  for (let i = 0; i < N; i++) {
    const first = i % 7 === 0 ? 50 * (i % 3) : 0;
    const last = i === 5 ? T - 200 : T - 1;
    let p = 20 + 80 * rng.next();
    const sh = 1e6 * (1 + 9 * rng.next());
    for (let t = first; t <= last; t++) {
      p *= Math.max(0.5, 1 + 0.0003 + 0.02 * rng.normal());
      if (t > first && rng.next() < 0.01) continue; // missing day
      close[t * N + i] = p;
      volume[t * N + i] = Math.round(1e5 * (0.2 + rng.next()));
      shares[t * N + i] = sh;
    }
  }
  return { close, volume, shares };
}

describe("factorReturns: point in time", () => {
  it("changing closes, volume or shares after row t leaves every factor up to t unchanged", () => {
    const T = 1400,
      N = 30,
      t0 = 1300;
    const base = randomPanel(31, T, N);
    const rng = createRng(32);
    const later = (a: Float64Array) => {
      const b = a.slice();
      for (let j = (t0 + 1) * N; j < b.length; j++) if (b[j] === b[j]) b[j] *= 0.5 + rng.next();
      return b;
    };
    const changed = { close: later(base.close), volume: later(base.volume), shares: later(base.shares) };
    for (const use of ["price", "volume", "shares"] as const) {
      const opts = (p: typeof base) =>
        use === "price" ? {} : use === "volume" ? { volume: p.volume } : { volume: p.volume, shares: p.shares };
      const a = factorReturns(base.close, N, opts(base));
      const b = factorReturns(changed.close, N, opts(changed));
      expect(Array.from(b.matrix.subarray(0, (t0 + 1) * 5))).toEqual(Array.from(a.matrix.subarray(0, (t0 + 1) * 5)));
      // … and the change does show after t0, in every factor
      for (let k = 0; k < 5; k++) {
        let differ = 0;
        for (let t = t0 + 1; t < T; t++) if (a.matrix[t * 5 + k] !== b.matrix[t * 5 + k]) differ++;
        expect(differ).toBeGreaterThan(50);
      }
      // every factor is defined once its history exists (value: from row 1261)
      for (let t = 1262; t < T; t++)
        for (let k = 0; k < 5; k++) expect(Number.isFinite(a.matrix[t * 5 + k])).toBe(true);
      for (let t = 0; t < 1261; t++) expect(a.series.value[t]).toBeNaN();
      for (let t = 0; t < 253; t++) expect(a.series.momentum[t]).toBeNaN();
    }
  });

  it("asset returns and the market factor follow the price panel's rules", () => {
    // pricePanel carries the move over a missing day to the next close; equalWeightMarketReturns
    // averages the names trading on the row.
    const T = 300,
      N = 12;
    const { close } = randomPanel(33, T, N);
    const dates: number[] = [];
    const symbols: string[] = [];
    const closes: number[] = [];
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < N; i++) {
        if (close[t * N + i] !== close[t * N + i]) continue;
        dates.push(t);
        symbols.push(`s${String(i).padStart(2, "0")}`);
        closes.push(close[t * N + i]);
      }
    }
    const panel = pricePanel(dates, symbols, closes);
    expect(panel.nAssets).toBe(N);
    const f = factorReturns(close, N);
    const market = equalWeightMarketReturns(panel);
    for (let t = 0; t < T; t++) {
      if (Number.isNaN(market[t])) expect(f.series.market[t]).toBeNaN();
      else expect(f.series.market[t]).toBeCloseTo(market[t], 15);
      for (let i = 0; i < N; i++) {
        const j = t * N + i;
        if (close[j] === close[j]) expect(Object.is(f.assetReturns[j], panel.returns[j])).toBe(true);
      }
    }
  });
});

describe("factorReturns: bad arguments are StrataErrors naming the argument", () => {
  const close = handPanel();
  const cases: [() => unknown, RegExp][] = [
    [() => factorReturns(close.subarray(1), 6), /close has 23 values, not a multiple of N = 6/],
    [() => factorReturns(close, 0), /nAssets must be an integer ≥ 1/],
    [() => factorReturns(close, 6, { volume: new Float64Array(6) }), /volume has 6 values, expected T × N = 24/],
    [() => factorReturns(close, 6, { shares: new Float64Array(24) }), /shares\[0\] is 0, expected a finite number > 0/],
    [
      () =>
        factorReturns(
          Float64Array.from(close, (c, j) => (j === 3 ? -1 : c)),
          6,
        ),
      /close\[3\] is -1/,
    ],
    [() => factorReturns(close, 6, { volatilityWindow: 1 }), /volatilityWindow must be an integer ≥ 2/],
    [() => factorReturns(close, 6, { momentumLookback: 21 }), /a skip must be shorter than its lookback/],
  ];
  for (const [call, message] of cases) {
    it(message.source, () => {
      expect(call).toThrow(message);
      try {
        call();
      } catch (e) {
        expect(isStrataError(e)).toBe(true);
      }
    });
  }
});
