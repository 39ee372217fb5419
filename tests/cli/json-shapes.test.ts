/**
 * Golden shapes of every command's `--json` output: scripts depend on them, so a change of a
 * key or a type must be deliberate. Each output is reduced to its shape — keys sorted, values
 * replaced by their JSON type, arrays by the shape of their first element — and compared with
 * tests/golden/json-shapes.json. After an intended change: `UPDATE_GOLDEN=1 npx vitest run
 * tests/cli/json-shapes.test.ts`, then review the golden file's diff in the commit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, REPO, repoStages, type TempProject } from "../e2e/helpers.ts";
import { SIM_STAGE, SUMMARY_STAGE } from "../e2e/trial-stages.ts";

const GOLDEN = join(REPO, "tests/golden/json-shapes.json");

type Shape = string | Shape[] | { [k: string]: Shape };

/** The JSON shape of a value (see the file comment). Maps keyed by data (cell ids, dates…) are listed under "{*}". */
function shapeOf(v: unknown): Shape {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? [shapeOf(v[0])] : [];
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    // Keys that are data rather than field names (cells, paths, dates) would make the golden
    // depend on the study: one representative entry stands for all.
    if (entries.length && entries.every(([k]) => /[[\]/=:.]|^\d{4}-\d\d-\d\d/.test(k)))
      return { "{*}": shapeOf(entries.sort(([a], [b]) => (a < b ? -1 : 1))[0][1]) };
    return Object.fromEntries(
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, shapeOf(x)]),
    );
  }
  return typeof v;
}

describe("--json shapes", () => {
  let p: TempProject;
  const shapes: Record<string, Shape> = {};
  const json = (name: string, args: string[], expectCode = 0) => {
    const r = p.cli(args);
    expect(r.code, `${args.join(" ")}:\n${r.stdout}\n${r.stderr}`).toBe(expectCode);
    shapes[name] = shapeOf(JSON.parse(r.stdout));
  };

  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml":
        "version: 1\nseed: 1\nstages:\n  sim:\n    uses: stages/sim.ts\n    matrix: { variant: [v1, v2] }\n    " +
        "params: { edge: 1 }\n  summary:\n    uses: stages/summary.ts\n    needs: [sim]\n",
      "stages/sim.ts": SIM_STAGE,
      "stages/summary.ts": SUMMARY_STAGE,
      "returns.csv":
        "date,r\n" +
        Array.from(
          { length: 60 },
          (_, i) => `${new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)},${((i % 7) - 3) / 1000}`,
        ).join("\n") +
        "\n",
    });
  }, 60_000);
  afterAll(() => p?.dispose());

  it("every command's --json has its golden shape", () => {
    json("run", ["run", "--json"]);
    json("run (nothing to do)", ["run", "--json"]);
    json("status", ["status", "--json"]);
    json("dag", ["dag", "--json"]);
    json("verify", ["verify", "--json"]);
    json("log", ["log", "--json"]);
    json("trials", ["trials", "--json"]);
    json("gc --dry-run", ["gc", "--dry-run", "--json"]);
    json("dsr", [
      "dsr",
      "--sharpe",
      "1.2",
      "--observations",
      "750",
      "--trials",
      "20",
      "--sharpe-variance",
      "0.1",
      "--json",
    ]);
    json("tearsheet", ["tearsheet", "returns.csv", "--json"]);
    json("optimize", [
      "optimize",
      join(REPO, "tests/fixtures/portfolio/stock_prices.csv"),
      "--method",
      "max_sharpe",
      "--json",
    ]);
    json("data validate", ["data", "validate", join(REPO, "tests/fixtures/data/pypfopt_long.csv"), "--json"]);
    json("run (an unknown target: exit 2)", ["run", "--json", "smmary"], 2);

    // A second, tiny project with the repository's data stage: data update and models.
    const q = createTempProject({
      "pipeline.yaml":
        "version: 1\nseed: 1\nstages:\n  data:\n    uses: stages/data.ts\n" +
        '    params: { source: synthetic, symbols: 3, start: "2024-01-01", end: "2024-02-29" }\n',
      ...repoStages("data.ts"),
    });
    try {
      const other = p;
      p = q;
      json("run (data)", ["run", "--json"]);
      json("data update", ["data", "update", "--days", "1", "--json"]);
      json("models list (no registry)", ["models", "list", "--json"]);
      p = other;
    } finally {
      q.dispose();
    }

    const got = JSON.stringify(shapes, null, 2) + "\n";
    // Written only on request: a missing golden file is a failure, never a silent pass.
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, got);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
    expect(got).toBe(readFileSync(GOLDEN, "utf8"));
  }, 240_000);
});
