/**
 * Features and labels brought up to date by new dates (incremental: by date) are the bytes a
 * full run writes: the price file gains 1, then 5, then 21 trading days; each run extends the
 * previous features and labels, and `pipeline verify` recomputes them in full and compares
 * every output hash (and the lock's metrics are those of a full run, checked by running the
 * same study from scratch in a second project). The market has late listings and delistings,
 * and the labels cover the rank and z-score transforms and `delisted: last`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { createTempProject, queryDuck, repoStages, type TempProject } from "../e2e/helpers.ts";
import { parseLock } from "../../src/pipeline/lock.ts";

const MARKET = `version: 1
seed: 5
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 24, start: "2019-01-02", end: "2020-12-31", sectors: 4 }
`;

const STUDY = `version: 1
seed: 5
stages:
  data:
    uses: stages/data.ts
    files: [data/raw/prices.csv]
    params: { source: csv, path: data/raw/prices.csv }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
  ranked:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 3, lag: 2, transform: rank, delisted: last }
  scored:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1, transform: zscore }
`;

const STAGES = ["features", "labels", "ranked", "scored"];

describe("incremental features and labels", () => {
  let market: TempProject, study: TempProject, scratch: TempProject;
  let dates: string[];
  const csvUpTo = async (day: string, to: string) => {
    const src = join(market.root, "data/data/prices.parquet");
    await queryDuck(
      `COPY (SELECT date, symbol, open, high, low, close, volume, sector FROM read_parquet('${src}')
             WHERE date <= DATE '${day}' ORDER BY date, symbol) TO '${to}' (HEADER, DELIMITER ',')`,
    );
  };
  const lock = (p: TempProject) => parseLock(p.read("pipeline.lock"), join(p.root, "pipeline.lock")).cells;

  beforeAll(async () => {
    market = createTempProject({ "pipeline.yaml": MARKET, ...repoStages("data.ts") });
    const r = market.runJson();
    if (!r.ok) throw new Error(r.stderr);
    const rows = await queryDuck(
      `SELECT DISTINCT date::VARCHAR AS d FROM read_parquet('${join(market.root, "data/data/prices.parquet")}') ` +
        `ORDER BY d`,
    );
    dates = rows.map((x) => String(x.d));
    const files = { ...repoStages("data.ts", "features.ts", "labels.ts"), "stages/lib/appended-dates.ts": "" };
    files["stages/lib/appended-dates.ts"] = repoStages("lib/appended-dates.ts")["stages/lib/appended-dates.ts"];
    study = createTempProject({ "pipeline.yaml": STUDY, ...files, "data/raw/.keep": "" });
    scratch = createTempProject({ "pipeline.yaml": STUDY, ...files, "data/raw/.keep": "" });
    await csvUpTo(dates[dates.length - 28], join(study.root, "data/raw/prices.csv"));
    const first = study.runJson();
    if (!first.ok) throw new Error(first.stderr);
  }, 300_000);
  afterAll(() => {
    for (const p of [market, study, scratch]) p?.dispose();
  });

  for (const [step, added] of [
    [1, 1],
    [2, 5],
    [3, 21],
  ] as const) {
    it(`after adding ${added} day(s), each stage appends and verify finds the full run's bytes`, async () => {
      const end = dates[dates.length - 28 + [0, 1, 6, 27][step]];
      await csvUpTo(end, join(study.root, "data/raw/prices.csv"));
      const r = study.cli(["run"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      for (const s of STAGES) expect(r.stdout + r.stderr).toMatch(new RegExp(`${s}: appending ${added} date\\(s\\)`));
      const v = study.cli(["verify", ...STAGES]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      // The same study run from scratch on the same file: same outputs and metrics.
      await csvUpTo(end, join(scratch.root, "data/raw/prices.csv"));
      const s = scratch.runJson();
      expect(s.ok, s.stderr).toBe(true);
      const a = lock(study),
        b = lock(scratch);
      for (const c of STAGES) {
        expect(a[c].outputs, c).toEqual(b[c].outputs);
        expect(a[c].metrics, c).toEqual(b[c].metrics);
      }
    }, 300_000);
  }

  it("a restated day is not appended: the stages run in full and say why", async () => {
    const file = join(study.root, "data/raw/prices.csv");
    const end = dates[dates.length - 1];
    // Restate an early day's prices (all up 1 %): the prefix differs.
    const k = `CASE WHEN date = DATE '${dates[40]}' THEN 1.01 ELSE 1 END`;
    await queryDuck(
      `COPY (SELECT date, symbol, open * ${k} AS open, high * ${k} AS high, low * ${k} AS low, close * ${k} AS close,
                    volume, sector
             FROM read_parquet('${join(market.root, "data/data/prices.parquet")}')
             WHERE date <= DATE '${end}' ORDER BY date, symbol) TO '${file}' (HEADER, DELIMITER ',')`,
    );
    const r = study.cli(["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/features: in full: data\/prices changed on or before/);
    const v = study.cli(["verify", ...STAGES]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);
});
