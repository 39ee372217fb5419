/**
 * Walk-forward optimization of a rule strategy (src/quant/validation/walk-forward-search.ts):
 * no test price reaches a training choice, the stitched series is the test bars of each
 * window's choice, the genetic search is reproducible, several objectives give a front.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { walkForwardSearch, type WalkForwardSearchOptions } from "../../../src/quant/validation/walk-forward-search.ts";
import { evaluateStrategies } from "../../../src/quant/strategies/index.ts";

const DAY = 86_400_000;
/** Weekdays from 2019-01-01 for `n` bars, and a seeded random-walk panel of N symbols with a slow cycle. */
function market(T: number, N: number, seed = 1) {
  const days: number[] = [];
  for (let d = Date.UTC(2019, 0, 1) / DAY; days.length < T; d++) {
    const w = new Date(d * DAY).getUTCDay();
    if (w !== 0 && w !== 6) days.push(d);
  }
  const rng = createRng(seed);
  const close = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    let p = 50 + 10 * i;
    for (let t = 0; t < T; t++) {
      p *= 1 + 0.004 * Math.sin((2 * Math.PI * t) / (60 + 7 * i)) + 0.01 * rng.normal();
      close[t * N + i] = p;
    }
  }
  return { days: Int32Array.from(days), panel: { nRows: T, nAssets: N, close } };
}

const base = (m: ReturnType<typeof market>): WalkForwardSearchOptions => ({
  kind: "ma_cross",
  panel: m.panel,
  days: m.days,
  space: { fast: { type: "int", low: 2, high: 30, step: 2 }, slow: { type: "int", low: 10, high: 90, step: 10 } },
  constraint: (p) => (p.fast as number) < (p.slow as number),
  fixed: { long_only: false },
  search: { method: "grid", seed: 7 },
  objectives: ["sharpe"],
  walkForward: { train_months: 12, test_months: 6 },
  filters: { min_windows: 2, min_mean_sharpe: -10, max_sharpe_std: 10, max_mean_drawdown: -1, min_trades: 0 },
  lag: 1,
  commissionBps: 2,
  slippageBps: 3,
});

