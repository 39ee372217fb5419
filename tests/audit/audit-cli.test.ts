/** `pipeline audit leakage` through the real CLI on a temp project: exit codes and output. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, repoStages, type TempProject } from "../e2e/helpers.ts";

let p: TempProject;
beforeAll(() => {
  p = createTempProject({
    ...repoStages("data.ts", "features.ts"),
    "stages/peek.ts":
      `import { defineStage, z } from "../src/index.ts";
export default defineStage({ params: z.object({}), outputs: ["out"], async run(ctx) {
  const p = ctx.input("data", "prices");
  await ctx.writeTable("out", \`SELECT date, symbol, lead(close, 2) OVER (PARTITION BY symbol ORDER BY date) AS ` +
      `ahead FROM \${p}\`, { orderBy: ["date", "symbol"] });
} });
`,
    "pipeline.yaml": `version: 1
seed: 1
stages:
  data:
    uses: stages/data.ts
    params: { symbols: 8, start: "2023-01-02", end: "2023-06-30" }
  features:
    uses: stages/features.ts
    needs: [data]
    params: { momentum: [5, 20], volatility: [20], maGap: [20], beta: [20], rank: [mom_5], zscore: [vol_20] }
  peek:
    uses: stages/peek.ts
    needs: [data]
`,
  });
});
afterAll(() => p.dispose());

describe("pipeline audit leakage", () => {
  it("asks for a run first, then passes for features (exit 0) and fails on a look-ahead (exit 1)", () => {
    const stale = p.cli(["audit", "leakage"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/not up to date[\s\S]*run `pipeline run features` first/);

    expect(p.cli(["run"]).code).toBe(0);
    const ok = p.cli(["audit", "leakage"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/✓ features\/features +identical on \d+ rows dated ≤ \d{4}-\d\d-\d\d/);
    expect(ok.stdout).toMatch(/PASS: no output dated ≤/);

    const bad = p.cli(["audit", "leakage", "peek", "--cutoff", "2023-04-14", "--json"]);
    expect(bad.code).toBe(1);
    const j = JSON.parse(bad.stdout);
    // lead(close, 2) at 2023-04-13 already reads 2023-04-17 (> cutoff), so the first change is on the 13th.
    expect(j).toMatchObject({
      ok: false,
      cutoff: "2023-04-14",
      leak: { cell: "peek", output: "out", column: "ahead", date: "2023-04-13" },
    });

    const usage = p.cli(["audit", "leakage", "--cutoff", "14/04/2023"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/not a calendar date[\s\S]*YYYY-MM-DD/);
  });
});
