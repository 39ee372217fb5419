/**
 * brinsonFachler against the 1/N universe (Brinson & Fachler 1985; Brinson, Hood & Beebower
 * 1986): the hand book of contribution.test.ts worked per bar, the per-bar identity
 * Σ_s (allocation + selection) + cash allocation = Σ w·r − B and the linked one
 * Σ linked terms = Σ_t G[t−1]·(gross_t − B_t) = Σ_i contribution_i − Σ_t G[t−1]·B_t on random
 * books, and the argument checks.
 */
import { describe, expect, it } from "vitest";
import { brinsonFachler, contributionAttribution } from "../../../src/quant/attribution/index.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { randomBook, sum } from "./random-book.ts";

const f64 = (xs: number[]) => Float64Array.from(xs);
// The hand book (contribution.test.ts): G[t−1] = 1, 1.039, 1.04939.
const weights = f64([0.6, 0.4, 0.5, 0.5, 0.7, 0.2]);
const returns = f64([0.1, -0.05, NaN, 0.02, -0.02, 0.04]);
const costs = f64([0.001, 0, 0.002]);

describe("brinsonFachler: the hand book", () => {
  it("A in tech, B in energy: allocation per bar, selection 0 (one name per sector)", () => {
    // Bar 0: M = 2, b = (½, ½), B_tech = 0.10, B_energy = −0.05, B = 0.025.
    //   alloc tech = (0.6 − 0.5)(0.10 − 0.025) = 0.0075; energy = (0.4 − 0.5)(−0.05 − 0.025) = 0.0075.
    //   Σ = 0.015 = gross − B = 0.04 − 0.025.
    // Bar 1: A has no return: M = 1, b_tech = 0, b_energy = 1, B_tech = 0, B_energy = B = 0.02.
    //   alloc tech = (0.5 − 0)(0 − 0.02) = −0.01; energy = (0.5 − 1)(0.02 − 0.02) = 0.
    //   Σ = −0.01 = gross − B = 0.01 − 0.02.
    // Bar 2: b = (½, ½), B_tech = −0.02, B_energy = 0.04, B = 0.01; cash 0.1.
    //   alloc tech = (0.7 − 0.5)(−0.03) = −0.006; energy = (0.2 − 0.5)(0.03) = −0.009;
    //   cash = 0.1·(0 − 0.01) = −0.001. Σ = −0.016 = gross − B = −0.006 − 0.01.
    // Selection: each sector holds one name, R_s = B_s where b_s > 0; tech on bar 1 has
    //   Σ w·r = 0 and B_tech = 0: 0 too.
    // Linked with G[t−1]: tech = 0.0075 − 1.039·0.01 − 1.04939·0.006 = −0.00918634;
    //   energy = 0.0075 − 1.04939·0.009 = −0.00194451; cash = −1.04939·0.001 = −0.00104939;
    //   Σ = −0.01218024 = 0.015 − 1.039·0.01 − 1.04939·0.016 = Σ G[t−1](gross − B)
    //     = (0.04530854 − 0.00121488) − (0.025 + 1.039·0.02 + 1.04939·0.01) = 0.04409366 − 0.0562739.
    const a = brinsonFachler(weights, returns, costs, 2, ["tech", "energy"]);
    expect(a.sectors).toEqual(["tech", "energy"]);
    const close = (xs: Float64Array, want: number[]) => want.forEach((v, k) => expect(xs[k]).toBeCloseTo(v, 15));
    close(a.daily.allocation, [0.0075, 0.0075, -0.01, 0, -0.006, -0.009]);
    close(a.daily.selection, [0, 0, 0, 0, 0, 0]);
    close(a.daily.cash, [0, 0, -0.001]);
    close(a.daily.benchmark, [0.025, 0.02, 0.01]);
    close(a.daily.gross, [0.04, 0.01, -0.006]);
    close(a.daily.benchmarkWeight, [0.5, 0.5, 0, 1, 0.5, 0.5]);
    close(a.daily.weight, [0.6, 0.4, 0.5, 0.5, 0.7, 0.2]);
    close(a.allocation, [-0.00918634, -0.00194451]);
    close(a.selection, [0, 0]);
    expect(a.cashAllocation).toBeCloseTo(-0.00104939, 15);
    expect(a.active).toBeCloseTo(-0.01218024, 15);
    expect(a.grossLinked).toBeCloseTo(0.04409366, 15);
    expect(a.benchmarkLinked).toBeCloseTo(0.0562739, 15);
    expect(a.portfolioReturn).toBeCloseTo(0.04099488, 15);
    expect(a.benchmarkReturn).toBeCloseTo(1.025 * 1.02 * 1.01 - 1, 15);
  });

  it("both in one sector: no allocation, selection is the active return, cash allocates", () => {
    // b_s = 1 and B_s = B on every bar, so allocation = (w_s − 1)·0 = 0.
    // Bar 0: w_s = 1, Σ w·r = 0.04: selection = 0.04 − 1·0.025 = 0.015.
    // Bar 1: w_s = 1, Σ w·r = 0.01 (A not trading), B_s = 0.02: selection = −0.01.
    // Bar 2: w_s = 0.9, Σ w·r = −0.006, B_s = 0.01: selection = −0.006 − 0.009 = −0.015
    //   (= 0.9·(−0.006/0.9 − 0.01)); cash = 0.1·(0 − 0.01) = −0.001; Σ = −0.016 = gross − B.
    // Linked: selection = 0.015 − 1.039·0.01 − 1.04939·0.015 = −0.01113085, cash −0.00104939.
    const a = brinsonFachler(weights, returns, costs, 2, ["all", "all"]);
    expect(a.sectors).toEqual(["all"]);
    [0.015, -0.01, -0.015].forEach((v, t) => expect(a.daily.selection[t]).toBeCloseTo(v, 15));
    [0, 0, 0].forEach((v, t) => expect(a.daily.allocation[t]).toBeCloseTo(v, 15));
    expect(a.selection[0]).toBeCloseTo(-0.01113085, 15);
    expect(a.allocation[0]).toBeCloseTo(0, 15);
    expect(a.cashAllocation).toBeCloseTo(-0.00104939, 15);
    expect(a.selection[0] + a.cashAllocation).toBeCloseTo(-0.01218024, 15);
  });

  it("a long and a short netting to w_s = 0 keep the sector's P&L as selection", () => {
    // One bar, A +0.5 and B −0.5 in one sector, r = (0.03, 0.01): w_s = 0, Σ w·r = 0.01,
    // B = B_s = 0.02. Selection = 0.01 − 0·0.02 = 0.01; allocation (0 − 1)(0) = 0;
    // cash (1 − 0)(0 − 0.02) = −0.02; Σ = −0.01 = gross − B = 0.01 − 0.02.
    const a = brinsonFachler(f64([0.5, -0.5]), f64([0.03, 0.01]), f64([0]), 2, ["s", "s"]);
    expect(a.daily.selection[0]).toBeCloseTo(0.01, 15);
    expect(a.daily.cash[0]).toBeCloseTo(-0.02, 15);
    expect(a.active).toBeCloseTo(-0.01, 15);
  });

  it("a bar without any return has every term 0", () => {
    const a = brinsonFachler(f64([0.5, 0.5]), f64([NaN, NaN]), f64([0]), 2, ["a", "b"]);
    expect(Array.from(a.daily.allocation)).toEqual([0, 0]);
    expect(Array.from(a.daily.selection)).toEqual([0, 0]);
    expect(a.daily.benchmark[0]).toBe(0);
    expect(a.active).toBe(0);
  });
});

