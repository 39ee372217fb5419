/**
 * `pipeline data update` through the real CLI: a synthetic market extended by weekdays (the
 * pipeline file edited in place, comments kept, the universe pinned), a CSV source gaining a
 * drop's new days, a drop that contradicts recorded days refused naming symbol and date, a
 * correction with --restate, a skipped weekday reported; after each, `pipeline run` brings the
 * incremental stages up to date and `pipeline verify` recomputes them in full.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, repoStages, type TempProject } from "./helpers.ts";

const STAGES = {
  ...repoStages("data.ts", "features.ts", "labels.ts"),
  ...repoStages("lib/appended-dates.ts"),
};

const SYNTHETIC = `# a small market
version: 1
seed: 3
stages:
  data:
    uses: stages/data.ts
    params:
      source: synthetic
      symbols: 16
      start: "2020-01-02"
      end: "2021-06-30" # the last day
      sectors: 4
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
`;

describe("pipeline data update: synthetic source", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SYNTHETIC, ...STAGES });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
  }, 300_000);
  afterAll(() => p?.dispose());

  it("moves end by weekdays, pins universeEnd, keeps the file's comments", () => {
    const r = p.cli(["data", "update", "--days", "3", "--json"]); // Wed 30 Jun + 3 weekdays = Mon 5 Jul
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      stage: "data",
      source: "synthetic",
      end: { from: "2021-06-30", to: "2021-07-05", universeEnd: "2021-06-30" },
    });
    const yaml = p.read("pipeline.yaml");
    expect(yaml).toContain('end: "2021-07-05" # the last day');
    expect(yaml).toContain('universeEnd: "2021-06-30"');
    expect(yaml).toContain("# a small market");
  });

  it("the next run extends features and labels, and verify recomputes them in full", () => {
    const r = p.cli(["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/features: appending 3 date\(s\) 2021-07-01/);
    expect(r.stdout + r.stderr).toMatch(/labels: appending 3 date\(s\)/);
    const v = p.cli(["verify", "features", "labels"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it("--from is refused for a synthetic source, with what to do", () => {
    const r = p.cli(["data", "update", "--from", "x.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/generates a synthetic market/);
  });
});

const CSV_SPEC = `version: 1
seed: 3
stages:
  data:
    uses: stages/data.ts
    files: [data/raw/prices.csv]
    params: { source: csv, path: data/raw/prices.csv }
  features:
    uses: stages/features.ts
    needs: [data]
    params: { momentum: [5, 20], reversal: [5], volatility: [20], rsi: [14], maGap: [20], beta: [20], rank: [mom_5], zscore: [vol_20] }
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 2, lag: 1 }
`;

/** A deterministic long CSV: 6 symbols, weekdays from 2023-01-02, `n` days (or the given days). */
function prices(days: string[], bump: (sym: string, day: string) => number = () => 1): string {
  const lines = ["date,symbol,open,high,low,close,volume"];
  days.forEach((d, t) => {
    for (let s = 0; s < 6; s++) {
      const sym = `S${s}`;
      const c = (50 + 10 * s + 3 * Math.sin(0.3 * t + s) + 0.05 * t) * bump(sym, d);
      const f = (x: number) => x.toFixed(4);
      lines.push(
        `${d},${sym},${f(c * 0.999)},${f(c * 1.01)},${f(c * 0.99)},${f(c)},${1000 + ((t * 7919 + s * 104729) % 500)}`,
      );
    }
  });
  return `${lines.join("\n")}\n`;
}

function weekdays(from: string, n: number): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); out.length < n; d.setUTCDate(d.getUTCDate() + 1)) {
    const w = d.getUTCDay();
    if (w !== 0 && w !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

describe("pipeline data update: a CSV source and a drop", () => {
  let p: TempProject;
  const all = weekdays("2023-01-02", 130);
  const base = all.slice(0, 120);
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": CSV_SPEC, ...STAGES, "data/raw/prices.csv": prices(base) });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr);
  }, 300_000);
  afterAll(() => p?.dispose());

  it("a drop that contradicts a recorded day is refused, naming symbol, date and column; the file is untouched", () => {
    const before = p.read("data/raw/prices.csv");
    writeFileSync(
      join(p.root, "drop.csv"),
      prices(all.slice(0, 122), (s, d) => (s === "S2" && d === all[100] ? 1.02 : 1)),
    );
    const r = p.cli(["data", "update", "--from", "drop.csv"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the first: S2 on ${all[100]} (a different open)`);
    expect(r.stderr).toMatch(/--restate/);
    expect(p.read("data/raw/prices.csv")).toBe(before);
  });

  it("a drop with new days is appended; a skipped weekday is reported; the next run appends", () => {
    // The drop repeats the last recorded day (as drops often do), skips one weekday, adds three.
    const drop = [all[119], all[120], all[122], all[123]];
    const text = prices(all.slice(0, 124))
      .split("\n")
      .filter((l, i) => i === 0 || drop.some((d) => l.startsWith(`${d},`)))
      .join("\n");
    writeFileSync(join(p.root, "drop.csv"), `${text}\n`);
    const r = p.cli(["data", "update", "--from", "drop.csv"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`18 row(s) on 3 new date(s) appended to data/raw/prices.csv (${all[120]} … ${all[123]}`);
    expect(r.stderr).toContain(`no prices on 1 trading day(s) of the weekdays calendar after ${all[119]}: ${all[121]}`);
    const file = readFileSync(join(p.root, "data/raw/prices.csv"), "utf8").trim().split("\n");
    expect(file.length).toBe(1 + 6 * 123);
    const run = p.cli(["run"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/features: appending 3 date\(s\)/);
    const v = p.cli(["verify", "features", "labels"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it("--restate corrects a recorded day; the incremental stages then run in full and say why", () => {
    const k = (s: string, d: string) => (s === "S4" && d === all[50] ? 1.01 : 1);
    const text = prices(all.slice(0, 124), k)
      .split("\n")
      .filter((l, i) => i === 0 || l.startsWith(`${all[50]},`))
      .join("\n");
    writeFileSync(join(p.root, "drop.csv"), `${text}\n`);
    const r = p.cli(["data", "update", "--from", "drop.csv", "--restate", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).append).toMatchObject({ restated: 1, addedRows: 0 });
    const run = p.cli(["run"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/features: in full: data\/prices changed on or before/);
    const v = p.cli(["verify", "features", "labels"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);
});
