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
import { MARKET_ROWS } from "./market-rows.ts";

const rows = MARKET_ROWS;
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
