/**
 * A cell's fingerprint: sha256 over a canonical form of everything that determines its
 * outputs — code (normalized file hashes), imported package versions, validated params,
 * input artifact hashes, declared project files, matrix values, pipeline seed and engine
 * version. Two cells with equal fingerprints must produce byte-identical outputs.
 *
 * The parts are exactly what `pipeline.lock` stores per cell, so a fingerprint can be
 * recomputed from a lock entry, and `diffFingerprintParts` explains why a cell is stale.
 */
import objectHash from "object-hash";
import { sha256 } from "../core/hash.ts";
import type { AxisValue } from "./types.ts";

export interface FingerprintParts {
  /** Project-relative path → normalized code hash. */
  code: Record<string, string>;
  /** Package name → installed version. */
  packages: Record<string, string>;
  /** Validated params (plain data). */
  params: unknown;
  /** "stage/output" or "stage[cell]/output" → artifact hash. */
  inputs: Record<string, string>;
  /** Project-relative path of a declared `files:` entry → sha256. */
  files: Record<string, string>;
  matrix: Record<string, AxisValue>;
  seed: number;
  /** Engine name and version, e.g. "strata 0.1.0". */
  engine: string;
}

/** Bump to invalidate every fingerprint when the canonical form changes. */
const FORMAT = "strata-fingerprint-v1";

/**
 * Params reduced to what survives a round trip through pipeline.lock (YAML): undefined
 * object members dropped, Dates as ISO strings, bigints as strings. Keeps key order (hashing
 * and diffing sort keys themselves).
 */
export function canonicalParams(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" ? value.toString() : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalParams(v)));
  if (value instanceof Map) return canonicalParams(Object.fromEntries(value));
  if (value instanceof Set) return [...value].map(canonicalParams);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = canonicalParams(v);
  return out;
}

/** object-hash of params: keys sorted at every level, arrays kept in order, sha256. */
export function paramsHash(params: unknown): string {
  return objectHash(canonicalParams(params) as object, {
    algorithm: "sha256",
    encoding: "hex",
    respectType: false,
    unorderedArrays: false,
    unorderedObjects: true,
    unorderedSets: true,
  });
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedEntries = <T>(r: Record<string, T>): Array<[string, T]> => Object.entries(r ?? {}).sort(byKey);

export function cellFingerprint(parts: FingerprintParts): string {
  const canonical = [
    FORMAT,
    ["code", sortedEntries(parts.code)],
    ["packages", sortedEntries(parts.packages)],
    ["params", paramsHash(parts.params)],
    ["inputs", sortedEntries(parts.inputs)],
    ["files", sortedEntries(parts.files)],
    // Matrix values keep their JSON type: 1 and "1" are different cells.
    ["matrix", sortedEntries(parts.matrix)],
    ["seed", parts.seed],
    ["engine", parts.engine],
  ];
  return sha256(JSON.stringify(canonical));
}

// ---------------------------------------------------------------- explaining differences

export interface FingerprintDiff {
  /** The first difference found (the headline reason), or null when nothing differs. */
  cause: string | null;
  /** Every difference, in the order: params, code, inputs, files, packages, matrix, seed, engine. */
  changes: string[];
}

const MAX_VALUE = 40;

/** A short human rendering of a value: `30`, `hrp`, `"two words"`, `[5, 20, 60]`, `{…3 keys}`. */
export function shortValue(v: unknown): string {
  let s: string;
  if (v === undefined) return "(absent)";
  if (typeof v === "string") {
    s = /^[\w.:/@+-]+$/.test(v) && !/^(true|false|null|-?\d[\d.e+-]*)$/i.test(v) ? v : JSON.stringify(v);
  } else if (typeof v === "number" || typeof v === "boolean" || v === null) {
    s = String(v);
  } else {
    try {
      s = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);
      s = s.replace(/,/g, ", ").replace(/":/g, '": ');
    } catch {
      s = String(v);
    }
  }
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function keyPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a),
      kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Leaf-level differences between two param trees, with dotted / [i] paths. */
function diffValues(path: string, a: unknown, b: unknown, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffValues(keyPath(path, k), a[k], b[k], out);
    }
    return;
  }
  // Same-length arrays: element by element; otherwise the whole array reads better.
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => diffValues(`${path}[${i}]`, x, b[i], out));
    return;
  }
  out.push(`${path}: ${shortValue(a)} → ${shortValue(b)}`);
}

function diffHashes(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
  label: (key: string, what: "changed" | "added" | "removed", oldV?: string, newV?: string) => string,
  out: string[],
): void {
  const oa = a ?? {},
    ob = b ?? {};
  for (const k of [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort()) {
    if (!(k in oa)) out.push(label(k, "added", undefined, ob[k]));
    else if (!(k in ob)) out.push(label(k, "removed", oa[k], undefined));
    else if (oa[k] !== ob[k]) out.push(label(k, "changed", oa[k], ob[k]));
  }
}

/**
 * The differing part of two engine identities ("strata@0.1.0 node 20 duckdb@1.5.5 …"):
 * `node 20 → deno 2`, not two long strings. Tokens are compared in place; the whole strings
 * are shown when their shapes differ.
 */
function engineChange(a: string, b: string): string {
  const ta = a.split(" "),
    tb = b.split(" ");
  if (ta.length !== tb.length) return `${a} → ${b}`;
  const idx = ta.map((t, i) => (t !== tb[i] ? i : -1)).filter((i) => i >= 0);
  const lo = Math.min(...idx),
    hi = Math.max(...idx);
  return `${ta.slice(lo, hi + 1).join(" ")} → ${tb.slice(lo, hi + 1).join(" ")}`;
}

/**
 * Why `next` differs from `prev` (normally the lock entry), in human terms:
 * `params.top_n: 30 → 40`, `code: src/quant/portfolio/hrp.ts changed`, `code: stages/x.ts added`,
 * `input features/features changed`, `file data/raw/prices.csv changed`,
 * `package zod 4.1.0 → 4.2.0`, `matrix.model: ridge → gbdt`, `seed: 42 → 7`, `engine: … → …`.
 * `prev` undefined → cause "no previous run recorded".
 */
export function diffFingerprintParts(prev: FingerprintParts | undefined, next: FingerprintParts): FingerprintDiff {
  if (!prev) return { cause: "no previous run recorded", changes: ["no previous run recorded"] };
  const changes: string[] = [];
  diffValues("params", canonicalParams(prev.params), canonicalParams(next.params), changes);
  diffHashes(prev.code, next.code, (k, what) => `code: ${k} ${what}`, changes);
  diffHashes(prev.inputs, next.inputs, (k, what) => `input ${k} ${what}`, changes);
  diffHashes(prev.files, next.files, (k, what) => `file ${k} ${what}`, changes);
  diffHashes(
    prev.packages,
    next.packages,
    (k, what, o, n) =>
      what === "changed"
        ? `package ${k} ${o} → ${n}`
        : what === "added"
          ? `package ${k} added (${n})`
          : `package ${k} removed (was ${o})`,
    changes,
  );
  diffValues("matrix", prev.matrix ?? {}, next.matrix ?? {}, changes);
  if (prev.seed !== next.seed) changes.push(`seed: ${shortValue(prev.seed)} → ${shortValue(next.seed)}`);
  if (prev.engine !== next.engine) changes.push(`engine: ${engineChange(prev.engine, next.engine)}`);
  return { cause: changes[0] ?? null, changes };
}
