/**
 * Cells are isolated from each other: their own seeds (so two stages running one module never
 * share a result), their own temp folders, their own params copy, their own DuckDB catalog.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "./helpers.ts";

let project: TempProject | undefined;
afterEach(() => project?.dispose());

const DRAW =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ w: z.array(z.number()).default([1]) }),
  outputs: ["out"],
  async run(ctx) {
    ctx.params.w.push(99); // a careless stage mutating its params must not leak anywhere
    // A table with a fixed name: concurrent cells must not see each other's.
    await ctx.db.run("create table scratch as select '" + String(ctx.cell.x ?? "none") + "' as v");
    const r = await ctx.db.runAndReadAll("select v from scratch");
    await new Promise((res) => setTimeout(res, 200));
    await ctx.writeJson("out", { draw: ctx.rng.next(), seed: ctx.seed, cell: ctx.cell, w: ctx.params.w, v: ` +
  `r.getRows()[0][0] });
  },
});
`;

describe("cell isolation", () => {
  it("two stages running one module with equal params get their own seeds and never share a result", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  rep_a:\n    uses: stages/draw.ts\n  rep_b:\n    uses: stages/draw.ts\n`,
      "stages/draw.ts": DRAW,
    });
    const r = project.runJson();
    expect(r.statuses).toEqual({ rep_a: "ran", rep_b: "ran" });
    const a = JSON.parse(project.read("data/rep_a/out.json"));
    const b = JSON.parse(project.read("data/rep_b/out.json"));
    expect(a.draw).not.toBe(b.draw);
    expect(a.seed).not.toBe(b.seed);
    expect(project.cli(["verify"]).code).toBe(0);
  });

  it("matrix values differing only in + and _ run in separate folders with their own catalogs", () => {
    project = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  m:\n    uses: stages/draw.ts\n    matrix: { x: [a+b, a_b] }\n`,
      "stages/draw.ts": DRAW,
    });
    const r = project.runJson(["--jobs", "2"]);
    expect(r.ok, JSON.stringify(r.raw.cells)).toBe(true);
    expect(JSON.parse(project.read("data/m/x=a+b/out.json")).v).toBe("a+b");
    expect(JSON.parse(project.read("data/m/x=a_b/out.json")).v).toBe("a_b");
  });

  it("a stage mutating ctx.params changes neither other cells, the lock, nor the next run's plan", () => {
    project = createTempProject({
      "pipeline.yaml":
        `version: 1\nstages:\n  m:\n    uses: stages/draw.ts\n    params: { w: [1, 7] }\n    matrix: ` +
        `{ x: [p, q] }\n`,
      "stages/draw.ts": DRAW,
    });
    expect(project.runJson(["--jobs", "1"]).ok).toBe(true);
    expect(JSON.parse(project.read("data/m/x=q/out.json")).w).toEqual([1, 7, 99]);
    const lock = project.read("pipeline.lock");
    expect(lock).toMatch(/^\s+- 7$/m); // the params list as written…
    expect(lock).not.toMatch(/^\s+- 99$/m); // …not as mutated
    const again = project.runJson();
    expect(Object.values(again.statuses)).toEqual(["fresh", "fresh"]);
  });

  it("verify of a target re-executes that target only, not its upstream", () => {
    project = createTempProject({
      "pipeline.yaml":
        `version: 1\nstages:\n  up:\n    uses: stages/draw.ts\n  down:\n    uses: stages/draw.ts\n    ` +
        `needs: [up]\n`,
      "stages/draw.ts": DRAW,
    });
    expect(project.runJson().ok).toBe(true);
    const v = project.cli(["verify", "down", "--json"]);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).cells.map((c: { cell: string }) => c.cell)).toEqual(["down"]);
  });

  it("cellParams: a param only one matrix cell depends on reruns only that cell, which still sees every param", () => {
    const stage = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ a: z.number(), b: z.number() }),
  cellParams: (p, cell) => ({ v: cell.k === "a" ? p.a : p.b }),
  outputs: ["out"],
  async run(ctx) { await ctx.writeJson("out", { params: ctx.params, cell: ctx.cell }); },
});
`;
    const spec = (b: number) =>
      `version: 1\nstages:\n  m:\n    uses: stages/m.ts\n    params: { a: 1, b: ${b} }\n    matrix: { k: [a, b] }\n`;
    project = createTempProject({ "pipeline.yaml": spec(2), "stages/m.ts": stage });
    expect(project.runJson().ok).toBe(true);
    project.write("pipeline.yaml", spec(3));
    const st = JSON.parse(project.cli(["status", "--json"]).stdout).cells as Array<{
      cell: string;
      action: string;
      cause: string;
    }>;
    expect(st.map((c) => [c.cell, c.action])).toEqual([
      ["m[k=a]", "skip"],
      ["m[k=b]", "run"],
    ]);
    expect(st[1].cause).toBe("params.v: 2 → 3");
    const r = project.runJson();
    expect(r.statuses).toEqual({ "m[k=a]": "fresh", "m[k=b]": "ran" });
    expect(JSON.parse(project.read("data/m/k=b/out.json")).params).toEqual({ a: 1, b: 3 });
  });
});
