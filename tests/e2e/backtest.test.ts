/**
 * The backtest matrix and the baselines end to end through the real CLI on a temp project:
 * data → features, labels → train[ridge] → baselines → backtest[model × optimizer].
 * Checks the accounting against the prices independently in DuckDB SQL, the costs and the
 * stress levels, fallbacks recorded on degenerate signals, and no look-ahead (the leakage
 * audit through the backtest: weights, trades and returns dated ≤ the cutoff survive
 * perturbing every later price).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";
import { studySpec, studyStages } from "./small-study.ts";

const query = (sql: string) => queryDuck(sql, "json");
const STAGES = studyStages();
const OPTIMIZERS = ["equal_weight", "max_sharpe", "hrp"];

const SPEC = studySpec({
  seed: 11,
  optimizers: OPTIMIZERS,
  momentum: { lookback: 120, skip: 10 },
  resamples: 300,
  thresholds: "default",
});

const cellDir = (p: TempProject, opt: string) => join(p.root, `data/backtest/model=ridge/optimizer=${opt}`);

describe("backtest and baselines end to end", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...STAGES });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr + JSON.stringify(r.raw.cells));
  }, 300_000);
  afterAll(() => p.dispose());

  it("writes every output of every cell and the baselines", () => {
    for (const o of OPTIMIZERS) {
      for (const f of ["returns.parquet", "weights.parquet", "trades.parquet", "stress.parquet", "metrics.json"]) {
        expect(existsSync(join(cellDir(p, o), f)), `${o}/${f}`).toBe(true);
      }
    }
    for (const f of ["returns.parquet", "stress.parquet", "metrics.json"])
      expect(existsSync(join(p.root, "data/baselines", f))).toBe(true);
    expect(p.read("pipeline.lock")).toMatch(/sharpe_stress_20:/);
  });

  it(
    "gross return of the day after each trade = Σ traded " + "weight × the name's price return (independent SQL)",
    async () => {
      for (const o of OPTIMIZERS) {
        const dir = cellDir(p, o);
        // Held names untouched by a trade would be missing from `trades`; with no band every held
        // name is re-targeted, so after-weights are the whole book. Prices: each name's own rows.
        const [r] = await query(`
        WITH px AS (
          SELECT date, symbol, close / lag(close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret,
                 lag(date) OVER (PARTITION BY symbol ORDER BY date) AS prev
            FROM '${p.root}/data/data/prices.parquet'),
        d AS (SELECT date, lead(date) OVER (ORDER BY date) AS next FROM '${dir}/returns.parquet'),
        book AS (SELECT d.next AS date, t.symbol, t.after FROM '${dir}/trades.parquet' t JOIN d ON d.date = t.date WHERE
        d.next IS NOT NULL),
        implied AS (SELECT b.date, sum(b.after * coalesce(px.ret, 0)) AS g FROM book b LEFT JOIN px ON px.date = b.date
        AND px.symbol = b.symbol GROUP BY b.date)
        SELECT count(*) AS n, max(abs(i.g - r.gross)) AS err
          FROM implied i JOIN '${dir}/returns.parquet' r ON r.date = i.date`);
        expect(Number(r.n), o).toBeGreaterThan(100);
        expect(Number(r.err), o).toBeLessThan(1e-12);
      }
    },
  );

  it("net = gross − costs, costs = (commission + slippage) × turnover, trades sum to the turnover", async () => {
    for (const o of OPTIMIZERS) {
      const dir = cellDir(p, o);
      const [r] = await query(`
        SELECT max(abs(net - (gross - costs))) AS e1, max(abs(costs - 5e-4 * turnover)) AS e2,
               (SELECT max(abs(s.tau - r.turnover)) FROM (SELECT date, sum(abs(traded)) AS tau, sum(cost) AS c FROM
               '${dir}/trades.parquet' GROUP BY date) s
                  JOIN '${dir}/returns.parquet' r USING (date)) AS e3,
               sum(costs) AS costs
          FROM '${dir}/returns.parquet'`);
      expect(Number(r.e1)).toBe(0);
      expect(Number(r.e2)).toBeLessThan(1e-15);
      expect(Number(r.e3)).toBeLessThan(1e-12);
      expect(Number(r.costs)).toBeGreaterThan(0);
    }
  });

  it("cost stress: each level charges exactly its extra bps and lowers the Sharpe ratio", async () => {
    for (const o of OPTIMIZERS) {
      const dir = cellDir(p, o);
      const s = await query(
        `SELECT stress_bps, bps_per_side, total_costs, sharpe FROM '${dir}/stress.parquet' ORDER BY stress_bps`,
      );
      expect(s.map((x) => Number(x.bps_per_side))).toEqual([5, 10, 25]);
      const sharpe = s.map((x) => Number(x.sharpe));
      expect(sharpe[1]).toBeLessThan(sharpe[0]);
      expect(sharpe[2]).toBeLessThan(sharpe[1]);
      // The stressed daily net returns are in returns.parquet; at 20 bps extra the same book
      // would pay 25/5 = 5× the base costs (the book itself differs slightly: equity differs).
      const [r] = await query(
        `SELECT sum(net - net_stress_20) AS gap, sum(costs) AS base FROM '${dir}/returns.parquet'`,
      );
      expect(Number(r.gap) / (4 * Number(r.base))).toBeGreaterThan(0.9);
      expect(Number(r.gap) / (4 * Number(r.base))).toBeLessThan(1.1);
    }
  });

  it("metrics.json: tearsheet, alpha/beta against 1/N on the same dates, regimes, stress, fallbacks", () => {
    const m = JSON.parse(readFileSync(join(cellDir(p, "hrp"), "metrics.json"), "utf8"));
    const b = JSON.parse(p.read("data/baselines/metrics.json"));
    expect(Object.keys(b).sort()).toEqual(["buy_and_hold", "equal_weight", "momentum", "reversal"]);
    expect(m.period.start).toBe(b.equal_weight.period.start);
    expect(m.benchmark.sharpe).toBe(b.equal_weight.metrics.sharpe);
    expect(m.benchmark.missing_days).toBe(0);
    expect(typeof m.metrics.beta).toBe("number");
    expect(m.metrics.beta).toBeGreaterThan(0.3);
    expect(Object.keys(m.regimes).sort()).toEqual(["normal", "risk-off", "risk-on"]);
    expect(m.stress.map((s: { stress_bps: number }) => s.stress_bps)).toEqual([0, 5, 20]);
    expect(m.fallbacks.methods_used.hrp).toBe(m.rebalances);
    expect(m.mean_names).toBeGreaterThan(5);
  });

  it("weights: at most top names per decision, summing to 1, capped", async () => {
    const dir = cellDir(p, "max_sharpe");
    const [r] = await query(`SELECT max(n) AS n, max(abs(s - 1)) AS e, max(w) AS w FROM (
        SELECT date, count(*) AS n, sum(weight) AS s, max(weight) AS w FROM '${dir}/weights.parquet' GROUP BY date)`);
    expect(Number(r.n)).toBeLessThanOrEqual(6);
    expect(Number(r.e)).toBeLessThan(1e-9);
    expect(Number(r.w)).toBeLessThanOrEqual(0.3 + 1e-9);
  });

  it("has no look-ahead: weights, trades and returns dated ≤ the cutoff survive perturbing later prices", () => {
    const r = p.cli(["audit", "leakage", "backtest", "--allow", "labels", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    type Table = { cell: string; output: string; status: string; rows: number };
    const checked = (rep.tables as Table[]).filter(
      (t) => /^(backtest|baselines)/.test(t.cell) && t.status === "identical",
    );
    for (const o of ["weights", "trades", "returns"]) {
      const cells = checked.filter((t) => t.output === o && t.cell.startsWith("backtest"));
      expect(cells.length, o).toBe(OPTIMIZERS.length);
      expect(
        cells.every((t) => t.rows > 50),
        o,
      ).toBe(true);
    }
    expect(checked.some((t) => t.cell === "baselines" && t.output === "returns")).toBe(true);
    expect((rep.tables as Table[]).filter((t) => t.status === "leak")).toEqual([]);
  }, 300_000);

  it("stats: one row per cell with intervals around the point estimates, DSR ≤ PSR, matrix-wide tests", async () => {
    const rows = await query(`SELECT * FROM '${p.root}/data/stats/cells.parquet' ORDER BY cell`);
    expect(rows.map((r) => r.optimizer)).toEqual(["equal_weight", "hrp", "max_sharpe"]);
    for (const r of rows) {
      const n = (k: string) => Number(r[k]);
      expect(n("sharpe_lo")).toBeLessThan(n("sharpe"));
      expect(n("sharpe_hi")).toBeGreaterThan(n("sharpe"));
      expect(n("max_drawdown_lo")).toBeLessThanOrEqual(n("max_drawdown_hi"));
      expect(n("dsr")).toBeLessThanOrEqual(n("psr"));
      expect(n("sign_p")).toBeGreaterThan(0);
      expect(n("sign_p")).toBeLessThanOrEqual(1);
      expect(n("mc_final_p05")).toBeLessThan(n("mc_final_p95"));
    }
    // The stats Sharpe is the backtest's own (same net returns, same definition).
    const m = JSON.parse(readFileSync(join(cellDir(p, "hrp"), "metrics.json"), "utf8"));
    expect(Number(rows[1].sharpe)).toBeCloseTo(m.metrics.sharpe, 7);
    const mx = JSON.parse(p.read("data/stats/matrix.json"));
    // 3 backtest return series + the ridge cell's one (fixed) hyper-parameter trial; the N used
    // (count) is the effective one: the series' correlation clusters + the tuning trial.
    expect(mx.trials).toMatchObject({ raw: 4, return_series: 3, tuning: 1, matrix_series: 3 });
    expect(mx.trials.count).toBe(mx.trials.matrix_clusters + 1);
    expect(mx.trials.effective).toBe(mx.trials.count);
    // pipeline trials shows the same N and Sharpe variance: read from this output, not recomputed.
    const listed = JSON.parse(p.cli(["trials", "--json"]).stdout);
    expect(listed.deflation).toEqual([{ cell: "stats", current: true, trials: mx.trials }]);
    expect(p.cli(["trials"]).stdout).toContain(
      `stats: deflates by N = ${mx.trials.count} effective trials (${mx.trials.raw} raw`,
    );
    expect(mx.cells).toBe(3);
    for (const k of ["p_value"]) expect(mx.reality_check[k]).toBeGreaterThanOrEqual(0);
    expect(mx.spa.p_lower).toBeLessThanOrEqual(mx.spa.p_consistent);
    expect(mx.spa.p_consistent).toBeLessThanOrEqual(mx.spa.p_upper);
    expect(mx.pbo.pbo).toBeGreaterThanOrEqual(0);
    expect(mx.pbo.pbo).toBeLessThanOrEqual(1);
    const years = await query(`SELECT count(DISTINCT year) AS y FROM '${p.root}/data/stats/windows.parquet'`);
    expect(Number(years[0].y)).toBeGreaterThanOrEqual(2);
  });

  it("select with the default thresholds: no champion, every candidate's reasons, the stage still succeeds", () => {
    const sel = JSON.parse(p.read("data/champion/selection.json"));
    expect(sel.champion).toBeNull();
    expect(sel.candidates).toHaveLength(3);
    for (const c of sel.candidates) {
      expect(c.passed).toBe(false);
      // One-sided turnover of a weekly top-6 book is far above 40 % a year.
      expect(
        c.reasons.some((r: string) => /^turnover .* a year > 40\.0%$/.test(r)),
        JSON.stringify(c.reasons),
      ).toBe(true);
    }
    expect(JSON.parse(p.read("data/champion/champion.json"))).toEqual({ champion: null, reason: sel.summary });
    expect(p.read("pipeline.lock")).toMatch(/champion: null/);
  });

  it("select with thresholds the candidates meet: the best score is promoted with its provenance", async () => {
    p.write(
      "pipeline.yaml",
      SPEC.replace(
        "    needs: [stats, backtest, train, data]\n",
        "    needs: [stats, backtest, train, data]\n    params: { thresholds: { min_dsr: 0, max_drawdown: -0.99, " +
          "max_turnover: 1000, beat_benchmark: false } }\n",
      ),
    );
    const r = p.runJson(["champion"]);
    expect(r.ok, r.stderr).toBe(true);
    expect(r.statuses["champion"]).toBe("ran");
    const sel = JSON.parse(p.read("data/champion/selection.json"));
    expect(sel.candidates.every((c: { passed: boolean }) => c.passed)).toBe(true);
    const ranked = [...sel.candidates].sort((a: { rank: number }, b: { rank: number }) => a.rank - b.rank);
    expect(sel.champion).toBe(ranked[0].cell);
    expect(ranked[0].score).toBeGreaterThanOrEqual(ranked[1].score);
    // The score is Σ weight × normalized metric with the documented default weights.
    const n = ranked[0].normalized;
    expect(ranked[0].score).toBeCloseTo(
      0.3 * n.sharpe + 0.25 * n.max_drawdown + 0.2 * n.calmar + 0.15 * n.turnover + 0.1 * n.regime_consistency,
      7,
    );
    const champ = JSON.parse(p.read("data/champion/champion.json"));
    const { createHash } = await import("node:crypto");
    const sha = (rel: string) =>
      createHash("sha256")
        .update(readFileSync(join(p.root, rel)))
        .digest("hex");
    expect(champ.model_file.sha256).toBe(sha("data/train/model=ridge/model.json"));
    expect(p.read("data/champion/model.json")).toBe(p.read("data/train/model=ridge/model.json"));
    expect(champ.data.prices_sha256).toBe(sha("data/data/prices.parquet"));
    expect(champ.backtest.returns_sha256).toBe(
      sha(`data/backtest/model=ridge/optimizer=${champ.optimizer}/returns.parquet`),
    );
    expect(champ.backtest.params.optimizer).toBe(champ.optimizer);
    // Seed and params are the ones the lock records for that cell.
    const { parseLock } = await import("../../src/pipeline/lock.ts");
    const entry = parseLock(p.read("pipeline.lock"), "pipeline.lock").cells[champ.cell];
    expect(champ.backtest.seed).toBe(entry.seed);
    expect(champ.backtest.params).toEqual(entry.params);
    p.write("pipeline.yaml", SPEC);
  });

  it("pipeline verify re-executes a cell byte-identically", () => {
    const r = p.cli(["verify", "backtest[model=ridge,optimizer=hrp]", "stats"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 120_000);

  it("a code change that alters no result adds no trial: same return series, same tuning trial", () => {
    const before = JSON.parse(p.read("data/stats/matrix.json")).trials;
    p.write(
      "stages/train.ts",
      p.read("stages/train.ts") + "\nexport const unused = 1; // new code fingerprint, same results\n",
    );
    p.write(
      "stages/backtest.ts",
      p.read("stages/backtest.ts") + "\nexport const unused = 1; // new code fingerprint, same results\n",
    );
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(r.statuses["train[model=ridge]"]).toBe("ran");
    expect(r.statuses["backtest[model=ridge,optimizer=hrp]"]).toBe("ran");
    expect(r.statuses["stats"]).toBe("ran"); // the registry holds the re-recorded configurations
    const mx = JSON.parse(p.read("data/stats/matrix.json"));
    // The registry now holds the ridge cell's tuning trial twice (two fingerprints): one trial.
    expect(mx.trials).toMatchObject({ raw: 4, return_series: 3, tuning: 1 });
    // The backtest cells were recorded again under new fingerprints, yet they are the same
    // configurations: the output does not grow with refactors.
    expect(mx.trials.configurations).toBe(before.configurations);
  }, 300_000);
});

describe("backtest on a degenerate signal", () => {
  it("max_sharpe with every expected return negative falls back to min_variance, with the reason in metrics.json; " +
    "selection calls it what it was", async () => {
    const negative = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["predictions"],
  async run(ctx) {
    // Every score negative: no name is expected to beat the risk-free rate.
    await ctx.writeTable("predictions", \`SELECT date, symbol, -0.01 - 0.001 * (hash(symbol) % 7) AS score
      FROM \${ctx.input("data", "prices")} WHERE date >= DATE '2019-01-02'\`, { orderBy: ["date", "symbol"] });
  },
});`;
    const p = createTempProject({
      "pipeline.yaml": `version: 1
seed: 3
stages:
  data: { uses: stages/data.ts, params: { source: synthetic, symbols: 12, start: "2018-01-02", end: "2019-12-31" } }
  train: { uses: stages/negative.ts, needs: [data], matrix: { model: [bearish] } }
  backtest:
    uses: stages/backtest.ts
    needs: [data, train]
    matrix: { model: { from: train }, optimizer: [max_sharpe] }
    params: { selection: { top: 4 }, covariance: { window: 40 }, constraints: { max_weight: 0.5 }, costs: { impact: { k: 1, capital: 1e7 } } }
`,
      ...repoStages(
        "data.ts",
        "backtest.ts",
        "baselines.ts",
        "stats.ts",
        "select.ts",
        "lib/portfolio.ts",
        "lib/baseline.ts",
      ),
      "stages/negative.ts": negative,
    });
    try {
      const r = p.runJson();
      expect(r.ok, r.stderr + JSON.stringify(r.raw.cells)).toBe(true);
      const m = JSON.parse(p.read("data/backtest/model=bearish/optimizer=max_sharpe/metrics.json"));
      expect(m.fallbacks.count).toBe(m.rebalances);
      expect(m.fallbacks.methods_used).toEqual({ min_variance: m.rebalances });
      expect(m.fallbacks.reasons[0].reason).toMatch(/^long leg: max_sharpe: /);
      expect(m.fallbacks.reasons[0].first).toMatch(/^2019-/);
      expect(m.benchmark).toBeNull(); // no baselines stage among the needs
      // With square-root impact on, each trade's cost in trades.parquet (recomputed by the stage)
      // adds up to what the engine charged that day.
      const dir = join(p.root, "data/backtest/model=bearish/optimizer=max_sharpe");
      const [c] =
        await query(`SELECT count(*) AS n, max(abs(t.c - r.costs)) AS err, max(r.costs - 3e-4 * r.turnover) AS impact
          FROM (SELECT date, sum(cost) AS c FROM '${dir}/trades.parquet' GROUP BY date) t JOIN '${dir}/returns.parquet'
          r USING (date)`);
      expect(Number(c.n)).toBeGreaterThan(10);
      expect(Number(c.err)).toBeLessThan(1e-15);
      expect(Number(c.impact)).toBeGreaterThan(0); // impact charged beyond the 3 bps

      // Selection treats the cell as what it was: a min_variance book named max_sharpe.
      p.write(
        "pipeline.yaml",
        p.read("pipeline.yaml") +
          `  baselines: { uses: stages/baselines.ts, needs: [data, train], params: { costs: { impact: { k: 1, capital: 1e7 } } } }
  stats: { uses: stages/stats.ts, needs: [backtest, baselines], params: { bootstrap: { resamples: 200 }, monte_carlo: { paths: 200 }, reality_check: { resamples: 200 } } }
  champion:
    uses: stages/select.ts
    needs: [stats, backtest, train, data]
    params: { thresholds: { min_dsr: 0, max_drawdown: -0.99, max_turnover: 1000, beat_benchmark: false } }
`,
      );
      const r2 = p.runJson();
      expect(r2.ok, r2.stderr + JSON.stringify(r2.raw.cells)).toBe(true);
      const sel = JSON.parse(p.read("data/champion/selection.json"));
      expect(sel.candidates[0]).toMatchObject({
        optimizer: "max_sharpe",
        optimizer_effective: "min_variance",
        optimizer_label: "max_sharpe → min_variance on 100 % of rebalances",
      });
      expect(sel.summary).toContain("(max_sharpe → min_variance on 100 % of rebalances) passed every threshold");
      expect(JSON.parse(p.read("data/champion/champion.json"))).toMatchObject({
        optimizer: "max_sharpe",
        optimizer_effective: "min_variance",
      });
    } finally {
      p.dispose();
    }
  }, 240_000);
});
