/**
 * Invariants of every kind, on seeded random panels with listings, a delisting, missing bars,
 * highs and lows:
 * - evaluating K sets at once gives each exactly (Object.is) the numbers it gets alone;
 * - the numbers are the book's definition, computed bar by bar in helpers.ts (referenceBook);
 * - no look-ahead: changing every price after row t changes no decision, position or return ≤ t.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import {
  evaluateStrategies,
  STRATEGY_KIND_NAMES,
  type StrategyKindName,
  type StrategyPanel,
  strategySignals,
} from "../../../src/quant/strategies/index.ts";
import { randomPanel, randomParams, referenceBook } from "./helpers.ts";

type Params = Parameters<typeof evaluateStrategies>[2][number];
const evaluate = (kind: StrategyKindName, panel: StrategyPanel, sets: unknown[], options = {}) =>
  evaluateStrategies(kind, panel, sets as Params[], options);

const METRICS = ["totalReturn", "sharpe", "maxDrawdown", "trades", "meanTurnover", "winRate", "meanExposure"] as const;

describe.each(STRATEGY_KIND_NAMES)("%s", (kind) => {
  const panel = randomPanel(101, 260, 5);

  it("300 sets at once give each set exactly its numbers alone (lag 1 and 3, with costs)", () => {
    const rng = createRng(202);
    const sets = Array.from({ length: 300 }, () => randomParams(kind, rng));
    for (const lag of [1, 3]) {
      const options = { lag, commissionBps: 2, slippageBps: 3, keepReturns: true };
      const all = evaluate(kind, panel, sets, options);
      let mismatches = 0;
      sets.forEach((p, k) => {
        const [alone] = evaluate(kind, panel, [p], options);
        for (const m of METRICS) if (!Object.is(alone.metrics[m], all[k].metrics[m])) mismatches++;
        alone.returns!.forEach((x, t) => {
          if (!Object.is(x, all[k].returns![t])) mismatches++;
        });
      });
      expect(mismatches).toBe(0);
    }
  });

  it("the order of the sets changes nothing", () => {
    const rng = createRng(303);
    const sets = Array.from({ length: 60 }, () => randomParams(kind, rng));
    const reversed = [...sets].reverse();
    const a = evaluate(kind, panel, sets, { keepReturns: true }),
      b = evaluate(kind, panel, reversed, { keepReturns: true }).reverse();
    a.forEach((e, k) => {
      for (const m of METRICS) expect(Object.is(e.metrics[m], b[k].metrics[m])).toBe(true);
      expect(Array.from(e.returns!)).toEqual(Array.from(b[k].returns!));
    });
  });

  it("matches the book's definition bar by bar (referenceBook) for 40 sets", () => {
    const rng = createRng(404);
    const sets = Array.from({ length: 40 }, () => randomParams(kind, rng));
    const kappa = (4 + 1) / 1e4;
    for (const lag of [1, 2]) {
      const all = evaluate(kind, panel, sets, {
        lag,
        commissionBps: 4,
        slippageBps: 1,
        keepReturns: true,
        keepPositions: true,
      });
      sets.forEach((p, k) => {
        const ref = referenceBook(panel, strategySignals(kind, panel, p as Params), lag, kappa);
        const e = all[k];
        expect(Array.from(e.positions!)).toEqual(Array.from(ref.positions));
        // The evaluator sums exactly and rounds once; the reference rounds per term.
        e.returns!.forEach((x, t) => expect(Math.abs(x - ref.R[t])).toBeLessThan(1e-15));
        const NT = panel.nRows * panel.nAssets;
        expect(e.metrics.trades).toBe(ref.trades);
        expect(e.metrics.meanTurnover).toBe(ref.traded / NT);
        expect(e.metrics.meanExposure).toBe(ref.exposed / NT);
        expect(e.metrics.winRate).toBe(ref.heldWithReturn ? ref.wins / ref.heldWithReturn : NaN);
      });
    }
  });

  it("no look-ahead: prices after row t change nothing up to t", () => {
    const rng = createRng(505);
    const sets = Array.from({ length: 20 }, () => randomParams(kind, rng));
    const { nRows: T, nAssets: N } = panel;
    const before = evaluate(kind, panel, sets, { lag: 1, commissionBps: 3, keepReturns: true, keepPositions: true });
    const decided = sets.map((p) => strategySignals(kind, panel, p as Params));
    for (const t of [40, 131, 200]) {
      // Every close, high and low after t scaled by a random factor (NaN stays NaN).
      const shock = (a: Float64Array) => a.map((v, j) => (j >= (t + 1) * N ? v * (0.5 + rng.next()) : v));
      const later: StrategyPanel = {
        ...panel,
        close: shock(panel.close),
        high: shock(panel.high!),
        low: shock(panel.low!),
      };
      const after = evaluate(kind, later, sets, { lag: 1, commissionBps: 3, keepReturns: true, keepPositions: true });
      sets.forEach((p, k) => {
        const d = strategySignals(kind, later, p as Params);
        expect(Array.from(d.subarray(0, (t + 1) * N))).toEqual(Array.from(decided[k].subarray(0, (t + 1) * N)));
        const upTo = (a: ArrayLike<number>) => Array.from(a).slice(0, (t + 1) * N);
        expect(upTo(after[k].positions!)).toEqual(upTo(before[k].positions!));
        expect(Array.from(after[k].returns!.subarray(0, t + 1))).toEqual(
          Array.from(before[k].returns!.subarray(0, t + 1)),
        );
      });
      // …and the perturbation did reach later rows.
      expect(after.some((e, k) => e.metrics.totalReturn !== before[k].metrics.totalReturn)).toBe(true);
    }
    expect(T).toBe(260);
  });

  it("warm-up: every decision before the kind's warm-up row is flat", async () => {
    const { STRATEGY_KINDS } = await import("../../../src/quant/strategies/index.ts");
    const spec = STRATEGY_KINDS[kind] as unknown as {
      warmup(p: unknown): number;
      schema: { parse(p: unknown): unknown };
    };
    const rng = createRng(606);
    const clean = randomPanel(7, 120, 3, { gaps: false });
    for (let s = 0; s < 30; s++) {
      const p = randomParams(kind, rng);
      const w = spec.warmup(spec.schema.parse(p));
      const d = strategySignals(kind, clean, p as Params);
      expect(Array.from(d.subarray(0, w * 3))).toEqual(new Array(w * 3).fill(0));
    }
  });
});

describe("long_only vs long-short", () => {
  it("long-only decisions are long-short ones without the short side, for every kind", () => {
    const panel = randomPanel(9, 200, 4);
    const rng = createRng(10);
    for (const kind of STRATEGY_KIND_NAMES) {
      for (let s = 0; s < 10; s++) {
        const p = { ...randomParams(kind, rng), long_only: false };
        const ls = strategySignals(kind, panel, p as Params),
          lo = strategySignals(kind, panel, { ...p, long_only: true } as Params);
        expect(lo.every((d) => d === 0 || d === 1)).toBe(true);
        if (kind === "ma_cross" || kind === "ts_momentum") {
          // Stateless rules: flat exactly where long-short is short.
          expect(Array.from(lo)).toEqual(Array.from(ls, (d) => Math.max(d, 0)));
          continue;
        }
        // Stateful rules: identical until the long-short version first goes short (from then on a
        // short can delay its next long).
        for (let i = 0; i < panel.nAssets; i++) {
          for (let t = 0; t < panel.nRows; t++) {
            const j = t * panel.nAssets + i;
            if (ls[j] === -1) break;
            expect(lo[j]).toBe(ls[j]);
          }
        }
      }
    }
  });

  it("a long-short book earns the long-only book plus the short side (stateless kinds, no costs)", () => {
    // R_ls − R_lo = (1/N) Σ_i min(pos, 0)·r: with d_lo = max(d_ls, 0), the difference is the shorts.
    const panel = randomPanel(12, 150, 3, { gaps: false });
    const p = { fast: 3, slow: 11 };
    const [ls] = evaluate("ma_cross", panel, [{ ...p, long_only: false }], { keepReturns: true, keepPositions: true });
    const [lo] = evaluate("ma_cross", panel, [p], { keepReturns: true });
    const { nRows: T, nAssets: N, close } = panel;
    for (let t = 1; t < T; t++) {
      let short = 0;
      for (let i = 0; i < N; i++) {
        const q = ls.positions![(t - 1) * N + i];
        if (q < 0) short += (q * (close[t * N + i] / close[(t - 1) * N + i] - 1)) / N;
      }
      expect(ls.returns![t] - lo.returns![t]).toBeCloseTo(short, 14);
    }
  });
});
