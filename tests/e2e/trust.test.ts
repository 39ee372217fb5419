/**
 * Results a reviewer can trust, through the real CLI on temp projects: a tampered output with
 * its size and mtime put back is caught by status and verify; one lock (and one trial
 * registry) per pipeline file; a lock holding only deterministic content, with durations in
 * the run log; plan-time errors with exit 2 that leave the lock alone; stack positions of a
 * throwing stage; lock entries of absent cells kept until gc; temp folders of dead runs removed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createTempProject, REPO, type TempProject } from "./helpers.ts";

/** A tiny two-stage study: `make` writes a JSON and a table, `use` reads the table. */
const MAKE =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ n: z.number().int().positive().default(5), kind: z.enum(["sum", "max"]).default("sum") }),
  outputs: ["summary", "rows"],
  async run(ctx) {
    await ctx.writeTable("rows", \`SELECT range AS i, range * \${ctx.params.n} AS v FROM range(\${ctx.params.n})\`, ` +
  `{ orderBy: ["i"] });
    await ctx.writeJson("summary", { n: ctx.params.n, kind: ctx.cell.kind ?? ctx.params.kind, note: "a value long ` +
  `enough to flip a byte in" });
    ctx.metric("n", ctx.params.n);
  },
});
`;
const USE = `import { defineStage, z } from "../src/index.ts";
function check(total: number): number {
  if (total > 1000) throw new Error(\`total \${total} is too large\`);
  return total;
}
export default defineStage({
  params: z.object({}),
  outputs: ["total"],
  async run(ctx) {
    const r = await ctx.db.runAndReadAll(\`SELECT sum(v)::DOUBLE FROM \${ctx.input("make", "rows", { kind: "sum" })}\`);
    await ctx.writeJson("total", { total: check(Number(r.getRows()[0][0])) });
  },
});
`;
const spec = (n: number, kinds = "[sum, max]") => `version: 1
seed: 3
stages:
  make:
    uses: stages/make.ts
    matrix: { kind: ${kinds} }
    params: { n: ${n} }
  use:
    uses: stages/use.ts
    needs: [make]
`;

const lockOf = (p: TempProject, file = "pipeline.lock") => p.read(file);

describe("verify and status cannot be fooled", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": spec(5), "stages/make.ts": MAKE, "stages/use.ts": USE });
    expect(p.runJson().ok).toBe(true);
  });
  afterAll(() => p.dispose());

  it("a byte flipped with size and mtime put back: status says modified, verify exits 1 naming the file", () => {
    const rel = "data/make/kind=sum/summary.json";
    const abs = join(p.root, rel);
    // A whole-second mtime, which utimes puts back exactly; status re-records the file with it.
    const t = Math.floor(Date.now() / 1000) - 60;
    utimesSync(abs, t, t);
    expect(p.cli(["status"]).stdout).toMatch(/Everything is up to date/);
    const before = statSync(abs);
    const text = readFileSync(abs, "utf8");
    const i = text.indexOf("long");
    writeFileSync(abs, text.slice(0, i) + "lonG" + text.slice(i + 4));
    utimesSync(abs, t, t);
    const after = statSync(abs);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);

    const status = p.cli(["status"]);
    expect(status.stdout).toContain(`output ${rel} modified`);
    const verify = p.cli(["verify", "make[kind=sum]"]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(rel);
    const run = p.runJson();
    expect(run.statuses["make[kind=sum]"]).toBe("restored");
    expect(p.cli(["verify"]).code).toBe(0);
  });

  it("status --checksum re-hashes every file and finds nothing to do on a clean tree", () => {
    const r = p.cli(["status", "--checksum"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Everything is up to date/);
  });
});

