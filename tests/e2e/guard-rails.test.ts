/**
 * Guard rails of the study (issue 13, items 3 and 4), through the real CLI on temp projects:
 * - the purge comes from the labels: train takes `horizon` and `lag` from the labels stage, no
 *   training row's label window overlaps a test fold (default CV, and horizon 20), and a train
 *   horizon contradicting the labels' is a plan-time error (exit 2, nothing run);
 * - config sanity: cost stress levels not increasing stop the run; caps that force cash, a
 *   max_sharpe cell that is really min_variance, and a selection that keeps every name are
 *   said in `run`, `status --json`, the lock, the cell's metrics and the report's overview.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { openProject, stageParams } from "../../src/pipeline/project.ts";
import { parseLock } from "../../src/pipeline/lock.ts";
import { makeFolds } from "../../stages/train.ts";
import { createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";

// ------------------------------------------------------------------ item 3: purge from the labels

const labelsSpec = (labels: string, train = "folds: 3, minTrainDates: 250") => `version: 1
seed: 5
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 12, start: "2018-01-02", end: "2020-12-31", sectors: 3 }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { ${labels} }
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [ridge] }
    params: { ${train} }
`;

interface LabelRows {
  dates: Int32Array;
  entry: Int32Array;
  exit: Int32Array;
}

/**
 * The labelled rows in train's order (date, symbol), each with its label window as positions
 * on the panel's dates: entry = the bar `lag` rows later, exit = `lag + horizon` rows later
 * in the symbol's own rows (stages/labels.ts), so gaps would widen the window, never hide it.
 */
async function labelRows(root: string, lag: number, horizon: number): Promise<LabelRows> {
  const rows = await queryDuck(
    `
    WITH px AS (SELECT date, symbol FROM '${root}/data/data/prices.parquet'),
    pos AS (SELECT date, (dense_rank() OVER (ORDER BY date))::INTEGER AS pos FROM (SELECT DISTINCT date FROM px)),
    w AS (SELECT p.date, p.symbol, lead(pos.pos, ${lag}) OVER s AS entry, lead(pos.pos, ${lag + horizon}) OVER s AS exit
            FROM px p JOIN pos USING (date) WINDOW s AS (PARTITION BY p.symbol ORDER BY p.date))
    SELECT (w.date - DATE '1970-01-01')::INTEGER AS day, w.entry, w.exit
      FROM w JOIN '${root}/data/labels/labels.parquet' l USING (date, symbol)
     WHERE l.label IS NOT NULL ORDER BY w.date, w.symbol`,
    "js",
  );
  return {
    dates: Int32Array.from(rows, (r) => Number(r.day)),
    entry: Int32Array.from(rows, (r) => Number(r.entry)),
    exit: Int32Array.from(rows, (r) => Number(r.exit)),
  };
}

/** (train row, test row) pairs of a fold split whose label windows share a bar, over every fold. */
function overlappingPairs(rows: LabelRows, folds: ReturnType<typeof makeFolds>): number {
  let pairs = 0;
  for (const f of folds) {
    // Test windows as a sorted list of [entry, exit] intervals (one per test row).
    const test = Array.from(f.test, (r) => [rows.entry[r], rows.exit[r]] as const).sort((a, b) => a[0] - b[0]);
    for (const r of f.train) {
      const [a, b] = [rows.entry[r], rows.exit[r]];
      for (const [c, d] of test) {
        if (c > b) break;
        if (d >= a) pairs++;
      }
    }
  }
  return pairs;
}