describe("walk-forward search", () => {
  const m = market(780, 6); // three years of weekdays: windows test 2020-01 … 2021-12

  it("a window's choice is made on its training bars only: perturbing a test window's prices leaves it and every earlier choice", async () => {
    const a = await walkForwardSearch(base(m));
    expect(a.windows.length).toBe(4);
    const k = 1;
    const [from, to] = a.windows[k].window.test;
    const close = Float64Array.from(m.panel.close);
    const rng = createRng(99);
    const N = m.panel.nAssets;
    // Every price from the test window's first bar on, scaled by a random factor per bar.
    for (let t = from; t < m.panel.nRows; t++) {
      const f = 0.7 + 0.6 * rng.next();
      for (let i = 0; i < N; i++) close[t * N + i] *= f;
    }
    const b = await walkForwardSearch({ ...base(m), panel: { ...m.panel, close } });
    for (let w = 0; w <= k; w++) {
      expect(b.windows[w].params, `window ${w}`).toEqual(a.windows[w].params);
      expect(b.windows[w].trainSharpe).toBe(a.windows[w].trainSharpe);
    }
    // The test window itself did see the change (its test figures moved): the check can fail.
    expect(b.windows[k].testReturn).not.toBe(a.windows[k].testReturn);
    expect(to).toBeGreaterThan(from);
  });

  it("the stitched series is each window's test bars of its choice, less the switching cost at its first bar", async () => {
    const o = base(m);
    const r = await walkForwardSearch({ ...o, commissionBps: 0, slippageBps: 0 });
    let at = 0;
    for (const w of r.windows) {
      const [ev] = evaluateStrategies("ma_cross", m.panel, [w.params as never], { keepReturns: true });
      for (let t = w.window.test[0]; t < w.window.test[1]; t++, at++) {
        expect(r.oos[at].row).toBe(t);
        expect(r.oos[at].ret).toBe(ev.returns![t]); // no costs: no switching cost
      }
    }
    expect(at).toBe(r.oos.length);
    // With costs, the first bar of each window pays the move from the previous choice (or from flat).
    const c = await walkForwardSearch(o);
    const first = c.windows[0];
    const [ev] = evaluateStrategies("ma_cross", m.panel, [first.params as never], {
      keepReturns: true,
      keepPositions: true,
      commissionBps: 2,
      slippageBps: 3,
    });
    const t0 = first.window.test[0];
    let held = 0;
    for (let i = 0; i < 6; i++) held += Math.abs(ev.positions![(t0 - 1) * 6 + i]);
    // From flat: κ·(1/N)Σ|pos[t₀−1]| with κ = 5 bp.
    expect(c.oos[0].ret).toBeCloseTo(ev.returns![t0] - 0.0005 * (held / 6), 15);
    // Each distinct set was evaluated once, whatever the number of windows.
    expect(new Set(c.evaluated.map((e) => JSON.stringify(e.params))).size).toBe(c.evaluated.length);
  });

  it("the stitched positions earn the stitched returns: R[t] = (1/N)·Σ_i held[t−1,i]·r[t,i] − κ·turnover[t]", async () => {
    const r = await walkForwardSearch(base(m)); // 2 + 3 bp: κ = 5e-4
    const N = m.panel.nAssets,
      { first, rows, positions } = r.held;
    expect(first).toBe(r.oos[0].row - 1);
    expect(first + rows - 1).toBe(r.oos.at(-1)!.row);
    const c = m.panel.close;
    for (const o of r.oos) {
      let pnl = 0;
      for (let i = 0; i < N; i++)
        pnl += positions[(o.row - 1 - first) * N + i] * (c[o.row * N + i] / c[(o.row - 1) * N + i] - 1);
      expect(o.ret, `row ${o.row}`).toBeCloseTo(pnl / N - 5e-4 * o.turnover, 12);
    }
    // The turnover the costs were charged on includes the switches: at least the net moves of held.
    let net = 0;
    for (let k = 1; k < rows; k++)
      for (let i = 0; i < N; i++) net += Math.abs(positions[k * N + i] - positions[(k - 1) * N + i]);
    for (let i = 0; i < N; i++) net += Math.abs(positions[i]); // built from flat
    const charged = r.oos.reduce((a, o) => a + o.turnover, 0);
    expect(charged).toBeGreaterThanOrEqual(net / N - 1e-12);
  });

  it("the genetic search is seeded: the same run twice is identical; several objectives give a front", async () => {
    const ga = { ...base(m), search: { method: "genetic" as const, seed: 3, population: 12, generations: 6 } };
    const x = await walkForwardSearch(ga);
    const y = await walkForwardSearch(ga);
    expect(JSON.stringify(x)).toBe(JSON.stringify(y));
    // The grid has 117 feasible points (fast 2…30 by 2 below slow 10…90 by 10: 4 + 9 + 14 + 6 × 15);
    // the GA, over all four windows and sharing evaluations between them, sees fewer.
    expect(x.evaluated.length).toBeLessThan(117);
    const multi = await walkForwardSearch({ ...base(m), objectives: ["sharpe", "turnover"], weights: [1, 1] });
    expect(multi.front.length).toBeGreaterThan(1);
    // On the front no point is better on both objectives than another.
    for (const p of multi.front)
      for (const q of multi.front)
        expect(q.objectives[0] > p.objectives[0] && q.objectives[1] > p.objectives[1]).toBe(false);
  });

  it("an unknown objective is a clear error", async () => {
    await expect(walkForwardSearch({ ...base(m), objectives: ["alpha" as never] })).rejects.toThrow(
      /choose from sharpe/,
    );
  });
});
