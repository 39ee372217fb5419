/**
 * Failure modes through the real CLI: kill -9 mid-run, a concurrent run, a failing cell,
 * spec errors with positions, a stage writing outside ctx.
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { createTempProject, exitOf, waitForOutput, type TempProject } from "./helpers.ts";

const SLOW = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ ms: z.number().int().default(0), tag: z.string().default("a") }),
  outputs: ["out"],
  async run(ctx) {
    ctx.log("working");
    await new Promise((r) => setTimeout(r, ctx.params.ms));
    await ctx.writeJson("out", { tag: ctx.params.tag, cell: ctx.cell });
  },
});
`;

const FAIL = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ fail: z.boolean().default(false) }),
  outputs: ["out"],
  async run(ctx) {
    if (ctx.params.fail) throw new Error("deliberate failure in " + ctx.cellId);
    await ctx.writeJson("out", { ok: true });
  },
});
`;

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

let project: TempProject | undefined;
afterEach(() => project?.dispose());

describe("pipeline run under failure", () => {
  it("kill -9 mid-run leaves the lock and outputs intact, and the next run completes", async () => {
    const spec = (ms: number, tag: string) => `version: 1
stages:
  first:
    uses: stages/slow.ts
    params: { ms: 0, tag: base }
  second:
    uses: stages/slow.ts
    needs: [first]
    params: { ms: ${ms}, tag: ${tag} }
`;
    project = createTempProject({ "pipeline.yaml": spec(0, "v1"), "stages/slow.ts": SLOW });
    expect(project.runJson().ok).toBe(true);
    const lockBefore = project.read("pipeline.lock");
    const outBefore = sha(join(project.root, "data/second/out.json"));

    project.write("pipeline.yaml", spec(20_000, "v2"));
    const child = project.spawnCli(["run"]);
    await waitForOutput(child, /second: working/);
    child.kill("SIGKILL");
    await exitOf(child);

    expect(project.read("pipeline.lock")).toBe(lockBefore);
    expect(sha(join(project.root, "data/second/out.json"))).toBe(outBefore);
    // The dead run's project lock does not block the next run.
    project.write("pipeline.yaml", spec(10, "v2"));
    const r = project.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(r.statuses).toEqual({ first: "fresh", second: "ran" });
    expect(JSON.parse(project.read("data/second/out.json")).tag).toBe("v2");
    expect(existsSync(join(project.root, ".pipeline/run.lock"))).toBe(false);
  });

  it("a second concurrent run is refused and names the holder's pid", async () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  slow:\n    uses: stages/slow.ts\n    params: { ms: 8000 }\n`,
      "stages/slow.ts": SLOW,
    });
    const child = project.spawnCli(["run"]);
    await waitForOutput(child, /slow: working/);
    const second = project.cli(["run"]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`pid ${child.pid}`);
    child.kill("SIGKILL");
    await exitOf(child);
  });

  it("a failing cell skips its dependents, independent cells finish, the lock records what succeeded", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1
stages:
  maybe:
    uses: stages/fail.ts
    params: { fail: true }
  after:
    uses: stages/fail.ts
    needs: [maybe]
  independent:
    uses: stages/fail.ts
`,
      "stages/fail.ts": FAIL,
    });
    const r = project.runJson(["--keep-going"]);
    expect(r.code).toBe(1);
    expect(r.statuses).toEqual({ maybe: "failed", after: "skipped", independent: "ran" });
    expect(r.raw.cells.find((c) => c.id === "maybe")?.error).toContain("deliberate failure in maybe");
    const lock = project.read("pipeline.lock");
    expect(lock).toContain("independent:");
    expect(lock).not.toMatch(/^\s*maybe:/m);
  });

  it("a stage that writes an undeclared output fails with a message saying what to declare", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  bad:\n    uses: stages/bad.ts\n`,
      "stages/bad.ts": `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["a"],
  async run(ctx) { await ctx.writeFile("../escape.txt", "x"); },
});
`,
    });
    const r = project.runJson();
    expect(r.code).toBe(1);
    const err = r.raw.cells[0].error ?? "";
    expect(err).toContain("'../escape.txt'");
    expect(existsSync(join(project.root, "escape.txt"))).toBe(false);
    expect(existsSync(join(project.root, "data/escape.txt"))).toBe(false);
  });

  it("pipeline.yaml errors are all reported with file:line:col and exit code 2", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1
stages:
  first:
    uses: stages/slow.ts
    need: [x]
  second:
    uses: stages/missing.ts
    needs: [frist]
`,
      "stages/slow.ts": SLOW,
    });
    const r = project.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:5:5/);
    expect(r.stderr).toContain("needs");
    expect(r.stderr).toMatch(/pipeline\.yaml:7:11/);
    expect(r.stderr).toMatch(/pipeline\.yaml:8:13/);
    expect(r.stderr).toContain("first");
  });

  it("invalid params name the stage and the param path", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  s:\n    uses: stages/slow.ts\n    params: { ms: fast }\n`,
      "stages/slow.ts": SLOW,
    });
    const r = project.runJson();
    // Found at plan time: a usage error, nothing run, no lock written.
    expect(r.code).toBe(2);
    const error = (r.raw as unknown as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("PARAMS");
    expect(error.message).toMatch(/stage 's' has invalid params/);
    // Points at the offending value itself: line 5, column of "fast".
    expect(error.message).toContain("pipeline.yaml:5:19: params.ms");
    expect(existsSync(join(project.root, "pipeline.lock"))).toBe(false);
  });

  it("verify exits 1 naming the output when a stage is not deterministic", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  noisy:\n    uses: stages/noisy.ts\n`,
      "stages/noisy.ts": `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["out"],
  async run(ctx) { await ctx.writeJson("out", { x: Math.random() }); }, // unseeded on purpose
});
`,
    });
    expect(project.runJson().ok).toBe(true);
    const v = project.cli(["verify"]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/data\/noisy\/out\.json: sha256 [0-9a-f]{12} in lock, [0-9a-f]{12} re-executed/);
  });

  it("without --keep-going nothing new starts after a failure; --jobs bounds concurrency", () => {
    const spec = (first: boolean) => `version: 1
stages:
  a:
    uses: stages/slow.ts
    params: { ms: 400, tag: a }
  b:
    uses: stages/${first ? "fail" : "slow"}.ts
    ${first ? "params: { fail: true }" : "params: { ms: 400, tag: b }"}
  c:
    uses: stages/slow.ts
    needs: [a]
    params: { ms: 0, tag: c }
`;
    project = createTempProject({ "pipeline.yaml": spec(true), "stages/slow.ts": SLOW, "stages/fail.ts": FAIL });
    const r = project.runJson(["--jobs", "2"]);
    expect(r.code).toBe(1);
    // b fails at once while a is running: a finishes and is recorded, c is never started.
    expect(r.statuses).toEqual({ a: "ran", b: "failed", c: "cancelled" });
    expect(project.read("pipeline.lock")).toMatch(/^ {2}a:/m);

    // With one job, a and b never overlap: each logs "working" only after the other finished.
    project.write("pipeline.yaml", spec(false));
    const seq = project.cli(["run", "--jobs", "1", "--force"]);
    const events = seq.stderr
      .split("\n")
      .filter((l) => /\b[ab]: working|ran [ab]\b/.test(l))
      .map((l) => l.trim());
    expect(events).toEqual(["a: working", "✓ ran a", "b: working", "✓ ran b"].map((e) => expect.stringContaining(e)));
  });
});
