/**
 * Content-addressed artifact cache and run-cache under `.pipeline/`:
 *
 *   .pipeline/cache/<ab>/<rest of sha256>   one immutable, read-only object per distinct file
 *   .pipeline/runs/<fingerprint>.json       fingerprint → outputs, metrics, duration, engine
 *
 * The run-cache is what lets returning to earlier params restore results without running.
 * A missing or corrupt object is warned about, deleted and treated as a miss (never trusted).
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { chmod, readdir, rmdir, stat, unlink } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { StrataError } from "../core/errors.ts";
import { sha256File } from "../core/hash.ts";
import { copyFileAtomic, isTempName, moveIntoPlace, statOrNull, writeFileAtomic } from "./fs-atomic.ts";
import { outputPathProblem } from "./lock.ts";
import type { StatCache } from "./stat-cache.ts";
import type { MetricValue } from "./types.ts";

export interface RunOutput {
  /** Where the output was materialized, project-relative (the file name is what matters). */
  path: string;
  hash: string;
  bytes: number;
  rows?: number;
}

export interface RunEntry {
  outputs: Record<string, RunOutput>;
  metrics: Record<string, MetricValue>;
  duration_s: number;
  engine: string;
  /** The stage's ctx.warn() sentences of that run (absent: none). */
  warnings?: string[];
}

export interface CacheOptions {
  /** Folder holding cache/ and runs/ (default <root>/.pipeline). */
  stateDir?: string;
  /**
   * Speeds up hashing of files being cached, and records restored files and objects written or verified; recommended.
   */
  statCache?: StatCache;
  /** Where warnings about corrupt entries go; default console.warn. */
  onWarning?: (message: string) => void;
}

export interface RestoreOptions {
  /** Warning sink for this call (overrides the cache's). */
  onWarning?: (message: string) => void;
  /** Expected size in bytes (from the lock); a different size means a corrupt object. */
  bytes?: number;
}

export interface GcOptions {
  /** Object hashes to keep (e.g. every output in pipeline.lock). */
  keepHashes: Set<string>;
  /** Run-cache fingerprints to keep; their outputs' objects are kept too. */
  keepRuns: Set<string>;
  /** Report what would be removed without removing it. */
  dryRun?: boolean;
}

export interface GcResult {
  removed: number;
  bytes: number;
  /** Project-relative paths of the removed (or, dry run, removable) files, sorted. */
  files: string[];
}

const HASH_RE = /^[0-9a-f]{64}$/;
/** Leftover temp files younger than this may belong to a running process: leave them. */
const TEMP_GRACE_MS = 60 * 60 * 1000;

function checkHash(hash: string, what: string): void {
  if (!HASH_RE.test(hash)) {
    throw new StrataError("CACHE", `invalid ${what} '${hash}': expected 64 lowercase hex characters (a sha256)`, {
      hint: "pipeline.lock or the run-cache may be damaged: restore pipeline.lock with `git checkout pipeline.lock`",
    });
  }
}

export class Cache {
  readonly root: string;
  /** `.pipeline/cache` */
  readonly dir: string;
  /** `.pipeline/runs` */
  readonly runsDir: string;
  private readonly statCache?: StatCache;
  private readonly warn: (message: string) => void;

  constructor(root: string, options: CacheOptions = {}) {
    this.root = root;
    // An experiment workspace shares its main project's cache and run-cache (options.stateDir).
    const state = options.stateDir ?? join(root, ".pipeline");
    this.dir = join(state, "cache");
    this.runsDir = join(state, "runs");
    this.statCache = options.statCache;
    this.warn = options.onWarning ?? ((m: string) => console.warn(m));
  }

