/**
 * pipeline.lock: the committed record of every cell's fingerprint parts, outputs and metrics.
 *
 * Serialization is byte-stable so that git diffs and merges stay readable: `version` first,
 * then `cells` sorted by id, one block per cell separated by a blank line, keys sorted at
 * every level below, arrays in their order, numbers in JavaScript's shortest round-trip form
 * (-0 written as 0), no line folding.
 */
import type { Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
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
const RECOVER_CELL = "restore the committed version with `git checkout pipeline.lock`, or delete the entry";

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

function lockError(file: string, text: string, offset: number | undefined, problem: string, cell?: string): StrataError {
  let where = file;
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const col = offset - (before.lastIndexOf("\n") + 1) + 1;
    where = `${file}:${line}:${col}`;
  }
  const hint = cell === undefined ? RECOVER : `${RECOVER_CELL} '${cell}' from it (the next \`pipeline run\` rebuilds it)`;
  return new StrataError("CACHE", `${where}: ${problem}`, { hint, details: cell === undefined ? { file } : { file, cell } });
}

const isRecordOf = (v: unknown, pred: (x: unknown) => boolean): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(pred);
const isStr = (x: unknown): boolean => typeof x === "string";
const isNum = (x: unknown): boolean => typeof x === "number";
const HASH_RE = /^[0-9a-f]{64}$/;
const isHash = (x: unknown): boolean => typeof x === "string" && HASH_RE.test(x);
const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Why `path` is not a safe output path, or null when it is. A safe path is relative, posix
 * ('/'-separated), under `data/`, without '.', '..' or empty segments, backslashes or control
 * characters, and ends in a plain file name (not starting with '.'). The engine deletes and
 * overwrites these paths, so anything that could leave `data/` is refused.
 */
export function outputPathProblem(path: string): string | null {
  if (path.includes("\0")) return "contains a NUL character";
  if (/[\x00-\x1f\x7f]/.test(path)) return "contains a control character";
  if (path.includes("\\")) return "contains a backslash (paths are '/'-separated)";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "is absolute";
  const segs = path.split("/");
  if (segs.includes("..")) return "has a '..' segment";
  if (segs.includes(".")) return "has a '.' segment";
  if (segs.includes("")) return "has an empty segment";
  if (segs[0] !== "data" || segs.length < 2) return "is not under data/";
  if (segs[segs.length - 1].startsWith(".")) return "does not end in a plain file name";
  return null;
}

interface BadField {
  /** Keys from the cell entry down to the offending node, e.g. ["outputs", "weights", "path"]. */
  keys: string[];
  problem: string;
}

const malformed = (k: string): BadField => ({ keys: [k], problem: `a missing or malformed \`${k}\`` });

/** Check one parsed cell entry; returns the first problem, or null. */
function badField(e: Record<string, unknown>): BadField | null {
  if (!isStr(e.stage)) return malformed("stage");
  if (!isStr(e.fingerprint)) return malformed("fingerprint");
  if (!isHash(e.fingerprint)) return { keys: ["fingerprint"], problem: "a malformed `fingerprint` (expected 64 lowercase hex characters)" };
  if (!isStr(e.uses)) return malformed("uses");
  if (!isRecordOf(e.matrix, (x) => ["string", "number", "boolean"].includes(typeof x))) return malformed("matrix");
  for (const k of ["code", "packages", "inputs", "files"] as const) if (!isRecordOf(e[k], isStr)) return malformed(k);
  for (const k of ["code", "inputs", "files"] as const) {
    for (const [name, h] of Object.entries(e[k] as Record<string, string>)) {
      if (!isHash(h)) return { keys: [k, name], problem: `a malformed hash for \`${k}.${name}\` (expected 64 lowercase hex characters)` };
    }
  }
  if (!isNum(e.seed)) return malformed("seed");
  if (!isPlainObject(e.outputs)) return malformed("outputs");
  for (const [name, o] of Object.entries(e.outputs)) {
    if (!isPlainObject(o) || !isStr(o.path) || !isStr(o.hash) || !isNum(o.bytes) || (o.rows !== undefined && !isNum(o.rows))) {
      return { keys: ["outputs", name], problem: `a missing or malformed \`outputs.${name}\` (expected path, hash, bytes)` };
    }
    if (!isHash(o.hash)) return { keys: ["outputs", name, "hash"], problem: `a malformed \`outputs.${name}.hash\` (expected 64 lowercase hex characters)` };
    const path = o.path as string;
    let why = outputPathProblem(path);
    if (!why && path.split("/")[1] !== e.stage) why = `is not under data/${e.stage as string}/, the folder of stage '${e.stage as string}'`;
    if (why) return { keys: ["outputs", name, "path"], problem: `an unsafe \`outputs.${name}.path\` ${JSON.stringify(path)}: it ${why}` };
  }
  if (!isRecordOf(e.metrics, (x) => x === null || ["string", "number", "boolean"].includes(typeof x))) return malformed("metrics");
  if (!isNum(e.duration_s)) return malformed("duration_s");
  if (!isStr(e.engine)) return malformed("engine");
  return null;
}

