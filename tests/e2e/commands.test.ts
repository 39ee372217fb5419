/**
 * `pipeline gc` and `pipeline dag` through the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, createTempProject, type TempProject } from "./helpers.ts";

const STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ v: z.number().default(1) }),
  outputs: ["out"],
  async run(ctx) { await ctx.writeJson("out", { v: ctx.params.v, cell: ctx.cell }); },
});
`;

const SPEC = (v: number) => `version: 1
stages:
  src:
    uses: stages/s.ts
    params: { v: ${v} }
  fit:
    uses: stages/s.ts
    needs: [src]
    matrix: { model: [ridge, gbdt] }
  test:
    uses: stages/s.ts
    needs: [fit, src]
    matrix: { model: { from: fit }, opt: [hrp, kelly] }
`;

describe("pipeline gc", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC(1), "stages/s.ts": STAGE });
    expect(p.runJson().ok).toBe(true);
    p.write("pipeline.yaml", SPEC(2));
    expect(p.runJson().ok).toBe(true);
  });
  afterAll(() => p.dispose());

  it("--keep-runs keeps the run history; --dry-run lists without deleting", () => {
    const keep = p.cli(["gc", "--keep-runs", "--json"]);
    expect(JSON.parse(keep.stdout)).toMatchObject({ ok: true, removed: 0 });
    const dry = JSON.parse(p.cli(["gc", "--dry-run", "--json"]).stdout);
    // The v=1 run of src left one object (its out.json) and one run record only it references.
    expect(dry.removed).toBeGreaterThanOrEqual(2);
    expect(dry.files.some((f: string) => f.startsWith(".pipeline/runs/"))).toBe(true);
    const st = JSON.parse(p.cli(["status", "--json"]).stdout);
    expect(st.upToDate).toBe(true);
  });

  it("removes what the lock does not reference: reverting then executes instead of restoring", () => {
    p.write("pipeline.yaml", SPEC(1));
    const before = JSON.parse(p.cli(["status", "--json"]).stdout).cells.find((c: { cell: string }) => c.cell === "src");
    expect(before.action).toBe("restore");
    p.write("pipeline.yaml", SPEC(2));
    const gc = p.cli(["gc"]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/Removed \d+ files/);
    p.write("pipeline.yaml", SPEC(1));
    const after = JSON.parse(p.cli(["status", "--json"]).stdout).cells.find((c: { cell: string }) => c.cell === "src");
    expect(after.action).toBe("run");
    // What the lock references survived: the current outputs still verify.
    p.write("pipeline.yaml", SPEC(2));
    expect(p.cli(["verify"]).code).toBe(0);
  });
});

describe("pipeline dag", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC(1), "stages/s.ts": STAGE });
  });
  afterAll(() => p.dispose());

  it("prints stages with their axes and needs", () => {
    const r = p.cli(["dag"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fit (model[2] = 2 cells) ← src");
    expect(r.stdout).toContain("test (model←fit × opt[2] = 4 cells) ← fit, src");
  });

  it("stops quietly when the reader closes the pipe (pipeline dag --cells | head -1)", () => {
    // 4,000 cells print far more than a pipe buffer (64 KB), so the writer does hit the closed pipe.
    const values = Array.from({ length: 4000 }, (_, i) => `v${i}`).join(", ");
    const big = createTempProject({
      "pipeline.yaml": `version: 1\nstages:\n  s:\n    uses: stages/s.ts\n    matrix: { k: [${values}] }\n`,
      "stages/s.ts": STAGE,
    });
    const r = spawnSync("sh", ["-c", `node ${JSON.stringify(join(REPO, "bin/pipeline.js"))} dag --cells | head -1`], {
      cwd: big.root,
      encoding: "utf8",
    });
    big.dispose();
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).not.toContain("EPIPE");
  });

  it("--mermaid --cells wires each from-cell to its own upstream cell only", () => {
    const r = p.cli(["dag", "--mermaid", "--cells", "--json"]);
    const g = JSON.parse(r.stdout);
    const cell = g.cells.find((c: { id: string }) => c.id === "test[model=gbdt,opt=kelly]");
    expect(cell.deps).toEqual(["fit[model=gbdt]", "src"]);
    const m = p.cli(["dag", "--mermaid"]);
    expect(m.stdout.split("\n")[0]).toBe("flowchart TD");
    expect(m.stdout).toContain("fit --> test");
  });
});

describe("pipeline tearsheet", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": "version: 1\nstages: {}\n",
      "spy.csv": readFileSync(join(REPO, "tests/fixtures/stats/spy_2015_2019_daily_returns.csv"), "utf8"),
    });
  });
  afterAll(() => p.dispose());

  it("--json prints every documented key (library values are checked in tests/quant/stats)", () => {
    const r = p.cli(["tearsheet", "spy.csv", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const keys = [
      "total_return",
      "cagr",
      "annual_volatility",
      "sharpe",
      "sortino",
      "max_drawdown",
      "calmar",
      "omega",
      "tail_ratio",
      "skew",
      "kurtosis",
      "var_95",
      "cvar_95",
      "win_rate",
    ];
    const out = JSON.parse(r.stdout);
    for (const k of keys) expect(typeof out[k], k).toBe("number");
    expect(out.max_drawdown).toBeLessThan(0);
  });

  it("a bad --risk-free is a usage error (exit 2)", () => {
    expect(p.cli(["tearsheet", "spy.csv", "--risk-free", "two"]).code).toBe(2);
  });
});

describe("pipeline optimize", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": "version: 1\nstages: {}\n",
      "prices.csv": readFileSync(join(REPO, "tests/fixtures/portfolio/stock_prices.csv"), "utf8"),
    });
  });
  afterAll(() => p.dispose());

  it("--json gives weights summing to 1 and PyPortfolioOpt's max-Sharpe performance", () => {
    const r = p.cli(["optimize", "prices.csv", "--method", "max_sharpe", "--risk-free", "0.02", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const sum = Object.values(out.weights as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
    // PyPortfolioOpt tests/test_efficient_frontier.py, test_max_sharpe_long_only (risk-free 0.02).
    expect(out.expected_return).toBeCloseTo(0.3047768672819914, 6);
    expect(out.volatility).toBeCloseTo(0.22165566922402932, 6);
    expect(out.sharpe).toBeCloseTo(1.2847714127003216, 6);
  });

  it("an unknown method is a usage error (exit 2)", () => {
    expect(p.cli(["optimize", "prices.csv", "--method", "bogus"]).code).toBe(2);
  });
});
