/**
 * The monitor's numbers against hand computations. Each expected value is derived in the
 * comment next to it (and agrees with scipy 1.17: stats.pearsonr, stats.spearmanr; numpy
 * std(ddof=1)).
 */
import { describe, expect, it } from "vitest";
import {
  dataFreshness,
  equityReturns,
  informationCoefficients,
  modelDrift,
  performanceDrift,
  quantileSpread,
  realizedForwardReturns,
  sharpeChange,
  tradingDaysBetween,
  type DailyIc,
} from "../../src/monitor/index.ts";

// One cross-section: scores with a tie (2, 2) and forward returns in percent.
const X = [1, 2, 2, 4, 6];
const Y = [0.01, 0.03, -0.01, 0.02, 0.05];

describe("information coefficients on a five-name example with tied scores", () => {
  const forward = new Map([["2024-01-02", new Map(["A", "B", "C", "D", "E"].map((s, i) => [s, Y[i]] as const))]]);
  const scores = ["A", "B", "C", "D", "E"].map((symbol, i) => ({ date: "2024-01-02", symbol, score: X[i] }));
  const ic = informationCoefficients(scores, forward, "2024-01-31", {
    quantiles: 5,
    minNamesPerDate: 5,
    icRollingWindow: 1,
    icRollingMinPeriods: 1,
  });

  it("IC is Pearson's r: 13 / √320", () => {
    // x̄ = 3, dx = (−2, −1, −1, 1, 3); ȳ = 2 (in %), dy = (−1, 1, −3, 0, 3)
    // Sxy = 2 − 1 + 3 + 0 + 9 = 13, Sxx = 16, Syy = 20 → r = 13 / √(16·20) = 0.72672209…
    expect(ic.daily[0].ic).toBeCloseTo(13 / Math.sqrt(320), 14);
    expect(ic.daily[0].ic).toBeCloseTo(0.7267220926874316, 14);
  });

  it("rank IC uses average ranks for the tie: 6.5 / √95", () => {
    // rank(x) = (1, 2.5, 2.5, 4, 5); rank(y) = (2, 4, 1, 3, 5); both means 3
    // d = (−2, −.5, −.5, 1, 2) and (−1, 1, −2, 0, 2): S = 2 − .5 + 1 + 0 + 4 = 6.5,
    // Sxx = 9.5, Syy = 10 → ρ = 6.5 / √95 = 0.66688592… (the 1 − 6Σd²/(n(n²−1)) shortcut
    // would give 1 − 6·3.5/120 = 0.825, wrong with ties)
    expect(ic.daily[0].rankIc).toBeCloseTo(6.5 / Math.sqrt(95), 14);
    expect(ic.meanRankIc).toBeCloseTo(0.6668859288553503, 14);
  });

  it("quintile spread: top (6 → 5%) − bottom (1 → 1%) = 4%", () => {
    // bucket = floor((rank − 1)·5/5): ranks 1, 2.5, 2.5, 4, 5 → buckets 0, 1, 1, 3, 4
    expect(ic.daily[0].spread).toBeCloseTo(0.04, 15);
    const q = quantileSpread(X, Y, 5);
    expect(q.means[1]).toBeCloseTo(0.01, 15); // the tied pair shares bucket 1: (3% − 1%) / 2
    expect(q.means[2]).toBeNull(); // nobody in the middle quintile
  });

  it("two buckets: (2% + 5%)/2 − (1% + 3% − 1%)/3 = 3.5% − 1% = 2.5%", () => {
    // floor((r − 1)·2/5): r = 1 → 0, 2.5 → 0, 4 → 1, 5 → 1
    expect(quantileSpread(X, Y, 2).spread).toBeCloseTo(0.025, 15);
  });

  it("fewer names than minNamesPerDate give no IC", () => {
    const few = informationCoefficients(scores.slice(0, 4), forward, "2024-01-31", {
      quantiles: 5,
      minNamesPerDate: 5,
      icRollingWindow: 1,
      icRollingMinPeriods: 1,
    });
    expect(few.daily[0]).toMatchObject({ n: 4, ic: null, rankIc: null, spread: null });
  });
});

describe("realizedForwardReturns", () => {
  const prices = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"].map((date, i) => ({
    date,
    symbol: "A",
    close: [100, 110, 121, 99][i],
  }));

  it("uses close[t + lag + horizon] / close[t + lag] − 1 and nothing after asOf", () => {
    // lag 1, horizon 1: score of 01-01 → 121/110 − 1 = 0.1; of 01-02 → 99/121 − 1 = −0.18181…
    const all = realizedForwardReturns(prices, "2024-01-04", { lag: 1, horizon: 1 });
    expect(all.get("2024-01-01")!.get("A")).toBeCloseTo(0.1, 15);
    expect(all.get("2024-01-02")!.get("A")).toBeCloseTo(99 / 121 - 1, 15);
    expect(all.has("2024-01-03")).toBe(false);
    // asOf 01-03: the 01-02 score's exit (01-04) is not known yet
    const before = realizedForwardReturns(prices, "2024-01-03", { lag: 1, horizon: 1 });
    expect([...before.keys()]).toEqual(["2024-01-01"]);
  });

  it("throws naming the symbol and date of a duplicate row", () => {
    expect(() => realizedForwardReturns([...prices, prices[1]], "2024-01-04", { lag: 1, horizon: 1 })).toThrow(
      /two rows for A on 2024-01-02/,
    );
  });
});