/** Offset of the deepest key along `keys` below `node` that exists (undefined if none). */
function keyOffset(node: unknown, keys: string[]): number | undefined {
  let at: number | undefined;
  let cur = node;
  for (const k of keys) {
    if (!isMap(cur)) break;
    const p = cur.items.find((x) => isScalar(x.key) && String(x.key.value) === k);
    if (!p || !isScalar(p.key)) break;
    at = p.key.range?.[0] ?? at;
    cur = p.value;
  }
  return at;
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
      const at = keyOffset(pair?.value, bad.keys) ?? offset;
      throw lockError(file, text, at, `cell '${id}' has ${bad.problem}`, id);
    }
  }
  return { version: 1, cells: cells as Record<string, LockEntry> };
}

/**
 * What this process last read from or wrote to each lock file (by absolute path), with the
 * file's identity at that moment. While (size, mtime, inode) are unchanged the file still
 * holds `text`, so `writeLockIfChanged` can compare in memory instead of re-reading it.
 * Lock writes are atomic renames (a new inode each time), so an edit by anyone else shows.
 */
interface Known {
  text: string;
  size: number;
  mtimeMs: number;
  ino: number;
}
const known = new Map<string, Known>();

function remember(path: string, text: string, s: Stats): void {
  known.set(resolve(path), { text, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
}

/** The file's text if we know it without reading it; null when unknown or changed since. */
async function knownText(path: string): Promise<string | null> {
  const k = known.get(resolve(path));
  if (!k) return null;
  const s = await stat(path).catch(() => null);
  if (!s || s.size !== k.size || s.mtimeMs !== k.mtimeMs || s.ino !== k.ino) {
    known.delete(resolve(path));
    return null;
  }
  return k.text;
}

/** Read the file and remember its text with the identity of the inode it came from. */
async function readAndRemember(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const s = await fh.stat();
    const text = await fh.readFile("utf8");
    remember(path, text, s);
    return text;
  } finally {
    await fh.close();
  }
}

/**
 * Read pipeline.lock. Missing file → an empty lock. Corrupt → StrataError("CACHE") naming
 * file:line:col and how to recover.
 */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readAndRemember(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyLock();
    throw new StrataError("CACHE", `cannot read ${path}: ${(e as Error).message}`, { cause: e, hint: "check the file's permissions" });
  }
  return parseLock(text, path);
}

/**
 * Write the lock atomically (temp + fsync + rename) unless the file already holds exactly
 * these bytes. Returns whether it wrote; an unchanged lock keeps its mtime. The comparison
 * uses the bytes this process last read or wrote when the file is unchanged since (one stat),
 * and reads the file otherwise.
 */
export async function writeLockIfChanged(path: string, lock: LockFile): Promise<boolean> {
  const text = serializeLock(lock);
  let current = await knownText(path);
  if (current === null) {
    try {
      current = await readAndRemember(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  if (current === text) return false;
  await writeFileAtomic(path, text);
  remember(path, text, await stat(path));
  return true;
}
