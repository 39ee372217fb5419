/**
 * The trial registry: every configuration a researcher has evaluated, recorded once, so that
 * statistics can deflate the best result by the number of things tried.
 *
 * Storage: a DuckDB database `.pipeline/trials.duckdb` with one table
 *
 *   trials(config_hash VARCHAR PRIMARY KEY, stage, cell, source, params JSON, returns_hash,
 *          sharpe DOUBLE, observations BIGINT, recorded_at TIMESTAMP)
 *
 * A trial is a cell of a stage that declares `trial` in its definition (e.g. the backtest:
 * `trial: { sharpe: "sharpe", observations: "observations", returns: "returns" }`): after the
 * cell runs or is restored, the runner records its fingerprint (the configuration hash: code,
 * params, inputs, seed), params, the hash of its returns output, and the two metrics. The same
 * fingerprint is recorded once, whichever run or experiment produced it. `source` says where:
 * "main" or the experiment's name.
 *
 * A stage that declares `readsTrials: true` (the statistics stage) gets the registry's digest
 * among its fingerprint inputs (`trials/registry`): recording a new trial makes it stale, and
 * `ctx.trials()` returns exactly the rows the digest covers. The digest — sha256 over the rows'
 * (config_hash, stage, sharpe, observations), sorted — is kept in `.pipeline/trials.digest` so
 * `pipeline status` does not open DuckDB.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sha256 } from "../core/hash.ts";

/** DuckDB loads only when the registry is read or written (never on a no-op status). */
const store = () => import("../store/index.ts");

/** The input key under which a reading stage's fingerprint records the registry digest. */
export const TRIALS_INPUT = "trials/registry";

export interface TrialRecord {
  config_hash: string;
  stage: string;
  cell: string;
  source: string;
  /** Canonical JSON of the cell's params. */
  params: string;
  returns_hash: string | null;
  /** Annualized Sharpe ratio. */
  sharpe: number | null;
  observations: number | null;
  /** "cell" (a trial stage's cell) or the kind a stage gives its table rows (e.g. "tuning"). */
  kind?: string;
  /** The table row's own metric (e.g. a tuning trial's mean rank IC); null for cells. */
  metric?: number | null;
  /** ISO timestamp of the first recording. */
  recorded_at?: string;
}

export interface TrialSpec {
  /** Metric holding the annualized Sharpe ratio (each cell is one trial). */
  sharpe?: string;
  /** Metric holding the number of return observations. */
  observations?: string;
  /** Output whose hash identifies the return series (optional). */
  returns?: string;
  /**
   * A table output whose rows are trials too (e.g. hyper-parameter trials): rows grouped by
   * `key`, with their `params` (text) and the mean of `metric`. Recorded with config hash
   * "<cell fingerprint>:<key>" and this `kind`.
   */
  table?: { output: string; key: string; params: string; metric: string; kind: string };
}

/** A table of trials to record from a cell's output file. */
export interface TableTrials {
  fingerprint: string;
  stage: string;
  cell: string;
  source: string;
  /** Absolute path of the Parquet output. */
  path: string;
  spec: NonNullable<TrialSpec["table"]>;
}

const dbPath = (stateDir: string) => join(stateDir, "trials.duckdb");
const digestPath = (stateDir: string) => join(stateDir, "trials.digest");

interface DigestFile { digest: string; hashes: string[] }

function readDigestFile(stateDir: string): DigestFile | null {
  const p = digestPath(stateDir);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as DigestFile;
  } catch {
    return null;
  }
}

/** The registry digest as of the last recording ("empty" when nothing was ever recorded). */
export function trialsDigest(stateDir: string): string {
  return readDigestFile(stateDir)?.digest ?? "empty";
}

