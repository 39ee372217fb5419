/**
 * contributionAttribution: a 2-asset, 3-bar book worked by hand, the telescoping identity
 * Σ_i contribution_i + cost + other = G[T−1] − 1 on random books (T = 2,000, N = 50, NaN returns,
 * costs, cash interest), groups of assets, periods (contiguous and recurring labels), the link
 * to the backtest engine's outputs, and the argument checks.
 */
import { describe, expect, it } from "vitest";
import { contributionAttribution, heldWeights } from "../../../src/quant/attribution/index.ts";
import { backtest, type TargetRow } from "../../../src/quant/backtest/index.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { createRng } from "../../../src/core/rng.ts";
import { randomBook, sum } from "./random-book.ts";

const f64 = (xs: number[]) => Float64Array.from(xs);

/**
 * The hand book: assets A, B; weights held over each bar, returns (A's on bar 1 is missing:
 * A is not trading), costs:
 *
 *   bar  w_A  w_B   r_A    r_B    cost    gross = Σ w·r            R = gross − cost   G
 *   0    0.6  0.4   0.10  −0.05   0.001   0.06 − 0.02  =  0.04      0.039             1.039
 *   1    0.5  0.5   NaN    0.02   0       0    + 0.01  =  0.01      0.01              1.039·1.01 = 1.04939
 *   2    0.7  0.2  −0.02   0.04   0.002  −0.014 + 0.008 = −0.006   −0.008             1.04939·0.992 = 1.04099488
 *
 * (cash 0.1 on bar 2). Linking weights G[t−1] = 1, 1.039, 1.04939:
 *   A    = 1·0.06 + 1.039·0 + 1.04939·(−0.014)        = 0.06 − 0.01469146          =  0.04530854
 *   B    = 1·(−0.02) + 1.039·0.01 + 1.04939·0.008     = −0.02 + 0.01039 + 0.00839512 = −0.00121488
 *   cost = −(1·0.001 + 1.039·0 + 1.04939·0.002)       = −(0.001 + 0.00209878)      = −0.00309878
 *   Σ    = 0.04530854 − 0.00121488 − 0.00309878 = 0.04099488 = G[2] − 1.
 */
const hand = {
  weights: f64([0.6, 0.4, 0.5, 0.5, 0.7, 0.2]),
  returns: f64([0.1, -0.05, NaN, 0.02, -0.02, 0.04]),
  costs: f64([0.001, 0, 0.002]),
};

