/**
 * The trial registry through the real CLI: trial cells are recorded as they run (and when
 * found fresh), a registry-reading stage sees them and goes stale when a new trial is
 * recorded, and `pipeline trials` lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";
import { SIM_STAGE, SUMMARY_STAGE } from "./trial-stages.ts";

const spec = (variants: string[], edge = 1) => `version: 1
seed: 1
stages:
  sim:
    uses: stages/sim.ts
    matrix: { variant: [${variants.join(", ")}] }
    params: { edge: ${edge} }
  summary:
    uses: stages/summary.ts
    needs: [sim]
`;

describe("trial registry end to end", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": spec(["v1", "v2"]), "stages/sim.ts": SIM_STAGE, "stages/summary.ts": SUMMARY_STAGE });
  });
  afterAll(() => p.dispose());

  it("records every trial cell before the reader runs", () => {
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(p.read("data/summary/summary.json"))).toEqual({ n: 2, sharpes: [1, 2] });
    expect(p.read("pipeline.lock")).toMatch(/trials\/registry: [0-9a-f]{64}/);
    const list = JSON.parse(p.cli(["trials", "--json"]).stdout);
    expect(list.trials).toBe(2);
    expect(list.rows.map((x: { cell: string }) => x.cell).sort()).toEqual(["sim[variant=v1]", "sim[variant=v2]"]);
    expect(list.sharpe_variance).toBeCloseTo(0.5, 12);
  });

  it("a new configuration is a new trial; the reader is stale because of it, and earlier trials stay", () => {
    p.write("pipeline.yaml", spec(["v1", "v2"], 3));
    const st = p.cli(["status"]);
    expect(st.stdout).toMatch(/sim\[variant=v1\]\s+params\.edge: 1 → 3/);
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(p.read("data/summary/summary.json"))).toEqual({ n: 4, sharpes: [1, 2, 3, 6] });
    // Going back to edge 1 restores the old cells from the cache: no new trial (the registry
    // still holds 4), so the summary — old inputs, new registry — runs once more and sees 4.
    p.write("pipeline.yaml", spec(["v1", "v2"], 1));
    const back = p.runJson();
    expect(back.ok).toBe(true);
    expect(back.statuses["sim[variant=v1]"]).toBe("restored");
    expect(back.statuses["summary"]).toBe("ran");
    expect(JSON.parse(p.read("data/summary/summary.json")).n).toBe(4);
    expect(p.cli(["status"]).stdout).toMatch(/up to date/);
  });

  it("a deleted registry is rebuilt from the fresh cells on the next run", () => {
    rmSync(join(p.root, ".pipeline/trials.duckdb"));
    rmSync(join(p.root, ".pipeline/trials.digest"));
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).trials).toBe(2);
    // Only the current (edge 1) configurations are known again: the registry is the one the
    // very first run saw, so the summary comes back from the run-cache with n = 2.
    expect(r.statuses["summary"]).toBe("restored");
    expect(JSON.parse(p.read("data/summary/summary.json")).n).toBe(2);
  });

  it("a stage that did not declare readsTrials cannot call ctx.trials()", () => {
    p.write("stages/summary.ts", SUMMARY_STAGE.replace("readsTrials: true,", ""));
    const r = p.runJson();
    expect(r.ok).toBe(false);
    expect(r.raw.cells.find((c) => c.id === "summary")?.error).toMatch(/does not declare readsTrials/);
  });
});
