/**
 * The trial registry: every configuration a study has evaluated, recorded once, so that
 * statistics can deflate the best result by the number of things tried.
 *
 * Storage: a tracked file beside the lock — `pipeline.trials.jsonl` for `pipeline.yaml`
 * (`x.trials.jsonl` for `x.yaml`) — one JSON object per line, sorted by configuration hash,
 * keys in a fixed order, no timestamps: two branches that ran different trials merge line by
 * line, and a fresh clone reproduces the lock's deflated figures from the repository alone.
 * The registry is scoped to its pipeline file: another study in the same folder has its own.
 * Experiments of the same study record into the same file (source = the experiment's name).
 *
 * A trial is a cell of a stage that declares `trial` in its definition, e.g.
 * `trial: { metrics: ["sharpe", "observations"], outputs: ["returns"] }`: after the cell runs or
 * is restored, the runner records its fingerprint (the configuration hash: code, params,
 * inputs, seed), its params, the named metrics' values and the named outputs' content hashes.
 * The engine stores these as opaque records — it never interprets a value: what a "sharpe" or
 * a "returns" hash means is the reading stage's business (the stats stage deflates by them).
 * The same fingerprint is recorded once, whichever run or experiment produced it. A stage may
 * also declare a table output whose rows are trials (`trial.table`, e.g. tuning trials).
 *
 * A stage that declares `readsTrials: true` (the statistics stage) gets the registry's digest
 * among its fingerprint inputs (`trials/registry`): recording a new trial makes it stale, and
 * `ctx.trials()` returns exactly the rows the digest covers. The digest is sha256 over the
 * rows' (config_hash, stage, kind, outputs, metrics), in config-hash order.
 *
 * File format: one object per line with keys config_hash, stage, cell, source, kind, params,
 * outputs, metrics (maps with sorted keys). Lines of the earlier format (fixed fields
 * returns_hash, sharpe, observations, metric) are read as { outputs: { returns }, metrics:
 * { sharpe, observations } } (or { metric } for table rows) and rewritten on the next write.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { StrataError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { codeIdentity, readParseIndexSync, writeParseIndexSync } from "./parse-index.ts";
import { acquireProjectLock } from "./project-lock.ts";
import { writeFileAtomic } from "./fs-atomic.ts";

/** DuckDB loads only when a table output's trials are recorded (never on a no-op status). */
const store = () => import("../store/index.ts");

/** The input key under which a reading stage's fingerprint records the registry digest. */
export const TRIALS_INPUT = "trials/registry";

export interface TrialRecord {
  config_hash: string;
  stage: string;
  cell: string;
  source: string;
  /** "cell" (a trial stage's cell) or the kind a stage gives its table rows (e.g. "tuning"). */
  kind: string;
  /** Canonical JSON of the cell's params (a table row: its params column). */
  params: string;
  /** Content hashes of the outputs the stage named in `trial.outputs`. */
  outputs: Record<string, string>;
  /**
   * Values of the metrics the stage named in `trial.metrics` (a table row: the mean of its metric); null when absent or
   * not finite.
   */
  metrics: Record<string, number | null>;
}

export interface TrialSpec {
  /** Each cell is a trial; these metrics of the cell (ctx.metric names) are recorded with it. */
  metrics?: string[];
  /** Outputs whose content hashes are recorded with each cell's trial (what it produced). */
  outputs?: string[];
  /**
   * A table output whose rows are trials too (e.g. hyper-parameter trials): rows grouped by
   * `key`, with their `params` (text) and the mean of `metric`. Recorded with config hash
   * "<cell fingerprint>:<key>", this `kind`, and metrics { [metric]: mean }.
   */
  table?: { output: string; key: string; params: string; metric: string; kind: string };
}

