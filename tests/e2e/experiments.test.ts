/**
 * `pipeline exp run / show / apply` through the real CLI: overrides run in an isolated
 * workspace that shares the cache and the trial registry; the main lock and outputs are never
 * touched; unchanged cells restore instead of running; apply writes the params back with the
 * file's comments kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";
import { SIM_STAGE, SUMMARY_STAGE } from "./trial-stages.ts";

const SPEC = `version: 1
seed: 1
stages:
  sim:
    uses: stages/sim.ts
    matrix: { variant: [v1, v2] }
    # the edge of the simulated strategies
    params: { edge: 1 }
  summary:
    uses: stages/summary.ts
    needs: [sim]
`;

describe("experiments", () => {
  let p: TempProject;
  const hash = (rel: string) =>
    createHash("sha256")
      .update(readFileSync(join(p.root, rel)))
      .digest("hex");
  let before: Record<string, string>;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, "stages/sim.ts": SIM_STAGE, "stages/summary.ts": SUMMARY_STAGE });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
    before = Object.fromEntries(
      ["pipeline.lock", "pipeline.yaml", "data/sim/variant=v1/returns.parquet", "data/summary/summary.json"].map(
        (f) => [f, hash(f)],
      ),
    );
  });
  afterAll(() => p.dispose());

  it("exp run executes only what the override changes, in its own workspace, and records its trials", () => {
    const r = p.cli(["exp", "run", "-S", "sim.params.edge=3", "--name", "edge3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const status = Object.fromEntries(out.cells.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(status).toEqual({ "sim[variant=v1]": "ran", "sim[variant=v2]": "ran", summary: "ran" });
    expect(JSON.parse(p.read(".pipeline/exp/edge3/data/summary/summary.json"))).toEqual({
      n: 4,
      sharpes: [1, 2, 3, 6],
    });
    for (const [f, h] of Object.entries(before)) expect(hash(f), f).toBe(h); // main untouched
    const trials = JSON.parse(p.cli(["trials", "--json"]).stdout);
    expect(trials.trials).toBe(4);
    expect(trials.rows.filter((t: { source: string }) => t.source === "edge3")).toHaveLength(2);
  });

  it("an experiment equal to an earlier configuration restores it from the shared cache", () => {
    const r = p.cli(["exp", "run", "-S", "sim.params.noise=0", "--name", "same", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const status = Object.fromEntries(
      JSON.parse(r.stdout).cells.map((c: { id: string; status: string }) => [c.id, c.status]),
    );
    // noise: 0 is the default: the validated params, hence the fingerprints, are the main run's.
    expect(status["sim[variant=v1]"]).toMatch(/fresh|restored/);
    expect(status["sim[variant=v2]"]).toMatch(/fresh|restored/);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).trials).toBe(4);
  });

  it("exp show lists experiments × the params that differ and their metrics", () => {
    const r = p.cli(["exp", "show", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.experiments.map((e: { name: string }) => e.name)).toEqual(["edge3", "same"]);
    expect(s.columns.params.sort()).toEqual(["sim.params.edge", "sim.params.noise"]);
    expect(s.experiments[0].overrides).toEqual({ "sim.params.edge": 3 });
    expect(s.experiments[0].status).toBe("ok");
    const text = p.cli(["exp", "show"]).stdout;
    expect(text).toMatch(/^name\s+status\s+sim\.params\.edge\s+sim\.params\.noise/m);
    expect(text).toMatch(/^edge3\s+ok\s+3\s+—/m);
  });

  it(
    "exp apply writes the params into pipeline.yaml, " + "keeps comments, and the next run restores instead of running",
    () => {
      const r = p.cli(["exp", "apply", "edge3"]);
      expect(r.code, r.stderr).toBe(0);
      const yaml = p.read("pipeline.yaml");
      expect(yaml).toContain("# the edge of the simulated strategies");
      expect(yaml).toMatch(/edge: 3/);
      const run = p.runJson();
      expect(run.ok, run.stderr).toBe(true);
      expect(run.statuses["sim[variant=v1]"]).toBe("restored");
      expect(run.statuses["sim[variant=v2]"]).toBe("restored");
    },
  );

  it("bad overrides and names are usage errors that say how to fix them", () => {
    const a = p.cli(["exp", "run", "-S", "nosuch.params.x=1"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/has no stage 'nosuch'/);
    const b = p.cli(["exp", "run", "-S", "sim.edge=1"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/expected stage\.params\.key=value/);
    const c = p.cli(["exp", "apply", "nope"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/no experiment named 'nope'.*\n.*edge3/);
    const d = p.cli(["exp", "run", "-S", "sim.params.edge=oops", "--name", "bad"]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/edge/);
  });
});

describe("experiments are honest", () => {
  // Stages named like the study's own (backtest, stats), so the key metrics apply.
  const STATS = SUMMARY_STAGE.replace('ctx.trials("sim")', 'ctx.trials("backtest")');
  const LOAD = `import { defineStage, z } from "../src/index.ts";
import { readFileSync } from "node:fs";
export default defineStage({
  params: z.object({}),
  outputs: ["input"],
  async run(ctx) {
    const rows = readFileSync(ctx.file("data/raw/input.csv"), "utf8").trim().split("\\n").slice(1);
    await ctx.writeJson("input", { rows: rows.length });
  },
});
`;
  const HONEST = `version: 1
seed: 1
stages:
  load:
    uses: stages/load.ts
    files: [data/raw/input.csv]
  backtest:
    uses: stages/sim.ts
    needs: [load]
    matrix: { variant: [v1, v2] }
    params: { edge: 1 }
  stats:
    uses: stages/stats.ts
    needs: [backtest]
`;
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": HONEST,
      "stages/sim.ts": SIM_STAGE,
      "stages/stats.ts": STATS,
      "stages/load.ts": LOAD,
      "data/raw/input.csv": "date,close\n2024-01-02,1\n2024-01-03,2\n",
    });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
  });
  afterAll(() => p.dispose());

  it("exp run TARGET reports only what the experiment computed, never the main study's figures", () => {
    const lock = p.read("pipeline.lock");
    const r = p.cli(["exp", "run", "backtest", "-S", "backtest.params.edge=3", "--name", "e3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { experiment } = JSON.parse(r.stdout);
    expect(experiment.metrics.best_sharpe).toBe(6);
    expect(experiment.metrics.best_cell).toBe("backtest[variant=v2]");
    // stats was not brought up to date by this experiment: no `trials` figure of the main study.
    expect(experiment.metrics).not.toHaveProperty("trials");
    const show = JSON.parse(p.cli(["exp", "show", "--json"]).stdout);
    expect(show.experiments[0].metrics).not.toHaveProperty("trials");
    // The workspace has the user's raw data (the load stage read it) and no main lock entry of stats.
    expect(p.read(".pipeline/exp/e3/data/raw/input.csv")).toContain("2024-01-03");
    expect(p.read(".pipeline/exp/e3/pipeline.lock")).not.toContain("\n  stats:");
    // The main study: lock and outputs untouched; only its registry grew, and status says so.
    expect(p.read("pipeline.lock")).toBe(lock);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).sources).toEqual({ main: 2, e3: 2 });
    expect(p.cli(["status"]).stdout).toMatch(/stats\s+trials: 2 → 4 \(\+2 e3\)/);
    // The study's run log lists the experiment's run, marked as such.
    const log = JSON.parse(p.cli(["log", "--json"]).stdout);
    expect(log.runs.map((r: { source: string }) => r.source)).toEqual(["e3", "main"]);
  });

  it("a full experiment reports its own stats figure, counting the study's trials", () => {
    const r = p.cli(["exp", "run", "-S", "backtest.params.edge=4", "--name", "e4", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { experiment } = JSON.parse(r.stdout);
    expect(experiment.metrics.trials).toBe(6);
    expect(experiment.metrics.best_sharpe).toBe(8);
  });
});
