/**
 * The backtest engine against hand computations (each spelled out in a comment: prices, drift
 * w_i(1+r_i)/(1+r_p), trades on drifted weights) and invariants by property tests.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { backtest, sampleTargets, type TargetRow } from "../../../src/quant/backtest/index.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { createRng } from "../../../src/core/rng.ts";
import { pow } from "../../../src/core/math/index.ts";

const f64 = (xs: number[]) => Float64Array.from(xs);
const row = (r: Float64Array, t: number, n: number) => Array.from(r.subarray(t * n, (t + 1) * n));

function randomCase(seed: number, T: number, N: number, nanShare = 0.05) {
  const rng = createRng(seed);
  const returns = new Float64Array(T * N);
  for (let j = 0; j < returns.length; j++) returns[j] = rng.next() < nanShare ? NaN : 0.02 * rng.normal();
  const targets: TargetRow[] = [];
  for (let t = 0; t < T; t++) {
    if (rng.next() < 0.3)
      targets.push({
        t,
        weights: Float64Array.from({ length: N }, () => (rng.next() < 0.1 ? NaN : 2 * rng.next() - 0.8)),
      });
  }
  return { returns, targets };
}

describe("backtest: portfolio returns without costs", () => {
  it("daily rebalanced constant weights give r_p = Σ w_i r_i", () => {
    // w = (0.6, 0.4), rebalanced at every close (lag 0): each row after the first earns
    // 0.6·r_A + 0.4·r_B; row 0 only builds the book. Hand: row 1 0.6·0.01 + 0.4·(−0.02) = −0.002;
    // row 2 0.6·0.03 + 0.4·0.05 = 0.038; row 3 0.6·(−0.04) + 0.4·0 = −0.024.
    const returns = f64([0, 0, 0.01, -0.02, 0.03, 0.05, -0.04, 0]);
    const w = f64([0.6, 0.4]);
    const targets = [0, 1, 2, 3].map((t) => ({ t, weights: w }));
    const r = backtest(returns, targets, 2, { lag: 0 });
    expect(r.gross[0]).toBe(0);
    expect(r.gross[1]).toBeCloseTo(-0.002, 15);
    expect(r.gross[2]).toBeCloseTo(0.038, 15);
    expect(r.gross[3]).toBeCloseTo(-0.024, 15);
    expect(Array.from(r.net)).toEqual(Array.from(r.gross));
    for (let t = 0; t < 4; t++) expect(row(r.holdings, t, 2)).toEqual([0.6, 0.4]);
    expect(r.equity[3]).toBeCloseTo(0.998 * 1.038 * 0.976, 14);
  });

  it("buy and hold follows the value-weighted path (2-asset drift by hand)", () => {
    // Prices A: 100 → 110 → 99, B: 50 → 50 → 55; bought 50/50 at close 0 (lag 0).
    // Value: V1 = 0.5·1.1 + 0.5·1.0 = 1.05; V2 = 0.5·0.99 + 0.5·1.1 = 1.045.
    // Weights after drift: row 1 (0.55, 0.5)/1.05, row 2 (0.495, 0.55)/1.045.
    const returns = f64([0, 0, 0.1, 0, -0.1, 0.1]);
    const r = backtest(returns, [{ t: 0, weights: f64([0.5, 0.5]) }], 2, { lag: 0 });
    expect(r.gross[1]).toBeCloseTo(0.05, 15);
    expect(r.equity[1]).toBeCloseTo(1.05, 15);
    expect(r.equity[2]).toBeCloseTo(1.045, 15);
    expect(r.gross[2]).toBeCloseTo(1.045 / 1.05 - 1, 15);
    expect(row(r.holdings, 1, 2)[0]).toBeCloseTo(0.55 / 1.05, 15);
    expect(row(r.holdings, 1, 2)[1]).toBeCloseTo(0.5 / 1.05, 15);
    expect(row(r.holdings, 2, 2)[0]).toBeCloseTo(0.495 / 1.045, 15);
    expect(row(r.holdings, 2, 2)[1]).toBeCloseTo(0.55 / 1.045, 15);
    // Contributions are last row's weights × returns: row 2: 0.5238·(−0.1) and 0.4762·0.1.
    expect(row(r.contribution, 2, 2)[0]).toBeCloseTo((-0.1 * 0.55) / 1.05, 15);
    expect(row(r.contribution, 2, 2)[1]).toBeCloseTo((0.1 * 0.5) / 1.05, 15);
    expect(Array.from(r.turnover)).toEqual([1, 0, 0]);
    expect(Array.from(r.traded)).toEqual([1, 0, 0]);
    expect(r.nNames[2]).toBe(2);
  });

  it("rebalancing trades target − drifted weights (turnover by hand)", () => {
    // Same prices; rebalanced to 50/50 again at close 1: drifted (11/21, 10/21), trades
    // (−1/42, +1/42), turnover 2/42 = 1/21.
    const returns = f64([0, 0, 0.1, 0, -0.1, 0.1]);
    const w = f64([0.5, 0.5]);
    const r = backtest(
      returns,
      [
        { t: 0, weights: w },
        { t: 1, weights: w },
      ],
      2,
      { lag: 0 },
    );
    expect(r.turnover[1]).toBeCloseTo(1 / 21, 15);
    expect(row(r.holdings, 1, 2)).toEqual([0.5, 0.5]);
    expect(r.gross[2]).toBeCloseTo(0.5 * -0.1 + 0.5 * 0.1, 15);
  });

  it("shorts and leverage: 150/−50 book and a levered long with borrowed cash, by hand", () => {
    // w = (1.5, −0.5), r = (+10 %, +20 %): r_p = 0.15 − 0.10 = 0.05; drifted weights
    // 1.5·1.1/1.05 = 1.571429, −0.5·1.2/1.05 = −0.571429; gross exposure 2.142857, net 1, cash 0.
    const returns = f64([0, 0, 0.1, 0.2]);
    const r = backtest(returns, [{ t: 0, weights: f64([1.5, -0.5]) }], 2, { lag: 0 });
    expect(r.gross[1]).toBeCloseTo(0.05, 15);
    expect(row(r.holdings, 1, 2)[0]).toBeCloseTo(1.65 / 1.05, 15);
    expect(row(r.holdings, 1, 2)[1]).toBeCloseTo(-0.6 / 1.05, 15);
    expect(r.grossExposure[1]).toBeCloseTo(2.25 / 1.05, 15);
    expect(r.netExposure[1]).toBeCloseTo(1, 15);
    expect(r.cash[1]).toBeCloseTo(0, 15);
    expect(r.grossExposure[0]).toBe(2);
    expect(r.turnover[0]).toBe(2);

    // 150 % long A, cash −0.5 borrowed at 0.1 % per bar: r_p = 1.5·0.1 − 0.5·0.001 = 0.1495.
    const lev = backtest(returns, [{ t: 0, weights: f64([1.5, 0]) }], 2, { lag: 0, cashRate: 0.001 });
    expect(lev.cash[0]).toBe(-0.5);
    expect(lev.gross[1]).toBeCloseTo(0.1495, 15);
    expect(row(lev.holdings, 1, 2)[0]).toBeCloseTo(1.65 / 1.1495, 15);
    expect(lev.nNames[1]).toBe(1);
  });

  it("cash earns the per-row cash rate: 40 % cash at 1 % then 2 %", () => {
    const returns = f64([0, 0.1, 0.1]);
    const r = backtest(returns, [{ t: 0, weights: f64([0.6]) }], 1, { lag: 0, cashRate: f64([0.5, 0.01, 0.02]) });
    // Before the book is built at close 0 the capital sits in cash and earns row 0's rate.
    expect(r.gross[0]).toBe(0.5);
    // row 1: 0.6·0.1 + 0.4·0.01 = 0.064; drifted stock weight 0.66/1.064, cash 0.404/1.064.
    expect(r.gross[1]).toBeCloseTo(0.064, 15);
    expect(r.cash[1]).toBeCloseTo(0.404 / 1.064, 15);
    expect(r.gross[2]).toBeCloseTo((0.66 * 0.1 + 0.404 * 0.02) / 1.064, 15);
  });

  it("a levered book that loses everything is ruined, then stays flat", () => {
    // 300 % long, −40 %: r_p = −1.2 ≤ −1.
    const returns = f64([0, -0.4, 0.1]);
    const r = backtest(returns, [{ t: 0, weights: f64([3]) }], 1, { lag: 0 });
    expect(r.ruinedAt).toBe(1);
    expect(r.gross[1]).toBeCloseTo(-1.2, 15);
    expect(r.gross[2]).toBe(0);
    expect(r.holdings[2]).toBe(0);
  });
});

describe("backtest: costs", () => {
  it("10 bp commission + 5 bp slippage on building a 50/50 book cost 15 bp of equity", () => {
    const returns = f64([0, 0, 0.1, 0]);
    const r = backtest(returns, [{ t: 0, weights: f64([0.5, 0.5]) }], 2, { lag: 0, commissionBps: 10, slippageBps: 5 });
    expect(r.costs[0]).toBeCloseTo(0.0015, 15);
    expect(r.net[0]).toBeCloseTo(-0.0015, 15);
    expect(r.equity[0]).toBeCloseTo(0.9985, 15);
    // Positions bought are the targets as fractions of the equity after costs; cash paid the costs.
    expect(row(r.holdings, 0, 2)).toEqual([0.5, 0.5]);
    expect(r.gross[1]).toBeCloseTo(0.05, 15);
    expect(r.costTotal[0]).toBeCloseTo(0.00075, 15);
  });

  it("costs are exactly bps × turnover and net = gross − cost on every row (random books)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        (seed, cb, sb) => {
          const { returns, targets } = randomCase(seed, 40, 5);
          const r = backtest(returns, targets, 5, { commissionBps: cb, slippageBps: sb });
          const free = backtest(returns, targets, 5);
          let sumCost = 0,
            sumTurnover = 0;
          for (let t = 0; t < 40; t++) {
            expect(r.net[t]).toBe(r.gross[t] - r.costs[t]);
            expect(r.costs[t]).toBeCloseTo(((cb + sb) / 1e4) * r.turnover[t], 14);
            sumCost += r.costs[t];
            sumTurnover += r.turnover[t];
          }
          expect(sumCost).toBeCloseTo(((cb + sb) / 1e4) * sumTurnover, 12);
          expect(r.costTotal.reduce((a, b) => a + b, 0)).toBeCloseTo(sumCost, 12);
          expect(free.costs.every((c) => c === 0)).toBe(true);
          // Contributions add up to the gross return (no cash rate here).
          for (let t = 0; t < 40; t++)
            expect(row(r.contribution, t, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(r.gross[t], 14);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("square-root impact: trading 100 % of 1 M against 100 M ADV at σ = 2 % costs 0.02·√0.01 = 20 bp", () => {
    const returns = f64([0, 0.01]);
    const impact = { sigma: f64([0.02]), adv: f64([1e8]), capital: 1e6 };
    const r = backtest(returns, [{ t: 0, weights: f64([1]) }], 1, { lag: 0, impact });
    expect(r.costs[0]).toBeCloseTo(0.002, 15);
    // Half the size: 0.5 · 0.02 · √0.005.
    const h = backtest(returns, [{ t: 0, weights: f64([0.5]) }], 1, { lag: 0, impact, commissionBps: 1 });
    expect(h.costs[0]).toBeCloseTo(0.5 * 0.02 * Math.sqrt(0.005) + 0.5e-4, 15);
  });
});

describe("backtest: timing", () => {
  it("lag 0 earns the next row's return, lag 1 the one after", () => {
    // Decided at close 0; returns: row 1 +10 %, row 2 +5 %.
    const returns = f64([0, 0.1, 0.05, 0]);
    const targets = [{ t: 0, weights: f64([1]) }];
    const l0 = backtest(returns, targets, 1, { lag: 0 });
    const l1 = backtest(returns, targets, 1);
    expect(Array.from(l0.gross)).toEqual([0, 0.1, 0.05, 0]);
    expect(Array.from(l1.gross)).toEqual([0, 0, 0.05, 0]);
    expect(l1.turnover[1]).toBe(1);
  });

  it("lag 1 is lag 0 with every decision one row later (random books, costs included)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const { returns, targets } = randomCase(seed, 30, 4);
        const shifted = targets.filter((x) => x.t + 1 < 30).map((x) => ({ t: x.t + 1, weights: x.weights }));
        const opts = { commissionBps: 5, slippageBps: 3 };
        const a = backtest(returns, targets, 4, { ...opts, lag: 1 });
        const b = backtest(returns, shifted, 4, { ...opts, lag: 0 });
        expect(Array.from(a.net)).toEqual(Array.from(b.net));
        expect(Array.from(a.holdings)).toEqual(Array.from(b.holdings));
      }),
      { numRuns: 50 },
    );
  });

  it("nothing up to row t changes when returns after t change (point in time)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 38 }), (seed, t0) => {
        const T = 40,
          N = 4;
        const { returns, targets } = randomCase(seed, T, N);
        const rng = createRng(seed + 7);
        const perturbed = returns.slice();
        for (let j = (t0 + 1) * N; j < T * N; j++) perturbed[j] = rng.next() < 0.2 ? NaN : 0.05 * rng.normal();
        const opts = {
          commissionBps: 3,
          impact: { sigma: f64([0.01, 0.02, 0.03, 0.01]), adv: f64([1e3, 1e4, 1e5, 1e6]) },
        };
        const a = backtest(returns, targets, N, opts);
        const b = backtest(perturbed, targets, N, opts);
        expect(Array.from(b.holdings.subarray(0, (t0 + 1) * N))).toEqual(
          Array.from(a.holdings.subarray(0, (t0 + 1) * N)),
        );
        for (const k of ["turnover", "costs", "gross", "net", "equity"] as const) {
          expect(Array.from(b[k].subarray(0, t0 + 1))).toEqual(Array.from(a[k].subarray(0, t0 + 1)));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("backtest: inputs", () => {
  it("an asset that is not trading (NaN return) is held at its last value and not traded", () => {
    // B does not trade on row 1: its return counts as 0 and the rebalance to (0.5, 0.5) at
    // close 1 only trades A (drifted 0.55/1.05 → 0.5), B stays at 0.5/1.05.
    const returns = f64([0, 0, 0.1, NaN, 0, 0]);
    const w = f64([0.5, 0.5]);
    const r = backtest(
      returns,
      [
        { t: 0, weights: w },
        { t: 1, weights: w },
      ],
      2,
      { lag: 0 },
    );
    expect(r.gross[1]).toBeCloseTo(0.05, 15);
    expect(r.skippedTrades).toBe(1);
    expect(r.turnover[1]).toBeCloseTo(0.55 / 1.05 - 0.5, 15);
    expect(row(r.holdings, 1, 2)[0]).toBe(0.5);
    expect(row(r.holdings, 1, 2)[1]).toBeCloseTo(0.5 / 1.05, 15);
    expect(row(r.contribution, 1, 2)[1]).toBe(0);
  });

  it("a dense target matrix with all-NaN rows equals the list of its other rows", () => {
    const T = 25,
      N = 3;
    const { returns, targets } = randomCase(11, T, N);
    const dense = new Float64Array(T * N).fill(NaN);
    for (const x of targets)
      dense.set(
        x.weights.map((v) => (Number.isNaN(v) ? 0 : v)),
        x.t * N,
      );
    const list = targets.map((x) => ({ t: x.t, weights: x.weights.map((v) => (Number.isNaN(v) ? 0 : v)) }));
    const a = backtest(returns, dense, N, { commissionBps: 2 });
    const b = backtest(returns, list, N, { commissionBps: 2 });
    expect(Array.from(a.net)).toEqual(Array.from(b.net));
    expect(Array.from(a.holdings)).toEqual(Array.from(b.holdings));
    const rows = Int32Array.from(targets.map((x) => x.t));
    const c = backtest(returns, sampleTargets(dense, N, rows), N, { commissionBps: 2 });
    expect(Array.from(c.net)).toEqual(Array.from(a.net));
  });

  it("contract violations throw StrataError ARGUMENT naming the value", () => {
    const bad = (f: () => unknown, text: string) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isStrataError(e) && e.code).toBe("ARGUMENT");
        expect((e as Error).message).toContain(text);
      }
    };
    bad(() => backtest(f64([0, 0, 0]), [], 2), "not a multiple of nAssets = 2");
    bad(() => backtest(f64([0, -1.5]), [], 1), "is -1.5");
    bad(
      () =>
        backtest(
          f64([0, 0]),
          [
            { t: 1, weights: f64([1]) },
            { t: 1, weights: f64([1]) },
          ],
          1,
        ),
      "t = 1",
    );
    bad(() => backtest(f64([0, 0]), f64([1]), 1), "expected T × N");
    bad(() => backtest(f64([0, 0]), [{ t: 0, weights: f64([Infinity]) }], 1), "Infinity");
    bad(() => backtest(f64([0, 0]), [], 1, { lag: -1 }), "lag = -1");
    bad(
      () => backtest(f64([0, 0]), [{ t: 0, weights: f64([1]) }], 1, { impact: { sigma: f64([0.01]), adv: f64([0]) } }),
      "adv = 0",
    );
  });
});

/**
 * The header's formulas computed eagerly, one pass at a time (drift, trade, store), with
 * cashRate 0. The engine keeps the book lazily (drift numerators and 1/(1 + g) multiplied out
 * in the next row's pass) but performs the same floating-point operations in the same order,
 * so every output must match bit for bit.
 */