  /** Absolute path of the object for `hash` (whether or not it exists). */
  pathOf(hash: string): string {
    checkHash(hash, "object hash");
    return join(this.dir, hash.slice(0, 2), hash.slice(2));
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  /** Hash of a file to be cached (a fresh stage output): through the stat cache when there is one. */
  private hashSource(abs: string): Promise<string> {
    return this.statCache ? this.statCache.hashFile(abs) : sha256File(abs);
  }

  /**
   * Add a file to the cache; returns its sha256 and size. Idempotent: an object already
   * present is hashed (directly, never trusted from the stat cache) and kept when intact; a
   * corrupt one is replaced, with a warning. By default the file is copied (reflink where
   * possible) and stays where it is; `move: true` renames it into the cache instead (it is
   * gone afterwards).
   */
  async put(fileAbs: string, options: { move?: boolean } = {}): Promise<{ hash: string; bytes: number }> {
    const s = await stat(fileAbs);
    if (!s.isFile()) throw new StrataError("OUTPUT", `cannot cache ${fileAbs}: not a regular file`);
    const hash = await this.hashSource(fileAbs);
    const obj = this.pathOf(hash);
    const existing = await statOrNull(obj);
    let intact = false;
    if (existing) {
      const actual = existing.size === s.size ? await sha256File(obj) : null;
      intact = actual === hash;
      if (!intact) {
        const problem =
          actual === null
            ? `${existing.size} bytes instead of ${s.size}`
            : `its content hashes to ${actual.slice(0, 12)}`;
        this.warn(`cache object ${hash.slice(0, 12)} was corrupt (${problem}); replaced it`);
      }
    }
    if (intact) {
      if (options.move) await unlink(fileAbs);
    } else {
      if (options.move) await moveIntoPlace(fileAbs, obj);
      else await copyFileAtomic(fileAbs, obj);
      // Objects are immutable: read-only discourages edits through a hard link or by hand.
      await chmod(obj, 0o444).catch(() => {});
    }
    if (options.move) this.statCache?.forget(fileAbs);
    // Written or verified just now by this process: safe to record.
    if (this.statCache) await this.statCache.remember(obj, hash);
    return { hash, bytes: s.size };
  }

  /**
   * Copy the object `hash` to `destAbs` (atomically) after checking it: size (when known), then
   * the sha256 of the copied bytes themselves, read directly (never trusted from the stat
   * cache), before they are renamed into place. A missing or corrupt object is reported
   * through the warning callback, a corrupt one is deleted, and the result is false (a cache
   * miss); `destAbs` is then left as it was. True means `destAbs` holds bytes hashing to `hash`.
   */
  async restore(
    hash: string,
    destAbs: string,
    options: RestoreOptions | ((message: string) => void) = {},
  ): Promise<boolean> {
    const opts: RestoreOptions = typeof options === "function" ? { onWarning: options } : options;
    const warn = opts.onWarning ?? this.warn;
    const obj = this.pathOf(hash);
    const s = await statOrNull(obj);
    const short = hash.slice(0, 12);
    if (!s) {
      warn(`cache object ${short} is missing; treating it as a cache miss`);
      return false;
    }
    let problem: string | null = null;
    if (opts.bytes !== undefined && s.size !== opts.bytes) problem = `${s.size} bytes instead of ${opts.bytes}`;
    else {
      const copied = await copyFileAtomic(obj, destAbs, {
        verify: async (tmp) => {
          const actual = await sha256File(tmp);
          if (actual !== hash) problem = `its content hashes to ${actual.slice(0, 12)}`;
          return actual === hash;
        },
      });
      if (copied) {
        if (this.statCache) await this.statCache.remember(destAbs, hash);
        return true;
      }
    }
    warn(`cache object ${short} is corrupt (${problem ?? "unknown"}); deleted it, treating it as a cache miss`);
    await unlink(obj).catch(() => {});
    this.statCache?.forget(obj);
    return false;
  }

  // ------------------------------------------------------------ run-cache

  /** Absolute path of the run-cache entry for `fp` (whether or not it exists). */
  runPath(fp: string): string {
    checkHash(fp, "fingerprint");
    return join(this.runsDir, `${fp}.json`);
  }

  /**
   * The run recorded for a fingerprint, or undefined. Synchronous (small JSON file). A corrupt
   * entry is warned about, deleted and reported as missing. Does not check that the objects
   * still exist: `restore` does.
   */
  getRun(fp: string): RunEntry | undefined {
    const file = this.runPath(fp);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      const run = JSON.parse(text) as RunEntry;
      const okOutputs =
        typeof run?.outputs === "object" &&
        run.outputs !== null &&
        Object.values(run.outputs).every(
          (o) =>
            typeof o?.path === "string" &&
            outputPathProblem(o.path) === null &&
            HASH_RE.test(o?.hash) &&
            typeof o?.bytes === "number",
        );
      const okWarnings =
        run.warnings === undefined || (Array.isArray(run.warnings) && run.warnings.every((w) => typeof w === "string"));
      if (
        !okOutputs ||
        !okWarnings ||
        typeof run.metrics !== "object" ||
        typeof run.duration_s !== "number" ||
        typeof run.engine !== "string"
      ) {
        throw new Error("unexpected shape");
      }
      return run;
    } catch (e) {
      this.warn(`run-cache entry ${relative(this.root, file)} is corrupt (${(e as Error).message}); deleted it`);
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
      return undefined;
    }
  }

