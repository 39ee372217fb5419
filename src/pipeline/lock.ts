/**
 * The lock (`pipeline.lock` beside `pipeline.yaml`, `x.lock` beside `x.yaml`): the committed
 * record of every cell's fingerprint parts, outputs and metrics. Only deterministic content:
 * durations and hosts go to the run log (`.pipeline/runs.jsonl`).
 *
 * Layout (version 2), byte-stable so that git diffs and merges stay readable:
 *   version: 2
 *   code:      every source file any cell's code closure reads → its normalized hash, once
 *   closures:  closure digest → the files of that closure (one line each)
 *   cells:     sorted by id, one block per cell separated by a blank line; a cell names its
 *              code closure by digest (`code: 3f2a…`), so a one-file edit shows as that file's
 *              line in `code:` plus the cells whose closure it is in.
 * Keys are sorted at every level, arrays keep their order, numbers are in JavaScript's
 * shortest round-trip form (-0 written as 0), no line folding. In memory a LockEntry still
 * holds its full code map; the table form exists only in the file.
 *
 * When cells disagree on a file's hash (a partial run left some cells on an older version),
 * the table holds the hash most cells use (ties: the smaller hash) and each other cell lists
 * its own in `code_own:`.
 */
import type { Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { Document, Node as YamlNode, Pair } from "yaml";
import { StrataError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { writeFileAtomic } from "./fs-atomic.ts";
import { codeIdentity, readParseIndex, writeParseIndex } from "./parse-index.ts";
import { type LockLayout, writeLockText } from "./lock-text.ts";
import { yamlLib } from "./yaml-lib.ts";
import type { AxisValue, MetricValue } from "./types.ts";

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
  engine: string;
  /** A registry-reading cell: the trials its `trials/registry` digest covered, by source. */
  trials?: { n: number; sources: Record<string, number> };
  /** What the stage said with ctx.warn() while computing these outputs, in order (absent: none). */
  warnings?: string[];
}

export interface LockFile {
  version: 2;
  cells: Record<string, LockEntry>;
}

export function emptyLock(): LockFile {
  return { version: 2, cells: {} };
}

/** The lock file of a pipeline file: `pipeline.yaml` → `pipeline.lock`, `studies/x.yml` → `studies/x.lock`. */
export function lockPathFor(specFile: string): string {
  return specFile.replace(/\.ya?ml$/i, "") + ".lock";
}

/** Digest naming a code closure: sha256 over its sorted (path, hash) pairs, first 16 hex digits. */
export function closureDigest(code: Record<string, string>): string {
  const pairs = Object.keys(code)
    .sort(cmp)
    .map((k) => `${k}\0${code[k]}`);
  return sha256(pairs.join("\n")).slice(0, 16);
}

const HEADER = " Written by `pipeline run`. Commit it; do not edit by hand.";
const recover = (name: string) =>
  `restore the committed version with \`git checkout ${name}\`, or delete it (the next \`pipeline run\` rebuilds it, ` +
  `restoring cached results)`;
const recoverCell = (name: string) =>
  `restore the committed version with \`git checkout ${name}\`, or delete the entry`;

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

/**
 * A cell's inputs as (a) the upstream cells all of whose outputs it read with the hashes the
 * lock records for them — written as `upstream: [data, train[model=gbdt]]`, since those hashes
 * are in the upstream cells' own `outputs` — and (b) every other input, written out (the trial
 * registry's digest; inputs of a cell left stale by a partial run).
 */
function collapseInputs(
  inputs: Record<string, string>,
  cells: Record<string, LockEntry>,
): { upstream: string[]; other: Record<string, string> } {
  const byCell = new Map<string, string[]>();
  for (const key of Object.keys(inputs)) {
    const slash = key.indexOf("/");
    if (slash <= 0) continue;
    const id = key.slice(0, slash);
    byCell.set(id, [...(byCell.get(id) ?? []), key.slice(slash + 1)]);
  }
  const upstream: string[] = [];
  const other: Record<string, string> = { ...inputs };
  for (const [id, names] of byCell) {
    const outs = cells[id]?.outputs;
    if (!outs || id === "trials") continue;
    const all = Object.keys(outs);
    if (
      all.length !== names.length ||
      !names.every((n) => outs[n] !== undefined && outs[n].hash === inputs[`${id}/${n}`])
    )
      continue;
    upstream.push(id);
    for (const n of names) delete other[`${id}/${n}`];
  }
  return { upstream: upstream.sort(cmp), other };
}

/** Fields a stage's cells may share: whole values, or (maps) key by key. */
const SHARED_SCALARS = ["code", "engine", "uses"] as const;
const SHARED_MAPS = ["params", "inputs", "packages", "files"] as const;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b); // both sortDeep'd

