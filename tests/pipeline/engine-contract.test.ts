/**
 * The engine's contract (ENGINE_CONTRACT, src/pipeline/version.ts) and the fingerprint boundary:
 * a stage's code graph stops at src/pipeline/, so an engine edit leaves every cell fresh — which
 * is safe only while the bytes the engine writes for a stage stay the same. The probe stage
 * below exercises what the engine contributes to outputs (table encoding of every column kind,
 * JSON and file writes, the derived seed and ctx.rng); its output hashes are pinned here per
 * contract and DuckDB version. When they change, either bump ENGINE_CONTRACT (the engine now
 * writes other bytes: every cell must rerun) or, after a DuckDB upgrade (already part of the
 * engine identity), record the new hashes under the new version.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, REPO, type TempProject } from "../e2e/helpers.ts";
import { ENGINE_CONTRACT } from "../../src/pipeline/version.ts";
import { parseLock } from "../../src/pipeline/lock.ts";

const PROBE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ n: z.number().int().default(5) }),
  outputs: ["table", "doc", "blob.txt"],
  async run(ctx) {
    const n = ctx.params.n;
    const draws = Array.from({ length: n }, () => ctx.rng.next());
    await ctx.writeTable("table", {
      columns: {
        i: Int32Array.from({ length: n }, (_, k) => k - 2),
        x: Float64Array.from(draws, (d, k) => (k === 3 ? NaN : d * 1e6 - 0.5)),
        s: Array.from({ length: n }, (_, k) => (k === 1 ? null : "name-" + k + "-é")),
        d: Int32Array.from({ length: n }, (_, k) => 19000 + 7 * k),
      },
      types: { d: "DATE" },
    }, { orderBy: ["i"] });
    await ctx.writeJson("doc", { seed: ctx.seed, draws, nested: { b: [1, 0.1, -0], a: "z" } });
    await ctx.writeFile("blob.txt", "line one\\nline two " + ctx.cellId + "\\n");
    ctx.metric("first_draw", draws[0]);
  },
});
`;

const duckVersion = (
  JSON.parse(readFileSync(join(REPO, "node_modules/@duckdb/node-api/package.json"), "utf8")) as { version: string }
).version;

/** Output hashes of the probe cell, by `${ENGINE_CONTRACT}/duckdb@${version}`. */
const GOLDEN: Record<string, Record<string, string>> = {
  "1/duckdb@1.5.5-r.5": {
    table: "5ae1cd4a0eb935699a61576d388f756ace7c2fe4fd0507a5fc46965e82576646",
    doc: "8cad7e4dd53ecbe7884e2ffb88b6e047ab24060c8f2d248e9e9a5cd392a428e4",
    "blob.txt": "93144379fbfd260e15573cf858f2d698afaaf2b4bd860e614fe317cfbbf03c77",
  },
  // Contract 2: every table carries its column descriptions (here the engine's defaults).
  "2/duckdb@1.5.5-r.5": {
    table: "da33e4638bb4faa1109dcab9f8d3528bbc50a68657670de56d95ea3511159b20",
    doc: "8cad7e4dd53ecbe7884e2ffb88b6e047ab24060c8f2d248e9e9a5cd392a428e4",
    "blob.txt": "93144379fbfd260e15573cf858f2d698afaaf2b4bd860e614fe317cfbbf03c77",
  },
};

describe("engine contract", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": "version: 1\nseed: 7\nstages:\n  probe:\n    uses: stages/probe.ts\n    matrix: { k: [a, b] }\n",
      "stages/probe.ts": PROBE,
    });
    const r = p.runJson();
    expect(r.ok, r.stderr + JSON.stringify(r.raw)).toBe(true);
  }, 120_000);
  afterAll(() => p?.dispose());

  it("the probe's outputs are the bytes pinned for this contract and DuckDB version", () => {
    const lock = parseLock(p.read("pipeline.lock"), join(p.root, "pipeline.lock"));
    const got = Object.fromEntries(Object.entries(lock.cells["probe[k=a]"].outputs).map(([k, o]) => [k, o.hash]));
    const key = `${ENGINE_CONTRACT}/duckdb@${duckVersion}`;
    expect(
      GOLDEN[key],
      `no pinned hashes for ${key}: after a DuckDB upgrade, record the probe's hashes under the new key; otherwise ` +
        `bump ENGINE_CONTRACT`,
    ).toBeDefined();
    expect(
      got,
      `the engine writes other bytes for the same stage calls: bump ENGINE_CONTRACT in src/pipeline/version.ts ` +
        `(every cell must rerun) and pin the new hashes under "${ENGINE_CONTRACT + 1}/duckdb@${duckVersion}"`,
    ).toEqual(GOLDEN[key]);
  });

  it("an edit of engine files leaves every cell fresh; an edit of a module the stage imports does not", () => {
    for (const f of [
      "src/pipeline/runner.ts",
      "src/pipeline/context.ts",
      "src/pipeline/define-stage.ts",
      "src/pipeline/project.ts",
    ]) {
      appendFileSync(join(p.root, f), "\nexport function addedByTheTest(): number {\n  return 42;\n}\n");
    }
    const fresh = p.cli(["status", "--json"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    const st = JSON.parse(fresh.stdout) as { cells: { cell: string; action: string }[] };
    expect(st.cells.map((c) => c.action)).toEqual(["skip", "skip"]);
    // src/core/rng.ts is imported by the stage (through src/index.ts): its edit is a code change.
    appendFileSync(join(p.root, "src/core/rng.ts"), "\nexport const addedByTheTest = 1;\n");
    const stale = p.cli(["status"]);
    expect(stale.stdout).toMatch(/probe\[k=a\]\s+code: src\/core\/rng\.ts changed/);
  });
});