describe("contributionAttribution: the hand book", () => {
  it("links each asset's P&L with G[t−1] and adds to the compounded return", () => {
    const a = contributionAttribution(hand.weights, hand.returns, hand.costs, 2);
    expect(Array.from(a.growth)).toEqual([
      expect.closeTo(1.039, 15),
      expect.closeTo(1.04939, 15),
      expect.closeTo(1.04099488, 15),
    ]);
    expect(a.overall.symbols[0]).toBeCloseTo(0.04530854, 15);
    expect(a.overall.symbols[1]).toBeCloseTo(-0.00121488, 15);
    expect(a.overall.cost).toBeCloseTo(-0.00309878, 15);
    expect(a.overall.other).toBe(0);
    expect(a.overall.total).toBeCloseTo(0.04099488, 15);
    expect(a.groupLabels).toBeNull();
    expect(a.periods).toBeNull();
  });

  it("splits into periods: linked shares of the whole, and each period on its own", () => {
    // Periods p1 = bars 0–1, p2 = bar 2.
    // Linked: p1 A = 0.06, B = −0.02 + 0.01039 = −0.00961, cost −0.001: Σ = 0.04939 = G[1] − 1;
    //         p2 A = −0.01469146, B = 0.00839512, cost −0.00209878: Σ = −0.00839512 = G[2] − G[1].
    // Own (G restarts at 1 on bar 2): p2 A = −0.014, B = 0.008, cost −0.002: Σ = −0.008 = R[2];
    //         p1 is the sample's start, so own = linked.
    const a = contributionAttribution(hand.weights, hand.returns, hand.costs, 2, { periods: ["p1", "p1", "p2"] });
    const [p1, p2] = a.periods!;
    expect(p1.label).toBe("p1");
    expect(p1.rows).toBe(2);
    expect(p1.linked.symbols[0]).toBeCloseTo(0.06, 15);
    expect(p1.linked.symbols[1]).toBeCloseTo(-0.00961, 15);
    expect(p1.linked.cost).toBeCloseTo(-0.001, 15);
    expect(p1.linked.total).toBeCloseTo(0.04939, 15);
    expect(Array.from(p1.own.symbols)).toEqual(Array.from(p1.linked.symbols));
    expect(p1.own.total).toBeCloseTo(0.04939, 15);
    expect(p2.linked.symbols[0]).toBeCloseTo(-0.01469146, 15);
    expect(p2.linked.symbols[1]).toBeCloseTo(0.00839512, 15);
    expect(p2.linked.cost).toBeCloseTo(-0.00209878, 15);
    expect(p2.linked.total).toBeCloseTo(-0.00839512, 15);
    expect(p2.own.symbols[0]).toBeCloseTo(-0.014, 15);
    expect(p2.own.symbols[1]).toBeCloseTo(0.008, 15);
    expect(p2.own.cost).toBeCloseTo(-0.002, 15);
    expect(p2.own.total).toBeCloseTo(-0.008, 15);
  });

  it("a given net with cash interest shows it as `other`", () => {
    // Bar 2 holds 0.1 cash earning 0.5 %: R[2] = −0.008 + 0.0005 = −0.0075; other = 1.04939·0.0005.
    const net = f64([0.039, 0.01, -0.0075]);
    const a = contributionAttribution(hand.weights, hand.returns, hand.costs, 2, { net });
    expect(a.overall.other).toBeCloseTo(1.04939 * 0.0005, 15);
    expect(a.overall.total).toBeCloseTo(1.039 * 1.01 * 0.9925 - 1, 15);
    expect(sum(a.overall.symbols) + a.overall.cost + a.overall.other).toBeCloseTo(a.overall.total, 15);
  });
});

