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
  const hash = (rel: string) => createHash("sha256").update(readFileSync(join(p.root, rel))).digest("hex");
  let before: Record<string, string>;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, "stages/sim.ts": SIM_STAGE, "stages/summary.ts": SUMMARY_STAGE });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
    before = Object.fromEntries(["pipeline.lock", "pipeline.yaml", "data/sim/variant=v1/returns.parquet", "data/summary/summary.json"].map((f) => [f, hash(f)]));
  });
  afterAll(() => p.dispose());

  it("exp run executes only what the override changes, in its own workspace, and records its trials", () => {
    const r = p.cli(["exp", "run", "-S", "sim.params.edge=3", "--name", "edge3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const status = Object.fromEntries(out.cells.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(status).toEqual({ "sim[variant=v1]": "ran", "sim[variant=v2]": "ran", summary: "ran" });
    expect(JSON.parse(p.read(".pipeline/exp/edge3/data/summary/summary.json"))).toEqual({ n: 4, sharpes: [1, 2, 3, 6] });
    for (const [f, h] of Object.entries(before)) expect(hash(f), f).toBe(h); // main untouched
    const trials = JSON.parse(p.cli(["trials", "--json"]).stdout);
    expect(trials.trials).toBe(4);
    expect(trials.rows.filter((t: { source: string }) => t.source === "edge3")).toHaveLength(2);
  });

  it("an experiment equal to an earlier configuration restores it from the shared cache", () => {
    const r = p.cli(["exp", "run", "-S", "sim.params.noise=0", "--name", "same", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const status = Object.fromEntries(JSON.parse(r.stdout).cells.map((c: { id: string; status: string }) => [c.id, c.status]));
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

  it("exp apply writes the params into pipeline.yaml, keeps comments, and the next run restores instead of running", () => {
    const r = p.cli(["exp", "apply", "edge3"]);
    expect(r.code, r.stderr).toBe(0);
    const yaml = p.read("pipeline.yaml");
    expect(yaml).toContain("# the edge of the simulated strategies");
    expect(yaml).toMatch(/edge: 3/);
    const run = p.runJson();
    expect(run.ok, run.stderr).toBe(true);
    expect(run.statuses["sim[variant=v1]"]).toBe("restored");
    expect(run.statuses["sim[variant=v2]"]).toBe("restored");
  });

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
