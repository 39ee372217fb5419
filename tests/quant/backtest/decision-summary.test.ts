/**
 * summarizeDecisions: what a cell's decisions really did. Hand-built decisions with known
 * weights, and one real case: max_sharpe under caps that cannot reach full investment
 * (top 5 × max weight 0.15 = 0.75) falls back to min_variance on every rebalance with 25 % of
 * the book in cash — the homogenized max-Sharpe QP needs Σy ≤ n·cap·Σy, impossible for
 * n·cap < 1 (max-sharpe.ts).
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { formatShare, optimizerLabel, summarizeDecisions } from "../../../src/quant/backtest/decision-summary.ts";
import { signalPortfolio, type Decision } from "../../../src/quant/backtest/signal-portfolio.ts";
import type { PortfolioMethod } from "../../../src/quant/portfolio/types.ts";

const decision = (o: Partial<Omit<Decision, "weights">> & { weights: number[] }): Decision => ({
  t: 0,
  long: [],
  short: [],
  methods: ["max_sharpe"],
  fallbacks: [],
  notes: [],
  eligible: 10,
  scale: 1,
  ...o,
  weights: Float64Array.from(o.weights),
});

describe("summarizeDecisions(decisions, { method })", () => {
  it("counts fallbacks, names the method that produced most legs, and the forced cash (hand computed)", () => {
    const ds = [
      decision({ weights: [0.5, 0.5, 0, 0], long: [0, 1], eligible: 4 }),
      decision({
        weights: [0.3, 0.3, 0, 0],
        long: [0, 1],
        eligible: 4,
        methods: ["min_variance"],
        fallbacks: ["long leg: …"],
      }),
      decision({
        weights: [0.25, 0.25, 0.25, 0],
        long: [0, 1, 2],
        eligible: 3,
        methods: ["min_variance"],
        fallbacks: ["long leg: …"],
      }),
    ];
    const s = summarizeDecisions(ds, { method: "max_sharpe" });
    expect(s.rebalances).toBe(3);
    expect(s.fallbackShare).toBeCloseTo(2 / 3, 15);
    expect(s.effective).toBe("min_variance");
    expect(s.fallbackTo).toBe("min_variance");
    expect(s.methodsUsed).toEqual({ max_sharpe: 1, min_variance: 2 });
    // Cash per decision: 0, 0.4, 0.25 → mean 0.65 / 3; 2 of 3 rebalances hold some.
    expect(s.forcedCashShare).toBeCloseTo(0.65 / 3, 15);
    expect(s.forcedCashRebalances).toBeCloseTo(2 / 3, 15);
    // The third decision held all 3 eligible names.
    expect(s.selectionNoopShare).toBeCloseTo(1 / 3, 15);
    expect(s.meanEligible).toBeCloseTo(11 / 3, 15);
    expect(optimizerLabel(s, 0.1)).toBe("max_sharpe → min_variance on 66.7 % of rebalances");
    expect(optimizerLabel(s, 0.7)).toBe("max_sharpe");
  });

  it(
    "long-short legs are measured against their leg exposure; Kelly legs size themselves and are left out of the " +
      "cash",
    () => {
      const ls = decision({
        weights: [0.5, -0.4, 0, 0],
        long: [0],
        short: [1],
        methods: ["equal_weight", "equal_weight"],
        eligible: 4,
      });
      const s = summarizeDecisions([ls], { method: "equal_weight", legExposure: 0.5 });
      expect(s.forcedCashShare).toBeCloseTo(0.1, 15); // legs: 0 and 0.2 short of 0.5 → mean 0.1
      expect(s.selectionNoopShare).toBe(0);
      const kelly = summarizeDecisions([decision({ weights: [0.2, 0, 0, 0], long: [0], methods: ["kelly"] })], {
        method: "kelly",
      });
      expect(kelly.forcedCashShare).toBeNull();
      expect(kelly.fallbackShare).toBe(0);
      expect(optimizerLabel(kelly, 0)).toBe("kelly");
    },
  );

  it("a vol-target scale or a portfolio budget is intended exposure, not forced cash", () => {
    const d = decision({ weights: [0.3, 0.3, 0, 0], long: [0, 1], scale: 0.75, methods: ["equal_weight"] });
    expect(summarizeDecisions([d], { method: "equal_weight", netTarget: 0.8 }).forcedCashShare).toBeCloseTo(0, 15);
  });

  it("no decisions: shares 0, the requested method", () => {
    const s = summarizeDecisions([], { method: "hrp" });
    expect(s).toMatchObject({
      rebalances: 0,
      fallbackShare: 0,
      effective: "hrp",
      fallbackTo: null,
      forcedCashShare: null,
      selectionNoopShare: 0,
    });
  });

  it("max_sharpe with top 5 × max weight 0.15: min_variance on 100 % of rebalances, 25 % in cash", () => {
    const T = 80,
      N = 8,
      rng = createRng(3);
    const returns = new Float64Array(T * N).map(() => 0.01 * rng.normal());
    const scores = new Float64Array(T * N).map(() => rng.normal() + 1); // mostly positive: max_sharpe has an edge
    const rows = [60, 65, 70, 75];
    const run = (method: PortfolioMethod) =>
      signalPortfolio(returns, scores, N, rows, { method, top: 5, window: 40, constraints: { maxWeight: 0.15 } })
        .decisions;
    const s = summarizeDecisions(run("max_sharpe"), { method: "max_sharpe" });
    expect(s).toMatchObject({
      rebalances: 4,
      fallbackShare: 1,
      effective: "min_variance",
      fallbackTo: "min_variance",
      forcedCashRebalances: 1,
    });
    expect(s.forcedCashShare).toBeCloseTo(0.25, 9);
    expect(optimizerLabel(s, 0.1)).toBe("max_sharpe → min_variance on 100 % of rebalances");
    // With room for full investment the same cell is what it says.
    const ok = summarizeDecisions(
      signalPortfolio(returns, scores, N, rows, {
        method: "max_sharpe",
        top: 5,
        window: 40,
        constraints: { maxWeight: 0.3 },
      }).decisions,
      { method: "max_sharpe" },
    );
    expect(ok).toMatchObject({ fallbackShare: 0, effective: "max_sharpe" });
    expect(ok.forcedCashShare).toBeCloseTo(0, 9);
  });
});

describe("formatShare", () => {
  it("writes percentages with at most one decimal and a space", () => {
    expect([1, 0.25, 1 / 3, 0, 0.0004].map(formatShare)).toEqual(["100 %", "25 %", "33.3 %", "0 %", "0 %"]);
  });
});