function eagerBacktest(
  returns: Float64Array,
  targets: TargetRow[],
  N: number,
  o: {
    lag: number;
    commissionBps: number;
    impact?: { sigma: Float64Array; adv: Float64Array; capital: number; exponent: number };
  },
) {
  const T = returns.length / N;
  const kappa = o.commissionBps / 1e4;
  const schedule: (Float64Array | null)[] = new Array(T).fill(null);
  for (const x of targets) if (x.t + o.lag < T) schedule[x.t + o.lag] = x.weights;
  const out = {
    gross: new Float64Array(T),
    net: new Float64Array(T),
    equity: new Float64Array(T),
    turnover: new Float64Array(T),
    costs: new Float64Array(T),
    grossExposure: new Float64Array(T),
    netExposure: new Float64Array(T),
    cash: new Float64Array(T),
    nNames: new Int32Array(T),
    traded: new Uint8Array(T),
    holdings: new Float64Array(T * N),
    contribution: new Float64Array(T * N),
    contributionTotal: new Float64Array(N),
    costTotal: new Float64Array(N),
    skippedTrades: 0,
    ruinedAt: -1,
  };
  const h = new Float64Array(N),
    w = new Float64Array(N);
  let E = 1;
  for (let t = 0; t < T; t++) {
    let g = 0;
    for (let i = 0; i < N; i++) {
      const raw = returns[t * N + i],
        r = Number.isNaN(raw) ? 0 : raw;
      const c = h[i] * r;
      out.contribution[t * N + i] = c;
      out.contributionTotal[i] += c;
      g += c;
      w[i] = h[i] * (1 + r);
    }
    out.gross[t] = g;
    let n = g,
      cost = 0,
      untraded = false;
    if (!(1 + g > 0)) {
      n = g;
      E *= 1 + g;
    } else {
      const inv = 1 / (1 + g);
      for (let i = 0; i < N; i++) w[i] *= inv;
      const target = schedule[t];
      if (target) {
        out.traded[t] = 1;
        const preEquity = E * (1 + g);
        let tau = 0;
        for (let i = 0; i < N; i++) {
          const x = target[i];
          if (Number.isNaN(x)) {
            untraded = true;
            continue;
          }
          const d = x - w[i];
          if (Number.isNaN(returns[t * N + i])) {
            if (d !== 0) out.skippedTrades++;
            untraded = true;
            continue;
          }
          if (d === 0) continue;
          const a = Math.abs(d);
          tau += a;
          let ci = kappa * a;
          if (o.impact)
            ci +=
              a * 1 * o.impact.sigma[i] * pow((a * preEquity * o.impact.capital) / o.impact.adv[i], o.impact.exponent);
          out.costTotal[i] += ci;
          cost += ci;
        }
        n = g - cost;
        out.turnover[t] = tau;
        out.costs[t] = cost;
      }
      E *= 1 + n;
    }
    out.net[t] = n;
    out.equity[t] = E;
    if (!(E > 0)) {
      out.ruinedAt = t;
      for (let u = t + 1; u < T; u++) out.equity[u] = E;
      break;
    }
    const target = schedule[t];
    const scale = untraded && cost !== 0 ? (1 + g) / (1 + n) : 1;
    let s = 0,
      ga = 0,
      k = 0;
    for (let i = 0; i < N; i++) {
      const v =
        target && !Number.isNaN(target[i]) && !Number.isNaN(returns[t * N + i])
          ? target[i]
          : target
            ? w[i] * scale
            : w[i];
      h[i] = v;
      out.holdings[t * N + i] = v;
      s += v;
      ga += Math.abs(v);
      if (v !== 0) k++;
    }
    out.netExposure[t] = s;
    out.grossExposure[t] = ga;
    out.cash[t] = 1 - s;
    out.nNames[t] = k;
  }
  return out;
}