describe("brinsonFachler: identities on random books (T = 2,000, N = 50, 5 sectors)", () => {
  it("per bar Σ_s (allocation + selection) + cash = Σ w·r − B, to 1e-15", () => {
    const b = randomBook(21);
    const a = brinsonFachler(b.weights, b.returns, b.costs, b.N, b.sectors, { net: b.net });
    const S = a.sectors.length;
    let worst = 0;
    for (let t = 0; t < b.T; t++) {
      let gross = 0,
        rs = 0,
        m = 0;
      for (let i = 0; i < b.N; i++) {
        const r = b.returns[t * b.N + i];
        if (r !== r) continue;
        gross += b.weights[t * b.N + i] * r;
        rs += r;
        m++;
      }
      const B = rs / m;
      expect(a.daily.gross[t]).toBeCloseTo(gross, 15);
      expect(a.daily.benchmark[t]).toBeCloseTo(B, 15);
      let terms = a.daily.cash[t];
      for (let s = 0; s < S; s++) terms += a.daily.allocation[t * S + s] + a.daily.selection[t * S + s];
      worst = Math.max(worst, Math.abs(terms - (gross - B)));
      expect(sum(a.daily.benchmarkWeight.subarray(t * S, (t + 1) * S))).toBeCloseTo(1, 15);
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it("linked: Σ allocation + Σ selection + cash = Σ_t G[t−1](gross − B) = Σ_i contribution_i − Σ G[t−1]·B", () => {
    for (const seed of [22, 23]) {
      const b = randomBook(seed);
      const a = brinsonFachler(b.weights, b.returns, b.costs, b.N, b.sectors, { net: b.net });
      const c = contributionAttribution(b.weights, b.returns, b.costs, b.N, { net: b.net });
      const linked = sum(a.allocation) + sum(a.selection) + a.cashAllocation;
      let active = 0,
        benchLinked = 0,
        bench = 1;
      for (let t = 0; t < b.T; t++) {
        const g = t > 0 ? c.growth[t - 1] : 1;
        active += g * (a.daily.gross[t] - a.daily.benchmark[t]);
        benchLinked += g * a.daily.benchmark[t];
        bench *= 1 + a.daily.benchmark[t];
      }
      expect(Math.abs(linked - active)).toBeLessThan(1e-10);
      expect(Math.abs(a.active - active)).toBeLessThan(1e-10);
      expect(Math.abs(a.benchmarkLinked - benchLinked)).toBeLessThan(1e-10);
      expect(Math.abs(linked - (sum(c.overall.symbols) - benchLinked))).toBeLessThan(1e-10);
      expect(Math.abs(a.grossLinked - sum(c.overall.symbols))).toBeLessThan(1e-10);
      expect(a.portfolioReturn).toBeCloseTo(c.overall.total, 12);
      expect(a.benchmarkReturn).toBeCloseTo(bench - 1, 12);
      // Not the compounded active return: that one also holds costs, interest and the benchmark's own path.
      expect(Math.abs(linked - (a.portfolioReturn - a.benchmarkReturn))).toBeGreaterThan(1e-4);
      // What links the two: G[T−1] − 1 = grossLinked + cost + other.
      expect(Math.abs(a.portfolioReturn - (a.grossLinked + c.overall.cost + c.overall.other))).toBeLessThan(1e-10);
    }
  });
});

describe("brinsonFachler: bad arguments are StrataErrors naming the argument", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => brinsonFachler(weights, returns, costs, 2, ["a"]), /sectors has 1 labels, expected N/],
    [() => brinsonFachler(weights.subarray(2), returns, costs, 2, ["a", "b"]), /weights has 4 values/],
    [() => brinsonFachler(weights, returns, costs, 2, ["a", "b"], { net: [0] }), /net has 1 values/],
    [() => brinsonFachler(weights, returns, costs, 3, ["a", "b", "c"]), /weights has 6 values, expected T × N/],
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