/** Configuration hashes already recorded (from the digest file: no DuckDB needed). */
export function recordedHashes(stateDir: string): Set<string> {
  return new Set(readDigestFile(stateDir)?.hashes ?? []);
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS trials (
  config_hash VARCHAR PRIMARY KEY, stage VARCHAR NOT NULL, cell VARCHAR NOT NULL, source VARCHAR NOT NULL,
  params VARCHAR NOT NULL, returns_hash VARCHAR, sharpe DOUBLE, observations BIGINT, recorded_at TIMESTAMP NOT NULL,
  kind VARCHAR NOT NULL DEFAULT 'cell', metric DOUBLE)`;

async function withRegistry<T>(stateDir: string, fn: (conn: DuckDBConnection, sql: Awaited<ReturnType<typeof store>>) => Promise<T>): Promise<T> {
  await mkdir(stateDir, { recursive: true });
  const sql = await store();
  // Another process (an experiment running beside the main project) may hold the file: DuckDB
  // allows one writer per database file, so wait for it briefly.
  let db: Awaited<ReturnType<typeof sql.createDatabase>> | undefined;
  for (let attempt = 0; !db; attempt++) {
    try {
      db = await sql.createDatabase({ path: dbPath(stateDir), threads: 1 });
    } catch (e) {
      if (attempt >= 40) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const conn = await db.connect();
  try {
    await conn.run(SCHEMA);
    // Registries written before kind/metric existed get the columns (cells by default).
    await conn.run("ALTER TABLE trials ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'cell'");
    await conn.run("ALTER TABLE trials ADD COLUMN IF NOT EXISTS metric DOUBLE");
    return await fn(conn, sql);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const num = (v: number | null) => (v === null || !Number.isFinite(v) ? "NULL" : String(v));

/** Records trials not yet in the registry; returns how many were new and the new digest. */
export async function recordTrials(stateDir: string, records: readonly TrialRecord[], tables: readonly TableTrials[] = []): Promise<{ added: number; digest: string }> {
  return withRegistry(stateDir, async (conn, { queryRows, readParquetSql, sqlString, sqlIdent }) => {
    const count = async () => Number((await queryRows<{ n: bigint }>(conn, "SELECT count(*) AS n FROM trials"))[0].n);
    const before = await count();
    // A configuration already recorded keeps its first row (the primary key ignores the rest).
    if (records.length) {
      await conn.run(`INSERT OR IGNORE INTO trials VALUES ${records.map((r) => `(${[r.config_hash, r.stage, r.cell, r.source, r.params].map(sqlString).join(", ")},
        ${r.returns_hash === null ? "NULL" : sqlString(r.returns_hash)}, ${num(r.sharpe)}, ${num(r.observations)}, now()::TIMESTAMP,
        ${sqlString(r.kind ?? "cell")}, ${num(r.metric ?? null)})`).join(", ")}`);
    }
    for (const t of tables) {
      const s = t.spec;
      await conn.run(`INSERT OR IGNORE INTO trials
        SELECT ${sqlString(t.fingerprint + ":")} || CAST(k AS VARCHAR), ${sqlString(t.stage)}, ${sqlString(t.cell)}, ${sqlString(t.source)}, p,
               NULL, NULL, NULL, now()::TIMESTAMP, ${sqlString(s.kind)}, m
          FROM (SELECT ${sqlIdent(s.key)} AS k, CAST(min(${sqlIdent(s.params)}) AS VARCHAR) AS p, avg(${sqlIdent(s.metric)}) AS m
                  FROM ${readParquetSql(t.path)} GROUP BY ${sqlIdent(s.key)})`);
    }
    const added = (await count()) - before;
    const { digest, hashes } = await digestOf(conn, queryRows);
    if (added > 0 || trialsDigest(stateDir) !== digest || recordedHashes(stateDir).size !== hashes.length) {
      const tmp = `${digestPath(stateDir)}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ digest, hashes }) + "\n");
      await rename(tmp, digestPath(stateDir));
    }
    return { added, digest };
  });
}

async function digestOf(conn: DuckDBConnection, queryRows: Awaited<ReturnType<typeof store>>["queryRows"]): Promise<{ digest: string; hashes: string[] }> {
  const rows = await queryRows<{ config_hash: string; stage: string; sharpe: number | null; observations: bigint | null; kind: string; metric: number | null }>(conn,
    "SELECT config_hash, stage, sharpe, observations, kind, metric FROM trials ORDER BY config_hash");
  if (rows.length === 0) return { digest: "empty", hashes: [] };
  const digest = sha256(rows.map((r) => `${r.config_hash}\t${r.stage}\t${r.sharpe ?? ""}\t${r.observations ?? ""}\t${r.kind}\t${r.metric ?? ""}`).join("\n"));
  return { digest, hashes: rows.map((r) => r.config_hash) };
}

/** Every recorded trial (optionally of one stage), ordered by config hash. */
export async function readTrials(stateDir: string, stage?: string): Promise<TrialRecord[]> {
  if (!existsSync(dbPath(stateDir))) return [];
  return withRegistry(stateDir, async (conn, { queryRows, sqlString }) => {
    const rows = await queryRows<Record<string, unknown>>(conn, `SELECT config_hash, stage, cell, source, params, returns_hash, sharpe,
        observations, kind, metric, strftime(recorded_at, '%Y-%m-%dT%H:%M:%SZ') AS recorded_at FROM trials
        ${stage ? `WHERE stage = ${sqlString(stage)}` : ""} ORDER BY config_hash`);
    return rows.map((r) => ({
      config_hash: String(r.config_hash), stage: String(r.stage), cell: String(r.cell), source: String(r.source), params: String(r.params),
      returns_hash: r.returns_hash === null ? null : String(r.returns_hash),
      sharpe: r.sharpe === null ? null : Number(r.sharpe), observations: r.observations === null ? null : Number(r.observations),
      kind: String(r.kind), metric: r.metric === null ? null : Number(r.metric),
      recorded_at: String(r.recorded_at),
    }));
  });
}
