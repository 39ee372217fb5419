/**
 * Performance attribution through the pipeline on the small study: every backtest cell writes
 * attribution.json whose contributions add up to its total return (rounded figures: to 1e-6;
 * the exact identities are tests/quant/attribution's), `pipeline attribution CELL` prints and
 * --json's it, an unknown cell lists the closest, the paper book reads like a cell (sectors,
 * Brinson, regimes, factors), and the report has the attribution page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "./helpers.ts";
import { studySpec, studyStages } from "./small-study.ts";

const CELL = "backtest[model=ridge,optimizer=hrp]";

describe("attribution of the backtest cells", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": studySpec(), ...studyStages() });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
  }, 600_000);
  afterAll(() => p?.dispose());

  it("each cell's symbols, costs and cash interest add up to its total return; years and sectors too", () => {
    for (const opt of ["equal_weight", "max_sharpe", "hrp"]) {
      const d = JSON.parse(p.read(`data/backtest/model=ridge/optimizer=${opt}/attribution.json`));
      const m = JSON.parse(p.read(`data/backtest/model=ridge/optimizer=${opt}/metrics.json`));
      const sum = (xs: { contribution: number }[]) => xs.reduce((a, x) => a + x.contribution, 0);
      expect(Math.abs(sum(d.by_symbol) + d.cost + d.other - d.total_return), opt).toBeLessThan(1e-6);
      expect(Math.abs(sum(d.by_sector) + d.cost + d.other - d.total_return), opt).toBeLessThan(1e-6);
      // Years are the linked shares of the same total (costs inside them).
      expect(Math.abs(sum(d.by_year) - d.total_return), opt).toBeLessThan(1e-6);
      // The total is the backtest's own compounded net return.
      expect(Math.abs(d.total_return - m.metrics.total_return), opt).toBeLessThan(1e-6);
      expect(d.brinson.sectors.length).toBe(3);
      expect(d.factors.fit.observations).toBeGreaterThan(100);
      // 2018–2021 is too short for the value proxy's five years of history: left out, named.
      expect(Object.keys(d.factors.fit.exposures).sort()).toEqual(["lowVolatility", "market", "momentum", "size"]);
      expect(d.factors.left_out.map((x: { factor: string }) => x.factor)).toEqual(["value"]);
    }
  });

  it("pipeline attribution prints a cell, --json gives the document, an unknown cell lists the closest", () => {
    const r = p.cli(["attribution", "model=ridge,optimizer=hrp"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${CELL.replace(/[[\]]/g, "\\$&")}: -?\\d+\\.\\d\\d %`));
    expect(r.stdout).toContain("Brinson–Fachler");
    expect(r.stdout).toContain("factor exposures");
    const j = p.cli(["attribution", CELL, "--json"]);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, cell: CELL });
    const bad = p.cli(["attribution", "model=ridge,optimizer=hpr"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("optimizer=hrp");
  });

  it("pipeline attribution paper: the ledger's return by symbol and year, explained by its positions and costs", () => {
    const run = p.cli(["paper", "run", "--from", "2021-09-01", "--to", "2021-10-29", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const r = p.cli(["attribution", "paper", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    const sum = (xs: { contribution: number }[]) => xs.reduce((a, x) => a + x.contribution, 0);
    expect(d.cell).toBe("paper");
    expect(Math.abs(sum(d.by_symbol) + d.cost + d.other - d.total_return)).toBeLessThan(1e-6);
    // The positions (at the previous close) and the recorded costs explain the ledger's returns:
    // nothing is left over but rounding.
    expect(Math.abs(d.other)).toBeLessThan(1e-6);
    expect(d.by_symbol.length).toBeGreaterThan(3);
    expect(d.by_month.map((m: { period: string }) => m.period)).toEqual(["2021-09", "2021-10"]);
    // Read like a cell: sectors add up to the total too, Brinson's terms to the active return
    // against 1/N, the days' regimes cover them all, and the factors have their history (the
    // panel starts with the prices file, so only value's five years are missing).
    expect(Math.abs(sum(d.by_sector) + d.cost + d.other - d.total_return)).toBeLessThan(1e-6);
    const b = d.brinson;
    const terms = b.sectors.reduce(
      (a: number, x: { allocation: number; selection: number }) => a + x.allocation + x.selection,
      b.cash_allocation,
    );
    expect(b.sectors.length).toBe(3);
    expect(Math.abs(terms - b.active_linked)).toBeLessThan(1e-6);
    expect(d.by_regime.reduce((a: number, x: { days: number }) => a + x.days, 0)).toBe(d.period.days);
    expect(d.factors.fit.observations).toBe(d.period.days);
    expect(d.factors.left_out.map((x: { factor: string }) => x.factor)).toEqual(["value"]);
    const text = p.cli(["attribution", "paper"]);
    expect(text.stdout).toMatch(/^paper book: -?\d+\.\d\d % from 2021-09-01 to 2021-10-29/);
  });

  it("the report's attribution page has a section per cell", () => {
    const r = p.cli(["report"]);
    expect(r.code, r.stderr).toBe(0);
    const page = p.read("reports/attribution.html");
    expect(page).toContain("Performance attribution");
    expect(page.match(/<h2><code>ridge \/ /g)?.length).toBe(3);
    expect(page).toContain("Sectors against 1/N");
    // The paper book (its ledger written by the test above) gets the same section on its page.
    const paper = p.read("reports/paper.html");
    expect(paper).toContain("Attribution of the paper book");
    expect(paper).toContain("Contribution by year — paper book");
    expect(paper).toContain("Sectors against 1/N");
  });
});