describe("contributionAttribution: identities on random books (T = 2,000, N = 50)", () => {
  it("Σ_i contribution_i + cost + other = G[T−1] − 1 to 1e-10", () => {
    for (const seed of [1, 2, 3]) {
      const b = randomBook(seed);
      const a = contributionAttribution(b.weights, b.returns, b.costs, b.N, { net: b.net });
      let G = 1;
      for (let t = 0; t < b.T; t++) G *= 1 + b.net[t];
      expect(a.overall.total).toBeCloseTo(G - 1, 12);
      expect(Math.abs(a.overall.total)).toBeGreaterThan(0.05); // a non-trivial total
      expect(Math.abs(sum(a.overall.symbols) + a.overall.cost + a.overall.other - (G - 1))).toBeLessThan(1e-10);
      expect(a.overall.cost).toBeLessThan(0);
      expect(a.overall.other).not.toBe(0);
    }
  });

  it("without net, R = Σ w·r − cost and other is 0", () => {
    const b = randomBook(4);
    const a = contributionAttribution(b.weights, b.returns, b.costs, b.N);
    expect(a.overall.other).toBe(0);
    expect(Math.abs(sum(a.overall.symbols) + a.overall.cost - a.overall.total)).toBeLessThan(1e-10);
  });

  it("NaN returns contribute 0: an asset that never trades contributes exactly 0", () => {
    const b = randomBook(5, 500, 10);
    for (let t = 0; t < b.T; t++) b.returns[t * b.N + 3] = NaN; // asset 3 never trades, weights stay
    const a = contributionAttribution(b.weights, b.returns, b.costs, b.N);
    expect(a.overall.symbols[3]).toBe(0);
    expect(Math.abs(sum(a.overall.symbols) + a.overall.cost - a.overall.total)).toBeLessThan(1e-10);
  });

  it("groups add their members; the groups add to the total", () => {
    const b = randomBook(6);
    const a = contributionAttribution(b.weights, b.returns, b.costs, b.N, { net: b.net, groups: b.sectors });
    expect(a.groupLabels).toEqual(["tech", "energy", "health", "finance", "utilities"]);
    for (let g = 0; g < 5; g++) {
      let s = 0;
      for (let i = g; i < b.N; i += 5) s += a.overall.symbols[i];
      expect(a.overall.groups![g]).toBeCloseTo(s, 13);
    }
    expect(Math.abs(sum(a.overall.groups!) + a.overall.cost + a.overall.other - a.overall.total)).toBeLessThan(1e-10);
  });

  it("periods by year and month: linked shares add to the whole; own terms add to each period's return", () => {
    const b = randomBook(7);
    const dates = businessDays("2015-01-02", b.T);
    for (const periods of [dates.map((d) => d.slice(0, 4)), dates.map((d) => d.slice(0, 7))]) {
      const a = contributionAttribution(b.weights, b.returns, b.costs, b.N, { net: b.net, groups: b.sectors, periods });
      const labels = [...new Set(periods)];
      expect(a.periods!.map((p) => p.label)).toEqual(labels);
      const linkedSum = new Float64Array(b.N);
      let linkedCost = 0,
        linkedOther = 0;
      let start = 0;
      for (const p of a.periods!) {
        const end = start + p.rows; // contiguous labels
        const gStart = start > 0 ? a.growth[start - 1] : 1;
        // Linked: the period's share G[end − 1] − G[start − 1] of the compounded return.
        expect(p.linked.total).toBeCloseTo(a.growth[end - 1] - gStart, 12);
        expect(Math.abs(sum(p.linked.symbols) + p.linked.cost + p.linked.other - p.linked.total)).toBeLessThan(1e-10);
        expect(Math.abs(sum(p.linked.groups!) + p.linked.cost + p.linked.other - p.linked.total)).toBeLessThan(1e-10);
        // Own: Π (1 + R) over the period's rows − 1, and the own terms are the linked ones / G[start − 1].
        let own = 1;
        for (let t = start; t < end; t++) own *= 1 + b.net[t];
        expect(p.own.total).toBeCloseTo(own - 1, 12);
        expect(Math.abs(sum(p.own.symbols) + p.own.cost + p.own.other - (own - 1))).toBeLessThan(1e-10);
        for (let i = 0; i < b.N; i++) expect(p.own.symbols[i] * gStart).toBeCloseTo(p.linked.symbols[i], 12);
        for (let i = 0; i < b.N; i++) linkedSum[i] += p.linked.symbols[i];
        linkedCost += p.linked.cost;
        linkedOther += p.linked.other;
        start = end;
      }
      expect(start).toBe(b.T);
      for (let i = 0; i < b.N; i++) expect(linkedSum[i]).toBeCloseTo(a.overall.symbols[i], 12);
      expect(linkedCost).toBeCloseTo(a.overall.cost, 12);
      expect(linkedOther).toBeCloseTo(a.overall.other, 12);
    }
  });

  it("a recurring label (a regime) chains its own rows", () => {
    const b = randomBook(8, 600, 20);
    const rng = createRng(80);
    const periods: string[] = [];
    let state = "calm";
    for (let t = 0; t < b.T; t++) {
      if (rng.next() < 0.05) state = state === "calm" ? "stress" : "calm";
      periods.push(state);
    }
    const a = contributionAttribution(b.weights, b.returns, b.costs, b.N, { net: b.net, periods });
    let linked = 0;
    for (const p of a.periods!) {
      let own = 1,
        share = 0;
      for (let t = 0; t < b.T; t++) {
        if (periods[t] !== p.label) continue;
        own *= 1 + b.net[t];
        share += (t > 0 ? a.growth[t - 1] : 1) * b.net[t];
      }
      expect(p.own.total).toBeCloseTo(own - 1, 12);
      expect(p.linked.total).toBeCloseTo(share, 12);
      expect(Math.abs(sum(p.own.symbols) + p.own.cost + p.own.other - p.own.total)).toBeLessThan(1e-10);
      linked += p.linked.total;
    }
    expect(linked).toBeCloseTo(a.overall.total, 12);
  });
});