describe("the purge comes from the labels", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": labelsSpec("horizon: 20, lag: 1"),
      ...repoStages("data.ts", "features.ts", "labels.ts", "train.ts"),
    });
    const r = p.cli(["run", "labels"]);
    if (r.code !== 0) throw new Error(r.stderr);
  }, 120_000);
  afterAll(() => p.dispose());

  it("train takes horizon and lag from the labels stage when pipeline.yaml leaves them out", async () => {
    const project = await openProject({ cwd: p.root });
    expect(await stageParams(project, "train")).toMatchObject({ horizon: 20, lag: 1 });
  });

  it(
    "horizon 20: no training row's label window overlaps a test row's (walk-forward, " + "the default, and k-fold)",
    async () => {
      const project = await openProject({ cwd: p.root });
      const params = (await stageParams(project, "train")) as Parameters<typeof makeFolds>[1];
      const rows = await labelRows(p.root, 1, 20);
      expect(rows.dates.length).toBeGreaterThan(5000);
      const wf = makeFolds(rows.dates, params);
      expect(wf.length).toBeGreaterThanOrEqual(2);
      expect(overlappingPairs(rows, wf)).toBe(0);
      expect(overlappingPairs(rows, makeFolds(rows.dates, { ...params, cv: "kfold" }))).toBe(0);
      // What a train horizon of 5 (the old default, not tied to the labels) did on the same rows.
      expect(overlappingPairs(rows, makeFolds(rows.dates, { ...params, horizon: 5 }))).toBeGreaterThan(1000);
    },
  );

  it("the default CV settings with the default labels (horizon 5, lag 1): no overlap", async () => {
    p.write("pipeline.yaml", labelsSpec("transform: raw"));
    expect(p.cli(["run", "labels"]).code).toBe(0);
    const project = await openProject({ cwd: p.root });
    const params = (await stageParams(project, "train")) as Parameters<typeof makeFolds>[1];
    expect(params).toMatchObject({ horizon: 5, lag: 1, cv: "walk_forward", folds: 3 });
    const rows = await labelRows(p.root, 1, 5);
    expect(overlappingPairs(rows, makeFolds(rows.dates, params))).toBe(0);
    expect(overlappingPairs(rows, makeFolds(rows.dates, { ...params, cv: "kfold" }))).toBe(0);
    p.write("pipeline.yaml", labelsSpec("horizon: 20, lag: 1"));
  });

  it("horizon 20 leaves fewer walk-forward folds than asked: train says so (a warning in the lock)", () => {
    const r = p.cli(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
    expect(lock.cells["train[model=ridge]"].params).toMatchObject({ horizon: 20, lag: 1 });
    expect(lock.cells["train[model=ridge]"].warnings).toEqual([
      expect.stringMatching(
        /^2 of the 3 walk-forward folds asked for were evaluated: the first 1 had fewer than minTrainDates 250 training dates after the purge \(horizon 20 \+ lag 1\), so the predictions start at 20\d\d-\d\d-\d\d; lower minTrainDates or folds/,
      ),
    ]);
  }, 120_000);

  it("train horizon 5 with labels horizon 20: exit 2 before anything runs, naming both stages and values", () => {
    p.write("pipeline.yaml", labelsSpec("horizon: 20, lag: 1", "folds: 3, minTrainDates: 250, horizon: 5, lag: 1"));
    const lock = p.read("pipeline.lock");
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing was run");
    expect(r.stderr).toMatch(
      /pipeline\.yaml:18:\d+: train\.params\.horizon is 5, but stage 'labels' has horizon 20 \(pipeline\.yaml:13:\d+\); 'train' takes horizon from 'labels'/,
    );
    expect(r.stderr).toContain(
      "remove horizon from stages.train.params in pipeline.yaml (it is taken from 'labels'), or set both to the same " +
        "value",
    );
    expect(p.read("pipeline.lock")).toBe(lock);
    p.write("pipeline.yaml", labelsSpec("horizon: 20, lag: 1"));
  });
});

// ------------------------------------------------------------------ item 4: config sanity