/**
 * What every cell of a stage (with two cells or more) has in common — its code closure,
 * engine, module, and the params, inputs, packages and files keys whose values are equal in
 * every cell — moved out of the cells (mutated) into a `stages:` table. A param shared by
 * thirty backtest cells is one line, and a change of it one changed line.
 */
function shareByStage(cells: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const byStage = new Map<string, Array<Record<string, unknown>>>();
  for (const e of Object.values(cells) as Array<Record<string, unknown>>) {
    const list = byStage.get(String(e.stage)) ?? [];
    list.push(e);
    byStage.set(String(e.stage), list);
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const stage of [...byStage.keys()].sort(cmp)) {
    const list = byStage.get(stage)!;
    if (list.length < 2) continue;
    const shared: Record<string, unknown> = {};
    for (const f of SHARED_SCALARS) {
      if (list.every((e) => f in e && same(e[f], list[0][f]))) shared[f] = list[0][f];
    }
    for (const f of SHARED_MAPS) {
      if (!list.every((e) => isPlainObject(e[f]))) continue;
      const first = list[0][f] as Record<string, unknown>;
      const common: Record<string, unknown> = {};
      for (const k of Object.keys(first)) {
        if (
          list.every(
            (e) => k in (e[f] as Record<string, unknown>) && same((e[f] as Record<string, unknown>)[k], first[k]),
          )
        )
          common[k] = first[k];
      }
      if (Object.keys(common).length) shared[f] = common;
    }
    if (Object.keys(shared).length === 0) continue;
    for (const e of list) {
      for (const f of SHARED_SCALARS) if (f in shared) delete e[f];
      for (const f of SHARED_MAPS) {
        if (!(f in shared)) continue;
        const m = e[f] as Record<string, unknown>;
        for (const k of Object.keys(shared[f] as object)) delete m[k];
        if (Object.keys(m).length === 0) delete e[f];
      }
    }
    out[stage] = shared;
  }
  return out;
}

/** The lock as YAML text; equal locks give equal bytes. */
export function serializeLock(lock: LockFile): string {
  const tree = lockTree(lock);
  return writeLockText(lockLayout(tree), isFlowPath, "cells") ?? libraryText(tree);
}

/** The sections of the lock file (version 2), as written. */
export interface LockTree {
  table: Record<string, string>;
  closures: Record<string, string[]>;
  stages: Record<string, unknown>;
  cells: Record<string, unknown>;
}

/** The layout lock-text.ts writes: the header and the sections in order. */
export function lockLayout(tree: LockTree): LockLayout {
  return {
    header: HEADER,
    sections: [
      ["version", 2],
      ["code", tree.table],
      ["closures", tree.closures],
      ["stages", tree.stages],
      ["cells", tree.cells],
    ],
  };
}

