/**
 * pipeline.lock: the committed record of every cell's fingerprint parts, outputs and metrics.
 *
 * Serialization is byte-stable so that git diffs and merges stay readable: `version` first,
 * then `cells` sorted by id, one block per cell separated by a blank line, keys sorted at
 * every level below, arrays in their order, numbers in JavaScript's shortest round-trip form
 * (-0 written as 0), no line folding.
 */
import { readFile } from "node:fs/promises";
import { isMap, isScalar, parseDocument, Document, type Node as YamlNode, type Pair } from "yaml";
import { StrataError } from "../core/errors.ts";
import { writeFileAtomic } from "./fs-atomic.ts";
import type { AxisValue, MetricValue } from "./types.ts";

export interface LockOutput {
  /** Project-relative path of the materialized artifact, e.g. "data/train/model=ridge/predictions.parquet". */
  path: string;
  hash: string;
  bytes: number;
  rows?: number;
}

export interface LockEntry {
  stage: string;
  matrix: Record<string, AxisValue>;
  fingerprint: string;
  /** Stage module as written in pipeline.yaml. */
  uses: string;
  code: Record<string, string>;
  packages: Record<string, string>;
  params: unknown;
  /** "stage/output" or "stage[cell]/output" → artifact hash. */
  inputs: Record<string, string>;
  files: Record<string, string>;
  seed: number;
  outputs: Record<string, LockOutput>;
  metrics: Record<string, MetricValue>;
  duration_s: number;
  engine: string;
}

export interface LockFile {
  version: 1;
  cells: Record<string, LockEntry>;
}

export function emptyLock(): LockFile {
  return { version: 1, cells: {} };
}

const HEADER = " Written by `pipeline run`. Commit it; do not edit by hand.";
const RECOVER = "restore the committed version with `git checkout pipeline.lock`, or delete it (the next `pipeline run` rebuilds it, restoring cached results)";

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Deep copy with object keys sorted, undefined members dropped, -0 → 0. */
function sortDeep(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "number") return Object.is(v, -0) ? 0 : v;
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(sortDeep);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort(cmp)) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sortDeep(x);
  }
  return out;
}

/** The lock as YAML text; equal locks give equal bytes. */
export function serializeLock(lock: LockFile): string {
  const cells: Record<string, unknown> = {};
  for (const id of Object.keys(lock.cells).sort(cmp)) cells[id] = sortDeep(lock.cells[id]);
  const doc = new Document({ version: 1, cells });
  doc.commentBefore = HEADER;
  const cellsNode = doc.get("cells", true);
  if (isMap(cellsNode)) {
    cellsNode.items.forEach((pair: Pair, i: number) => {
      if (i > 0 && isScalar(pair.key)) pair.key.spaceBefore = true;
    });
  }
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

function lockError(file: string, text: string, offset: number | undefined, problem: string): StrataError {
  let where = file;
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const col = offset - (before.lastIndexOf("\n") + 1) + 1;
    where = `${file}:${line}:${col}`;
  }
  return new StrataError("CACHE", `${where}: ${problem}`, { hint: RECOVER, details: { file } });
}

const isRecordOf = (v: unknown, pred: (x: unknown) => boolean): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(pred);
const isStr = (x: unknown): boolean => typeof x === "string";
const isNum = (x: unknown): boolean => typeof x === "number";

/** Check one parsed cell entry; returns the name of the first bad field, or null. */
function badField(e: Record<string, unknown>): string | null {
  if (!isStr(e.stage)) return "stage";
  if (!isStr(e.fingerprint)) return "fingerprint";
  if (!isStr(e.uses)) return "uses";
  if (!isRecordOf(e.matrix, (x) => ["string", "number", "boolean"].includes(typeof x))) return "matrix";
  for (const k of ["code", "packages", "inputs", "files"] as const) if (!isRecordOf(e[k], isStr)) return k;
  if (!isNum(e.seed)) return "seed";
  if (!isRecordOf(e.outputs, (o) => isRecordOf(o, () => true) && isStr((o as LockOutput).path) && isStr((o as LockOutput).hash) && isNum((o as LockOutput).bytes))) return "outputs";
  if (!isRecordOf(e.metrics, (x) => x === null || ["string", "number", "boolean"].includes(typeof x))) return "metrics";
  if (!isNum(e.duration_s)) return "duration_s";
  if (!isStr(e.engine)) return "engine";
  return null;
}

/** Parse lock text (exported for tests and `pipeline verify`); `file` is used in messages. */
export function parseLock(text: string, file: string): LockFile {
  const conflict = /^(<{7}|={7}|>{7})( |$)/m.exec(text);
  if (conflict) {
    throw lockError(file, text, conflict.index, "unresolved git merge conflict markers");
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw lockError(file, text, err.pos[0], `not valid YAML (${err.message.split("\n")[0]})`);
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return emptyLock();
  if (typeof data !== "object" || Array.isArray(data)) throw lockError(file, text, 0, "expected a mapping with `version` and `cells`");
  const obj = data as Record<string, unknown>;
  if (obj.version !== 1) {
    const node = doc.get("version", true) as YamlNode | undefined;
    throw lockError(file, text, node?.range?.[0] ?? 0, `unsupported lock version ${JSON.stringify(obj.version)} (this engine reads version 1)`);
  }
  const cells = obj.cells ?? {};
  if (typeof cells !== "object" || cells === null || Array.isArray(cells)) {
    const node = doc.get("cells", true) as YamlNode | undefined;
    throw lockError(file, text, node?.range?.[0], "`cells` must be a mapping of cell id → entry");
  }
  const cellsNode = doc.get("cells", true);
  for (const [id, entry] of Object.entries(cells as Record<string, unknown>)) {
    const pair = isMap(cellsNode) ? cellsNode.items.find((p) => isScalar(p.key) && String(p.key.value) === id) : undefined;
    const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw lockError(file, text, offset, `cell '${id}' must be a mapping`);
    }
    const e = entry as Record<string, unknown>;
    for (const k of ["matrix", "code", "packages", "inputs", "files", "outputs", "metrics"]) e[k] ??= {};
    e.params ??= {};
    const bad = badField(e);
    if (bad) {
      let at = offset;
      if (isMap(pair?.value)) {
        const fieldPair = pair.value.items.find((p) => isScalar(p.key) && p.key.value === bad);
        if (isScalar(fieldPair?.key)) at = fieldPair.key.range?.[0] ?? at;
      }
      throw lockError(file, text, at, `cell '${id}' has a missing or malformed \`${bad}\``);
    }
  }
  return { version: 1, cells: cells as Record<string, LockEntry> };
}

/**
 * Read pipeline.lock. Missing file → an empty lock. Corrupt → StrataError("CACHE") naming
 * file:line:col and how to recover.
 */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyLock();
    throw new StrataError("CACHE", `cannot read ${path}: ${(e as Error).message}`, { cause: e, hint: "check the file's permissions" });
  }
  return parseLock(text, path);
}

/**
 * Write the lock atomically (temp + fsync + rename) unless the file already holds exactly
 * these bytes. Returns whether it wrote; an unchanged lock keeps its mtime.
 */
export async function writeLockIfChanged(path: string, lock: LockFile): Promise<boolean> {
  const text = serializeLock(lock);
  try {
    if ((await readFile(path, "utf8")) === text) return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await writeFileAtomic(path, text);
  return true;
}
