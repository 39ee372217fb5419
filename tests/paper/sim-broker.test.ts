/**
 * SimBroker: fill prices, costs and partial fills, each checked against a hand computation.
 */
import { describe, expect, it } from "vitest";
import { SimBroker, type Bar } from "../../src/paper/index.ts";

const bars = new Map<string, Bar>([
  ["AAA", { open: 100, close: 102, volume: 50_000 }],
  ["BBB", { open: 20, close: 19.5, volume: 1_000 }],
  ["BAD", { open: Number.NaN, close: -1, volume: 10 }],
]);

describe("SimBroker", () => {
  it("fills a buy at the close plus slippage and charges bps + per-share commission (hand computation)", async () => {
    const b = new SimBroker({ cash: 100_000, positions: new Map() }, bars, {
      fill: "close",
      slippageBps: 5,
      commissionBps: 10,
      commissionPerShare: 0.01,
    });
    const [f] = await b.submit([{ key: "k1", symbol: "AAA", side: "buy", shares: 100 }]);
    // price = 102 × (1 + 5/10⁴) = 102.051; notional = 10 205.1; commission = 10.2051 + 1.00; slippage = 100 × 0.051
    expect(f.status).toBe("filled");
    expect(f.price).toBeCloseTo(102.051, 10);
    expect(f.notional).toBeCloseTo(10_205.1, 8);
    expect(f.commission).toBeCloseTo(11.2051, 8);
    expect(f.slippage).toBeCloseTo(5.1, 8);
    const a = await b.account();
    // cash = 100 000 − 10 205.1 − 11.2051 = 89 783.6949; positions valued at the close 102 × 100
    expect(a.cash).toBeCloseTo(89_783.6949, 6);
    expect(a.positionsValue).toBe(10_200);
    expect(a.equity).toBeCloseTo(99_983.6949, 6);
  });

  it("fills a sell at the open minus slippage", async () => {
    const b = new SimBroker({ cash: 0, positions: new Map([["AAA", 50]]) }, bars, {
      fill: "open",
      slippageBps: 20,
      commissionBps: 0,
    });
    const [f] = await b.submit([{ key: "s", symbol: "AAA", side: "sell", shares: 50 }]);
    // 100 × (1 − 0.002) = 99.8; proceeds 4 990
    expect(f.price).toBeCloseTo(99.8, 12);
    expect((await b.account()).cash).toBeCloseTo(4_990, 9);
    expect(await b.positions()).toEqual([]);
  });

  it("fills at most the participation cap of ADV and cancels the rest", async () => {
    const adv = new Map([["BBB", 1_234]]);
    const b = new SimBroker({ cash: 1e6, positions: new Map() }, bars, { fill: "close", maxParticipation: 0.1, adv });
    const [f] = await b.submit([{ key: "p", symbol: "BBB", side: "buy", shares: 500 }]);
    // ⌊0.1 × 1 234⌋ = 123 shares
    expect(f.status).toBe("partial");
    expect(f.requested).toBe(500);
    expect(f.shares).toBe(123);
    expect(f.reason).toMatch(/377 cancelled/);
    expect((await b.positions())[0]).toMatchObject({ symbol: "BBB", shares: 123, price: 19.5 });
  });

  it("rejects an order without a valid price or without volume history, and a repeated key", async () => {
    const b = new SimBroker({ cash: 1e6, positions: new Map() }, bars, {
      maxParticipation: 0.1,
      adv: new Map([["BAD", 10]]),
      date: "2021-03-01",
    });
    const [bad, none] = await b.submit([
      { key: "x", symbol: "BAD", side: "buy", shares: 1 },
      { key: "y", symbol: "AAA", side: "buy", shares: 1 },
    ]);
    expect(bad).toMatchObject({ status: "rejected", shares: 0 });
    expect(bad.reason).toMatch(/BAD on 2021-03-01/);
    expect(none.reason).toMatch(/no volume history for AAA/);
    expect((await b.account()).cash).toBe(1e6);
    await expect(b.submit([{ key: "x", symbol: "AAA", side: "buy", shares: 1 }])).rejects.toThrow(/already submitted/);
    expect((await b.fills()).length).toBe(2);
  });
});