describe("contributionAttribution on a backtest's outputs", () => {
  it("heldWeights(holdings) with the engine's costs and net explain its final equity", () => {
    // The engine's contribution matrix is h[t−1]·r[t] (NaN r → 0): with w = heldWeights(holdings),
    // w·r is that matrix, and with cash interest (cashRate) the engine's net holds it as `other`.
    const T = 800,
      N = 12;
    const rng = createRng(11);
    const returns = new Float64Array(T * N);
    for (let j = 0; j < returns.length; j++) returns[j] = rng.next() < 0.03 ? NaN : 0.0003 + 0.015 * rng.normal();
    const targets: TargetRow[] = [];
    for (let t = 0; t < T; t += 5) {
      targets.push({ t, weights: Float64Array.from({ length: N }, () => (1.6 * rng.next() - 0.3) / N) });
    }
    const res = backtest(returns, targets, N, { commissionBps: 5, slippageBps: 5, cashRate: 0.0001 });
    const w = heldWeights(res.holdings, N);
    let differ = 0;
    for (let j = 0; j < T * N; j++) {
      const r = returns[j];
      if ((r === r ? w[j] * r : 0) !== res.contribution[j]) differ++; // bit for bit (±0 alike)
    }
    expect(differ).toBe(0);
    const a = contributionAttribution(w, returns, res.costs, N, { net: res.net });
    expect(a.overall.total).toBeCloseTo(res.equity[T - 1] - 1, 12);
    expect(Math.abs(sum(a.overall.symbols) + a.overall.cost + a.overall.other - (res.equity[T - 1] - 1))).toBeLessThan(
      1e-10,
    );
    // other = Σ G[t−1]·cash[t−1]·cashRate, the book starting all in cash (cash[−1] = 1, G[−1] = 1).
    let other = 0.0001;
    for (let t = 1; t < T; t++) other += a.growth[t - 1] * res.cash[t - 1] * 0.0001;
    expect(a.overall.other).toBeCloseTo(other, 12);
  });

  it("heldWeights puts the initial book on row 0 and holdings row t − 1 on row t", () => {
    const h = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(Array.from(heldWeights(h, 2))).toEqual([0, 0, 0.1, 0.2, 0.3, 0.4]);
    expect(Array.from(heldWeights(h, 2, [0.9, 0.1]))).toEqual([0.9, 0.1, 0.1, 0.2, 0.3, 0.4]);
    expect(() => heldWeights(h, 4)).toThrow(/holdings has 6 values/);
    expect(() => heldWeights(h, 2, [1])).toThrow(/initialWeights has 1 values/);
  });
});

describe("contributionAttribution: bad arguments are StrataErrors naming the argument", () => {
  const { weights, returns, costs } = hand;
  const cases: [string, () => unknown, RegExp][] = [
    ["nAssets", () => contributionAttribution(weights, returns, costs, 0), /nAssets must be an integer ≥ 1/],
    ["weights", () => contributionAttribution(weights.subarray(1), returns, costs, 2), /weights has 5 values/],
    ["returns", () => contributionAttribution(weights, returns, costs.subarray(1), 2), /weights has 6 values/],
    ["returns", () => contributionAttribution(weights, returns.subarray(2), costs, 2), /returns has 4 values/],
    ["net", () => contributionAttribution(weights, returns, costs, 2, { net: [0, 0] }), /net has 2 values/],
    ["groups", () => contributionAttribution(weights, returns, costs, 2, { groups: ["a"] }), /groups has 1 labels/],
    ["periods", () => contributionAttribution(weights, returns, costs, 2, { periods: ["x"] }), /periods has 1 labels/],
    ["weights", () => contributionAttribution(f64([NaN, 0, 0, 0, 0, 0]), returns, costs, 2), /weights\[0\] is NaN/],
    [
      "returns",
      () => contributionAttribution(weights, f64([0, -2, 0, 0, 0, 0]), costs, 2),
      /returns of asset 1 at row 0/,
    ],
    ["costs", () => contributionAttribution(weights, returns, f64([0, -0.001, 0]), 2), /costs\[1\] is -0.001/],
    [
      "net",
      () => contributionAttribution(weights, returns, costs, 2, { net: [0, Infinity, 0] }),
      /net\[1\] is Infinity/,
    ],
  ];
  for (const [name, call, message] of cases) {
    it(`${name}: ${message.source}`, () => {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(isStrataError(caught)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    });
  }
});

/** `n` weekdays from `first` (ISO dates, UTC). */
function businessDays(first: string, n: number): string[] {
  const out: string[] = [];
  for (let d = new Date(`${first}T00:00:00Z`); out.length < n; d.setUTCDate(d.getUTCDate() + 1)) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}
