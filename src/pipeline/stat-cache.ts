/**
 * Stat cache: absolute path → (size, mtime, inode, ctime) → sha256, persisted in
 * `.pipeline/stat-cache.json`, plus a memo of values derived from content hashes (normalized
 * code hashes, import graphs). It makes a no-op `pipeline status` cost one stat per file
 * instead of re-reading gigabytes.
 *
 * Why ctime: size and mtime can be put back by anyone (`touch -r`, `os.utime`), so a byte
 * flipped in place with both restored would pass. The inode change time cannot be set by a
 * user: any write, chmod or utime moves it. `pipeline verify` and `status --checksum` trust
 * nothing and re-hash (see `checksum`).
 *
 * Racy entries (git's "racy clean" problem): a file modified again within the file system's
 * timestamp granularity right after we hashed it keeps the same (size, mtime). An entry whose
 * mtime was that close to the moment of hashing is stored but flagged `racy` and re-hashed
 * on its next lookup; by then it is old enough to be trusted.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../core/hash.ts";
import { writeFileAtomic } from "./fs-atomic.ts";

export interface StatEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  /** Inode change time: moved by every write and every utime, so it cannot be put back. */
  ctimeMs: number;
  hash: string;
  /** Hashed within the timestamp granularity of its mtime: re-hash on next lookup. */
  racy?: true;
  /** Day number (UTC days since epoch) of last use; entries unused for PRUNE_DAYS are dropped. */
  day: number;
}

interface MemoEntry {
  v: unknown;
  day: number;
}

interface StatCacheFile {
  version: 1;
  files: Record<string, StatEntry>;
  memo: Record<string, MemoEntry>;
}

export interface StatCacheOptions {
  /** Called once per problem (e.g. a corrupt cache file); default console.warn. */
  onWarning?: (message: string) => void;
}

/** Path of the persisted stat cache under a project root. */
export function statCachePath(root: string): string {
  return join(root, ".pipeline", "stat-cache.json");
}

const PRUNE_DAYS = 60;
const today = (): number => Math.floor(Date.now() / 86_400_000);

/**
 * How long after its mtime a file must have been hashed for the entry to be trusted.
 * Timestamps with sub-millisecond parts come from a fine-grained file system (ext4, APFS,
 * btrfs: kernel clock tick, ≤ 10 ms); whole seconds suggest FAT/HFS+/some network mounts.
 */
function racyMarginMs(mtimeMs: number): number {
  return mtimeMs % 1000 === 0 ? 2_000 : 50;
}

/** Whether a file's current stat is the one an entry was hashed at. */
function sameStat(
  e: Pick<StatEntry, "size" | "mtimeMs" | "ino" | "ctimeMs">,
  s: { size: number; mtimeMs: number; ino: number; ctimeMs: number },
): boolean {
  return e.size === s.size && e.mtimeMs === s.mtimeMs && e.ino === s.ino && e.ctimeMs === s.ctimeMs;
}

export class StatCache {
  /** Absolute path of the JSON file, or null for an in-memory cache. */
  readonly file: string | null;
  private files: Record<string, StatEntry>;
  private memo: Record<string, MemoEntry>;
  private changed = false;
  private readonly inflight = new Map<string, Promise<string>>();
  /**
   * When true, every `hashFile` reads the file again (and refreshes its entry): what
   * `pipeline verify` and `pipeline status --checksum` use, trusting no stat.
   */
  checksum = false;

  private constructor(file: string | null, data: StatCacheFile) {
    this.file = file;
    this.files = data.files;
    this.memo = data.memo;
  }

  /** An empty cache that is never persisted (tests, one-off tools). */
  static memory(): StatCache {
    return new StatCache(null, { version: 1, files: {}, memo: {} });
  }

