/**
 * The lock's parsed form, kept as JSON beside it so that reading an unchanged lock costs a
 * JSON.parse instead of a YAML parse (~150 ms for the default study's lock, most of a no-op
 * `status`).
 *
 * `<dir>/.pipeline/index/<lock file name>.json` holds the sha256 of the lock's bytes, the
 * identity of the code that parsed them, and the parsed lock. It is used only when both match:
 * an edited lock (by hand, by git checkout or merge) has other bytes, and a new engine has
 * another identity, so either is parsed again and the index rewritten. The index is derived
 * data: a torn, stale or unreadable one is ignored, never trusted, and never an error.
 *
 * Numbers JSON cannot hold (NaN, ±Infinity, −0) are tagged on the way out and restored on the
 * way in; the index is written only when decoding it gives back exactly the lock that was
 * parsed (Object.is on every value), so nothing the encoding cannot carry is ever served.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { sha256 } from "../core/hash.ts";
import type { LockFile } from "./lock.ts";

/** Bump when the index's layout changes. */
const FORMAT = 1;
const TAG = "$strata_number";

interface LockIndex {
  format: number;
  reader: string;
  digest: string;
  lock: unknown;
}

/** Where the index of the lock at `lockPath` lives. */
export function lockIndexPath(lockPath: string): string {
  return join(dirname(lockPath), ".pipeline", "index", `${basename(lockPath)}.json`);
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

/** The parsed lock for these bytes, if the index holds it for this reader; null otherwise. */
export async function readLockIndex(lockPath: string, text: string, reader: string): Promise<LockFile | null> {
  let raw: string;
  try {
    raw = await readFile(lockIndexPath(lockPath), "utf8");
  } catch {
    return null;
  }
  try {
    const index = JSON.parse(raw, decode) as LockIndex;
    if (index.format !== FORMAT || index.reader !== reader || index.digest !== sha256(text)) return null;
    const lock = index.lock as LockFile;
    return lock && typeof lock === "object" && lock.version === 2 && typeof lock.cells === "object" ? lock : null;
  } catch {
    return null;
  }
}

/**
 * Keeps `lock`, parsed from `text`, as the index of the lock at `lockPath`. Best effort: a
 * failure to write leaves the next read to parse the YAML again. Written to a temp sibling and
 * renamed, so a reader sees a whole index or none; not fsynced (a torn one is never trusted).
 */
export async function writeLockIndex(lockPath: string, text: string, lock: LockFile, reader: string): Promise<void> {
  const json = JSON.stringify({ format: FORMAT, reader, digest: sha256(text), lock }, encode);
  const back = (JSON.parse(json, decode) as LockIndex).lock;
  if (!same(back, lock)) return;
  const path = lockIndexPath(lockPath);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, json);
    await rename(tmp, path);
  } catch {
    /* derived data: the YAML stays the source of truth */
  }
}
