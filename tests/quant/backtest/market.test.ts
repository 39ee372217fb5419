/**
 * The equal-weight market of a panel (src/quant/backtest/market.ts), the one series behind the
 * regimes of the backtest, the baselines and paper trading: hand-computed rows for a listing,
 * a missing day and a delisting; point in time; independent of row order.
 */
import { describe, expect, it } from "vitest";
import { pricePanel } from "../../../src/quant/backtest/panel.ts";
import { equalWeightMarketReturns, panelMarket } from "../../../src/quant/backtest/market.ts";
import { marketRegimes } from "../../../src/quant/regime/market-regimes.ts";
import { createRng } from "../../../src/core/rng.ts";

// Days 1..5. A: 100, 110, 99, 99, 108.9. B: lists on day 2 at 50, missing on day 4, 60 on day 5.
// C: 20, 22, delisted after day 2.
//   day 1: A, C have no return yet                                  → NaN
//   day 2: A +10 %, C +10 % (B lists: no return)                     → 0.10
//   day 3: A −10 %, B 50 → 55 = +10 % (C delisted: its 0 not counted) → 0
//   day 4: A 0 % (B missing: does not count)                         → 0
//   day 5: A +10 %, B 55 → 60 over the gap = +9.0909… %              → (0.1 + 5/55) / 2
const rows: Array<[number, string, number]> = [
  [1, "A", 100],
  [2, "A", 110],
  [3, "A", 99],
  [4, "A", 99],
  [5, "A", 108.9],
  [2, "B", 50],
  [3, "B", 55],
  [5, "B", 60],
  [1, "C", 20],
  [2, "C", 22],
];
const panelOf = (r: typeof rows) =>
  pricePanel(
    r.map((x) => x[0]),
    r.map((x) => x[1]),
    r.map((x) => x[2]),
  );

describe("equalWeightMarketReturns", () => {
  it("averages the names trading on each row: listing, missing day, delisting", () => {
    const m = equalWeightMarketReturns(panelOf(rows));
    expect(m[0]).toBeNaN();
    expect(m[1]).toBeCloseTo(0.1, 15);
    expect(m[2]).toBeCloseTo(0, 15);
    expect(m[3]).toBe(0);
    expect(m[4]).toBeCloseTo((108.9 / 99 - 1 + (60 / 55 - 1)) / 2, 15);
  });

  it("does not depend on the order of the price rows", () => {
    const rng = createRng(3);
    const shuffled = rows
      .map((r) => [rng.next(), r] as const)
      .sort((a, b) => a[0] - b[0])
      .map((x) => x[1]);
    expect(equalWeightMarketReturns(panelOf(shuffled))).toEqual(equalWeightMarketReturns(panelOf(rows)));
  });

  it("is point in time: rows after t do not change row t", () => {
    const full = equalWeightMarketReturns(panelOf(rows));
    const upTo3 = equalWeightMarketReturns(panelOf(rows.filter((r) => r[0] <= 3)));
    expect(Array.from(upTo3)).toEqual(Array.from(full.subarray(0, 3)));
  });
});

describe("panelMarket", () => {
  it("states[0] is null and rows ≥ 1 are marketRegimes over the returns from row 1", () => {
    const rng = createRng(11);
    const r: Array<[number, string, number]> = [];
    const px = [100, 50, 20];
    for (let t = 1; t <= 200; t++) {
      for (let i = 0; i < 3; i++) {
        px[i] *= 1 + 0.01 * rng.normal();
        r.push([t, "ABC"[i], px[i]]);
      }
    }
    const opts = { volWindow: 10, trendWindow: 20, minHistory: 20 };
    const { marketReturns, states } = panelMarket(panelOf(r), opts);
    expect(states.length).toBe(200);
    expect(states[0]).toBeNull();
    expect(states.slice(1)).toEqual(marketRegimes(marketReturns.subarray(1), opts).states);
    expect(states.filter((s) => s !== null).length).toBeGreaterThan(100);
  });
});
