/**
 * The ablation stage end to end on the small study: a matrix over two feature groups beside
 * train[model=ridge] and its equal-weight backtest. The full model's fits are train's (per-fold
 * rank IC equal to train's trials, daily IC equal to the IC of train's predictions), its book is
 * the backtest cell's (same Sharpe), every fit is in the trial registry, an unknown group stops
 * the run with a suggestion, and `pipeline verify` recomputes the cells byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, queryDuck, type TempProject } from "./helpers.ts";
import { studySpec, studyStages } from "./small-study.ts";
import { dailyIc } from "../../src/quant/stats/information-coefficient.ts";
import { loadCatalog } from "../../src/cli/catalog.ts";
import { createDatabase } from "../../src/store/index.ts";
import { ablationPage } from "../../src/report/site/ablation-page.ts";

const ABLATION = (groups: string) => `  ablation:
    uses: stages/ablation.ts
    needs: [features, labels, data]
    matrix: { group: [${groups}] }
    params:
      folds: 3
      minTrainDates: 250
      bootstrap: { resamples: 200 }
      permutations: 2
      top: 6
      book:
        covariance: { window: 60 }
        constraints: { max_weight: 0.3 }
        costs: { commission_bps: 2, slippage_bps: 3, stress_bps: [0] }
`;

const SPEC = studySpec({ optimizers: ["equal_weight"], extraStages: ABLATION("momentum, volume") });
const TARGETS = ["ablation", "backtest"];

type Row = Record<string, unknown>;
const q = (sql: string) => queryDuck(sql, "json") as Promise<Row[]>;

describe("ablation stage end to end", () => {
  let p: TempProject;
  let run: ReturnType<TempProject["runJson"]>;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...studyStages("ablation.ts") });
    run = p.runJson(TARGETS);
  }, 300_000);
  afterAll(() => p?.dispose());

  const path = (group: string, name: string) => `${p.root}/data/ablation/group=${group}/${name}.parquet`;

  it("runs one cell per group and writes effects, daily and trials", async () => {
    expect(run.ok, run.stderr + JSON.stringify(run.raw.cells)).toBe(true);
    for (const g of ["momentum", "volume"]) {
      expect(run.statuses[`ablation[group=${g}]`]).toBe("ran");
      const [e] = await q(`SELECT * FROM '${path(g, "effects")}'`);
      expect(e.group).toBe(g);
      expect(Number(e.n_dates)).toBeGreaterThan(300);
      expect(Number(e.delta_ic_lo)).toBeLessThanOrEqual(Number(e.delta_ic));
      expect(Number(e.delta_ic)).toBeLessThanOrEqual(Number(e.delta_ic_hi));
      expect(Number(e.delta_sharpe_lo)).toBeLessThanOrEqual(Number(e.delta_sharpe_hi));
      expect(Number(e.delta_ic)).toBeCloseTo(Number(e.ic_drop) - Number(e.ic_full), 12);
      expect(Number(e.delta_sharpe)).toBeCloseTo(Number(e.sharpe_drop) - Number(e.sharpe_full), 12);
    }
    const [m] = await q(`SELECT "columns" FROM '${path("momentum", "effects")}'`);
    expect(String(m.columns).split(",")).toEqual(
      expect.arrayContaining(["mom_5", "mom_20", "rev_5", "mom_20_rank", "mom_60_z"]),
    );
  });

  it("the full model is train's: per-fold rank IC and daily IC equal train's, Sharpe equals the backtest cell's", async () => {
    const mine = await q(`SELECT fold, metric FROM '${path("volume", "trials")}' WHERE trial = 0 ORDER BY fold`);
    const train = await q(`SELECT fold, metric FROM '${p.root}/data/train/model=ridge/trials.parquet' ORDER BY fold`);
    expect(mine.length).toBe(3);
    expect(mine).toEqual(train);

    const rows = await q(
      `SELECT epoch(p.date)::BIGINT // 86400 AS d, p.score, l.label FROM '${p.root}/data/train/model=ridge/predictions.parquet' p
       JOIN '${p.root}/data/labels/labels.parquet' l USING (date, symbol) WHERE l.label IS NOT NULL ORDER BY p.date, p.symbol`,
    );
    const ic = dailyIc(
      rows.map((r) => Number(r.score)),
      rows.map((r) => Number(r.label)),
      Int32Array.from(rows, (r) => Number(r.d)),
      { rank: true },
    );
    const daily = await q(
      `SELECT epoch(date)::BIGINT // 86400 AS d, ic_full FROM '${path("momentum", "daily")}' WHERE ic_full IS NOT NULL ORDER BY date`,
    );
    expect(daily.map((r) => Number(r.d))).toEqual(Array.from(ic.dates));
    expect(daily.map((r) => Number(r.ic_full))).toEqual(Array.from(ic.ic));

    const bt = JSON.parse(p.read("data/backtest/model=ridge/optimizer=equal_weight/metrics.json"));
    const [e] = await q(`SELECT sharpe_full FROM '${path("momentum", "effects")}'`);
    expect(typeof bt.metrics.sharpe).toBe("number");
    expect(Number.isFinite(Number(e.sharpe_full))).toBe(true);
    expect(Number(e.sharpe_full)).toBeCloseTo(bt.metrics.sharpe, 7);
  });

  it("records every fit as a trial of the registry", () => {
    const lines = p
      .read("pipeline.trials.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const g of ["momentum", "volume"]) {
      const mine = lines.filter((l) => l.cell === `ablation[group=${g}]`);
      expect(mine.map((l) => l.kind)).toEqual(["tuning", "tuning"]);
      expect(mine.some((l) => JSON.parse(l.params).dropped === g)).toBe(true);
    }
  });

  it("verify recomputes the ablation cells byte for byte", () => {
    const v = p.cli(["verify", "ablation", "--json"], { timeoutMs: 300_000 });
    expect(v.code, v.stderr + v.stdout).toBe(0);
  });

  it("the ablation page shows both groups with their intervals", async () => {
    const catalog = await loadCatalog({ cwd: p.root });
    const db = await createDatabase();
    const conn = await db.connect();
    try {
      const body = String(await ablationPage.build({ catalog, conn, provenance: "lock" }));
      expect(body).toContain("Change of rank IC without each group — ablation");
      expect(body).toContain("Sharpe without each group — ablation");
      expect(body.match(/<figure /g)?.length).toBe(2);
      expect(body).toContain("momentum");
      expect(body).toContain("volume");
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it("an unknown group stops the run, naming the nearest group", () => {
    p.write("pipeline.yaml", studySpec({ optimizers: ["equal_weight"], extraStages: ABLATION("volatilty") }));
    const r = p.cli(["run", "ablation"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/feature group 'volatilty' is not one of/);
    expect(r.stdout + r.stderr).toMatch(/volatility/);
  });
});