describe("one lock, one registry and one output folder per pipeline file; the run log", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": spec(5),
      "other.yaml": spec(7),
      "stages/make.ts": MAKE,
      "stages/use.ts": USE,
    });
  });
  afterAll(() => p.dispose());

  it("-f other.yaml uses other.lock and data/other/, leaving pipeline.lock and data/make alone", () => {
    expect(p.runJson().ok).toBe(true);
    const main = lockOf(p);
    const mainOut = readFileSync(join(p.root, "data/make/kind=sum/summary.json"), "utf8");
    const r = p.cli(["-f", "other.yaml", "run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("other.lock updated");
    expect(lockOf(p)).toBe(main);
    expect(existsSync(join(p.root, "other.lock"))).toBe(true);
    expect(lockOf(p, "other.lock")).toMatch(/path: "?data\/other\/make\/kind=sum\/summary\.json/);
    expect(readFileSync(join(p.root, "data/make/kind=sum/summary.json"), "utf8")).toBe(mainOut);
    expect(p.cli(["status"]).stdout).toMatch(/Everything is up to date/);
    expect(p.cli(["-f", "other.yaml", "status"]).stdout).toMatch(/Everything is up to date/);
  });

  it("the lock holds no durations; a code table lists each source file once; pipeline log has the runs", () => {
    const lock = lockOf(p);
    expect(lock).toMatch(/^version: 2$/m);
    expect(lock).not.toContain("duration_s");
    expect(lock).toMatch(/\nclosures:\n {2}[0-9a-f]{16}: \[/);
    expect(lock.match(/^ {2}src\/index\.ts: [0-9a-f]{64}$/gm)?.length).toBe(1);
    expect(lock).toMatch(/engine: strata@\S+ contract \d+ node \d+ duckdb@/);
    const log = JSON.parse(p.cli(["log", "--json"]).stdout);
    expect(log.pipeline).toBe("pipeline.yaml");
    expect(log.runs.length).toBe(1);
    expect(log.runs[0].runtime).toMatch(/^node \d+\.\d+\.\d+$/);
    expect(log.runs[0].cells.find((c: { id: string }) => c.id === "use").duration_s).toBeGreaterThan(0);
    expect(JSON.parse(p.cli(["-f", "other.yaml", "log", "--json"]).stdout).runs.length).toBe(1);
    expect(p.cli(["log"]).stdout).toMatch(/ok .* 3 ran/);
  });

  it("a lock made under Deno: status under Node names the runtime change; the outputs are byte-identical", () => {
    const q = createTempProject({ "pipeline.yaml": spec(5), "stages/make.ts": MAKE, "stages/use.ts": USE });
    try {
      const deno = spawnSync(
        join(REPO, "node_modules/.bin/deno"),
        ["run", "-A", join(REPO, "bin/pipeline.js"), "run"],
        {
          cwd: q.root,
          encoding: "utf8",
          timeout: 120_000,
          env: { ...process.env, CI: "true", NO_COLOR: "1" },
        },
      );
      expect(deno.status, deno.stderr).toBe(0);
      const underDeno = q.read("pipeline.lock");
      expect(underDeno).toMatch(/engine: strata@\S+ contract \d+ deno 2 duckdb@/);
      const status = q.cli(["status"]);
      expect(status.stdout).toMatch(/engine: deno 2 → node \d+/);
      expect(q.runJson().ok).toBe(true);
      const hashes = (text: string) => [...text.matchAll(/hash: ([0-9a-f]{64})/g)].map((m) => m[1]).sort();
      expect(hashes(q.read("pipeline.lock"))).toEqual(hashes(underDeno));
      expect(q.read("pipeline.lock")).toMatch(/ node \d+ duckdb@/);
    } finally {
      q.dispose();
    }
  });
});

describe("plan-time errors, stack positions, kept entries, temp folders", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": spec(5), "stages/make.ts": MAKE, "stages/use.ts": USE });
    expect(p.runJson().ok).toBe(true);
  });
  afterAll(() => p.dispose());

  it("a misspelt matrix value or a bad param: exit 2 before anything runs, did-you-mean, lock untouched", () => {
    const lock = lockOf(p);
    p.write("pipeline.yaml", spec(5, "[sum, mxa]"));
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:6:\d+: matrix\.kind: "mxa" is not a value of param 'kind'/);
    expect(r.stderr).toMatch(/did you mean 'max'\?/);
    expect(r.stderr).not.toMatch(/▶ run/);
    expect(lockOf(p)).toBe(lock);
    p.write("pipeline.yaml", spec(-1));
    const bad = p.cli(["run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pipeline\.yaml:7:\d+: params\.n:/);
    expect(lockOf(p)).toBe(lock);
    const target = p.cli(["run", "make[kind=mx]"]);
    expect(target.code).toBe(2);
    p.write("pipeline.yaml", spec(5));
  });

  it("a throwing stage prints the cell, the error and its .ts positions inside the project", () => {
    p.write("pipeline.yaml", spec(50));
    const r = p.cli(["run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed use/);
    expect(r.stderr).toMatch(/total \d+ is too large/);
    expect(r.stderr).toMatch(/at stages\/use\.ts:3:\d+ \(check\)/);
    expect(r.stderr).toMatch(/at stages\/use\.ts:11:\d+/);
    p.write("pipeline.yaml", spec(5));
    expect(p.runJson().ok).toBe(true);
  });

  it("a matrix value taken out keeps its lock entry until gc; putting it back restores without running", () => {
    p.write("pipeline.yaml", spec(5, "[sum]"));
    expect(p.runJson().ok).toBe(true);
    expect(lockOf(p)).toContain("make[kind=max]:");
    p.write("pipeline.yaml", spec(5));
    const back = p.runJson();
    expect(back.statuses["make[kind=max]"]).toBe("fresh");
    p.write("pipeline.yaml", spec(5, "[sum]"));
    const gc = p.cli(["gc"]);
    expect(gc.stdout).toContain("pruned lock entry make[kind=max]");
    expect(lockOf(p)).not.toContain("make[kind=max]:");
    p.write("pipeline.yaml", spec(5));
  });

  it("temp folders of dead processes are removed at the next run", () => {
    const dead = join(p.root, ".pipeline/tmp/999999-deadbeef/make");
    mkdirSync(dead, { recursive: true });
    writeFileSync(join(dead, "half.parquet"), "x");
    expect(p.runJson().ok).toBe(true);
    expect(existsSync(join(p.root, ".pipeline/tmp/999999-deadbeef"))).toBe(false);
  });
});
