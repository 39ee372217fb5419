/**
 * monitorDay end to end on small deterministic panels: no look-ahead, and each alert fires
 * exactly at its threshold (one step short of it, it does not).
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/rng.ts";
import {
  monitorDay,
  realizedForwardReturns,
  type MonitorInput,
  type PriceRow,
  type WeightRow,
} from "../../src/monitor/index.ts";

/** Mon–Fri dates from 2024-01-01 (a Monday). */
function weekdays(n: number): string[] {
  const out: string[] = [];
  for (let d = Date.UTC(2024, 0, 1); out.length < n; d += 86_400_000) {
    const w = new Date(d).getUTCDay();
    if (w !== 0 && w !== 6) out.push(new Date(d).toISOString().slice(0, 10));
  }
  return out;
}

const DATES = weekdays(120);
const SYMBOLS = Array.from({ length: 12 }, (_, i) => `S${String(i).padStart(2, "0")}`);

function panel(seed = 7): MonitorInput {
  const rng = createRng(seed);
  const prices: PriceRow[] = [];
  for (const symbol of SYMBOLS) {
    let close = 50 + rng.next() * 50;
    for (const date of DATES) {
      close *= 1 + 0.02 * rng.normal();
      prices.push({ date, symbol, close });
    }
  }
  const scores = DATES.flatMap((date) => SYMBOLS.map((symbol) => ({ date, symbol, score: rng.normal() })));
  let equity = 1_000_000;
  const eq = DATES.map((date) => ({ date, equity: (equity *= 1 + 0.01 * rng.normal() + 0.0005) }));
  const weights: WeightRow[] = DATES.filter((_, i) => i % 5 === 0).flatMap((date) =>
    SYMBOLS.slice(0, 5).map((symbol) => ({ date, symbol, weight: 0.2 })),
  );
  return {
    date: DATES[80],
    scores,
    prices,
    horizon: 5,
    equity: eq,
    backtestSharpe: 1.2,
    weights,
    lastDataDate: DATES[80],
  };
}

