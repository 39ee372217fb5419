/**
 * The research core finds the synthetic market's planted signal out of sample: data →
 * features → labels → train[model=gbdt] through the real CLI on the embedded generator, then
 * the OOS rank IC is recomputed independently in DuckDB SQL from predictions.parquet and
 * labels.parquet (per-date Spearman = Pearson correlation of per-date ranks) and tested:
 * positive, t-stat > 3 over the test dates, and still > 3 on non-overlapping dates (every 5th
 * test date, since 5-day labels overlap and inflate the daily t-stat by about √5).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTempProject, repoStages, type TempProject } from "./helpers.ts";

const SPEC = `version: 1
seed: 42
stages:
  data:
    uses: stages/data.ts
    params: { symbols: 200, start: "2012-01-03", end: "2020-12-31" }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [gbdt] }
    params: { horizon: 5, lag: 1, folds: 4, gbdt: { nTrees: 80, maxDepth: 4 } }
`;

async function rankIcByDate(root: string): Promise<number[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`
      with j as (
        select p.date, p.score, l.label
          from read_parquet('${join(root, "data/train/model=gbdt/predictions.parquet")}') p
          join read_parquet('${join(root, "data/labels/labels.parquet")}') l using (date, symbol)
         where l.label is not null and p.score is not null),
      r as (select date, rank() over (partition by date order by score) as rs,
                   rank() over (partition by date order by label) as rl from j)
      select date, corr(rs, rl) as ic from r group by date having count(*) >= 5 order by date`);
    return r
      .getRows()
      .map((row) => Number(row[1]))
      .filter((x) => Number.isFinite(x));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function tStat(xs: number[]): { mean: number; t: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, t: mean / (sd / Math.sqrt(n)), n };
}

describe("the planted signal of the embedded market", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...repoStages("data.ts", "features.ts", "labels.ts", "train.ts") });
  }, 120_000);
  afterAll(() => p.dispose());

  it("is found out of sample by gbdt: rank IC > 0 with t-stat > 3, also on non-overlapping dates", async () => {
    const r = p.runJson();
    expect(r.ok, JSON.stringify(r.raw.cells, null, 1)).toBe(true);
    const ics = await rankIcByDate(p.root);
    const all = tStat(ics);
    const every5th = tStat(ics.filter((_, i) => i % 5 === 0));
    expect(all.n).toBeGreaterThan(500);
    expect(all.mean).toBeGreaterThan(0);
    expect(all.t).toBeGreaterThan(3);
    expect(every5th.t).toBeGreaterThan(3);
    console.log(
      `rank IC ${all.mean.toFixed(4)}, t ${all.t.toFixed(1)} over ${all.n} dates; non-overlapping ` +
        `t ${every5th.t.toFixed(1)}`,
    );
    // The stage's own metric agrees with the independent computation.
    const lock = p.read("pipeline.lock");
    const stageIc = Number(/rank_ic: ([-\d.e]+)/.exec(lock)?.[1]);
    expect(stageIc).toBeCloseTo(all.mean, 3);
  }, 300_000);

  it("has no look-ahead: predictions dated ≤ the cutoff survive perturbing every later price", () => {
    // Labels look ahead by design (a forward return); everything else must not.
    const r = p.cli(["audit", "leakage", "train", "--allow", "labels", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const checked = rep.tables.filter((t: { output: string; status: string }) => t.output === "predictions");
    expect(checked.length).toBe(1);
    expect(checked[0].rows).toBeGreaterThan(10_000);
  }, 300_000);
});