/** The lock's sections: the code table, closures, what stages' cells share, the cells. */
export function lockTree(lock: LockFile): LockTree {
  const ids = Object.keys(lock.cells).sort(cmp);
  // The code table: per path, the hash most cells use (ties: the smaller hash).
  const votes = new Map<string, Map<string, number>>();
  for (const id of ids) {
    for (const [path, h] of Object.entries(lock.cells[id].code ?? {})) {
      const m = votes.get(path) ?? new Map<string, number>();
      m.set(h, (m.get(h) ?? 0) + 1);
      votes.set(path, m);
    }
  }
  const table: Record<string, string> = {};
  for (const path of [...votes.keys()].sort(cmp)) {
    const best = [...votes.get(path)!].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0];
    table[path] = best[0];
  }
  const closures: Record<string, string[]> = {};
  const cells: Record<string, unknown> = {};
  for (const id of ids) {
    const { code, inputs, ...rest } = lock.cells[id];
    const { upstream, other } = collapseInputs(inputs ?? {}, lock.cells);
    const digest = closureDigest(code ?? {});
    closures[digest] = Object.keys(code ?? {}).sort(cmp);
    const own: Record<string, string> = {};
    for (const [path, h] of Object.entries(code ?? {})) if (table[path] !== h) own[path] = h;
    const entry = sortDeep({
      ...rest,
      code: digest,
      ...(Object.keys(own).length ? { code_own: own } : {}),
      ...(upstream.length ? { upstream } : {}),
      ...(Object.keys(other).length ? { inputs: other } : {}),
    }) as Record<string, unknown>;
    // Empty maps are the default when parsing: not written.
    for (const f of ["files", "packages", "metrics", "matrix"])
      if (isPlainObject(entry[f]) && Object.keys(entry[f] as object).length === 0) delete entry[f];
    cells[id] = entry;
  }
  const stages = shareByStage(cells);
  const sortedClosures: Record<string, string[]> = {};
  for (const d of Object.keys(closures).sort(cmp)) sortedClosures[d] = closures[d];
  return { table, closures: sortedClosures, stages, cells };
}

/** One line per closure, per matrix and per output: the lines a review reads stay few. */
export function isFlowPath(path: string[]): boolean {
  return (
    (path.length === 2 && path[0] === "closures") ||
    (path.length === 3 && path[0] === "cells" && path[2] === "matrix") ||
    (path.length === 4 && path[0] === "cells" && path[2] === "outputs")
  );
}

/** The lock's text through a yaml Document: the reference lock-text.ts writes the same bytes as, faster. */
export function libraryText({ table, closures: sortedClosures, stages, cells }: LockTree): string {
  const { Document, isMap, isScalar, isSeq } = yamlLib();
  const doc = new Document({ version: 2, code: table, closures: sortedClosures, stages, cells });
  doc.commentBefore = HEADER;
  // One line per closure, per matrix and per output: the lines a review reads stay few.
  const closuresNode = doc.get("closures", true);
  if (isMap(closuresNode)) for (const pair of closuresNode.items) if (isSeq(pair.value)) pair.value.flow = true;
  const cellsNode = doc.get("cells", true);
  if (isMap(cellsNode)) {
    cellsNode.items.forEach((pair: Pair, i: number) => {
      if (i > 0 && isScalar(pair.key)) pair.key.spaceBefore = true;
      if (!isMap(pair.value)) return;
      const matrix = pair.value.get("matrix", true);
      if (isMap(matrix)) matrix.flow = true;
      const outputs = pair.value.get("outputs", true);
      if (isMap(outputs)) for (const o of outputs.items) if (isMap(o.value)) o.value.flow = true;
    });
  }
  for (const key of ["code", "closures", "stages", "cells"]) {
    const pair =
      doc.contents && isMap(doc.contents)
        ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key)
        : undefined;
    if (pair && isScalar(pair.key) && key !== "code") pair.key.spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: false });
}