const studySpec = (o: { stress?: string; baselineCosts?: string } = {}) => `version: 1
seed: 9
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 12, start: "2018-01-02", end: "2020-12-31", sectors: 3 }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [ridge] }
    params: { folds: 3, minTrainDates: 250 }
  baselines:
    uses: stages/baselines.ts
    needs: [data, train]
    params:
      strategies: [equal_weight]
      costs: ${o.baselineCosts ?? "&costs { commission_bps: 1, slippage_bps: 2, stress_bps: [0, 5] }"}
  backtest:
    uses: stages/backtest.ts
    needs: [data, train, baselines]
    matrix:
      model: { from: train }
      optimizer: [max_sharpe, equal_weight]
    params:
      selection: { top: 5 }
      covariance: { window: 60 }
      constraints: { max_weight: 0.15 }
      costs: ${o.stress ? `{ commission_bps: 1, slippage_bps: 2, stress_bps: ${o.stress} }` : "*costs"}
  wide:
    uses: stages/backtest.ts
    needs: [data, train, baselines]
    matrix:
      model: { from: train }
      optimizer: [equal_weight]
    params:
      selection: { top: 12 }
      covariance: { window: 60 }
      constraints: { max_weight: 0.3 }
      costs: { commission_bps: 1, slippage_bps: 2, stress_bps: [0, 5] }
`;

const MS = "backtest[model=ridge,optimizer=max_sharpe]";
const EW = "backtest[model=ridge,optimizer=equal_weight]";
const WIDE = "wide[model=ridge,optimizer=equal_weight]";

