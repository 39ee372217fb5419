/**
 * Moving cache objects and run-cache entries between the local cache and a remote (remote.ts):
 * `pipeline push` and `pipeline pull`.
 *
 * What moves is named by lock entries: each selected cell's output objects and the run-cache
 * entry of its fingerprint. Push sends what the remote lacks; pull fetches what the local cache
 * lacks. Nothing fetched is trusted: an object is hashed (and its size checked) before it enters
 * the local cache, a run entry is parsed and checked like a local one; a corrupt or missing
 * remote copy is reported and counted as missing, never used. Both are idempotent: a second push
 * or pull moves nothing.
 */
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../core/hash.ts";
import type { Cache, RunEntry } from "./cache.ts";
import { tempSibling } from "./fs-atomic.ts";
import type { RemoteStore } from "./remote.ts";

/** One cell to move: its fingerprint and outputs (from the lock). */
export interface SyncItem {
  id: string;
  fingerprint: string;
  outputs: Record<string, { hash: string; bytes: number }>;
}

export interface SyncResult {
  /** Objects sent (push) or fetched (pull). */
  moved: number;
  /** Bytes of those objects. */
  bytes: number;
  /** Objects already on the other side. */
  present: number;
  /** Run-cache entries moved, and already there. */
  runsMoved: number;
  runsPresent: number;
  /** Objects found on neither side (push: not in the local cache; pull: not on the remote or corrupt there). */
  missing: Array<{ cell: string; output: string; hash: string; why: string }>;
}

export interface SyncOptions {
  /** Called after each object or entry moved (for progress). */
  onMoved?: (what: string, bytes: number) => void;
  onWarning?: (message: string) => void;
}

export const objectKey = (hash: string) => `cache/${hash.slice(0, 2)}/${hash.slice(2)}`;
export const runKey = (fp: string) => `runs/${fp}.json`;

const empty = (): SyncResult => ({ moved: 0, bytes: 0, present: 0, runsMoved: 0, runsPresent: 0, missing: [] });

/** Sends the items' objects and run entries the remote lacks. */
export async function push(
  cache: Cache,
  remote: RemoteStore,
  items: readonly SyncItem[],
  options: SyncOptions = {},
): Promise<SyncResult> {
  const res = empty();
  const [objects, runs] = await Promise.all([remote.list("cache/"), remote.list("runs/")]);
  for (const item of items) {
    for (const [name, o] of Object.entries(item.outputs).sort(([a], [b]) => a.localeCompare(b))) {
      const key = objectKey(o.hash);
      if (objects.has(key)) {
        res.present++;
        continue;
      }
      if (!cache.has(o.hash)) {
        res.missing.push({ cell: item.id, output: name, hash: o.hash, why: "not in the local cache" });
        continue;
      }
      await remote.upload(cache.pathOf(o.hash), key);
      objects.add(key);
      res.moved++;
      res.bytes += o.bytes;
      options.onMoved?.(key, o.bytes);
    }
    const rk = runKey(item.fingerprint);
    if (runs.has(rk)) res.runsPresent++;
    else if (cache.getRun(item.fingerprint)) {
      await remote.upload(cache.runPath(item.fingerprint), rk);
      runs.add(rk);
      res.runsMoved++;
      options.onMoved?.(rk, 0);
    }
  }
  return res;
}

/**
 * Fetches the items' objects and run entries the local cache lacks, each checked before it is
 * kept. `tmpDir` holds downloads until they are checked (inside the state folder, so the final
 * rename into the cache stays on one file system).
 */