function lockError(
  file: string,
  text: string,
  offset: number | undefined,
  problem: string,
  cell?: string,
): StrataError {
  let where = file;
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const col = offset - (before.lastIndexOf("\n") + 1) + 1;
    where = `${file}:${line}:${col}`;
  }
  const name = basename(file);
  const hint =
    cell === undefined
      ? recover(name)
      : `${recoverCell(name)} '${cell}' from it (the next \`pipeline run\` rebuilds it)`;
  return new StrataError("CACHE", `${where}: ${problem}`, {
    hint,
    details: cell === undefined ? { file } : { file, cell },
  });
}

const isRecordOf = (v: unknown, pred: (x: unknown) => boolean): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(pred);
const isStr = (x: unknown): boolean => typeof x === "string";
const isNum = (x: unknown): boolean => typeof x === "number";
const HASH_RE = /^[0-9a-f]{64}$/;
const isHash = (x: unknown): boolean => typeof x === "string" && HASH_RE.test(x);
const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Why `path` is not a safe output path, or null when it is. A safe path is relative, posix
 * ('/'-separated), under `data/`, without '.', '..' or empty segments, backslashes or control
 * characters, and ends in a plain file name (not starting with '.'). The engine deletes and
 * overwrites these paths, so anything that could leave `data/` is refused.
 */
export function outputPathProblem(path: string): string | null {
  if (path.includes("\0")) return "contains a NUL character";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
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
  if (!isHash(e.fingerprint))
    return { keys: ["fingerprint"], problem: "a malformed `fingerprint` (expected 64 lowercase hex characters)" };
  if (!isStr(e.uses)) return malformed("uses");
  if (!isRecordOf(e.matrix, (x) => ["string", "number", "boolean"].includes(typeof x))) return malformed("matrix");
  for (const k of ["code", "packages", "inputs", "files"] as const) if (!isRecordOf(e[k], isStr)) return malformed(k);
  for (const k of ["code", "inputs", "files"] as const) {
    for (const [name, h] of Object.entries(e[k] as Record<string, string>)) {
      if (!isHash(h))
        return {
          keys: [k, name],
          problem: `a malformed hash for \`${k}.${name}\` (expected 64 lowercase hex characters)`,
        };
    }
  }
  if (!isNum(e.seed)) return malformed("seed");
  if (!isPlainObject(e.outputs)) return malformed("outputs");
  for (const [name, o] of Object.entries(e.outputs)) {
    if (
      !isPlainObject(o) ||
      !isStr(o.path) ||
      !isStr(o.hash) ||
      !isNum(o.bytes) ||
      (o.rows !== undefined && !isNum(o.rows))
    ) {
      return {
        keys: ["outputs", name],
        problem: `a missing or malformed \`outputs.${name}\` (expected path, hash, bytes)`,
      };
    }
    if (!isHash(o.hash))
      return {
        keys: ["outputs", name, "hash"],
        problem: `a malformed \`outputs.${name}.hash\` (expected 64 lowercase hex characters)`,
      };
    const path = o.path as string;
    let why = outputPathProblem(path);
    // data/<stage>/… (pipeline.yaml) or data/<study>/<stage>/… (any other pipeline file).
    const segs = path.split("/");
    if (!why && segs[1] !== e.stage && !(segs.length > 3 && segs[2] === e.stage))
      why = `is not under data/${e.stage as string}/, the folder of stage '${e.stage as string}'`;
    if (why)
      return {
        keys: ["outputs", name, "path"],
        problem: `an unsafe \`outputs.${name}.path\` ${JSON.stringify(path)}: it ${why}`,
      };
  }
  if (!isRecordOf(e.metrics, (x) => x === null || ["string", "number", "boolean"].includes(typeof x)))
    return malformed("metrics");
  if (!isStr(e.engine)) return malformed("engine");
  if (e.warnings !== undefined && !(Array.isArray(e.warnings) && e.warnings.every(isStr)))
    return { keys: ["warnings"], problem: "a malformed `warnings` (expected a list of sentences)" };
  return null;
}

