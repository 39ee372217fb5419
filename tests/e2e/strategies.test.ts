/**
 * examples/strategies/pipeline.yaml end to end: five rule strategies optimized walk-forward by
 * grid, two by the genetic algorithm on three objectives; every parameter set in the trial
 * registry; the rule strategies tested beside the backtest cells and selected among them (their
 * robustness verdict one more threshold); a book of three sleeves, models and rules, traded as
 * one; the feature ablation; the strategies, ablation, book and attribution pages; verify
 * recomputes the cells byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, REPO, type TempProject } from "./helpers.ts";
import { studyStages } from "./small-study.ts";

const SPEC = readFileSync(join(REPO, "examples/strategies/pipeline.yaml"), "utf8");
const KINDS = ["ma_cross", "ts_momentum", "donchian", "mean_reversion", "trend_atr"];

describe("examples/strategies", () => {
  let p: TempProject;
  let run: ReturnType<TempProject["runJson"]>;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...studyStages("strategies.ts", "ablation.ts", "book.ts") });
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

  it("the rule strategies are tested beside the backtest cells and selected among them", () => {
    const sel = JSON.parse(p.read("data/champion/selection.json"));
    const ids = sel.candidates.map((c: { cell: string }) => c.cell).sort();
    // 4 backtest cells + 5 grid-searched kinds + 2 GA kinds, each a candidate once.
    expect(ids.length).toBe(11);
    for (const k of KINDS) expect(ids).toContain(`strategies[kind=${k}]`);
    for (const c of sel.candidates) {
      const rule = c.cell.startsWith("strategies");
      expect(c.source, c.cell).toBe(rule ? "strategy" : undefined);
      if (rule) {
        // Its robustness verdict is a threshold: a failed filter fails the candidate, in words.
        const stage = c.cell.split("[")[0];
        const s = JSON.parse(p.read(`data/${stage}/kind=${c.model}/summary.json`));
        expect(
          c.reasons.some((r: string) => r.startsWith("walk-forward robustness filters")),
          c.cell,
        ).toBe(!s.passes);
        expect(c.values.turnover).toBeCloseTo(s.turnover_annual / 2, 6);
      }
    }
    // Every candidate beat 1/N or says it did not; the passing ones are ranked.
    for (const c of sel.candidates) expect(c.passed).toBe(c.reasons.length === 0);
    const champion = JSON.parse(p.read("data/champion/champion.json"));
    expect(champion.cell).toBe(sel.champion);
  });

  it("the book: three distinct sleeves, models and rules, traded as one within every budget", () => {
    const sel = JSON.parse(p.read("data/champion/selection.json"));
    expect(sel.book.length).toBe(3);
    const ideas = sel.book.map((b: { source: string; cell: Record<string, string> }) => b.cell.kind ?? b.cell.model);
    expect(new Set(ideas).size).toBe(3);
    expect(new Set(sel.book.map((b: { source: string }) => b.source))).toEqual(new Set(["strategy", "backtest"]));
    const m = JSON.parse(p.read("data/book/metrics.json"));
    expect(m.sleeves.map((s: { id: string }) => s.id)).toEqual(sel.book.map((b: { id: string }) => b.id));
    expect(m.levels.strategy.max_utilization).toBeLessThanOrEqual(1 + 1e-12);
    expect(m.levels.position.max_utilization).toBeLessThanOrEqual(1 + 1e-12);
    // Netting never costs more than the sleeves trading apart at their budgets.
    expect(m.netting.book_costs).toBeLessThanOrEqual(m.netting.scaled_sleeve_costs + 1e-12);
  });

  it("the ablation cells: one per feature family, each a trial of the registry", () => {
    const trials = p.read("pipeline.trials.jsonl");
    for (const g of ["momentum", "volatility", "rsi", "volume"]) {
      expect(run.statuses[`ablation[group=${g}]`]).toBe("ran");
      expect(trials).toContain(`"cell":"ablation[group=${g}]"`);
    }
  });

  it("the report has the strategies, ablation, book and attribution pages; verify recomputes them byte for byte", () => {
    const rep = p.cli(["report"]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = p.read("reports/strategies.html");
    expect(page).toContain("Rule strategies, walk-forward");
    expect(page.match(/Out-of-sample growth/g)?.length).toBe(7);
    expect(page).toContain("Pareto front of the last window");
    for (const name of ["ablation", "book", "attribution", "selection"])
      expect(p.read(`reports/${name}.html`).length, name).toBeGreaterThan(1000);
    for (const g of ["momentum", "volatility", "rsi", "volume"]) expect(p.read("reports/ablation.html")).toContain(g);
    const v = p.cli(["verify", "strategies", "strategies_ga", "ablation", "book", "champion", "--json"], {
      timeoutMs: 600_000,
    });
    expect(v.code, v.stderr + v.stdout).toBe(0);
  });

  it("a candidate stage left out of the needs of stats stops the plan, naming it", () => {
    p.write(
      "pipeline.yaml",
      SPEC.replace(
        "needs: [backtest, baselines, strategies, strategies_ga]",
        "needs: [backtest, baselines, strategies]",
      ),
    );
    // status shows the cells blocked (exit 0: it reports); run refuses before running anything.
    const s = p.cli(["status"]);
    expect(s.stdout + s.stderr).toContain("candidate stage 'strategies_ga' is not among the needs");
    const r = p.cli(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing was run");
    expect(r.stderr).toContain("did you mean 'strategies'?");
    // A rule cell stats analysed but select cannot read: the selection fails naming the stage to add.
    p.write(
      "pipeline.yaml",
      SPEC.replace(
        "needs: [stats, backtest, train, data, strategies, strategies_ga]",
        "needs: [stats, backtest, train, data, strategies]",
      ),
    );
    const sel = p.cli(["run", "champion"]);
    expect(sel.code).not.toBe(0);
    expect(sel.stdout + sel.stderr).toContain("add strategies_ga to the needs of select");
    p.write("pipeline.yaml", SPEC);
  });

  it("a rule strategy failing its robustness filters fails as a candidate, in the filters' words", () => {
    // The example's strategies all pass their filters: ask the GA stage for a mean test Sharpe
    // no strategy reaches, so both of its cells fail them.
    p.write(
      "pipeline.yaml",
      SPEC.replace(
        "      objectives: [sharpe, max_drawdown, turnover]",
        "      filters: { min_mean_sharpe: 5 }\n      objectives: [sharpe, max_drawdown, turnover]",
      ),
    );
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    const sel = JSON.parse(p.read("data/champion/selection.json"));
    for (const k of ["ma_cross", "donchian"]) {
      const c = sel.candidates.find((x: { cell: string }) => x.cell === `strategies_ga[kind=${k}]`);
      expect(c.passed, k).toBe(false);
      expect(c.reasons.join("; "), k).toMatch(/^walk-forward robustness filters: .*mean test Sharpe/);
      expect(sel.book.map((b: { id: string }) => b.id)).not.toContain(c.cell);
    }
    p.write("pipeline.yaml", SPEC);
  });
});
