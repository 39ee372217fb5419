/**
 * Parsed forms of the project's YAML files, kept as JSON beside them, so that reading an
 * unchanged file costs a JSON.parse instead of a YAML parse and validation (for the default
 * study: ~150 ms for the lock, and the yaml and zod libraries not loaded at all, most of a
 * no-op `status`).
 *
 * `<dir>/.pipeline/index/<file name>.json` holds the sha256 of the file's bytes, the identity of
 * the code that parsed them (`codeIdentity`), and the parsed value. It is used only when both
 * match: an edited file (by hand, by git checkout or merge) has other bytes, and a new engine
 * another identity, so either is parsed again and the index rewritten. An index is derived
 * data: a torn, stale or unreadable one is ignored, never trusted, and never an error. What a
 * parse checked beyond the bytes (files on disk) is the caller's to check again on a hit.
 *
 * Numbers JSON cannot hold (NaN, ±Infinity, −0) are tagged on the way out and restored on the
 * way in; an index is written only when decoding it gives back exactly the value that was
 * parsed (Object.is on every leaf, same keys), so nothing the encoding cannot carry (a function,
 * an undefined field) is ever served.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleFolder } from "../core/bundle.ts";
import { sha256 } from "../core/hash.ts";

/** Bump when the index's layout changes. */
const FORMAT = 1;
const TAG = "$strata_number";

interface Index {
  format: number;
  reader: string;
  digest: string;
  value: unknown;
}

/** Where the index of the file at `path` lives. */
export function indexPath(path: string): string {
  return join(dirname(path), ".pipeline", "index", `${basename(path)}.json`);
}

/**
 * The identity of the code running from `moduleUrl`, for `reader`: the CLI bundle's folder
 * name when it runs from one (`cli-<key>`, the key covering every source file and the
 * runtime: bin/pipeline.js), else the digest of the source files beside the module whose
 * names match `sources` (tests and tsx, where the module is its own source). null (no index)
 * when neither can be read. Computed once per process for each module and pattern.
 */
export function codeIdentity(moduleUrl: string, sources: RegExp): string | null {
  const key = `${moduleUrl}\0${sources.source}`;
  if (!identities.has(key)) identities.set(key, identityOf(moduleUrl, sources));
  return identities.get(key) ?? null;
}
const identities = new Map<string, string | null>();

function identityOf(moduleUrl: string, sources: RegExp): string | null {
  try {
    const bundle = bundleFolder(moduleUrl);
    if (bundle) return bundle;
    const dir = dirname(fileURLToPath(moduleUrl));
    const files = readdirSync(dir)
      .filter((f) => sources.test(f))
      .sort();
    if (files.length === 0) return null;
    return sha256(files.map((f) => `${f}\0${sha256(readFileSync(join(dir, f)))}`).join("\n")).slice(0, 32);
  } catch {
    return null;
  }
}

const encode = (_key: string, v: unknown): unknown =>
  typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
    ? { [TAG]: Object.is(v, -0) ? "-0" : String(v) }
    : v;

const NUMBERS: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function decode(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === TAG) {
      const s = (v as Record<string, unknown>)[TAG];
      if (typeof s === "string" && s in NUMBERS) return NUMBERS[s];
    }
  }
  return v;
}

/** Same values, same keys, Object.is on every leaf. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a),
    kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>,
    ra = a as Record<string, unknown>;
  for (const k of ka) if (!Object.hasOwn(rb, k) || !same(ra[k], rb[k])) return false;
  return true;
}

/** The value parsed from `text` (the bytes of the file at `path`) by `reader`, if indexed; null otherwise. */
export async function readParseIndex(path: string, text: string, reader: string): Promise<unknown | null> {
  let raw: string;
  try {
    raw = await readFile(indexPath(path), "utf8");
  } catch {
    return null;
  }
  return indexed(raw, text, reader);
}

/** readParseIndex, for synchronous callers. */
export function readParseIndexSync(path: string, text: string, reader: string): unknown | null {
  let raw: string;
  try {
    raw = readFileSync(indexPath(path), "utf8");
  } catch {
    return null;
  }
  return indexed(raw, text, reader);
}

function indexed(raw: string, text: string, reader: string): unknown | null {
  try {
    const index = JSON.parse(raw, decode) as Index;
    if (index.format !== FORMAT || index.reader !== reader || index.digest !== sha256(text)) return null;
    return index.value ?? null;
  } catch {
    return null;
  }
}

/**
 * Keeps `value`, parsed from `text` by `reader`, as the index of the file at `path`. Best
 * effort: a failure to write leaves the next read to parse again. Written to a temp sibling
 * and renamed, so a reader sees a whole index or none; not fsynced (a torn one is never
 * trusted).
 */
export async function writeParseIndex(path: string, text: string, value: unknown, reader: string): Promise<void> {
  const json = indexJson(text, value, reader);
  if (json === null) return;
  const dest = indexPath(path);
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(tmp, json);
    await rename(tmp, dest);
  } catch {
    /* derived data: the file itself stays the source of truth */
  }
}

/** writeParseIndex, for synchronous callers. */
export function writeParseIndexSync(path: string, text: string, value: unknown, reader: string): void {
  const json = indexJson(text, value, reader);
  if (json === null) return;
  const dest = indexPath(path);
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(tmp, json);
    renameSync(tmp, dest);
  } catch {
    /* derived data: the file itself stays the source of truth */
  }
}

/** The index's JSON, or null when decoding it would not give back exactly `value`. */
function indexJson(text: string, value: unknown, reader: string): string | null {
  const json = JSON.stringify({ format: FORMAT, reader, digest: sha256(text), value }, encode);
  return same((JSON.parse(json, decode) as Index).value, value) ? json : null;
}