/** Offset of the deepest key along `keys` below `node` that exists (undefined if none). */
function keyOffset(node: unknown, keys: string[]): number | undefined {
  const { isMap, isScalar } = yamlLib();
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

/** A lock text being parsed: the file and text its messages point into, and its YAML document. */
interface LockSource {
  file: string;
  text: string;
  doc: Document;
}

/** Version 2's tables that cells refer to: the stages' shared fields, the code table, the closures. */
interface SharedTables {
  stages: unknown;
  table: Record<string, unknown>;
  closures: Record<string, unknown>;
}

/** The YAML document of a lock text; merge conflict markers and syntax errors are refused, located. */
function parseLockYaml(text: string, file: string): Document {
  const conflict = /^(<{7}|={7}|>{7})( |$)/m.exec(text);
  if (conflict) {
    throw lockError(file, text, conflict.index, "unresolved git merge conflict markers");
  }
  const doc = yamlLib().parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw lockError(file, text, err.pos[0], `not valid YAML (${err.message.split("\n")[0]})`);
  }
  return doc;
}

/** The lock's top-level mapping with a readable version and a `cells` mapping; null for an empty file. */
function lockRoot(src: LockSource): Record<string, unknown> | null {
  const { file, text, doc } = src;
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return null;
  if (typeof data !== "object" || Array.isArray(data))
    throw lockError(file, text, 0, "expected a mapping with `version` and `cells`");
  const obj = data as Record<string, unknown>;
  if (obj.version !== 1 && obj.version !== 2) {
    const node = doc.get("version", true) as YamlNode | undefined;
    throw lockError(
      file,
      text,
      node?.range?.[0] ?? 0,
      `unsupported lock version ${JSON.stringify(obj.version)} (this engine reads versions 1 and 2)`,
    );
  }
  const cells = obj.cells ?? {};
  if (typeof cells !== "object" || cells === null || Array.isArray(cells)) {
    const node = doc.get("cells", true) as YamlNode | undefined;
    throw lockError(file, text, node?.range?.[0], "`cells` must be a mapping of cell id → entry");
  }
  return obj;
}

/** Version 2: the code table and closures, checked (every hash well-formed, every closure file in the table). */
function sharedTables(src: LockSource, obj: Record<string, unknown>): SharedTables {
  const { file, text, doc } = src;
  const table = (obj.code ?? {}) as Record<string, unknown>;
  const closures = (obj.closures ?? {}) as Record<string, unknown>;
  const at = (key: string) => (doc.get(key, true) as YamlNode | undefined)?.range?.[0];
  if (!isPlainObject(table))
    throw lockError(file, text, at("code"), "`code` must map each source file to its 64-hex-digit hash");
  for (const [path, h] of Object.entries(table)) {
    if (!isHash(h))
      throw lockError(
        file,
        text,
        keyOffset(doc.get("code", true), [path]) ?? at("code"),
        `a malformed hash for \`code.${path}\` (expected 64 lowercase hex characters)`,
      );
  }
  if (!isRecordOf(closures, (x) => Array.isArray(x) && x.every((p) => typeof p === "string" && p in table))) {
    throw lockError(
      file,
      text,
      at("closures"),
      "`closures` must map each closure digest to a list of files of the `code` table",
    );
  }
  return { stages: obj.stages, table, closures };
}

/** The `cells:` entry of cell `id` in the document (for positions in messages). */
function cellPair(doc: LockSource["doc"], id: string): Pair | undefined {
  const { isMap, isScalar } = yamlLib();
  const cellsNode = doc.get("cells", true);
  return isMap(cellsNode) ? cellsNode.items.find((p) => isScalar(p.key) && String(p.key.value) === id) : undefined;
}

/** Version 2: what the cell shares with the other cells of its stage, copied into the entry (mutated). */
function inheritShared(e: Record<string, unknown>, stages: unknown): void {
  const shared = isPlainObject(stages) ? (stages as Record<string, unknown>)[String(e.stage)] : undefined;
  if (!isPlainObject(shared)) return;
  for (const f of SHARED_SCALARS) if (!(f in e) && f in shared) e[f] = shared[f];
  for (const f of SHARED_MAPS) {
    if (!isPlainObject(shared[f])) continue;
    if (e[f] !== undefined && !isPlainObject(e[f])) continue; // reported as malformed below
    e[f] = { ...(shared[f] as object), ...((e[f] as object | undefined) ?? {}) };
  }
}

