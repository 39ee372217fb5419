/**
 * Trade generation (whole shares, minimum size, liquidity flag, clipping) and the kill switch.
 */
import { describe, expect, it } from "vitest";
import { checkPortfolio, generateTrades, killSwitch, paperConfig } from "../../src/paper/index.ts";

const base = {
  date: "2021-03-01",
  fingerprint: "f".repeat(64),
  equity: 100_000,
  commissionBps: 1,
  commissionPerShare: 0,
  slippageBps: 2,
  minNotional: 100,
  liquidityFlagAdv: 0.05,
  maxTrade: 0.1,
  clip: true,
};

describe("generateTrades", () => {
  it(
    "sizes whole shares toward zero from the decision close, " + "sells first, flags illiquid trades, skips tiny ones",
    () => {
      const { trades, skipped } = generateTrades({
        ...base,
        targets: new Map([
          ["AAA", 0.05],
          ["BBB", 0.0009],
          ["CCC", 0],
        ]),
        held: new Map([["CCC", 10]]),
        prices: new Map([
          ["AAA", 33],
          ["BBB", 10],
          ["CCC", 5],
        ]),
        adv: new Map([
          ["AAA", 2_000],
          ["BBB", 1e6],
          ["CCC", 1e6],
        ]),
      });
      // AAA: trunc(0.05 × 100 000 / 33) = 151 shares, 151 / 2 000 = 7.55 % of ADV > 5 % → flagged
      // BBB: trunc(90 / 10) = 9 shares = 90 < 100 → skipped; CCC: close the 10 shares (allowed below the minimum)
      expect(trades.map((t) => [t.symbol, t.side, t.shares])).toEqual([
        ["CCC", "sell", 10],
        ["AAA", "buy", 151],
      ]);
      const aaa = trades[1];
      expect(aaa.notional).toBe(151 * 33);
      expect(aaa.estCommission).toBeCloseTo(4_983 * 1e-4, 12);
      expect(aaa.estSlippage).toBeCloseTo(4_983 * 2e-4, 12);
      expect(aaa.liquidityFlag).toBe(true);
      expect(aaa.key).toBe(`2021-03-01:AAA:buy:${"f".repeat(16)}`);
      expect(skipped.map((s) => s.symbol)).toEqual(["BBB"]);
    },
  );

  it("clips a trade above 10 % of equity to the cap", () => {
    const { trades } = generateTrades({
      ...base,
      targets: new Map([["AAA", 0.25]]),
      held: new Map(),
      prices: new Map([["AAA", 50]]),
      adv: new Map([["AAA", 1e9]]),
    });
    // cap ⌊0.1 × 100 000 / 50⌋ = 200 shares instead of 500
    expect(trades[0].shares).toBe(200);
    expect(trades[0].note).toMatch(/clipped from 500 to 200/);
  });
});

describe("safety checks", () => {
  const cfg = paperConfig().safety;
  it("flags the weights sum, the position cap and the sector cap", () => {
    const v = checkPortfolio(
      {
        symbols: ["A", "B", "C"],
        weights: [0.5, 0.3, 0.1],
        sectors: ["x", "x", "y"],
        expectedNet: 1,
        maxPosition: 0.4,
        maxSector: 0.6,
      },
      cfg,
    );
    expect(v.join("\n")).toMatch(/position A 50.00% exceeds the position cap 40.00%/);
    expect(v.join("\n")).toMatch(/weights sum to 90.00%, expected 100.00%/);
    expect(v.join("\n")).toMatch(/sector x 80.00% exceeds the sector cap 60.00%/);
  });

  it("kill switch: a daily loss beyond 3 % halts; a 2.9 % loss does not", () => {
    const ks = paperConfig().kill_switch;
    expect(killSwitch([0.01, -0.029], ks).triggered).toBe(false);
    const hit = killSwitch([0.01, -0.031], ks);
    expect(hit.triggered).toBe(true);
    expect(hit.reason).toMatch(/daily loss -3.10% beyond −3.00%/);
  });

  it("kill switch: the 6-week Sharpe ratio below its threshold halts once 30 returns exist", () => {
    const ks = { ...paperConfig().kill_switch, min_sharpe: 0 };
    const losing = Array.from({ length: 30 }, (_, i) => (i % 2 ? 0.004 : -0.006));
    expect(killSwitch(losing.slice(0, 29), ks).triggered).toBe(false);
    const hit = killSwitch(losing, ks);
    // mean −0.001, sd 0.005085 (ddof 1) → Sharpe −0.001/0.005085 × √252 = −3.12
    expect(hit.rollingSharpe!).toBeCloseTo(-3.1217, 3);
    expect(hit.reason).toMatch(/30-day Sharpe ratio -3.12 below 0/);
  });
});