/** Whether a spec makes each cell a trial. */
export function cellIsTrial(spec: TrialSpec | undefined): boolean {
  return !!spec && ((spec.metrics?.length ?? 0) > 0 || (spec.outputs?.length ?? 0) > 0);
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

/** The registry file of a lock file: `pipeline.lock` → `pipeline.trials.jsonl`. */
export function registryPathFor(lockFile: string): string {
  return lockFile.replace(/\.lock$/, "") + ".trials.jsonl";
}

/** The fields of a row in file order. */
const FIELDS = ["config_hash", "stage", "cell", "source", "kind", "params", "outputs", "metrics"] as const;

const sortedMap = <V>(m: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const finite = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** A row as stored: every field present, maps sorted, non-finite numbers null; earlier-format rows converted. */
function normalize(r: TrialRecord | LegacyRecord): TrialRecord {
  const legacy = r as LegacyRecord;
  const kind = r.kind ?? "cell";
  let outputs: Record<string, string>, metrics: Record<string, number | null>;
  if ((r as TrialRecord).metrics === undefined && (r as TrialRecord).outputs === undefined) {
    outputs = legacy.returns_hash ? { returns: legacy.returns_hash } : {};
    metrics =
      kind === "cell"
        ? { sharpe: finite(legacy.sharpe), observations: finite(legacy.observations) }
        : { metric: finite(legacy.metric) };
  } else {
    outputs = { ...((r as TrialRecord).outputs ?? {}) };
    metrics = Object.fromEntries(Object.entries((r as TrialRecord).metrics ?? {}).map(([k, v]) => [k, finite(v)]));
  }
  return {
    config_hash: r.config_hash,
    stage: r.stage,
    cell: r.cell,
    source: r.source,
    kind,
    params: r.params,
    outputs: sortedMap(outputs),
    metrics: sortedMap(metrics),
  };
}

/** A line of the earlier format (fixed finance-named fields). */
interface LegacyRecord {
  config_hash: string;
  stage: string;
  cell: string;
  source: string;
  kind?: string;
  params: string;
  returns_hash?: string | null;
  sharpe?: number | null;
  observations?: number | null;
  metric?: number | null;
}

function rowLine(r: TrialRecord): string {
  const n = normalize(r);
  return JSON.stringify(Object.fromEntries(FIELDS.map((k) => [k, n[k]])));
}

interface Parsed {
  rows: TrialRecord[];
  mtimeMs: number;
  size: number;
}
const parsedCache = new Map<string, Parsed>();

/** Every row of a registry file, in config-hash order; a missing file is empty. */
function load(file: string): TrialRecord[] {
  let st;
  try {
    st = statSync(file);
  } catch {
    return [];
  }
  const c = parsedCache.get(file);
  if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.rows;
  const unique = parseRows(readFileSync(file, "utf8"), file);
  parsedCache.set(file, { rows: unique, mtimeMs: st.mtimeMs, size: st.size });
  return unique;
}

/** The rows of a registry's text, in config-hash order, each hash once; `file` names it in errors. */
function parseRows(text: string, file: string): TrialRecord[] {
  const rows: TrialRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let r: TrialRecord;
    try {
      r = JSON.parse(line) as TrialRecord;
    } catch (e) {
      throw new StrataError("CACHE", `${file}:${i + 1}: not a JSON trial record (${(e as Error).message})`, {
        hint: /^(<{7}|={7}|>{7})/.test(line)
          ? "resolve the git merge: keep the lines of both sides (each trial is one line), drop the markers"
          : `restore it with \`git checkout ${file.split("/").pop()}\``,
      });
    }
    if (typeof r?.config_hash !== "string" || typeof r.stage !== "string" || typeof r.cell !== "string") {
      throw new StrataError("CACHE", `${file}:${i + 1}: a trial record needs config_hash, stage and cell`, {
        hint: `restore it with \`git checkout ${file.split("/").pop()}\``,
      });
    }
    rows.push(normalize(r));
  });
  // Merged branches may leave lines out of order or twice: the first of a hash wins.
  rows.sort((a, b) => (a.config_hash < b.config_hash ? -1 : a.config_hash > b.config_hash ? 1 : 0));
  return rows.filter((r, i) => i === 0 || rows[i - 1].config_hash !== r.config_hash);
}

function digestOf(rows: readonly TrialRecord[]): string {
  // An empty registry digests like any other (a lock holds 64-hex hashes only: a word here
  // made the next run reject the lock of a study whose registry was still empty).
  if (rows.length === 0) return sha256("");
  return sha256(
    rows
      .map((r) => `${r.config_hash}\t${r.stage}\t${r.kind}\t${JSON.stringify(r.outputs)}\t${JSON.stringify(r.metrics)}`)
      .join("\n"),
  );
}

/**
 * The registry digest (that of no bytes when nothing was ever recorded). Kept in the file's
 * index (parse-index.ts) by the digest of its bytes: an unchanged registry is not parsed again.
 */
export function trialsDigest(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return digestOf([]);
    throw e;
  }
  const reader = codeIdentity(import.meta.url, /^(trials|parse-index)\.ts$/);
  if (reader !== null) {
    const d = readParseIndexSync(file, text, reader);
    if (typeof d === "string" && /^[0-9a-f]{64}$/.test(d)) return d;
  }
  const d = digestOf(parseRows(text, file));
  if (reader !== null) writeParseIndexSync(file, text, d, reader);
  return d;
}