export async function pull(
  cache: Cache,
  remote: RemoteStore,
  items: readonly SyncItem[],
  tmpDir: string,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const res = empty();
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  await mkdir(tmpDir, { recursive: true });
  for (const item of items) {
    for (const [name, o] of Object.entries(item.outputs).sort(([a], [b]) => a.localeCompare(b))) {
      if (cache.has(o.hash)) {
        res.present++;
        continue;
      }
      const got = await pullObject(cache, remote, o, tmpDir, warn);
      if (got !== "fetched") {
        res.missing.push({ cell: item.id, output: name, hash: o.hash, why: `${got} on ${remote.describe}` });
        continue;
      }
      res.moved++;
      res.bytes += o.bytes;
      options.onMoved?.(objectKey(o.hash), o.bytes);
    }
    if (cache.getRun(item.fingerprint)) res.runsPresent++;
    else if (await pullRunRecord(cache, remote, item.fingerprint)) {
      res.runsMoved++;
      options.onMoved?.(runKey(item.fingerprint), 0);
    }
  }
  return res;
}

/**
 * Fetches one object into the local cache, checked first (size, then sha256): "fetched", or
 * why not ("missing" or "corrupt"; a corrupt copy is warned about and never used).
 */
export async function pullObject(
  cache: Cache,
  remote: RemoteStore,
  o: { hash: string; bytes: number },
  tmpDir: string,
  warn: (message: string) => void,
): Promise<"fetched" | "missing" | "corrupt"> {
  await mkdir(tmpDir, { recursive: true });
  const tmp = tempSibling(join(tmpDir, o.hash));
  try {
    if (!(await remote.download(objectKey(o.hash), tmp))) return "missing";
    const size = (await stat(tmp)).size;
    const actual = size === o.bytes ? await sha256File(tmp) : null;
    if (actual !== o.hash) {
      const problem = actual === null ? `${size} bytes instead of ${o.bytes}` : `it hashes to ${actual.slice(0, 12)}`;
      warn(`remote object ${o.hash.slice(0, 12)} on ${remote.describe} is corrupt (${problem}); not used, removed`);
      // Content-addressed: bytes that do not hash to their name are of no use to anyone, and
      // removing them lets the next push (or the run that recomputes them) send them whole.
      await remote.remove(objectKey(o.hash)).catch(() => {});
      return "corrupt";
    }
    await cache.put(tmp, { move: true });
    return "fetched";
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Fetches the run record of `fp` into the local run-cache; true when it arrived and checks out like a local one. */
export async function pullRunRecord(cache: Cache, remote: RemoteStore, fp: string): Promise<boolean> {
  // Checked like a local entry on read: a corrupt one is deleted with a warning.
  return (await remote.download(runKey(fp), cache.runPath(fp))) && cache.getRun(fp) !== undefined;
}

/**
 * A whole run from the remote: its record, then every object it names. True when the local
 * cache now holds all of it (already, or fetched and checked); false on any miss.
 */
export async function pullRun(
  cache: Cache,
  remote: RemoteStore,
  fp: string,
  tmpDir: string,
  warn: (message: string) => void,
): Promise<boolean> {
  const run = cache.getRun(fp) ?? ((await pullRunRecord(cache, remote, fp)) ? cache.getRun(fp) : undefined);
  if (!run) return false;
  for (const o of Object.values(run.outputs)) {
    if (cache.has(o.hash)) continue;
    if ((await pullObject(cache, remote, o, tmpDir, warn)) !== "fetched") return false;
  }
  return true;
}

/** The run record of `fp` on the remote, read without keeping it (for planning); undefined when absent or unreadable. */
export async function readRemoteRun(remote: RemoteStore, fp: string, tmpDir: string): Promise<RunEntry | undefined> {
  await mkdir(tmpDir, { recursive: true });
  const tmp = tempSibling(join(tmpDir, fp));
  try {
    if (!(await remote.download(runKey(fp), tmp))) return undefined;
    const run = JSON.parse(await readFile(tmp, "utf8")) as RunEntry;
    const ok =
      typeof run?.outputs === "object" &&
      run.outputs !== null &&
      Object.values(run.outputs).every((o) => /^[0-9a-f]{64}$/.test(o?.hash) && typeof o?.bytes === "number");
    return ok ? run : undefined;
  } catch {
    return undefined;
  } finally {
    await rm(tmp, { force: true });
  }
}
