/**
 * Same code, params, data and seed ⇒ byte-identical outputs, whatever the scheduling: a small
 * full study (ridge and gbdt, so the GBDT worker pool runs inside the CLI) run cold twice —
 * once with `-j 1` and DuckDB on one thread, once with `-j 2`, DuckDB's default threads and a
 * CPU burner competing for the cores — must record the same hash for every output of every
 * cell, and the same metrics (the lock holds only deterministic content: no timings).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createDatabase } from "../../src/store/database.ts";
import { readColumns } from "../../src/store/index.ts";
import { labelsSql } from "../../stages/labels.ts";
import { createTempProject, type TempProject } from "./helpers.ts";
import { studySpec, studyStages } from "./small-study.ts";

interface LockCells {
  cells?: Record<string, { outputs?: Record<string, { hash?: string }>; metrics?: Record<string, unknown> }>;
}

/** "cell › output" → hash, and "cell" → metrics JSON, from a lock's text. */
function lockContent(text: string): { hashes: Record<string, string>; metrics: Record<string, string> } {
  const lock = parse(text) as LockCells;
  const hashes: Record<string, string> = {},
    metrics: Record<string, string> = {};
  for (const [id, cell] of Object.entries(lock.cells ?? {})) {
    for (const [name, o] of Object.entries(cell.outputs ?? {})) hashes[`${id} › ${name}`] = String(o.hash);
    metrics[id] = JSON.stringify(cell.metrics ?? {});
  }
  return { hashes, metrics };
}

// Two models (ridge; gbdt with a few trees, big enough for worker threads: 30 symbols × 4 years
// × 28 features > the 200k cells under which a fit stays on one thread), two optimizers.
const SPEC = studySpec({ optimizers: ["equal_weight", "hrp"], resamples: 100 })
  .replace("matrix: { model: [ridge] }", "matrix: { model: [ridge, gbdt] }")
  .replace(
    "params: { folds: 3, minTrainDates: 250, horizon: 5, lag: 1 }",
    "params: { folds: 3, minTrainDates: 250, horizon: 5, lag: 1, gbdt: { nTrees: 25 } }",
  );

describe("determinism: cold runs under different scheduling give the same lock", () => {
  const projects: TempProject[] = [];
  afterAll(() => {
    for (const p of projects) p.dispose();
  });

  it("-j 1 with one DuckDB thread and -j 2 with default threads under CPU load: every output hash and metric " +
    "equal", () => {
    const make = () => {
      const p = createTempProject({ "pipeline.yaml": SPEC, ...studyStages() });
      projects.push(p);
      return p;
    };
    const a = make(),
      b = make();
    const r1 = a.cli(["run", "-j", "1"], { env: { STRATA_DUCKDB_THREADS: "1" } });
    expect(r1.code, r1.stderr).toBe(0);
    const burner = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
    let r2;
    try {
      r2 = b.cli(["run", "-j", "2"], { env: { STRATA_DUCKDB_THREADS: "" } });
    } finally {
      burner.kill();
    }
    expect(r2.code, r2.stderr).toBe(0);
    const one = lockContent(a.read("pipeline.lock")),
      two = lockContent(b.read("pipeline.lock"));
    expect(Object.keys(one.hashes).length).toBeGreaterThan(20);
    expect(Object.keys(one.hashes).some((k) => k.startsWith("train[model=gbdt]"))).toBe(true);
    expect(two.hashes).toEqual(one.hashes);
    expect(two.metrics).toEqual(one.metrics);
  }, 150_000);
});

describe("determinism: per-date label moments do not depend on DuckDB's threads", () => {
  // 50 symbols × 400 dates of random-walk closes. `avg/stddev_samp OVER (PARTITION BY date)`
  // gave z-scores whose bytes changed at 4 threads, run to run (3 runs: 3 different hashes).
  const PRICES = `CREATE TABLE prices AS SELECT DATE '2010-01-01' + d::INTEGER AS date, 'S' || lpad(s::VARCHAR, 3, '0')
    AS symbol,
      100 * exp(0.01 * sum((hash(s * 100003 + d) % 2001)::DOUBLE / 1000 - 1) OVER (PARTITION BY s ORDER BY d)) AS close
    FROM range(50) t(s), range(400) u(d)`;

  async function labelBytes(threads: number, transform: "demean" | "zscore"): Promise<string> {
    const db = await createDatabase({ threads });
    const conn = await db.connect();
    try {
      await conn.run(PRICES);
      const sql = labelsSql("prices", { horizon: 5, lag: 1, transform, delisted: "drop" });
      const c = await readColumns(conn, `SELECT label FROM (${sql}) ORDER BY date, symbol`);
      return createHash("sha256")
        .update(new Uint8Array((c.label as Float64Array).buffer))
        .digest("hex");
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  it("labelsSql demean and zscore: the same bytes at 1 and 4 threads, run after run", async () => {
    for (const transform of ["demean", "zscore"] as const) {
      const one = await labelBytes(1, transform);
      for (let rep = 0; rep < 3; rep++)
        expect(await labelBytes(4, transform), `${transform}, 4 threads, run ${rep + 1}`).toBe(one);
    }
  });
});