/** Version 2: the closure digest in `code` replaced by the closure's (path → hash) map, checked against it. */
function expandCode(
  src: LockSource,
  tables: SharedTables,
  id: string,
  e: Record<string, unknown>,
  pair: Pair | undefined,
  offset: number | undefined,
): void {
  const { file, text } = src;
  const digest = e.code;
  const paths = typeof digest === "string" ? tables.closures[digest] : undefined;
  const own = (e.code_own ?? {}) as Record<string, unknown>;
  if (!Array.isArray(paths) || !isRecordOf(own, isHash)) {
    throw lockError(
      file,
      text,
      keyOffset(pair?.value, ["code"]) ?? offset,
      `cell '${id}' names code closure ${JSON.stringify(digest)}, which \`closures\` does not list`,
      id,
    );
  }
  const code: Record<string, string> = {};
  for (const path of paths as string[])
    code[path] = (own[path] as string | undefined) ?? (tables.table[path] as string);
  if (closureDigest(code) !== digest) {
    throw lockError(
      file,
      text,
      keyOffset(pair?.value, ["code"]) ?? offset,
      `cell '${id}': the hashes of code closure ${digest as string} do not match its digest (the \`code\` table was ` +
        `edited)`,
      id,
    );
  }
  e.code = code;
  delete e.code_own;
}

/** One cell entry brought (mutated) to its in-memory form and checked; `tables` is null in a version 1 lock. */
function normalizeCell(src: LockSource, tables: SharedTables | null, id: string, entry: unknown): void {
  const { isScalar } = yamlLib();
  const pair = cellPair(src.doc, id);
  const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw lockError(src.file, src.text, offset, `cell '${id}' must be a mapping`);
  }
  const e = entry as Record<string, unknown>;
  if (tables) {
    inheritShared(e, tables.stages);
    expandCode(src, tables, id, e, pair, offset);
  }
  delete e.duration_s; // version 1 recorded it; durations now live in the run log
  for (const k of ["matrix", "code", "packages", "inputs", "files", "outputs", "metrics"]) e[k] ??= {};
  e.params ??= {};
  const bad = badField(e);
  if (bad) {
    const at = keyOffset(pair?.value, bad.keys) ?? offset;
    throw lockError(src.file, src.text, at, `cell '${id}' has ${bad.problem}`, id);
  }
}

/** `upstream: [ids]`: the inputs are those cells' recorded outputs (entries mutated). */
function expandUpstream(src: LockSource, cells: Record<string, unknown>): void {
  const { isScalar } = yamlLib();
  for (const [id, entry] of Object.entries(cells as Record<string, Record<string, unknown>>)) {
    const ups = entry.upstream;
    if (ups === undefined) continue;
    const pair = cellPair(src.doc, id);
    const at = keyOffset(pair?.value, ["upstream"]) ?? (isScalar(pair?.key) ? pair.key.range?.[0] : undefined);
    if (!Array.isArray(ups) || !ups.every((u) => typeof u === "string"))
      throw lockError(
        src.file,
        src.text,
        at,
        `cell '${id}' has a malformed \`upstream\` (expected a list of cell ids)`,
        id,
      );
    const inputs = entry.inputs as Record<string, string>;
    for (const up of ups as string[]) {
      const from = (cells as Record<string, LockEntry>)[up];
      if (!from)
        throw lockError(
          src.file,
          src.text,
          at,
          `cell '${id}' reads the outputs of '${up}', which the lock does not have`,
          id,
        );
      for (const [name, o] of Object.entries(from.outputs)) inputs[`${up}/${name}`] = o.hash;
    }
    delete entry.upstream;
  }
}

