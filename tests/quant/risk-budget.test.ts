/**
 * Hierarchical risk budgets (src/quant/portfolio/risk-budget.ts): every expected number is
 * computed by hand in the comment beside it.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/rng.ts";
import {
  budgetShares,
  capBudgets,
  capGross,
  capPositions,
  combineSleeves,
  netPositions,
  trailingVolatility,
} from "../../src/quant/portfolio/risk-budget.ts";

const close = (a: ArrayLike<number>, b: number[], digits = 12) =>
  b.forEach((x, i) => expect(a[i], `index ${i}`).toBeCloseTo(x, digits));

describe("trailingVolatility", () => {
  it("trailingVolatility(returns, at) is the ddof-1 deviation of rows (at − window, at]", () => {
    // Rows 1..4 = 0.01, −0.01, 0.02, 0: mean 0.005; squared deviations 2.5e-5, 2.25e-4, 2.25e-4,
    // 2.5e-5 sum to 5e-4; / (4 − 1) = 1.6667e-4; √ = 0.0129099445.
    const r = [0.5, 0.01, -0.01, 0.02, 0, 9];
    expect(trailingVolatility(r, 4, { window: 4, minObservations: 2 })).toBeCloseTo(0.0129099445, 9);
    // Row 5 (after `at`) and row 0 (before the window) are not read.
    expect(trailingVolatility([...r.slice(0, 5), -0.9], 4, { window: 4, minObservations: 2 })).toBe(
      trailingVolatility(r, 4, { window: 4, minObservations: 2 }),
    );
  });

  it("trailingVolatility is NaN with fewer finite returns than minObservations (NaN rows skipped)", () => {
    expect(trailingVolatility([NaN, NaN, 0.01, 0.02], 3, { window: 4, minObservations: 3 })).toBeNaN();
    // Two finite values 0.01, 0.02: mean 0.015, deviations ±0.005, Σ² = 5e-5, / 1 → √ = 0.00707107.
    expect(trailingVolatility([NaN, NaN, 0.01, 0.02], 3, { window: 4, minObservations: 2 })).toBeCloseTo(
      0.0070710678,
      9,
    );
  });
});

describe("budgetShares and capBudgets", () => {
  it("inverse volatility: budgets sum to portfolio_max when no cap binds", () => {
    // 1/σ = 100, 50, 25 → Σ 175 → shares 4/7, 2/7, 1/7.
    const sh = budgetShares("inverse_vol", [0.01, 0.02, 0.04]);
    close(sh.shares, [4 / 7, 2 / 7, 1 / 7]);
    // portfolio_max 0.9, cap 0.6 (above 0.9 · 4/7 = 0.514): 0.514286, 0.257143, 0.128571; Σ 0.9.
    const cb = capBudgets(sh.shares, 0.9, 0.6);
    close(cb.budgets, [(0.9 * 4) / 7, (0.9 * 2) / 7, 0.9 / 7]);
    expect(cb.budgets.reduce((a, b) => a + b, 0)).toBeCloseTo(0.9, 14);
    expect(cb.capped).toEqual([false, false, false]);
    expect(cb.cash).toBeCloseTo(0, 14);
  });

  it("a capped strategy's excess goes to the others, round after round", () => {
    // 1/σ = 100, 50, 20 → Σ 170 → shares 10/17, 5/17, 2/17. Total 1, cap 0.4:
    // round 1: 0.588 > 0.4 → capped, 0.6 left for shares 5 : 2 → 0.428571, 0.171429;
    // round 2: 0.4286 > 0.4 → capped, 0.2 left → sleeve 3 gets 0.2. Budgets 0.4, 0.4, 0.2 (Σ 1).
    const sh = budgetShares("inverse_vol", [0.01, 0.02, 0.05]);
    const cb = capBudgets(sh.shares, 1, 0.4);
    close(cb.budgets, [0.4, 0.4, 0.2]);
    expect(cb.capped).toEqual([true, true, false]);
    expect(cb.cash).toBeCloseTo(0, 14);
  });

  it("when every sleeve is capped the rest stays in cash", () => {
    // Fixed 3 : 1 → shares 0.75, 0.25; cap 0.4: 0.75 → 0.4, then 0.6 → 0.4; 1 − 0.8 = 0.2 cash.
    const sh = budgetShares("fixed", [NaN, NaN], [3, 1]);
    close(sh.shares, [0.75, 0.25]);
    const cb = capBudgets(sh.shares, 1, 0.4);
    close(cb.budgets, [0.4, 0.4]);
    expect(cb.capped).toEqual([true, true]);
    expect(cb.cash).toBeCloseTo(0.2, 14);
  });

  it("inverse_vol without a usable volatility falls back to equal shares and says why", () => {
    const sh = budgetShares("inverse_vol", [0.01, NaN, 0.02]);
    expect(sh.method).toBe("equal");
    expect(sh.fallback).toMatch(/sleeve 1/);
    close(sh.shares, [1 / 3, 1 / 3, 1 / 3]);
    expect(() => budgetShares("fixed", [0.1, 0.1], [1])).toThrow(/one weight per sleeve/);
  });
});

describe("netting and the position and portfolio caps", () => {
  it("netPositions cancels opposite positions of two sleeves", () => {
    // A: +0.5 X, +0.5 Y; B: −0.5 X, +0.5 Z; budgets 0.5 each →
    // X = 0.25 − 0.25 = 0, Y = 0.25, Z = 0.25: gross 0.5 where the sleeves held 0.5·1 + 0.5·1 = 1.
    const w = netPositions(
      [
        [0.5, 0.5, 0],
        [-0.5, 0, 0.5],
      ],
      [0.5, 0.5],
      3,
    );
    close(w, [0, 0.25, 0.25]);
    const book = combineSleeves(
      [
        [0.5, 0.5, 0],
        [-0.5, 0, 0.5],
      ],
      [[], []],
      0,
      3,
      { method: "equal", strategyMax: 1, positionMax: 1 },
    );
    close(book.weights, [0, 0.25, 0.25]);
    expect(book.grossBeforeNetting).toBeCloseTo(1, 14);
    expect(book.grossAfterNetting).toBeCloseTo(0.5, 14);
  });

  it("capPositions clips each |w| to the cap, the excess to cash", () => {
    // 0.30 → 0.15 (0.15 moved), −0.20 → −0.15 (0.05 moved), 0.05 kept: 2 violations, 0.20 moved.
    const w = Float64Array.from([0.3, -0.2, 0.05]);
    const r = capPositions(w, 0.15);
    close(w, [0.15, -0.15, 0.05]);
    expect(r.violations).toBe(2);
    expect(r.moved).toBeCloseTo(0.2, 14);
    expect(r.utilization).toBeCloseTo(1, 14);
  });

  it("capGross scales a levered book down to the portfolio cap", () => {
    // Σ|w| = 0.8 + 0.6 = 1.4 > 1 → × 1/1.4: 0.571429, −0.428571; 0.4 to cash.
    const w = Float64Array.from([0.8, -0.6]);
    const r = capGross(w, 1);
    close(w, [0.8 / 1.4, -0.6 / 1.4]);
    expect(r.violations).toBe(1);
    expect(r.moved).toBeCloseTo(0.4, 14);
  });

  it("combineSleeves reports how much each level bound", () => {
    // σ: sleeve 1 = 0.01, sleeve 2 = 0.03 (alternating ±σ over 4 rows: ddof-1 SD = σ·√(4/3)),
    // so shares are 3/4, 1/4 either way. Caps 1 / 0.5 / 0.2: budgets 0.5 (capped), 0.5;
    // weights 0.5·[0.6, 0.4] + 0.5·[0, 1] = [0.3, 0.7] → clipped to 0.2, 0.2 (0.6 to cash).
    const r1 = [0.01, -0.01, 0.01, -0.01],
      r2 = [0.03, -0.03, 0.03, -0.03];
    const b = combineSleeves(
      [
        [0.6, 0.4],
        [0, 1],
      ],
      [r1, r2],
      3,
      2,
      { window: 4, minObservations: 4, strategyMax: 0.5, positionMax: 0.2 },
    );
    close(b.budgets, [0.5, 0.5]);
    expect(b.capped).toEqual([true, false]);
    expect(b.levels.strategy.violations).toBe(1);
    expect(b.levels.strategy.moved).toBeCloseTo(0.25, 14); // 0.75 − 0.5
    close(b.weights, [0.2, 0.2]);
    expect(b.levels.position.violations).toBe(2);
    expect(b.levels.position.moved).toBeCloseTo(0.6, 14); // 0.1 + 0.5
    expect(b.levels.portfolio.violations).toBe(0);
    expect(b.levels.portfolio.utilization).toBeCloseTo(1, 14); // gross 1.0 of 1.0 before the position cap
  });
});

describe("no look-ahead", () => {
  it("perturbing the sleeves' returns after the decision row leaves the budgets unchanged", () => {
    const rng = createRng(5);
    const T = 200,
      at = 120;
    const make = () => Float64Array.from({ length: T }, () => 0.01 * rng.normal());
    const returns = [make(), make(), make()];
    const targets = [
      [0.2, 0.3, 0.5, 0],
      [0, 0.5, -0.5, 0.5],
      [0.25, 0.25, 0.25, 0.25],
    ];
    const o = { window: 63, strategyMax: 0.5, positionMax: 0.3 };
    const a = combineSleeves(targets, returns, at, 4, o);
    const moved = returns.map((r) => Float64Array.from(r, (x, t) => (t > at ? x * 5 + 0.1 * rng.normal() : x)));
    const b = combineSleeves(targets, moved, at, 4, o);
    expect(Array.from(b.budgets)).toEqual(Array.from(a.budgets));
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    // The check can fail: a change on the decision row itself moves the budgets.
    const onRow = returns.map((r, s) => Float64Array.from(r, (x, t) => (t === at && s === 0 ? 0.2 : x)));
    const c = combineSleeves(targets, onRow, at, 4, o);
    expect(Array.from(c.budgets)).not.toEqual(Array.from(a.budgets));
  });
});