/** How many trials the registry holds, by source: what `status` shows when it grows. */
export interface TrialsSummary {
  n: number;
  sources: Record<string, number>;
}

export function trialsSummary(file: string): TrialsSummary {
  const sources: Record<string, number> = {};
  const rows = load(file);
  for (const r of rows) sources[r.source] = (sources[r.source] ?? 0) + 1;
  return { n: rows.length, sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** "46 → 76 (+28 exp top25, +2 main)": how a registry grew between two summaries. */
export function describeTrialsChange(before: TrialsSummary, after: TrialsSummary): string {
  const grew = Object.entries(after.sources)
    .map(([s, k]) => [s, k - (before.sources[s] ?? 0)] as const)
    .filter(([, d]) => d !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .map(([s, d]) => `${d > 0 ? "+" : ""}${d} ${s}`);
  return `trials: ${before.n} → ${after.n}${grew.length ? ` (${grew.join(", ")})` : ""}`;
}

/** Configuration hashes already recorded. */
export function recordedHashes(file: string): Set<string> {
  return new Set(load(file).map((r) => r.config_hash));
}

/** The writer lock of a registry file: `.pipeline/<name>.lock` in the folder holding it. */
function writerLockPath(file: string): string {
  return join(dirname(file), ".pipeline", `${file.split("/").pop()}.lock`);
}

/** Run `fn` holding the registry's writer lock (an experiment may record beside the main run). */
async function withWriterLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const path = writerLockPath(file);
  for (let attempt = 0; ; attempt++) {
    try {
      const held = await acquireProjectLock(dirname(file), { path, command: "trial registry write", onNote: () => {} });
      try {
        return await fn();
      } finally {
        await held.release();
      }
    } catch (e) {
      if (!(e instanceof StrataError) || e.code !== "LOCKED" || attempt >= 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Records trials not yet in the registry; returns how many were new and the new digest. */
export async function recordTrials(
  file: string,
  records: readonly TrialRecord[],
  tables: readonly TableTrials[] = [],
): Promise<{ added: number; digest: string }> {
  const fromTables: TrialRecord[] = [];
  if (tables.length) {
    const sql = await store();
    const db = await sql.createDatabase({ threads: 1 });
    const conn = await db.connect();
    try {
      for (const t of tables) {
        const s = t.spec;
        const rows = await sql.queryRows<{ k: unknown; p: string; m: number | null }>(
          conn,
          `SELECT ${sql.sqlIdent(s.key)} AS k, CAST(min(${sql.sqlIdent(s.params)}) AS VARCHAR) AS p,
            avg(${sql.sqlIdent(s.metric)}) AS m
             FROM ${sql.readParquetSql(t.path)} GROUP BY ${sql.sqlIdent(s.key)} ORDER BY ${sql.sqlIdent(s.key)}`,
        );
        for (const r of rows) {
          fromTables.push({
            config_hash: `${t.fingerprint}:${String(r.k)}`,
            stage: t.stage,
            cell: t.cell,
            source: t.source,
            params: r.p,
            kind: s.kind,
            outputs: {},
            metrics: { [s.metric]: r.m === null ? null : Number(r.m) },
          });
        }
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  return withWriterLock(file, async () => {
    const rows = load(file);
    const have = new Set(rows.map((r) => r.config_hash));
    const added: TrialRecord[] = [];
    // A configuration already recorded keeps its first row.
    for (const r of [...records, ...fromTables]) {
      if (have.has(r.config_hash)) continue;
      have.add(r.config_hash);
      added.push(normalize(r));
    }
    if (added.length === 0) return { added: 0, digest: digestOf(rows) };
    const all = [...rows, ...added].sort((a, b) =>
      a.config_hash < b.config_hash ? -1 : a.config_hash > b.config_hash ? 1 : 0,
    );
    await writeFileAtomic(file, all.map(rowLine).join("\n") + "\n");
    parsedCache.delete(file);
    return { added: added.length, digest: digestOf(all) };
  });
}

/** Every recorded trial (optionally of one stage), ordered by config hash. */
export async function readTrials(file: string, stage?: string): Promise<TrialRecord[]> {
  return load(file)
    .filter((r) => stage === undefined || r.stage === stage)
    .map((r) => ({ ...r, outputs: { ...r.outputs }, metrics: { ...r.metrics } }));
}
