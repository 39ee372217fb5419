/**
 * stages/book.ts end to end on a small study: a ridge backtest cell and two rule strategies
 * (stages/strategies.ts) as sleeves; the books come from a test-only stage that writes a fixed
 * `selection.json` book (the select stage's contract). A book of the backtest cell alone, with
 * no cap binding and its schedule, lag and costs, is that cell; two long-short rule strategies
 * that trade against each other pay less in the book than apart; verify recomputes the books
 * byte for byte; a sleeve that is not a need is a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";

/** A select-stage stand-in: writes its `book` param as selection.json's book. */
const PICK = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ book: z.array(z.record(z.string(), z.unknown())) }),
  outputs: ["selection"],
  async run(ctx) {
    await ctx.writeJson("selection", { book: ctx.params.book });
  },
});
`;

const BT = `{ stage: backtest, cell: { model: ridge, optimizer: equal_weight }, id: "backtest[model=ridge,optimizer=equal_weight]", source: backtest, score: 0.8 }`;
const MA = `{ stage: strategies, cell: { kind: ma_cross }, id: "strategies[kind=ma_cross]", source: strategy, score: 0.6 }`;
const MR = `{ stage: strategies, cell: { kind: mean_reversion }, id: "strategies[kind=mean_reversion]", source: strategy, score: 0.5 }`;
const COSTS = `{ commission_bps: 2, slippage_bps: 3, stress_bps: [0, 5] }`;

const SPEC = `version: 1
seed: 5
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 16, start: "2018-01-02", end: "2020-12-31", sectors: 2 }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [ridge] }
    params: { folds: 3, minTrainDates: 250, horizon: 5, lag: 1 }
  backtest:
    uses: stages/backtest.ts
    needs: [data, train]
    matrix:
      model: { from: train }
      optimizer: [equal_weight]
    params:
      selection: { top: 5 }
      covariance: { window: 60 }
      constraints: { max_weight: 0.3 }
      costs: ${COSTS}
  strategies:
    uses: stages/strategies.ts
    needs: [data]
    matrix: { kind: [ma_cross, mean_reversion] }
    params:
      long_only: false
      walk_forward: { train_months: 12, test_months: 6 }
      costs: ${COSTS}
  pick_one:
    uses: stages/pick.ts
    params: { book: [${BT}] }
  pick_pair:
    uses: stages/pick.ts
    params: { book: [${MA}, ${MR}] }
  pick_mixed:
    uses: stages/pick.ts
    params: { book: [${BT}, ${MA}, ${MR}] }
  book_one:
    uses: stages/book.ts
    needs: [data, pick_one, backtest]
    params:
      selection: pick_one
      budgets: { strategy_max: 1, position_max: 1 }
      costs: ${COSTS}
  book_pair:
    uses: stages/book.ts
    needs: [data, pick_pair, strategies]
    params:
      selection: pick_pair
      budgets: { method: fixed, weights: [1, 1], strategy_max: 1, position_max: 1 }
      costs: ${COSTS}
  book_mixed:
    uses: stages/book.ts
    needs: [data, pick_mixed, backtest, strategies]
    params:
      selection: pick_mixed
      costs: ${COSTS}
`;

/** A book whose strategy sleeve is not among its needs. */
const MISSING = `
  book_missing:
    uses: stages/book.ts
    needs: [data, pick_mixed, backtest]
    params: { selection: pick_mixed }
