/**
 * examples/strategies/pipeline.yaml end to end: five rule strategies optimized walk-forward by
 * grid, two by the genetic algorithm on three objectives; every parameter set in the trial
 * registry; the strategies page with windows, growth and fronts; verify recomputes the cells
 * byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, REPO, repoStages, type TempProject } from "./helpers.ts";

const SPEC = readFileSync(join(REPO, "examples/strategies/pipeline.yaml"), "utf8");
const KINDS = ["ma_cross", "ts_momentum", "donchian", "mean_reversion", "trend_atr"];

describe("examples/strategies", () => {
  let p: TempProject;
  let run: ReturnType<TempProject["runJson"]>;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...repoStages("data.ts", "strategies.ts") });
    run = p.runJson();
  }, 600_000);
  afterAll(() => p?.dispose());

  it("runs every kind walk-forward: six yearly test windows each, a verdict and a last choice", () => {
    expect(run.ok, run.stderr).toBe(true);
    for (const k of KINDS) expect(run.statuses[`strategies[kind=${k}]`]).toBe("ran");
    for (const k of ["ma_cross", "donchian"]) expect(run.statuses[`strategies_ga[kind=${k}]`]).toBe("ran");
    for (const k of KINDS) {
      const s = JSON.parse(p.read(`data/strategies/kind=${k}/summary.json`));
      // 2014–2021 with 24 months of training and 12 of test: tests 2016 … 2021.
      expect(s.windows, k).toBe(6);
      expect(typeof s.passes).toBe("boolean");
      expect(s.passes).toBe(s.reasons.length === 0);
      expect(Object.keys(s.last_choice).length).toBeGreaterThan(1);
    }
  });

  it("several objectives give a front per window; the choice is on it", () => {
    const s = JSON.parse(p.read("data/strategies_ga/kind=ma_cross/summary.json"));
    expect(s.objectives).toEqual(["sharpe", "max_drawdown", "turnover"]);
    expect(s.front.length).toBeGreaterThan(1);
    expect(s.front.map((f: { params: unknown }) => JSON.stringify(f.params))).toContain(JSON.stringify(s.last_choice));
  });

  it("every parameter set evaluated is a trial of the registry", () => {
    const lines = p
      .read("pipeline.trials.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const k of KINDS) {
      const s = JSON.parse(p.read(`data/strategies/kind=${k}/summary.json`));
      const mine = lines.filter((l) => l.cell === `strategies[kind=${k}]` && l.kind === "tuning");
      expect(mine.length, k).toBe(s.evaluated);
    }
  });

  it("the report has the strategies page; verify recomputes every strategies cell byte for byte", () => {
    const rep = p.cli(["report"]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = p.read("reports/strategies.html");
    expect(page).toContain("Rule strategies, walk-forward");
    expect(page.match(/Out-of-sample growth/g)?.length).toBe(7);
    expect(page).toContain("Pareto front of the last window");
    const v = p.cli(["verify", "strategies", "strategies_ga", "--json"], { timeoutMs: 600_000 });
    expect(v.code, v.stderr + v.stdout).toBe(0);
  });
});
