/**
 * The deflated Sharpe ratio against a benchmark, end to end through the real stats and select
 * stages: a long-only cell that loses to the 1/N portfolio has DSR ≈ 1 against 0 (a rising
 * market is easy to beat) but fails `min_dsr` on its active returns; a cell that beats 1/N
 * passes. Upstream stages are hand-made so the answer is known: with market returns b,
 *   loser  r = 0.7·b + ε   (active mean −0.3·E[b] < 0: information ratio < 0)
 *   winner r = b + 0.0004 + ε, ε ~ N(0, 0.002²)  (information ratio ≈ 0.0004/0.002·√252 ≈ 3.2)
 *   shorty r = b + ε with one short weight: tested against zero under `benchmark: auto`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";

const MARKET = `import { createRng } from "../src/core/rng.ts";
export const DAYS = 1500;
export const dates = Int32Array.from({ length: DAYS }, (_, i) => 10957 + i);
const rng = createRng(11);
export const market = Float64Array.from({ length: DAYS }, () => 0.0006 + 0.01 * rng.normal());
export function noise(seed: number): Float64Array {
  const r = createRng(seed);
  return Float64Array.from({ length: DAYS }, () => 0.002 * r.normal());
}
`;

const BASELINES =
  `import { defineStage, z } from "../src/index.ts";
import { dates, market, DAYS } from "./market.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["returns"],
  async run(ctx) {
    await ctx.writeTable("returns", { columns: { strategy: new Array(DAYS).fill("equal_weight"), date: dates, net: ` +
  `market }, types: { date: "DATE" } }, { orderBy: ["strategy", "date"] });
  },
});
`;

const BACKTEST =
  `import { defineStage, z } from "../src/index.ts";
import { dates, market, noise, DAYS } from "./market.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["returns", "weights", "metrics"],
  async run(ctx) {
    const model = String(ctx.cell.model);
    const e = noise(model.length);
    const net = Float64Array.from(market, (b, i) => (model === "loser" ? 0.7 * b : model === "winner" ? b + 0.0004 : ` +
  `b) + e[i]);
    await ctx.writeTable("returns", { columns: { date: dates, net, regime: new Array(DAYS).fill(null) }, types: { ` +
  `date: "DATE", regime: "VARCHAR" } }, { orderBy: ["date"] });
    const w = model === "shorty" ? [0.6, 0.6, -0.2] : [0.4, 0.3, 0.3];
    await ctx.writeTable("weights", { columns: { date: Int32Array.from([dates[0], dates[0], dates[0]]), symbol: ` +
  `["A", "B", "C"], weight: Float64Array.from(w) }, types: { date: "DATE" } }, { orderBy: ["date", "symbol"] });
    await ctx.writeJson("metrics", { metrics: { calmar: 1 }, turnover_annual: 0.1, benchmark: { sharpe: 0.9 }, ` +
  `params: {}, seed: ctx.seed });
  },
});
`;

const spec = (statsParams = "") => `version: 1
stages:
  baselines:
    uses: stages/baselines.ts
  backtest:
    uses: stages/backtest.ts
    matrix:
      model: [loser, winner, shorty]
      optimizer: [fixed]
  stats:
    uses: stages/stats.ts
    needs: [backtest, baselines]
    params: { bootstrap: { resamples: 200 }, monte_carlo: { paths: 200 }, reality_check: { resamples: 200 }${statsParams} }
  champion:
    uses: stages/select.ts
    needs: [stats, backtest]
    params: { thresholds: { min_dsr: 0.95, max_drawdown: -0.99, max_turnover: 10, beat_benchmark: false } }
`;

type Row = {
  cell: string;
  benchmark: string;
  dsr: number;
  dsr_active: number;
  psr: number;
  psr_active: number;
  information_ratio: number;
  information_ratio_lo: number;
  information_ratio_hi: number;
};

describe("DSR against the benchmark", () => {
  let p: TempProject;
  const rows = async () =>
    (await queryDuck(
      `SELECT cell, benchmark, dsr, dsr_active, psr, psr_active, information_ratio, information_ratio_lo, ` +
        `information_ratio_hi FROM '${p.root}/data/stats/cells.parquet' ORDER BY cell`,
    )) as Row[];
  const byModel = async () => Object.fromEntries((await rows()).map((r) => [r.cell.match(/model=(\w+)/)![1], r]));

  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": spec(),
      "stages/market.ts": MARKET,
      "stages/baselines.ts": BASELINES,
      "stages/backtest.ts": BACKTEST,
      ...repoStages("stats.ts", "select.ts", "lib/baseline.ts"),
    });
    const r = p.runJson();
    expect(r.ok, r.stderr + JSON.stringify(r.raw)).toBe(true);
  }, 180_000);
  afterAll(() => p?.dispose());

  it(
    "a long-only cell losing to 1/N: " + "DSR ≈ 1 against 0, below 0.5 on its active returns; it fails min_dsr",
    async () => {
      const m = await byModel();
      expect(m.loser.benchmark).toBe("one_over_n");
      expect(m.loser.dsr).toBeGreaterThan(0.95); // the old question: does it beat 0? Trivially.
      expect(m.loser.information_ratio).toBeLessThan(0);
      expect(m.loser.information_ratio_hi).toBeLessThan(0);
      expect(m.loser.dsr_active).toBeLessThan(0.05);
      const sel = JSON.parse(p.read("data/champion/selection.json"));
      const loser = sel.candidates.find((c: { cell: string }) => c.cell.includes("loser"));
      expect(loser.passed).toBe(false);
      expect(loser.reasons.join(" ")).toMatch(/DSR against one_over_n 0\.0\d\d < 0\.95/);
    },
  );

  it(
    "a cell beating 1/N passes on active returns, and is the champion; " + "its information ratio is the planted one",
    async () => {
      const m = await byModel();
      // IR = 0.0004/0.002·√252 = 3.17 planted; the estimate's 95 % interval must cover it.
      expect(m.winner.information_ratio_lo).toBeLessThan(3.17);
      expect(m.winner.information_ratio_hi).toBeGreaterThan(3.17);
      expect(m.winner.dsr_active).toBeGreaterThan(0.95);
      expect(JSON.parse(p.read("data/champion/selection.json")).champion).toMatch(/model=winner/);
    },
  );

  it("a cell holding a short is tested against zero under auto; the matrix's tests then run against zero", async () => {
    const m = await byModel();
    expect(m.shorty.benchmark).toBe("zero");
    // Its active returns are its returns: the same PSR; its active DSR is deflated within the
    // family of active series (N and V of the information ratios), not the raw one.
    expect(m.shorty.psr_active).toBe(m.shorty.psr);
    const mx = JSON.parse(p.read("data/stats/matrix.json"));
    expect(mx.benchmark).toBe("zero");
    expect(mx.trials).toMatchObject({ raw: 3, matrix_series: 3 });
    expect(mx.trials.active.raw).toBe(3);
  });

  it(
    "benchmark: zero asks the old question, and the loser then passes min_dsr — the benchmark is what makes it " +
      "fail",
    async () => {
      p.write("pipeline.yaml", spec(", benchmark: zero"));
      const r = p.runJson();
      expect(r.ok, r.stderr + JSON.stringify(r.raw)).toBe(true);
      const m = await byModel();
      expect(m.loser.benchmark).toBe("zero");
      expect(m.loser.dsr_active, JSON.stringify(m)).toBeGreaterThan(0.95);
      const sel = JSON.parse(p.read("data/champion/selection.json"));
      expect(sel.candidates.find((c: { cell: string }) => c.cell.includes("loser")).passed).toBe(true);
    },
  );

  it(
    "a benchmark the baselines stage lacks is an error naming it, with a suggestion; the lock keeps the last good " +
      "run",
    () => {
      const before = p.read("pipeline.lock");
      p.write("pipeline.yaml", spec(", benchmark: equal_wieght"));
      const r = p.cli(["run"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toMatch(/benchmark 'equal_wieght'.*no strategy 'equal_wieght'/);
      expect(r.stderr + r.stdout).toMatch(/did you mean 'equal_weight'/i);
      expect(p.read("pipeline.lock")).toBe(before);
    },
  );
});
