/**
 * The trial registry through the real CLI: trial cells are recorded as they run (and when
 * found fresh) in the tracked file beside the lock, a registry-reading stage sees them and
 * goes stale when a new trial is recorded (status says how the registry grew and from where),
 * experiments of the study count, other pipeline files never do, a fresh clone reproduces the
 * lock, and `pipeline trials` lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
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
    p = createTempProject({
      "pipeline.yaml": spec(["v1", "v2"]),
      "stages/sim.ts": SIM_STAGE,
      "stages/summary.ts": SUMMARY_STAGE,
    });
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
    // N and V[SR] are the deflating stage's (stats'), read from its output: none here.
    expect(list.deflation).toEqual([]);
    expect(p.cli(["trials"]).stdout).toMatch(/No stats output yet/);
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

  it(
    "the registry is a tracked file beside the lock; " + "a clone of the repository files reproduces the lock exactly",
    () => {
      const reg = p.read("pipeline.trials.jsonl");
      expect(reg.trimEnd().split("\n").length).toBe(4);
      expect(reg).not.toMatch(/recorded_at|T\d\d:\d\d/); // nothing time-dependent
      const clone = createTempProject({
        "pipeline.yaml": p.read("pipeline.yaml"),
        "pipeline.lock": p.read("pipeline.lock"),
        "pipeline.trials.jsonl": reg,
        "stages/sim.ts": SIM_STAGE,
        "stages/summary.ts": SUMMARY_STAGE,
      });
      try {
        const r = clone.runJson();
        expect(r.ok, r.stderr).toBe(true);
        expect(r.statuses["summary"]).toBe("ran"); // no cache here: everything executes
        expect(clone.read("pipeline.lock")).toBe(p.read("pipeline.lock"));
        expect(clone.read("pipeline.trials.jsonl")).toBe(reg);
        expect(JSON.parse(clone.read("data/summary/summary.json")).n).toBe(4);
      } finally {
        clone.dispose();
      }
    },
  );

  it("an experiment's trials count toward N and status says so; another pipeline file never counts", () => {
    const r = p.cli(["exp", "run", "--name", "edge5", "-S", "sim.params.edge=5"]);
    expect(r.code, r.stderr).toBe(0);
    const st = p.cli(["status"]);
    expect(st.stdout).toMatch(/summary\s+trials: 4 → 6 \(\+2 edge5\)/);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).sources).toEqual({ main: 4, edge5: 2 });
    // A second study in the same folder has its own registry, which the first never reads.
    p.write("other.yaml", spec(["v1", "v2", "v3"], 9));
    expect(p.cli(["-f", "other.yaml", "run"]).code).toBe(0);
    expect(JSON.parse(p.cli(["-f", "other.yaml", "trials", "--json"]).stdout).trials).toBe(3);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).trials).toBe(6);
    expect(p.cli(["trials"]).stdout).toMatch(/^study pipeline\.yaml, registry pipeline\.trials\.jsonl/);
    expect(p.runJson().statuses["summary"]).toBe("ran");
    expect(JSON.parse(p.read("data/summary/summary.json")).n).toBe(6);
  });

  it("a deleted registry is rebuilt from the fresh cells on the next run", () => {
    rmSync(join(p.root, "pipeline.trials.jsonl"));
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(p.cli(["trials", "--json"]).stdout).trials).toBe(2);
    // Only the current (edge 1) configurations are known again: the registry is the one the
    // very first run saw, so the summary comes back from the run-cache with n = 2.
    expect(readFileSync(join(p.root, "pipeline.trials.jsonl"), "utf8").trimEnd().split("\n").length).toBe(2);
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