  /** Load `<root>/.pipeline/stat-cache.json`; missing → empty; corrupt → empty with one warning. */
  static async load(root: string, options: StatCacheOptions = {}): Promise<StatCache> {
    const file = statCachePath(root);
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        warn(`stat cache ${file} unreadable (${(e as Error).message}); starting empty`);
      return new StatCache(file, { version: 1, files: {}, memo: {} });
    }
    try {
      const data = JSON.parse(text) as StatCacheFile;
      if (
        data?.version !== 1 ||
        typeof data.files !== "object" ||
        typeof data.memo !== "object" ||
        !data.files ||
        !data.memo
      ) {
        throw new Error("unexpected shape");
      }
      return new StatCache(file, data);
    } catch (e) {
      warn(`stat cache ${file} is corrupt (${(e as Error).message}); starting empty, files will be re-hashed once`);
      const c = new StatCache(file, { version: 1, files: {}, memo: {} });
      c.changed = true;
      return c;
    }
  }

  /** True when there is something to save. */
  get dirty(): boolean {
    return this.changed;
  }

  /** Number of file entries (for diagnostics). */
  get size(): number {
    return Object.keys(this.files).length;
  }

  /**
   * sha256 of a file's bytes: the cached value when size, mtime and inode are unchanged,
   * otherwise streamed from disk and remembered. Throws the fs error (ENOENT…) as is.
   */
  hashFile(absPath: string): Promise<string> {
    const pending = this.inflight.get(absPath);
    if (pending) return pending;
    const p = this.hashFileUncached(absPath).finally(() => this.inflight.delete(absPath));
    this.inflight.set(absPath, p);
    return p;
  }

  private async hashFileUncached(absPath: string): Promise<string> {
    const t0 = Date.now();
    const before = await stat(absPath);
    const cached = this.files[absPath];
    const d = today();
    if (!this.checksum && cached && !cached.racy && sameStat(cached, before)) {
      if (cached.day !== d) {
        cached.day = d;
        this.changed = true;
      }
      return cached.hash;
    }
    const hash = await sha256File(absPath);
    const after = await stat(absPath);
    if (!sameStat({ size: after.size, mtimeMs: after.mtimeMs, ino: after.ino, ctimeMs: after.ctimeMs }, before)) {
      // Written to while we read it: the hash describes no stable version; do not remember it.
      delete this.files[absPath];
      this.changed = true;
      return hash;
    }
    const entry: StatEntry = {
      size: before.size,
      mtimeMs: before.mtimeMs,
      ino: before.ino,
      ctimeMs: before.ctimeMs,
      hash,
      day: d,
    };
    if (t0 - before.mtimeMs < racyMarginMs(before.mtimeMs)) entry.racy = true;
    this.files[absPath] = entry;
    this.changed = true;
    return hash;
  }

  /**
   * Remember the hash of a file the engine itself just wrote and closed (a restored cache
   * object, a materialized output), so the next status does not re-read it. Trusted at once.
   */
  async remember(absPath: string, hash: string): Promise<void> {
    const s = await stat(absPath);
    this.files[absPath] = { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, ctimeMs: s.ctimeMs, hash, day: today() };
    this.changed = true;
  }

  /**
   * True when the file exists and its current (size, mtime, inode) match a trusted entry with
   * this hash. Never reads the file: a cheap "already in place?" check before a copy.
   */
  async matches(absPath: string, hash: string): Promise<boolean> {
    const e = this.files[absPath];
    if (!e || e.racy || e.hash !== hash) return false;
    try {
      return sameStat(e, await stat(absPath));
    } catch {
      return false;
    }
  }

  /** Forget a path (e.g. after deleting the file). */
  forget(absPath: string): void {
    if (absPath in this.files) {
      delete this.files[absPath];
      this.changed = true;
    }
  }

  /**
   * A value derived from content, e.g. `memoGet("code-norm:<sha256>")`. Keys should contain a
   * content hash so the value never goes stale; prefix them with a namespace ("name:").
   * Values must be JSON-serializable.
   */
  memoGet<T = unknown>(key: string): T | undefined {
    const e = this.memo[key];
    if (!e) return undefined;
    const d = today();
    if (e.day !== d) {
      e.day = d;
      this.changed = true;
    }
    return e.v as T;
  }

  memoSet(key: string, value: unknown): void {
    const prev = this.memo[key];
    if (prev && JSON.stringify(prev.v) === JSON.stringify(value)) return;
    this.memo[key] = { v: value, day: today() };
    this.changed = true;
  }

  /**
   * Persist atomically if anything changed; returns whether it wrote. Entries unused for
   * 60 days are dropped. In-memory caches never write.
   */
  async save(): Promise<boolean> {
    if (!this.file || !this.changed) return false;
    const cutoff = today() - PRUNE_DAYS;
    for (const [k, e] of Object.entries(this.files)) if (e.day < cutoff) delete this.files[k];
    for (const [k, e] of Object.entries(this.memo)) if (e.day < cutoff) delete this.memo[k];
    const data: StatCacheFile = { version: 1, files: this.files, memo: this.memo };
    await writeFileAtomic(this.file, JSON.stringify(data));
    this.changed = false;
    return true;
  }
}
