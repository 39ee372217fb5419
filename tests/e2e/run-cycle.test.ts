/**
 * The reproducibility cycle through the real CLI on a temp project: first run runs all, a
 * second runs nothing, a param edit reruns only the affected cells, reverting restores from
 * the run-cache, comment-only edits change nothing, byte-identical outputs stop the cascade.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";

const SOURCE =
  `import { defineStage, z } from "../src/index.ts";
// Source stage: n integers scaled.
export default defineStage({
  params: z.object({ n: z.number().int().positive(), scale: z.number().default(1) }),
  outputs: ["values"],
  async run(ctx) {
    const { n, scale } = ctx.params;
    const r = await ctx.writeTable("values", \`select range::INTEGER as i, range * \${scale} as v from ` +
  `range(\${n})\`, { orderBy: ["i"] });
    ctx.metric("rows", r.rows);
  },
});
`;

const POWER =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ offset: z.number().default(0) }),
  outputs: ["powered"],
  async run(ctx) {
    const p = Number(ctx.cell.power);
    const src = ctx.input("source", "values");
    await ctx.writeTable("powered", \`select i, pow(v, \${p}) + \${ctx.params.offset} as v from \${src}\`, { ` +
  `orderBy: ["i"] });
  },
});
`;

const TOTAL = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["totals"],
  async run(ctx) {
    const out: Record<string, number> = {};
    for (const ref of ctx.inputs("power", "powered")) {
      const r = await ctx.db.runAndReadAll(\`select sum(v)::DOUBLE as s from \${ref.view}\`);
      out[ref.cellId] = Number(r.getRowObjects()[0].s);
    }
    await ctx.writeJson("totals", out);
  },
});
`;

const SPEC = (n: number, offset: number) => `version: 1
seed: 7
stages:
  source:
    uses: stages/source.ts
    params: { n: ${n}, scale: 2 }
  power:
    uses: stages/power.ts
    needs: [source]
    params: { offset: ${offset} }
    matrix:
      power: [1, 2]
  total:
    uses: stages/total.ts
    needs: [power]
`;

describe("pipeline run: the reproducibility cycle", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": SPEC(10, 0),
      "stages/source.ts": SOURCE,
      "stages/power.ts": POWER,
      "stages/total.ts": TOTAL,
    });
  });
  afterAll(() => p.dispose());

  it("first run executes every cell and writes the lock", () => {
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(r.statuses).toEqual({
      source: "ran",
      "power[power=1]": "ran",
      "power[power=2]": "ran",
      total: "ran",
    });
    // sum over i<10 of (2i)^2 = 4 * 285 = 1140; of 2i = 90 (hand computation)
    expect(JSON.parse(p.read("data/total/totals.json"))).toEqual({ "power[power=1]": 90, "power[power=2]": 1140 });
    expect(p.read("pipeline.lock")).toContain("power[power=2]");
  });

  it("second run executes nothing and leaves the lock file untouched", () => {
    const before = statSync(join(p.root, "pipeline.lock")).mtimeMs;
    const r = p.runJson();
    expect(Object.values(r.statuses).every((s) => s === "fresh")).toBe(true);
    expect(r.raw.lockChanged).toBe(false);
    expect(statSync(join(p.root, "pipeline.lock")).mtimeMs).toBe(before);
    const st = p.cli(["status"]);
    expect(st.stdout).toContain("Everything is up to date");
  });

  it("a param edit reruns only the affected cells; status names the change first", () => {
    p.write("pipeline.yaml", SPEC(10, 5));
    const st = p.cli(["status", "--json"]);
    const cells = JSON.parse(st.stdout).cells as Array<{ cell: string; action: string; cause: string }>;
    const byId = Object.fromEntries(cells.map((c) => [c.cell, c]));
    expect(byId.source.action).toBe("skip");
    expect(byId["power[power=1]"].action).toBe("run");
    expect(byId["power[power=1]"].cause).toBe("params.offset: 0 → 5");
    expect(byId.total.action).toBe("wait");
    const r = p.runJson();
    expect(r.statuses).toEqual({ source: "fresh", "power[power=1]": "ran", "power[power=2]": "ran", total: "ran" });
    expect(JSON.parse(p.read("data/total/totals.json"))).toEqual({ "power[power=1]": 140, "power[power=2]": 1190 });
  });

  it("reverting the edit restores from the run-cache without executing", () => {
    p.write("pipeline.yaml", SPEC(10, 0));
    const st = JSON.parse(p.cli(["status", "--json"]).stdout).cells as Array<{ cell: string; action: string }>;
    expect(st.find((c) => c.cell === "power[power=1]")?.action).toBe("restore");
    // The cascade is known too: total's inputs would be the restored hashes.
    expect(st.find((c) => c.cell === "total")?.action).toBe("restore");
    const r = p.runJson();
    expect(r.statuses).toEqual({
      source: "fresh",
      "power[power=1]": "restored",
      "power[power=2]": "restored",
      total: "restored",
    });
    expect(JSON.parse(p.read("data/total/totals.json"))).toEqual({ "power[power=1]": 90, "power[power=2]": 1140 });
  });

  it("a comment-only or whitespace-only edit of a stage runs nothing", () => {
    p.write(
      "stages/power.ts",
      "// a new comment at the top\n" + POWER.replace("outputs: [", "outputs:   [") + "\n/* trailing */\n",
    );
    const r = p.runJson();
    expect(
      Object.values(r.statuses).every((s) => s === "fresh"),
      JSON.stringify(r.statuses),
    ).toBe(true);
  });

  it("a code change whose outputs come out byte-identical does not make dependents stale", () => {
    p.write(
      "stages/source.ts",
      SOURCE.replace(
        "const { n, scale } = ctx.params;",
        "const { n, scale } = ctx.params;\n    const unused = n + 1;\n    void unused;",
      ),
    );
    const st = JSON.parse(p.cli(["status", "--json"]).stdout).cells as Array<{
      cell: string;
      action: string;
      cause: string;
    }>;
    expect(st.find((c) => c.cell === "source")?.cause).toBe("code: stages/source.ts changed");
    const r = p.runJson();
    expect(r.statuses.source).toBe("ran");
    expect(r.statuses["power[power=1]"]).toBe("fresh");
    expect(r.statuses.total).toBe("fresh");
  });

  it("a target address runs one matrix cell (and its stale upstream only)", () => {
    p.write("pipeline.yaml", SPEC(12, 0));
    const r = p.runJson(["power[power=2]"]);
    expect(r.statuses).toEqual({ source: "ran", "power[power=2]": "ran" });
    const st = JSON.parse(p.cli(["status", "--json"]).stdout).cells as Array<{ cell: string; action: string }>;
    expect(st.find((c) => c.cell === "power[power=1]")?.action).toBe("run");
    expect(st.find((c) => c.cell === "power[power=2]")?.action).toBe("skip");
  });

  it("--force re-executes fresh targets; --dry-run changes nothing", () => {
    p.runJson();
    const dry = p.cli(["run", "--dry-run", "--force", "source"]);
    expect(dry.stdout).toMatch(/run\s+source\s+forced/);
    const r = p.runJson(["--force", "source"]);
    expect(r.statuses).toEqual({ source: "ran" }); // a target brings its upstream, never its downstream
    // The forced rerun produced byte-identical outputs, so nothing downstream became stale.
    const after = p.runJson();
    expect(Object.values(after.statuses).every((s) => s === "fresh")).toBe(true);
  });

  it("verify passes; after tampering with an output, verify fails and status names the file", () => {
    const ok = p.cli(["verify"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("byte-identical");
    p.write("data/total/totals.json", '{"tampered": true}\n');
    const bad = p.cli(["verify"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("data/total/totals.json");
    const st = p.cli(["status"]);
    expect(st.stdout).toMatch(/total\s+output data\/total\/totals.json modified/);
    // A run repairs it from the cache without executing.
    const r = p.runJson();
    expect(r.statuses.total).toBe("restored");
    expect(JSON.parse(p.read("data/total/totals.json"))["power[power=1]"]).toBe(132);
  });
});
