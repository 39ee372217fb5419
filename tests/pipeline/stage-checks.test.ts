/**
 * The engine's guard rails for stages, through the real CLI on a temp project:
 * - `inherit`: a param a stage takes from a stage it needs is filled in when pipeline.yaml
 *   leaves it out, and a contradicting value is a plan-time error (exit 2, nothing run, lock
 *   untouched) naming both stages, both values and both places;
 * - `checks`: plan-time errors stop the run (exit 2), warnings show in `run`, `run --json`,
 *   `status --json` and the report's overview;
 * - `ctx.warn()`: run-time warnings recorded in the lock entry, so a fresh or restored cell
 *   still shows them in `run`, `status --json` and the report.
 * The engine knows nothing of what the params mean: the stages below are made up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseLock } from "../../src/pipeline/lock.ts";
import { createTempProject, type TempProject } from "../e2e/helpers.ts";

const SOURCE =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ window: z.number().int().positive().default(5), shift: z.number().int().min(0).default(1) ` +
  `}).strict(),
  outputs: ["rows"],
  async run(ctx) {
    await ctx.writeTable("rows", \`SELECT range AS i FROM range(\${ctx.params.window})\`, { orderBy: ["i"] });
  },
});
`;

const SINK =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({
    window: z.number().int().positive().default(5),
    shift: z.number().int().min(0).default(1),
    levels: z.array(z.number()).default([0, 1]),
    keep: z.number().int().positive().default(3),
  }).strict(),
  outputs: ["total"],
  inherit: { window: "source", shift: "source" },
  checks(p, ctx) {
    const issues = [];
    for (let k = 1; k < p.levels.length; k++) {
      if (!(p.levels[k] > p.levels[k - 1])) issues.push({ level: "error" as const, param: "levels", message: ` +
  `\`levels must increase, got [\${p.levels.join(", ")}]\`, hint: "sort them" });
    }
    const upWindow = (ctx.needs.source as { window: number }).window;
    if (p.keep >= upWindow) issues.push({ level: "warning" as const, param: "keep", message: \`keep \${p.keep} ≥ ` +
  `window \${upWindow}: keeps everything\`, hint: "lower keep" });
    return issues;
  },
  async run(ctx) {
    const r = await ctx.db.runAndReadAll(\`SELECT count(*)::DOUBLE FROM \${ctx.input("source", "rows")}\`);
    const n = Number(r.getRows()[0][0]);
    for (let k = 0; k < 2; k++) if (n < 10) ctx.warn(\`only \${n} rows: the total means little\`); // a repeat is ` +
  `dropped
    await ctx.writeJson("total", { n, window: ctx.params.window, shift: ctx.params.shift });
  },
});
`;

const spec = (source: string, sink: string) => `version: 1
seed: 1
stages:
  source:
    uses: stages/source.ts
    params: { ${source} }
  sink:
    uses: stages/sink.ts
    needs: [source]
    params: { ${sink} }
`;

describe("inherit: params taken from a needed stage", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": spec("window: 4, shift: 2", "keep: 2"),
      "stages/source.ts": SOURCE,
      "stages/sink.ts": SINK,
    });
  });
  afterAll(() => p.dispose());

  it("a param pipeline.yaml leaves out comes from the needed stage, and the lock records it", () => {
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    expect(JSON.parse(p.read("data/sink/total.json"))).toMatchObject({ window: 4, shift: 2 });
    const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
    expect(lock.cells.sink.params).toMatchObject({ window: 4, shift: 2 });
  });

  it("changing the needed stage's param reruns the stage that takes it", () => {
    p.write("pipeline.yaml", spec("window: 6, shift: 2", "keep: 2"));
    const r = p.runJson();
    expect(r.statuses.sink).toBe("ran");
    expect(JSON.parse(p.read("data/sink/total.json"))).toMatchObject({ window: 6 });
  });

  it("an equal explicit value is fine", () => {
    p.write("pipeline.yaml", spec("window: 6, shift: 2", "keep: 2, window: 6"));
    const r = p.runJson();
    expect(r.ok).toBe(true);
    expect(r.statuses.sink).toBe("fresh");
  });

  it(
    "a contradicting value: " + "exit 2 before anything runs, naming both stages, values and places; lock untouched",
    () => {
      const before = p.read("pipeline.lock");
      p.write("pipeline.yaml", spec("window: 6, shift: 2", "keep: 2, window: 20, shift: 2"));
      const r = p.cli(["run"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("nothing was run");
      expect(r.stderr).toMatch(
        /pipeline\.yaml:10:\d+: sink\.params\.window is 20, but stage 'source' has window 6 \(pipeline\.yaml:6:\d+\); 'sink' takes window from 'source'/,
      );
      expect(r.stderr).toMatch(
        /remove window from stages\.sink\.params in pipeline\.yaml \(it is taken from 'source'\), or set both to the same value/,
      );
      expect(p.read("pipeline.lock")).toBe(before);
      // status shows the stage blocked with the same reason
      const st = JSON.parse(p.cli(["status", "--json"]).stdout);
      const sink = st.cells.find((c: { cell: string }) => c.cell === "sink");
      expect(sink.action).toBe("blocked");
      expect(sink.cause).toContain("sink.params.window is 20");
    },
  );

  it("the default of the needed stage counts too, and is named as its default", () => {
    p.write("pipeline.yaml", spec("window: 6", "keep: 2, shift: 3"));
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "sink.params.shift is 3, but stage 'source' has shift 1 (its default; stages/source.ts)",
    );
  });
});

describe("checks and ctx.warn: warnings everywhere a user looks, errors before anything runs", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": spec("window: 4", "keep: 5"),
      "stages/source.ts": SOURCE,
      "stages/sink.ts": SINK,
    });
  });
  afterAll(() => p.dispose());

  it("run prints the plan warning (with its place) and the cell's warning, once", () => {
    const r = p.cli(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: pipeline\.yaml:10:\d+: sink: params\.keep: keep 5 ≥ window 4: keeps everything → lower keep/,
    );
    expect(r.stderr).toContain("warning sink: only 4 rows: the total means little");
    expect(r.stderr).toMatch(/2 warnings:\n {2}sink: keep 5 ≥ window 4/);
    expect(r.stderr.match(/only 4 rows/g)).toHaveLength(2); // live once, in the recap once (the repeat dropped)
  });

  it("the lock records the cell's warnings; run --json and status --json list them for a fresh cell", () => {
    const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
    expect(lock.cells.sink.warnings).toEqual(["only 4 rows: the total means little"]);
    expect(lock.cells.source.warnings).toBeUndefined();
    expect(p.read("pipeline.lock")).not.toMatch(/warnings: \[\]/);

    const r = p.runJson();
    expect(r.statuses.sink).toBe("fresh");
    const raw = r.raw as unknown as {
      warnings: Array<Record<string, unknown>>;
      cells: Array<{ id: string; warnings?: string[] }>;
    };
    expect(raw.warnings).toEqual([
      {
        source: "plan",
        stage: "sink",
        param: "keep",
        where: expect.stringMatching(/^pipeline\.yaml:10:\d+$/),
        message: "keep 5 ≥ window 4: keeps everything",
        hint: "lower keep",
      },
      { source: "run", stage: "sink", cell: "sink", message: "only 4 rows: the total means little" },
    ]);
    expect(raw.cells.find((c) => c.id === "sink")!.warnings).toEqual(["only 4 rows: the total means little"]);

    const st = JSON.parse(p.cli(["status", "--json"]).stdout);
    expect(st.warnings).toEqual(raw.warnings);
    expect(st.cells.find((c: { cell: string }) => c.cell === "sink").warnings).toEqual([
      "only 4 rows: the total means little",
    ]);
  });

  it("a restored cell keeps its warnings (from the run-cache)", () => {
    rmSync(join(p.root, "data/sink/total.json"));
    const r = p.runJson();
    expect(r.statuses.sink).toBe("restored");
    expect((r.raw.cells as Array<{ id: string; warnings?: string[] }>).find((c) => c.id === "sink")!.warnings).toEqual([
      "only 4 rows: the total means little",
    ]);
    // Back to a state without the warning, then to the cached one: restored, warning back.
    p.write("pipeline.yaml", spec("window: 12", "keep: 5"));
    expect(p.runJson().statuses.sink).toBe("ran");
    expect(parseLock(p.read("pipeline.lock"), "pipeline.lock").cells.sink.warnings).toBeUndefined();
    p.write("pipeline.yaml", spec("window: 4", "keep: 5"));
    const back = p.runJson();
    expect(back.statuses.sink).toBe("restored");
    expect(parseLock(p.read("pipeline.lock"), "pipeline.lock").cells.sink.warnings).toEqual([
      "only 4 rows: the total means little",
    ]);
  });

  it("the report's overview lists both warnings", () => {
    const r = p.cli(["report"]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(p.root, "reports/index.html"), "utf8");
    expect(html).toContain('<h2 id="warnings">Warnings</h2>');
    expect(html).toContain("keep 5 ≥ window 4: keeps everything");
    expect(html).toContain("only 4 rows: the total means little");
  });

  it("a check's error: exit 2, nothing run, lock untouched", () => {
    const before = p.read("pipeline.lock");
    p.write("pipeline.yaml", spec("window: 4", "keep: 2, levels: [0, 5, 3]"));
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /stage 'sink' has contradictory settings:\n {2}pipeline\.yaml:10:\d+: params\.levels: levels must increase, got \[0, 5, 3\]\n {2}→ sort them/,
    );
    expect(p.read("pipeline.lock")).toBe(before);
    expect(existsSync(join(p.root, "data/sink/total.json"))).toBe(true);
  });
});
