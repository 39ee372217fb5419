/**
 * Champion–challenger in shadow through the real CLI, on the small paper study: the registry's
 * champion (v1) trades, a later champion output registered as challenger (v2) runs beside it in
 * its own ledger on the same days, and the promotion rule judges it after the period and proposes
 * it (recorded in the champion's ledger; the registry is left to the user). Automatic promotion
 * during a period, and the rollout that follows, are tests/e2e/production-loop.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";
import { ledgerRows, SPEC, STAGES } from "../paper/study.ts";

const ENV = { USER: "tester", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const FROM = "2021-09-01",
  TO = "2021-10-29";

describe("paper run with a challenger in shadow", () => {
  let p: TempProject;
  const cli = (args: string[]) => p.cli(args, { env: ENV });
  const json = (args: string[]) => {
    const r = cli([...args, "--json"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return JSON.parse(r.stdout);
  };
  let first: Record<string, unknown>;
  const champion = () =>
    (json(["models", "list"]).aliases as { alias: string; version: number }[]).find((a) => a.alias === "champion")!
      .version;

  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": SPEC,
      ...STAGES,
      // A loose rule so that a 40-day period can decide: more than half the resamples, any drawdown.
      "paper.yaml": "promotion: { min_days: 20, confidence: 0.51, max_drawdown: -0.99, resamples: 300, auto: false }\n",
    });
    const first = cli(["run"]);
    if (first.code !== 0) throw new Error(first.stderr);
    // Another selection, built on the data up to the end of August (the same market cut there),
    // gives another champion output: an experiment, registered as challenger. A challenger is
    // shadowed only after its data ends, so it is judged on September and October out of sample.
    const exp = cli([
      "exp",
      "run",
      "--name",
      "top5",
      "-S",
      "backtest.params.selection.top=5",
      "-S",
      'data.params.end="2021-08-31"',
      "-S",
      'data.params.universeEnd="2021-12-31"',
    ]);
    if (exp.code !== 0) throw new Error(exp.stderr);
    const reg = cli(["models", "register", "--exp", "top5", "--why", "top 5 names, data to August"]);
    if (reg.code !== 0) throw new Error(reg.stderr);
  }, 600_000);
  afterAll(() => p?.dispose());

  it("the registry's champion trades; the challenger runs in its own ledger on the same days", async () => {
    expect(champion()).toBe(1);
    const out = json(["paper", "run", "--config", "paper.yaml", "--from", FROM, "--to", TO]);
    first = out;
    expect(out.champion).toMatchObject({ alias: "champion", version: 1 });
    const [shadow] = out.shadows as { alias: string; version: number; ledger: string; recorded: number }[];
    expect(shadow).toMatchObject({ alias: "challenger", version: 2 });
    expect(existsSync(shadow.ledger)).toBe(true);
    const days = (l: string) => ledgerRows(l, "SELECT date::VARCHAR AS d FROM days ORDER BY d");
    const mine = await days(join(p.root, "data/paper/ledger.duckdb"));
    expect(mine.length).toBeGreaterThan(30);
    expect(await days(shadow.ledger)).toEqual(mine);
    // Registered from the experiment: its lineage is the cut study's, its data ends before the period.
    const v2 = json(["models", "show", "2"]);
    expect(v2.model.lineage.data.end).toBe("2021-08-31");
    // The shadow traded the challenger's model: its trades are not the champion's.
    const fp = (l: string) => ledgerRows(l, "SELECT DISTINCT fingerprint FROM days WHERE fingerprint IS NOT NULL");
    expect(await fp(shadow.ledger)).not.toEqual(await fp(join(p.root, "data/paper/ledger.duckdb")));
  }, 600_000);

  it("the promotion rule judged the challenger after the period and proposed it; the registry is unchanged", async () => {
    const [v] = first.promotion as {
      version: number;
      days: number;
      passes: boolean;
      test: { confidence: number } | null;
    }[];
    expect(v.version).toBe(2);
    expect(v.days).toBeGreaterThan(30);
    expect(v.test).not.toBeNull();
    expect(v.passes).toBe(v.test!.confidence >= 0.51);
    expect(champion()).toBe(1);
    const events = await ledgerRows(
      join(p.root, "data/paper/ledger.duckdb"),
      "SELECT message FROM events WHERE kind = 'promotion' ORDER BY seq",
    );
    expect(events.map((e) => e.message)).toEqual(
      v.passes ? [expect.stringMatching(/^proposed for promotion: v2 \(challenger\) over \d+ shadow days/)] : [],
    );
    // The report's paper page shows both books and the test over the same shared days.
    const rep = cli(["report"]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = p.read("reports/paper.html");
    expect(page).toContain("Challengers in shadow");
    expect(page).toContain("Champion and challenger");
    expect(page).toMatch(new RegExp(`shared_days[\\s\\S]*?>${v.days}<`));
    // A rerun of the period records nothing new.
    const again = json(["paper", "run", "--config", "paper.yaml", "--from", FROM, "--to", TO]);
    expect(again.days.every((d: { changed: boolean }) => !d.changed)).toBe(true);
  }, 600_000);
});
