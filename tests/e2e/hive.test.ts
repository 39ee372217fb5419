/**
 * Matrix cells' outputs in Hive-style folders (one level per axis), read back as one table by
 * DuckDB's hive_partitioning; and the migration of a lock written in the older `a=1,b=x/`
 * layout: the next run restores the cells into the new folders and removes the old ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, queryDuck, type TempProject } from "./helpers.ts";

// Rows per cell: a known function of the cell, so every partition's count is checkable.
const STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["t", "meta"],
  async run(ctx) {
    const n = (ctx.cell.model === "a" ? 3 : 5) + (ctx.cell.optimizer === "x" ? 0 : 10);
    await ctx.writeTable("t", { columns: { k: Array.from({ length: n }, (_, i) => i) }, types: { k: "INTEGER" } });
    await ctx.writeJson("meta", { n });
  },
});
`;
const SPEC = `version: 1
stages:
  grid:
    uses: stages/s.ts
    matrix: { model: [a, b], optimizer: [x, y] }
`;

describe("Hive-style cell folders", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, "stages/s.ts": STAGE });
    expect(p.runJson().ok).toBe(true);
  });
  afterAll(() => p.dispose());

  it("puts each cell in model=…/optimizer=…/, which DuckDB reads as one table with the axes as columns", async () => {
    expect(readdirSync(join(p.root, "data/grid")).sort()).toEqual(["model=a", "model=b"]);
    expect(readdirSync(join(p.root, "data/grid/model=a")).sort()).toEqual(["optimizer=x", "optimizer=y"]);
    const rows = await queryDuck(
      `select model, optimizer, count(*)::INTEGER as n, typeof(any_value(k)) as k_type from ` +
        `read_parquet('${p.root}/data/grid/*/*/t.parquet', hive_partitioning = true) group by all order by all`,
    );
    expect(rows).toEqual([
      { model: "a", optimizer: "x", n: 3, k_type: "INTEGER" },
      { model: "a", optimizer: "y", n: 13, k_type: "INTEGER" },
      { model: "b", optimizer: "x", n: 5, k_type: "INTEGER" },
      { model: "b", optimizer: "y", n: 15, k_type: "INTEGER" },
    ]);
    // The lock's recorded row counts are the partitions' counts.
    expect(p.read("pipeline.lock")).toMatch(/path: data\/grid\/model=b\/optimizer=y\/t\.parquet, rows: 15\}/);
  });

  it("migrates a lock of the older a=1,b=x/ layout: restored into place, old folders gone", () => {
    const lock = p.read("pipeline.lock");
    // The study as an older engine left it: folders `model=a,optimizer=x/`, the lock saying so.
    for (const m of ["a", "b"])
      for (const o of ["x", "y"]) {
        const from = join(p.root, `data/grid/model=${m}/optimizer=${o}`);
        renameSync(from, join(p.root, `data/grid/model=${m},optimizer=${o}`));
      }
    for (const m of ["a", "b"]) rmdirSync(join(p.root, `data/grid/model=${m}`));
    // (A comma path is quoted in the lock's flow maps, as the older engine wrote it.)
    p.write(
      "pipeline.lock",
      lock.replace(/path: (data\/grid\/model=[ab])\/(optimizer=[xy]\/[^,}]+)/g, 'path: "$1,$2"'),
    );
    const st = JSON.parse(p.cli(["status", "--json"]).stdout) as { cells: Array<{ action: string; cause: string }> };
    expect(st.cells.map((c) => c.action)).toEqual(["restore", "restore", "restore", "restore"]);
    expect(st.cells[0].cause).toBe(
      "outputs move to data/grid/model=a/optimizer=x/ (one folder per matrix axis, Hive-style)",
    );
    const r = p.runJson();
    expect(Object.values(r.statuses)).toEqual(["restored", "restored", "restored", "restored"]);
    expect(p.read("pipeline.lock")).toBe(lock);
    expect(readdirSync(join(p.root, "data/grid")).sort()).toEqual(["model=a", "model=b"]);
    expect(existsSync(join(p.root, "data/grid/model=a,optimizer=x"))).toBe(false);
    expect(JSON.parse(p.read("data/grid/model=b/optimizer=y/meta.json"))).toEqual({ n: 15 });
    expect(p.cli(["status", "--exit-code"]).code).toBe(0);
  });
});