describe("monitorDay: no look-ahead", () => {
  const base = panel();
  const D = base.date;
  const report = monitorDay(base);

  it("counts only forward returns realized by the date (exit close ≤ date)", () => {
    // lag 1 + horizon 5: the last score whose exit close is known on DATES[80] is DATES[74]
    expect(report.ic.lastRealizedDate).toBe(DATES[74]);
    expect(report.ic.days).toBe(75);
    expect(report.ic.meanRankIc).not.toBeNull();
  });

  it("perturbing everything dated after the date changes nothing", () => {
    const rng = createRng(99);
    const later = <T extends { date: string }>(rows: T[], f: (r: T) => T) => rows.map((r) => (r.date > D ? f(r) : r));
    const perturbed: MonitorInput = {
      ...base,
      prices: later(base.prices, (p) => ({ ...p, close: p.close * (0.5 + rng.next()) })),
      scores: later(base.scores, (s) => ({ ...s, score: rng.normal() })),
      equity: later(base.equity, (e) => ({ ...e, equity: e.equity * (0.5 + rng.next()) })),
      weights: later(base.weights, (w) => ({ ...w, symbol: SYMBOLS[11 - SYMBOLS.indexOf(w.symbol)] })),
    };
    expect(monitorDay(perturbed)).toEqual(report);
    // …and so does dropping it, and shuffling the row order
    const cut: MonitorInput = {
      ...base,
      prices: base.prices.filter((p) => p.date <= D).reverse(),
      scores: base.scores.filter((s) => s.date <= D).reverse(),
      equity: base.equity.filter((e) => e.date <= D),
      weights: base.weights.filter((w) => w.date <= D),
    };
    expect(monitorDay(cut)).toEqual(report);
  });

  it("perturbing the date's own close does change the report (the check can fail)", () => {
    const touched = {
      ...base,
      prices: base.prices.map((p) => (p.date === D && p.symbol === "S03" ? { ...p, close: p.close * 1.5 } : p)),
    };
    expect(monitorDay(touched).ic.daily.at(-1)).not.toEqual(report.ic.daily.at(-1));
  });

  it("is JSON-serializable as is (no NaN, no Infinity, no Map)", () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe("monitorDay: model drift alert at 10 of the last 20 days", () => {
  const base = panel(11);
  const fwd = realizedForwardReturns(base.prices, base.date, { lag: 1, horizon: base.horizon });
  const realized = [...fwd.keys()].sort();
  const last20 = realized.slice(-20);

  /**
   * Scores equal to the realized return (rank IC +1), negated on `weak` of the last 20 days and on every earlier day.
   */
  function withWeakDays(weak: number): MonitorInput {
    const negate = new Set([...realized.slice(0, -20), ...last20.slice(0, weak)]);
    const scores = [...fwd].flatMap(([date, bySymbol]) =>
      [...bySymbol].map(([symbol, r]) => ({ date, symbol, score: negate.has(date) ? -r : r })),
    );
    return { ...base, scores, thresholds: { icRollingWindow: 1, icRollingMinPeriods: 1 } };
  }

  it("9 weak days: ok, no alert", () => {
    const r = monitorDay(withWeakDays(9));
    expect(r.modelDrift).toMatchObject({ status: "ok", inspected: 20, weakDays: 9 });
    expect(r.alerts.map((a) => a.key)).not.toContain("monitor:model-drift");
  });

  it("10 weak days: review and one alert", () => {
    const r = monitorDay(withWeakDays(10));
    expect(r.ic.daily.filter((d) => d.rankIc === -1)).toHaveLength(realized.length - 20 + 10);
    expect(r.modelDrift).toMatchObject({ status: "review", weakDays: 10, weakDaysForReview: 10 });
    const alert = r.alerts.find((a) => a.key === "monitor:model-drift");
    expect(alert).toMatchObject({ severity: "warning", date: base.date });
  });
});

describe("monitorDay: correlation alert", () => {
  /** Held A, B (same returns) and C (orthogonal to both); `n` daily returns. */
  function book(n: number, threshold: number): MonitorInput {
    const dates = weekdays(n + 1);
    const a = (i: number) => (i % 2 === 0 ? 0.01 : -0.01);
    const c = (i: number) => (i % 4 < 2 ? 0.01 : -0.01);
    const prices: PriceRow[] = [];
    let pa = 100,
      pb = 40,
      pc = 70;
    dates.forEach((date, i) => {
      if (i > 0) {
        pa *= 1 + a(i - 1);
        pb *= 1 + a(i - 1);
        pc *= 1 + c(i - 1);
      }
      prices.push(
        { date, symbol: "A", close: pa },
        { date, symbol: "B", close: pb },
        { date, symbol: "C", close: pc },
        { date, symbol: "Z", close: 10 + i },
      );
    });
    const date = dates[n];
    const weights = ["A", "B", "C"]
      .map((symbol) => ({ date, symbol, weight: 1 / 3 }))
      .concat({ date, symbol: "Z", weight: 0 });
    return {
      date,
      scores: [],
      prices,
      horizon: 1,
      equity: [],
      backtestSharpe: null,
      weights,
      lastDataDate: date,
      thresholds: { maxAverageCorrelation: threshold },
    };
  }

  it("ρ̄ = (1 + 0 + 0)/3, score 1/(1 + 2ρ̄) = 0.6, 1.8 effective bets", () => {
    // corr(A, B) = 1; corr(A, C) = corr(B, C) = 0: over 20 days the products (±1)(±1) cancel in fours
    const r = monitorDay(book(20, 0.3)).correlation;
    expect(r.symbols).toEqual(["A", "B", "C"]); // Z has weight 0: not held
    expect(r.observations).toBe(20);
    expect(r.averageCorrelation).toBeCloseTo(1 / 3, 12);
    expect(r.diversificationScore).toBeCloseTo(0.6, 12);
    expect(r.effectiveBets).toBeCloseTo(1.8, 12);
  });

  it("fires once 20 observations exist, not at 19", () => {
    expect(monitorDay(book(19, 0.1)).correlation.status).toBe("insufficient-data");
    expect(monitorDay(book(19, 0.1)).alerts).toEqual([]);
    const r = monitorDay(book(20, 0.3));
    expect(r.alerts.map((a) => a.key)).toEqual(["monitor:correlation"]);
  });

  it("fires strictly above the threshold", () => {
    const avg = monitorDay(book(20, 0.3)).correlation.averageCorrelation!;
    expect(monitorDay(book(20, avg)).alerts).toEqual([]);
    expect(monitorDay(book(20, avg - 1e-9)).alerts.map((a) => a.key)).toEqual(["monitor:correlation"]);
  });

  it("the correlation window reads only the last correlationWindow returns", () => {
    const r = monitorDay({ ...book(40, 0.3), thresholds: { correlationWindow: 20, maxAverageCorrelation: 0.3 } });
    expect(r.correlation.observations).toBe(20);
  });
});

describe("monitorDay: performance drift and freshness alerts", () => {
  const base = panel(5);
  const live = monitorDay(base).performanceDrift;

  it("Sharpe change beyond the limit alerts; at the limit it does not", () => {
    expect(live.liveSharpe).not.toBeNull();
    const change = Math.abs(live.sharpeChange!);
    const at = monitorDay({ ...base, thresholds: { maxSharpeChange: change } });
    expect(at.performanceDrift.status).toBe("ok");
    expect(at.alerts.map((a) => a.key)).not.toContain("monitor:performance-drift");
    const beyond = monitorDay({ ...base, thresholds: { maxSharpeChange: change - 1e-9 } });
    expect(beyond.performanceDrift.status).toBe("review");
    expect(beyond.alerts.map((a) => a.key)).toContain("monitor:performance-drift");
  });

  it("stale data is a critical alert; the previous close is fresh", () => {
    // DATES[80] is a Monday… whatever its weekday, DATES[79] is one trading day before it
    expect(monitorDay({ ...base, lastDataDate: DATES[79] }).dataFreshness.status).toBe("ok");
    const stale = monitorDay({ ...base, lastDataDate: DATES[78] });
    expect(stale.dataFreshness).toMatchObject({ status: "stale", tradingDaysBehind: 2 });
    expect(stale.alerts.find((a) => a.key === "monitor:data-freshness")?.severity).toBe("critical");
    expect(monitorDay({ ...base, lastDataDate: null }).alerts.map((a) => a.key)).toContain("monitor:data-freshness");
  });

  it("bad arguments throw naming the value", () => {
    expect(() => monitorDay({ ...base, horizon: 0 })).toThrow(/horizon must be an integer ≥ 1.*got 0/);
    expect(() => monitorDay({ ...base, date: "2024-02-30" })).toThrow(/"2024-02-30" is not a calendar date/);
    expect(() => monitorDay({ ...base, thresholds: { quantiles: 1, minRolingIc: 0 } as never })).toThrow(
      /unknown threshold "minRolingIc".*quantiles must be ≥ 2/,
    );
  });
});
