/**
 * The leakage audit on a real temp project (20 symbols × 1 year of synthetic prices), run
 * programmatically through the engine: every factor passes; a stage peeking at lead(close) is
 * caught on the right column and on the last date on or before the cutoff; stale projects are
 * refused; the features stage is byte-identical when re-executed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openProject } from "../../src/pipeline/project.ts";
import { runProject } from "../../src/pipeline/runner.ts";
import { verifyProject } from "../../src/pipeline/verify.ts";
import { auditLeakage } from "../../src/audit/leakage.ts";
import { perturbPricesAfter } from "../../src/audit/perturb.ts";
import { createDatabase, queryRows } from "../../src/store/index.ts";
import { REPO } from "../e2e/helpers.ts";

const LEAKY = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["signals"],
  async run(ctx) {
    const p = ctx.input("data", "prices");
    await ctx.writeTable("signals", \`SELECT date, symbol, close / lag(close) OVER w - 1 AS honest,
        lead(close) OVER w / close - 1 AS peek FROM \${p} WINDOW w AS (PARTITION BY symbol ORDER BY date)\`,
      { orderBy: ["date", "symbol"] });
  },
});
`;

const YAML = `version: 1
seed: 42
stages:
  data:
    uses: stages/data.ts
    params: { symbols: 20, start: "2022-01-03", end: "2022-12-30" }
  features:
    uses: stages/features.ts
    needs: [data]
    params: { momentum: [5, 20, [60, 5]], volatility: [20], maGap: [20], beta: [20], rank: all, zscore: all }
  leaky:
    uses: stages/leaky.ts
    needs: [data]
`;

let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "strata-audit-"));
  cpSync(join(REPO, "src"), join(root, "src"), { recursive: true });
  mkdirSync(join(root, "stages"));
  for (const s of ["data.ts", "features.ts"]) cpSync(join(REPO, "stages", s), join(root, "stages", s));
  cpSync(join(REPO, "stages/lib"), join(root, "stages/lib"), { recursive: true });
  writeFileSync(join(root, "stages", "leaky.ts"), LEAKY);
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "audit-test", type: "module", private: true }));
  writeFileSync(join(root, "pipeline.yaml"), YAML);
  const run = await runProject(await openProject({ cwd: root }), { jobs: 1 });
  expect(run.results.map((r) => `${r.id}:${r.status}${r.error ?? ""}`)).toEqual([
    "data:ran",
    "features:ran",
    "leaky:ran",
  ]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("auditLeakage", () => {
  it("passes for every factor column, with the default cutoff at 70 % of the date range", async () => {
    const r = await auditLeakage(await openProject({ cwd: root }));
    expect(r.leak).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.defaultCutoff).toBe(true);
    // 2022-01-03 + floor(0.7 × 361 days) = 2022-09-12 (a Monday, a trading day)
    expect(r.cutoff).toBe("2022-09-12");
    expect(r.cells).toEqual(["features"]);
    expect(r.tables).toEqual([{ cell: "features", output: "features", status: "identical", rows: expect.any(Number) }]);
    expect(r.tables[0].rows).toBeGreaterThan(3000);
    expect(r.perturbedRows).toBeGreaterThan(1000);
  });

  it("catches lead(close): the right column, on the last trading date on or before the cutoff", async () => {
    const r = await auditLeakage(await openProject({ cwd: root }), { stage: "leaky", cutoff: "2022-06-18" });
    expect(r.ok).toBe(false);
    // 2022-06-18 is a Saturday: the last row on or before it is Friday 2022-06-17, whose lead is Monday's close.
    expect(r.leak).toMatchObject({ cell: "leaky", output: "signals", column: "peek", date: "2022-06-17" });
    expect(r.leak!.symbol).toMatch(/^SYM/);
    expect(r.leak!.original).not.toBe(r.leak!.perturbed);
    expect(Number.isFinite(Number(r.leak!.original)) && Number.isFinite(Number(r.leak!.perturbed))).toBe(true);
  });

  it("refuses stale outputs and names the cause", async () => {
    const yaml = readFileSync(join(root, "pipeline.yaml"), "utf8");
    writeFileSync(join(root, "pipeline.yaml"), yaml.replace("volatility: [20]", "volatility: [21]"));
    try {
      await expect(auditLeakage(await openProject({ cwd: root }))).rejects.toThrow(
        /'features' or its upstream is not up to date: features \(params.volatility[\s\S]*run `pipeline run features` first/,
      );
    } finally {
      writeFileSync(join(root, "pipeline.yaml"), yaml);
    }
  });

  it("rejects a cutoff outside the prices' dates and an unknown stage", async () => {
    const p = await openProject({ cwd: root });
    await expect(auditLeakage(p, { cutoff: "2023-01-05" })).rejects.toThrow(
      /cutoff 2023-01-05 is outside the prices' dates 2022-01-03 … 2022-12-30/,
    );
    await expect(auditLeakage(p, { stage: "featurs" })).rejects.toThrow(
      /no stage 'featurs'[\s\S]*did you mean 'features'/,
    );
  });

  it("re-executing features gives byte-identical outputs (pipeline verify)", async () => {
    const v = await verifyProject(await openProject({ cwd: root }), { targets: ["features"], jobs: 1 });
    expect(v.map((x) => `${x.cell}:${x.status}`)).toEqual(["features:verified"]);
  });
});

describe("perturbPricesAfter", () => {
  it("changes every price column on every row after the cutoff, none before, and keeps OHLC consistent", async () => {
    const db = await createDatabase();
    const conn = await db.connect();
    try {
      const src = join(root, "data", "data", "prices.parquet");
      const dest = join(root, "perturbed.parquet");
      const r = await perturbPricesAfter(conn, src, dest, { cutoff: "2022-09-12", seed: 3 });
      expect(r.columns).toEqual(["open", "high", "low", "close", "volume"]);
      const [c] = await queryRows<Record<string, number>>(
        conn,
        `
        WITH a AS (SELECT *, row_number() OVER () AS i FROM '${src}'), b AS (SELECT *, row_number() OVER () AS i FROM
        '${dest}')
        SELECT count(*) FILTER (WHERE a.date <= '2022-09-12' AND (a.open <> b.open OR a.high <> b.high OR a.low <> b.low
        OR a.close <> b.close OR a.volume <> b.volume OR a.symbol <> b.symbol))::INT AS before_changed,
               count(*) FILTER (WHERE a.date > '2022-09-12' AND (a.open = b.open OR a.close = b.close OR a.volume =
               b.volume))::INT AS after_same,
               count(*) FILTER (WHERE a.date > '2022-09-12')::INT AS after,
               count(*) FILTER (WHERE NOT (b.low <= least(b.open, b.close) AND b.high >= greatest(b.open,
               b.close)))::INT AS inconsistent
        FROM a JOIN b USING (i)`,
      );
      expect(c).toEqual({ before_changed: 0, after_same: 0, after: r.perturbedRows, inconsistent: 0 });
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