/** Parse lock text (exported for tests and `pipeline verify`); `file` is used in messages. */
export function parseLock(text: string, file: string): LockFile {
  const src: LockSource = { file, text, doc: parseLockYaml(text, file) };
  const obj = lockRoot(src);
  if (obj === null) return emptyLock();
  const cells = (obj.cells ?? {}) as Record<string, unknown>;
  const tables = obj.version === 2 ? sharedTables(src, obj) : null;
  for (const [id, entry] of Object.entries(cells)) normalizeCell(src, tables, id, entry);
  expandUpstream(src, cells);
  return { version: 2, cells: cells as Record<string, LockEntry> };
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
  /** Moved by any write or utime: an edit with size and mtime put back still shows. */
  ctimeMs: number;
}
const known = new Map<string, Known>();

function remember(path: string, text: string, s: Stats): void {
  known.set(resolve(path), { text, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, ctimeMs: s.ctimeMs });
}

/** The file's text if we know it without reading it; null when unknown or changed since. */
async function knownText(path: string): Promise<string | null> {
  const k = known.get(resolve(path));
  if (!k) return null;
  const s = await stat(path).catch(() => null);
  if (!s || s.size !== k.size || s.mtimeMs !== k.mtimeMs || s.ino !== k.ino || s.ctimeMs !== k.ctimeMs) {
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

/** Who parses locks, for the lock's index (parse-index.ts): this module's code. */
const readerIdentity = () => codeIdentity(import.meta.url, /^(lock|yaml-lib|parse-index)\.ts$/);

/**
 * Read pipeline.lock. Missing file → an empty lock. Corrupt → StrataError("CACHE") naming
 * file:line:col and how to recover. An unchanged lock is read from its index (lock-index.ts)
 * instead of being parsed again (the code that reads it: parse-index.ts).
 */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readAndRemember(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyLock();
    throw new StrataError("CACHE", `cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
      hint: "check the file's permissions",
    });
  }
  const id = readerIdentity();
  if (id !== null) {
    const indexed = fromIndexed(await readParseIndex(path, text, id));
    if (indexed !== null) return indexed;
  }
  const lock = parseLock(text, path);
  if (id !== null) await writeParseIndex(path, text, toIndexed(lock), id);
  return lock;
}

/**
 * The lock as its index keeps it: each distinct code map once, cells naming theirs by number
 * (41 cells of the default study share 8 maps: 520 kB of JSON become ~160 kB).
 */
function toIndexed(lock: LockFile): unknown {
  const maps: Record<string, string>[] = [];
  const number = new Map<string, number>();
  const cells: Record<string, unknown> = {};
  for (const [id, entry] of Object.entries(lock.cells)) {
    const key = JSON.stringify(entry.code);
    let k = number.get(key);
    if (k === undefined) number.set(key, (k = maps.push(entry.code) - 1));
    cells[id] = { ...entry, code: k };
  }
  return { version: 2, codeMaps: maps, cells };
}

/**
 * The lock from its index form (toIndexed), or null when it is not one. Cells with the same
 * code map share one frozen object: code maps are read, never changed in place.
 */
function fromIndexed(value: unknown): LockFile | null {
  const v = value as { version?: unknown; codeMaps?: unknown; cells?: unknown } | null;
  if (v === null || typeof v !== "object" || v.version !== 2) return null;
  if (!Array.isArray(v.codeMaps) || v.cells === null || typeof v.cells !== "object") return null;
  const maps = v.codeMaps.map((m) => Object.freeze(m as Record<string, string>));
  const cells = v.cells as Record<string, LockEntry & { code: unknown }>;
  for (const entry of Object.values(cells)) {
    const map = typeof entry.code === "number" ? maps[entry.code] : undefined;
    if (map === undefined) return null;
    entry.code = map;
  }
  return { version: 2, cells };
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