describe("backtest: the lazily kept book", () => {
  it("matches an eager computation of the same formulas bit for bit (NaNs, costs, impact, ruins)", () => {
    const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Object.is(x, -0) ? "-0" : String(x)));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        (seed, N, withImpact, crash) => {
          const T = 30;
          const { returns, targets } = randomCase(seed, T, N, 0.1);
          if (crash) returns.fill(-0.9, 15 * N, 16 * N); // ruins the levered books
          const rng = createRng(seed + 1);
          const impact = withImpact
            ? {
                sigma: Float64Array.from({ length: N }, () => 0.01 + 0.02 * rng.next()),
                adv: Float64Array.from({ length: N }, () => 1e6 * (1 + rng.next())),
                capital: 1e6,
                exponent: rng.next() < 0.5 ? 0.5 : 0.6,
              }
            : undefined;
          const lag = seed % 2;
          const options = { lag, commissionBps: 7, impact };
          const a = backtest(returns, targets, N, options),
            b = eagerBacktest(returns, targets, N, options);
          for (const key of [
            "gross",
            "net",
            "equity",
            "turnover",
            "costs",
            "grossExposure",
            "netExposure",
            "cash",
            "nNames",
            "traded",
            "holdings",
            "contribution",
            "contributionTotal",
            "costTotal",
          ] as const) {
            expect(bits(a[key]), key).toEqual(bits(b[key]));
          }
          expect([a.skippedTrades, a.ruinedAt]).toEqual([b.skippedTrades, b.ruinedAt]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