describe("config sanity: contradictions stop the run, everything else is said", () => {
  let p: TempProject;
  let run: { code: number; stderr: string };
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": studySpec(),
      ...repoStages(
        "data.ts",
        "features.ts",
        "labels.ts",
        "train.ts",
        "baselines.ts",
        "backtest.ts",
        "lib/portfolio.ts",
        "lib/baseline.ts",
      ),
    });
    run = p.cli(["run"]);
    if (run.code !== 0) throw new Error(run.stderr);
  }, 300_000);
  afterAll(() => p.dispose());

  it("plan time: top × max_weight < 1 says the share of the book in cash and that max_sharpe will fall back", () => {
    expect(run.stderr).toMatch(
      /warning: pipeline\.yaml:\d+:\d+: backtest: params\.constraints\.max_weight: selection\.top 5 × constraints\.max_weight 0\.15 = 0\.75 < 1: 25 % of the book sits in cash at every rebalance; max_sharpe cannot reach full investment under these caps and falls back to min_variance on every rebalance → raise constraints\.max_weight to at least 0\.2 or selection\.top to at least 7/,
    );
  });

  it(
    "a max_sharpe cell that fell back on every rebalance says what it was: " + "metrics, metrics.json, lock warning",
    () => {
      const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
      expect(lock.cells[MS].metrics).toMatchObject({
        optimizer_effective: "min_variance",
        fallback_share: 1,
        forced_cash_share: 0.25,
      });
      expect(lock.cells[EW].metrics).toMatchObject({ optimizer_effective: "equal_weight", fallback_share: 0 });
      const doc = JSON.parse(p.read("data/backtest/model=ridge/optimizer=max_sharpe/metrics.json"));
      expect(doc).toMatchObject({
        optimizer: "max_sharpe",
        optimizer_effective: "min_variance",
        optimizer_label: "max_sharpe → min_variance on 100 % of rebalances",
        fallback_share: 1,
      });
      expect(lock.cells[MS].warnings).toEqual([
        expect.stringMatching(
          /^max_sharpe → min_variance on 100 % of rebalances: the cell's weights are mostly min_variance's, not max_sharpe's \(optimizer_effective = min_variance, fallback_share = 1/,
        ),
        expect.stringMatching(/^the weight caps left 25 % of the book in cash on average \(on 100 % of rebalances\)/),
      ]);
      expect(JSON.parse(p.read("data/backtest/model=ridge/optimizer=equal_weight/metrics.json")).optimizer_label).toBe(
        "equal_weight",
      );
      expect(run.stderr).toContain(`warning ${MS}: max_sharpe → min_variance on 100 % of rebalances`);
    },
  );

  it("the forced cash is real: the book holds 75 % of its equity in the names", async () => {
    const [r] = await queryDuck(
      `SELECT avg(cash) AS cash FROM '${p.root}/data/backtest/model=ridge/optimizer=equal_weight/returns.parquet'`,
    );
    expect(Number(r.cash)).toBeGreaterThan(0.2);
  });

  it("run time: a selection that keeps every name is a warning (12 symbols, top 12)", () => {
    const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
    expect(lock.cells[WIDE].warnings).toEqual([
      expect.stringMatching(
        /^selection\.top 12 kept every eligible name on 100 % of rebalances \(1?\d(\.\d)? eligible on average, 12 symbols in the prices\): the cell is the optimizer over the whole universe/,
      ),
    ]);
    expect(JSON.parse(p.read("data/wide/model=ridge/optimizer=equal_weight/metrics.json")).selection).toMatchObject({
      universe: 12,
      noop_share: 1,
    });
  });

  it("status --json lists plan and cell warnings of fresh cells; the report's overview shows them", () => {
    const st = JSON.parse(p.cli(["status", "--json"]).stdout);
    expect(st.upToDate).toBe(true);
    const msgs = (st.warnings as Array<{ source: string; cell?: string; message: string }>).map(
      (w) => `${w.source} ${w.cell ?? ""} ${w.message}`,
    );
    expect(
      msgs.some((m) =>
        m.startsWith("plan  selection.top 5 × constraints.max_weight 0.15 = 0.75 < 1: 25 % of the book"),
      ),
    ).toBe(true);
    expect(msgs.some((m) => m.startsWith(`run ${MS} max_sharpe → min_variance on 100 % of rebalances`))).toBe(true);
    expect(msgs.some((m) => m.startsWith(`run ${WIDE} selection.top 12 kept every eligible name`))).toBe(true);
    const again = p.cli(["run"]);
    expect(again.stderr).toMatch(/Everything is up to date/);
    expect(again.stderr).toMatch(/\d+ warnings:\n/);
    expect(again.stderr).toContain(`${MS}: max_sharpe → min_variance on 100 % of rebalances`);
    expect(p.cli(["report"]).code).toBe(0);
    const html = readFileSync(join(p.root, "reports/index.html"), "utf8");
    expect(html).toContain("max_sharpe → min_variance on 100 % of rebalances");
    expect(html).toContain("25 % of the book sits in cash at every rebalance");
  });

  it("baselines under other costs than the cells: a plan warning on backtest.costs", () => {
    p.write(
      "pipeline.yaml",
      studySpec({ baselineCosts: "&costs { commission_bps: 5, slippage_bps: 5, stress_bps: [0, 5] }" }).replace(
        "costs: *costs",
        "costs: { commission_bps: 1, slippage_bps: 2, stress_bps: [0, 5] }",
      ),
    );
    const st = JSON.parse(p.cli(["status", "--json"]).stdout);
    expect(
      (st.warnings as Array<{ param?: string; stage: string; message: string }>).some(
        (w) => w.stage === "backtest" && w.param === "costs" && w.message.startsWith("the baselines pay other costs"),
      ),
    ).toBe(true);
    p.write("pipeline.yaml", studySpec());
  });

  it("cost stress levels not increasing: exit 2 before anything runs, lock untouched", () => {
    const lock = p.read("pipeline.lock");
    p.write("pipeline.yaml", studySpec({ stress: "[0, 10, 3]" }));
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing was run");
    expect(r.stderr).toMatch(
      /stage 'backtest' has contradictory settings:\n {2}pipeline\.yaml:\d+:\d+: params\.costs\.stress_bps: cost stress levels must increase: \[0, 10, 3\] has 3 after 10\n {2}→ write stress_bps: \[0, 3, 10\]/,
    );
    expect(p.read("pipeline.lock")).toBe(lock);
    p.write("pipeline.yaml", studySpec());
  });

  it("the lock stays parseable YAML with the warnings in it", () => {
    const doc = parse(p.read("pipeline.lock")) as { cells: Record<string, { warnings?: string[] }> };
    expect(doc.cells[MS].warnings?.length).toBe(2);
  });
});