describe("performance drift", () => {
  // Equity 100 → 101 → 99.99 → 101.9898 → 101.9898: returns 1%, −1%, 2%, 0%.
  const equity = [100, 101, 99.99, 101.9898, 101.9898].map((e, i) => ({ date: `2024-01-0${i + 1}`, equity: e }));

  it("live Sharpe = mean / sd(ddof 1) · √252 = √37.8", () => {
    // mean 0.005; deviations ±0.005, ±0.015 → Σd² = 0.0005, var = 0.0005/3;
    // 0.005 / √(0.0005/3) = √0.15, × √252 = √37.8 = 6.14817…
    const r = equityReturns(equity, "2024-01-31");
    expect(r).toHaveLength(4);
    const p = performanceDrift(equity, 4, "2024-01-31", { maxSharpeChange: 0.3, minSharpeObservations: 4 });
    expect(p.liveSharpe).toBeCloseTo(Math.sqrt(37.8), 9);
    // (√37.8 − 4) / 4 = 0.53704…
    expect(p.sharpeChange).toBeCloseTo((Math.sqrt(37.8) - 4) / 4, 9);
    expect(p.status).toBe("review");
  });

  it("sharpeChange is relative to |backtest|: a negative backtest Sharpe still reads as better/worse", () => {
    expect(sharpeChange(1.3, 1)).toBeCloseTo(0.3, 15);
    expect(sharpeChange(0.7, 1)).toBeCloseTo(-0.3, 15);
    expect(sharpeChange(-0.5, -1)).toBeCloseTo(0.5, 15); // from −1 to −0.5 is an improvement
    expect(sharpeChange(1, 0)).toBeNull();
    expect(sharpeChange(null, 1)).toBeNull();
  });

  it("too few returns → insufficient-data; no backtest → not-applicable", () => {
    expect(performanceDrift(equity, 4, "2024-01-31", { maxSharpeChange: 0.3, minSharpeObservations: 5 }).status).toBe(
      "insufficient-data",
    );
    expect(
      performanceDrift(equity, null, "2024-01-31", { maxSharpeChange: 0.3, minSharpeObservations: 4 }).status,
    ).toBe("not-applicable");
  });
});

describe("model drift", () => {
  const days = (values: number[]): DailyIc[] =>
    values.map((v, i) => ({
      date: `d${String(i).padStart(3, "0")}`,
      n: 10,
      ic: v,
      rankIc: v,
      spread: 0,
      rollingRankIc: v,
    }));
  const t = { minRollingIc: 0.02, driftLookbackDays: 20, driftShare: 0.5 };

  it("review at exactly 10 weak days of the last 20, ok at 9", () => {
    const weak = (k: number) => [...Array(30).fill(-0.5), ...Array(20 - k).fill(0.05), ...Array(k).fill(0.01)];
    expect(modelDrift(days(weak(9)), t)).toEqual({
      status: "ok",
      inspected: 20,
      weakDays: 9,
      weakDaysForReview: 10,
      threshold: 0.02,
    });
    expect(modelDrift(days(weak(10)), t).status).toBe("review");
  });

  it("a rolling IC equal to the threshold is not weak (strictly below)", () => {
    expect(modelDrift(days(Array(20).fill(0.02)), t).weakDays).toBe(0);
  });

  it("a short history: insufficient-data unless it already holds enough weak days", () => {
    expect(modelDrift(days(Array(19).fill(0.05)), t).status).toBe("insufficient-data");
    expect(modelDrift(days(Array(10).fill(0)), t).status).toBe("review");
  });
});

describe("data freshness", () => {
  it("counts Mon–Fri days after the last data date", () => {
    expect(tradingDaysBetween("2024-06-28", "2024-07-01")).toBe(1); // Fri → Mon
    expect(tradingDaysBetween("2024-06-28", "2024-07-02")).toBe(2); // Fri → Tue
    expect(tradingDaysBetween("2024-07-01", "2024-07-01")).toBe(0);
    expect(tradingDaysBetween("2024-01-01", "2024-12-31")).toBe(261); // 262 weekdays in 2024, minus Jan 1 itself
  });

  it("stale strictly beyond the threshold; missing without data", () => {
    expect(dataFreshness("2024-06-28", "2024-07-01", { maxStaleTradingDays: 1 }).status).toBe("ok");
    expect(dataFreshness("2024-06-28", "2024-07-02", { maxStaleTradingDays: 1 })).toEqual({
      status: "stale",
      lastDataDate: "2024-06-28",
      tradingDaysBehind: 2,
      threshold: 1,
    });
    expect(dataFreshness(null, "2024-07-02", { maxStaleTradingDays: 1 }).status).toBe("missing");
  });
});