  async putRun(fp: string, entry: RunEntry): Promise<void> {
    const outputs: Record<string, RunOutput> = {};
    for (const name of Object.keys(entry.outputs).sort()) {
      const o = entry.outputs[name];
      checkHash(o.hash, `hash of output '${name}'`);
      const why = outputPathProblem(o.path);
      if (why)
        throw new StrataError("INTERNAL", `run-cache output '${name}' path '${o.path}' ${why}`, {
          hint: "this is a bug in the caller; please report it",
        });
      outputs[name] = { path: o.path, hash: o.hash, bytes: o.bytes, ...(o.rows !== undefined ? { rows: o.rows } : {}) };
    }
    const metrics: Record<string, MetricValue> = {};
    for (const k of Object.keys(entry.metrics).sort()) metrics[k] = entry.metrics[k];
    const data: RunEntry = {
      outputs,
      metrics,
      duration_s: entry.duration_s,
      engine: entry.engine,
      ...(entry.warnings?.length ? { warnings: [...entry.warnings] } : {}),
    };
    await writeFileAtomic(this.runPath(fp), JSON.stringify(data, null, 2) + "\n");
  }

  /** Fingerprints with a run-cache entry, sorted. */
  listRuns(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.runsDir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith(".json") && HASH_RE.test(n.slice(0, -5)))
      .map((n) => n.slice(0, -5))
      .sort();
  }

  // ------------------------------------------------------------ garbage collection

  /**
   * Remove objects not in `keepHashes` (nor referenced by a kept run), run-cache entries not in
   * `keepRuns`, and temp files older than an hour. The caller should hold the project lock.
   */
  async gc(options: GcOptions): Promise<GcResult> {
    const keep = new Set(options.keepHashes);
    for (const fp of options.keepRuns) {
      if (!HASH_RE.test(fp)) continue;
      const run = this.getRun(fp);
      if (run) for (const o of Object.values(run.outputs)) keep.add(o.hash);
    }
    const doomed: Array<{ abs: string; bytes: number }> = [];
    const now = Date.now();
    const consider = async (abs: string, remove: (name: string) => boolean, name: string): Promise<void> => {
      const s = await statOrNull(abs);
      if (!s || !s.isFile()) return;
      if (isTempName(name)) {
        if (now - s.mtimeMs > TEMP_GRACE_MS) doomed.push({ abs, bytes: s.size });
      } else if (remove(name)) {
        doomed.push({ abs, bytes: s.size });
      }
    };

    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards.sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const shardDir = join(this.dir, shard);
      const names = await readdir(shardDir).catch(() => [] as string[]);
      for (const name of names.sort()) {
        // Unknown names are left alone: we only delete what we recognize.
        await consider(join(shardDir, name), (n) => /^[0-9a-f]{62}$/.test(n) && !keep.has(shard + n), name);
      }
    }
    const runs = await readdir(this.runsDir).catch(() => [] as string[]);
    for (const name of runs.sort()) {
      await consider(
        join(this.runsDir, name),
        (n) => n.endsWith(".json") && HASH_RE.test(n.slice(0, -5)) && !options.keepRuns.has(n.slice(0, -5)),
        name,
      );
    }

    const toRel = (abs: string): string => relative(this.root, abs).split(sep).join("/");
    const result: GcResult = {
      removed: doomed.length,
      bytes: doomed.reduce((a, d) => a + d.bytes, 0),
      files: doomed.map((d) => toRel(d.abs)).sort(),
    };
    if (options.dryRun) return result;
    for (const d of doomed) {
      await unlink(d.abs).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      this.statCache?.forget(d.abs);
    }
    for (const shard of shards) {
      if (/^[0-9a-f]{2}$/.test(shard)) await rmdir(join(this.dir, shard)).catch(() => {}); // only if empty
    }
    return result;
  }
}