`;

describe("stages/book.ts", () => {
  let p: TempProject;
  let run: ReturnType<TempProject["runJson"]>;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": SPEC,
      "stages/pick.ts": PICK,
      ...repoStages("data.ts", "features.ts", "labels.ts", "train.ts", "backtest.ts", "strategies.ts", "book.ts"),
    });
    run = p.runJson();
  }, 600_000);
  afterAll(() => p?.dispose());

  it("runs every book; a book of one sleeve says so", () => {
    expect(run.ok, run.stderr + JSON.stringify(run.raw.cells?.filter((c) => c.error))).toBe(true);
    for (const b of ["book_one", "book_pair", "book_mixed"]) expect(run.statuses[b], b).toBe("ran");
    const lock = p.read("pipeline.lock");
    expect(lock).toMatch(/has 1 sleeve: it is that strategy alone/);
  });

  it("the strategies write positions and regimes; summary.json has turnover_annual and calmar", async () => {
    const s = JSON.parse(p.read("data/strategies/kind=ma_cross/summary.json"));
    expect(s.turnover_annual).toBeGreaterThan(0);
    expect(typeof s.calmar === "number" || s.calmar === null).toBe(true);
    expect(s.decisions.lag).toBe(1);
    const pos = await queryDuck(
      `SELECT min(date)::VARCHAR AS first, max(date)::VARCHAR AS last, min(weight) AS lo, max(weight) AS hi ` +
        `FROM read_parquet('${p.root}/data/strategies/kind=ma_cross/positions.parquet')`,
    );
    expect(String(pos[0].first) >= s.decisions.first && String(pos[0].last) <= s.decisions.last).toBe(true);
    // Long-short equal sleeves of 1/16.
    expect(pos[0].lo).toBeCloseTo(-1 / 16, 15);
    expect(pos[0].hi).toBeCloseTo(1 / 16, 15);
    const reg = await queryDuck(
      `SELECT count(*) AS n, count(regime) AS with_regime FROM read_parquet('${p.root}/data/strategies/kind=ma_cross/returns.parquet')`,
    );
    expect(Number(reg[0].with_regime)).toBe(Number(reg[0].n));
  });

  it("a book of one backtest cell, no cap binding, same schedule, lag and costs, is that cell (1e-12)", async () => {
    const bt = await queryDuck(
      `SELECT date::VARCHAR AS date, net, costs, regime FROM read_parquet('${p.root}/data/backtest/model=ridge/optimizer=equal_weight/returns.parquet') ORDER BY date`,
    );
    const bk = await queryDuck(
      `SELECT date::VARCHAR AS date, net, costs, regime FROM read_parquet('${p.root}/data/book_one/returns.parquet') ORDER BY date`,
    );
    expect(bk.length).toBe(bt.length);
    expect(bk.length).toBeGreaterThan(200);
    bk.forEach((r, k) => {
      expect(r.date).toBe(bt[k].date);
      expect(Math.abs(Number(r.net) - Number(bt[k].net)), String(r.date)).toBeLessThan(1e-12);
      expect(Math.abs(Number(r.costs) - Number(bt[k].costs))).toBeLessThan(1e-12);
      expect(r.regime).toBe(bt[k].regime);
    });
    const m = JSON.parse(p.read("data/book_one/metrics.json"));
    expect(m.levels.strategy.bound_share).toBe(0);
    expect(m.levels.position.bound_share).toBe(0);
    expect(m.sleeves[0].in_book.mean_budget).toBe(1);
  });

  it("two rule strategies trading against each other pay less in one book than apart", () => {
    const m = JSON.parse(p.read("data/book_pair/metrics.json"));
    expect(m.sleeves.map((s: { id: string }) => s.id)).toEqual([
      "strategies[kind=ma_cross]",
      "strategies[kind=mean_reversion]",
    ]);
    for (const s of m.sleeves) expect(s.in_book.mean_budget).toBe(0.5);
    // Netting: the sleeves' positions partly cancel, and so do their trades.
    expect(m.netting.mean_gross_after).toBeLessThan(m.netting.mean_gross_before);
    expect(m.netting.book_costs).toBeLessThanOrEqual(m.netting.scaled_sleeve_costs);
    expect(m.netting.cost_saved).toBeGreaterThan(0);
    expect(m.netting.cost_saved).toBeCloseTo(m.netting.scaled_sleeve_costs - m.netting.book_costs, 8);
  });

  it("the mixed book holds the budgets within their caps; budgets add up to at most portfolio_max", async () => {
    const b = await queryDuck(
      `SELECT date::VARCHAR AS date, sum(budget) AS total, max(budget) AS top, count(*) AS n ` +
        `FROM read_parquet('${p.root}/data/book_mixed/budgets.parquet') GROUP BY date ORDER BY date`,
    );
    expect(b.length).toBeGreaterThan(20);
    for (const r of b) {
      expect(Number(r.top)).toBeLessThanOrEqual(0.4 + 1e-12);
      expect(Number(r.total)).toBeLessThanOrEqual(1 + 1e-12);
    }
    const w = await queryDuck(
      `SELECT max(abs(weight)) AS top, max(g) AS gross FROM (SELECT date, weight, sum(abs(weight)) OVER (PARTITION BY date) AS g ` +
        `FROM read_parquet('${p.root}/data/book_mixed/weights.parquet'))`,
    );
    expect(Number(w[0].top)).toBeLessThanOrEqual(0.15 + 1e-12);
    expect(Number(w[0].gross)).toBeLessThanOrEqual(1 + 1e-12);
    const m = JSON.parse(p.read("data/book_mixed/metrics.json"));
    expect(m.sleeves).toHaveLength(3);
    const cols = await queryDuck(`DESCRIBE SELECT * FROM read_parquet('${p.root}/data/book_mixed/returns.parquet')`);
    expect(cols.map((c) => c.column_name)).toEqual(
      expect.arrayContaining(["date", "gross", "net", "turnover", "costs", "equity", "regime", "net_stress_5"]),
    );
    expect(JSON.parse(p.read("data/book_mixed/attribution.json")).total_return).toBeTypeOf("number");
  });

  it("verify recomputes the books byte for byte", () => {
    const v = p.cli(["verify", "book_one", "book_pair", "book_mixed", "--json"], { timeoutMs: 600_000 });
    expect(v.code, v.stderr + v.stdout).toBe(0);
  });

  it("a sleeve that is not among the needs is an error naming it, with the fix", () => {
    p.write("pipeline.yaml", SPEC + MISSING);
    const r = p.runJson(["book_missing"]);
    expect(r.ok).toBe(false);
    const err = JSON.stringify(r.raw.cells?.find((c) => c.id === "book_missing")) + r.stderr;
    expect(err).toMatch(/strategies\[kind=ma_cross\]/);
    expect(err).toMatch(/add 'strategies' to the needs of 'book_missing'/);
  });
});
