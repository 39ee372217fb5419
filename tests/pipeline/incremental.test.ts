/**
 * The engine's side of incremental stages (src/pipeline/previous-run.ts): a stage declaring
 * `incremental` gets its cell's previous run exactly when only its inputs changed, reads the
 * previous output and input from the cache, and `pipeline verify` recomputes it in full.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "../e2e/helpers.ts";
import { parseLock } from "../../src/pipeline/lock.ts";

const SOURCE =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ n: z.number().int() }),
  outputs: ["rows"],
  async run(ctx) {
    await ctx.writeTable("rows", \`SELECT i AS day, i * i AS v FROM range(0, \${ctx.params.n}) t(i)\`, { orderBy: ` +
  `["day"] });
  },
});
`;

/** Appends the new days' rows to its previous output when the old days are unchanged. */
const ACCUMULATE =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["total"],
  incremental: { by: "day" },
  async run(ctx) {
    const rows = ctx.input("source", "rows");
    const prev = ctx.previous;
    let mode = "full";
    let sql = \`SELECT day, v, 2 * v AS w FROM \${rows}\`;
    if (prev && prev.inputs["source/rows"]) {
      const [[last, same]] = (await ctx.db.runAndReadAll(\`SELECT (SELECT max(day) FROM \${prev.input("source", ` +
  `"rows")}),
        (SELECT count(*) FROM (SELECT * FROM \${prev.input("source", "rows")} EXCEPT ALL SELECT * FROM \${rows} ` +
  `WHERE day <= (SELECT max(day) FROM \${prev.input("source", "rows")})))\`)).getRows();
      if (Number(same) === 0) {
        mode = "incremental:" + prev.changed.join(",");
        sql = \`SELECT * FROM \${prev.output("total")} UNION ALL SELECT day, v, 2 * v AS w FROM \${rows} WHERE day > ` +
  `\${last}\`;
      }
    }
    ctx.metric("mode", mode);
    await ctx.writeTable("total", sql, { orderBy: ["day"] });
  },
});
`;

const yaml = (n: number) =>
  `version: 1\nstages:\n  source:\n    uses: stages/source.ts\n    params: { n: ${n} }\n  total:\n    uses: ` +
  `stages/total.ts\n    needs: [source]\n`;

describe("incremental stages", () => {
  let p: TempProject;
  const entry = () => parseLock(p.read("pipeline.lock"), join(p.root, "pipeline.lock")).cells.total;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": yaml(5),
      "stages/source.ts": SOURCE,
      "stages/total.ts": ACCUMULATE,
    });
  });
  afterAll(() => p?.dispose());

  it("the first run is in full; when only the input changed, the stage extends its previous output", () => {
    const first = p.runJson();
    expect(first.ok, first.stderr).toBe(true);
    expect(entry().metrics.mode).toBe("full");
    const fullHash5 = entry().outputs.total.hash;
    p.write("pipeline.yaml", yaml(8));
    const second = p.runJson();
    expect(second.ok, second.stderr).toBe(true);
    expect(second.statuses.total).toBe("ran");
    expect(entry().metrics.mode).toBe("incremental:source/rows");
    expect(entry().outputs.total.rows).toBe(8);
    expect(fullHash5).not.toBe(entry().outputs.total.hash);
  }, 120_000);

  it("pipeline verify recomputes in full and finds the same bytes", () => {
    const r = p.cli(["verify", "total", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 120_000);

  it("a restated input (an old day changed) is detected by the stage, which runs in full", () => {
    p.write("stages/source.ts", SOURCE.replace("i * i AS v", "i * i + (i = 1)::INT AS v"));
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(entry().metrics.mode).toBe("full");
  }, 120_000);

  it("no previous run is offered when the stage's code or params changed, and the reason is logged", () => {
    appendFileSync(join(p.root, "stages/total.ts"), "\nexport const addedByTheTest = 1;\n");
    p.write("pipeline.yaml", yaml(9));
    const r = p.cli(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/total: in full: not only inputs changed \(code: stages\/total\.ts changed\)/);
    expect(entry().metrics.mode).toBe("full");
  }, 120_000);

  it("no previous run is offered when its objects left the cache", () => {
    // Empty the cache (as a gc of everything would), keep the materialized outputs.
    const cache = join(p.root, ".pipeline/cache");
    for (const d of readdirSync(cache)) rmSync(join(cache, d), { recursive: true, force: true });
    p.write("pipeline.yaml", yaml(10));
    const r = p.cli(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/total: in full: its output total is no longer in the cache/);
    expect(entry().metrics.mode).toBe("full");
  }, 120_000);
});
