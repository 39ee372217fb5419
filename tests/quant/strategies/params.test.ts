/**
 * Every kind's params schema: defaults, and a StrataError that names the kind, the param and
 * what it must be for each kind of bad input; the evaluator's options and panel checks.
 */
import { describe, expect, it } from "vitest";
import { isStrataError } from "../../../src/core/errors.ts";
import {
  evaluateStrategies,
  parseStrategyParams,
  STRATEGY_KIND_NAMES,
  type StrategyKindName,
} from "../../../src/quant/strategies/index.ts";
import { panelOf } from "./helpers.ts";

function rejection(kind: StrategyKindName, params: unknown): string {
  try {
    parseStrategyParams(kind, params);
  } catch (e) {
    expect(isStrataError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error(`${kind} accepted ${JSON.stringify(params)}`);
}

describe("strategy params", () => {
  it("fill in the defaults: long_only true, threshold 0", () => {
    expect(parseStrategyParams("ma_cross", { fast: 5, slow: 20 })).toEqual({ fast: 5, slow: 20, long_only: true });
    expect(parseStrategyParams("ts_momentum", { lookback: 20 })).toEqual({
      lookback: 20,
      threshold: 0,
      long_only: true,
    });
    for (const kind of STRATEGY_KIND_NAMES) {
      const valid = {
        ma_cross: { fast: 1, slow: 2 },
        ts_momentum: { lookback: 1 },
        donchian: { entry: 1, exit: 1 },
        mean_reversion: { window: 2, z_entry: 1, z_exit: 0 },
        trend_atr: { breakout: 1, atr_window: 1, atr_mult: 2 },
      }[kind];
      expect((parseStrategyParams(kind, valid) as { long_only: boolean }).long_only).toBe(true);
    }
  });

  const cases: Array<[StrategyKindName, unknown, RegExp]> = [
    ["ma_cross", { fast: 20, slow: 20 }, /ma_cross params: fast must be below slow \(20\) \(got 20\)/],
    ["ma_cross", { fast: 30, slow: 20 }, /fast must be below slow/],
    ["ma_cross", { fast: 0, slow: 20 }, /fast must be at least 1 bar \(got 0\)/],
    ["ma_cross", { fast: 2, slow: 1 }, /slow must be at least 2 bars/],
    ["ma_cross", { fast: 2.5, slow: 10 }, /fast must be a whole number of bars \(got 2.5\)/],
    ["ma_cross", { fast: 2 }, /slow is required/],
    ["ma_cross", { fast: "5", slow: 10 }, /fast must be a number of bars/],
    ["ts_momentum", { lookback: 0 }, /ts_momentum params: lookback must be at least 1 bar/],
    ["ts_momentum", { lookback: 5, threshold: -0.01 }, /threshold must be ≥ 0/],
    ["donchian", { entry: 0, exit: 5 }, /donchian params: entry must be at least 1 bar/],
    ["donchian", { entry: 20, exit: -1 }, /exit must be at least 1 bar/],
    ["mean_reversion", { window: 1, z_entry: 2, z_exit: 0.5 }, /window must be at least 2 bars/],
    ["mean_reversion", { window: 20, z_entry: 1, z_exit: 1 }, /z_exit must be below z_entry \(1\)/],
    ["mean_reversion", { window: 20, z_entry: 0, z_exit: 0 }, /z_entry must be > 0/],
    ["mean_reversion", { window: 20, z_entry: 2, z_exit: 0, rsi_low: 70, rsi_high: 30 }, /rsi_low must be below/],
    ["mean_reversion", { window: 20, z_entry: 2, z_exit: 0, rsi_low: 120 }, /rsi_low must be an RSI level/],
    ["mean_reversion", { window: 20, z_entry: 2, z_exit: 0, rsi_window: 0, rsi_low: 30 }, /rsi_window must be at/],
    ["trend_atr", { breakout: 0, atr_window: 14, atr_mult: 3 }, /trend_atr params: breakout must be at least 1/],
    ["trend_atr", { breakout: 20, atr_window: 0, atr_mult: 3 }, /atr_window must be at least 1 bar/],
    ["trend_atr", { breakout: 20, atr_window: 14, atr_mult: 0 }, /atr_mult must be > 0/],
  ];
  for (const [kind, params, message] of cases) {
    it(`${kind} rejects ${JSON.stringify(params)}, naming the param`, () => {
      expect(rejection(kind, params)).toMatch(message);
    });
  }

  it("an unknown param is named, with the closest known one", () => {
    expect(rejection("ma_cross", { fast: 5, slwo: 20 })).toMatch(/unknown param 'slwo', did you mean 'slow'\?/);
    expect(rejection("donchian", { entry: 5, exit: 2, longonly: false })).toMatch(/did you mean 'long_only'/);
  });

  it("the message carries a hint listing the kind's params", () => {
    expect(rejection("trend_atr", {})).toMatch(/→ trend_atr takes \{ breakout, atr_window, atr_mult, long_only\? \}/);
  });

  it("evaluateStrategies names the set that is wrong", () => {
    const p = panelOf([1, 2, 3, 4]);
    expect(() =>
      evaluateStrategies("ma_cross", p, [
        { fast: 1, slow: 2 },
        { fast: 3, slow: 2 },
      ]),
    ).toThrow(/ma_cross params\[1\]: fast must be below slow/);
    expect(() => evaluateStrategies("ma_crosss" as "ma_cross", p, [])).toThrow(/did you mean 'ma_cross'/);
  });
});

describe("evaluateStrategies options and panel", () => {
  const p = panelOf([1, 2, 3, 4]);
  const one = [{ fast: 1, slow: 2 }];

  it("rejects lag < 1, fractional lags and negative or infinite costs", () => {
    expect(() => evaluateStrategies("ma_cross", p, one, { lag: 0 })).toThrow(
      /lag must be a whole number of bars ≥ 1, got 0/,
    );
    expect(() => evaluateStrategies("ma_cross", p, one, { lag: 1.5 })).toThrow(/lag must be/);
    expect(() => evaluateStrategies("ma_cross", p, one, { commissionBps: -1 })).toThrow(/commissionBps must be/);
    expect(() => evaluateStrategies("ma_cross", p, one, { slippageBps: Infinity })).toThrow(/slippageBps must be/);
    expect(() => evaluateStrategies("ma_cross", p, one, { periodsPerYear: 0 })).toThrow(/periodsPerYear/);
  });

  it("rejects a panel of the wrong shape, non-positive prices, high without low", () => {
    expect(() => evaluateStrategies("ma_cross", { nRows: 3, nAssets: 2, close: new Float64Array(5) }, one)).toThrow(
      /close must be a Float64Array of T × N = 6 values, got 5/,
    );
    expect(() => evaluateStrategies("ma_cross", panelOf([1, 0, 2]), one)).toThrow(
      /close of symbol 0 at row 1 is 0, expected a price > 0/,
    );
    expect(() => evaluateStrategies("ma_cross", { ...p, high: p.close }, one)).toThrow(/high without low/);
  });

  it("no parameter sets: no evaluations", () => {
    expect(evaluateStrategies("donchian", p, [])).toEqual([]);
  });
});
