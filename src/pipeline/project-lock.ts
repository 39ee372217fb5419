/**
 * One writer per project: `.pipeline/run.lock`, created with O_EXCL and holding
 * {pid, host, started, command}. A second `pipeline run` fails fast naming the holder; a lock
 * left by a process that no longer exists (same host, dead pid) is taken over with a note.
 *
 * The handle's `release()` removes the file only if it is still ours. The caller wires exit
 * paths: `try { … } finally { await lock.release() }` for normal returns and thrown errors,
 * and, for signals, e.g. `process.once("SIGINT", () => { lock.releaseSync(); process.exit(130); })`.
 * After kill -9 the file stays; the next run sees the dead pid and takes over.
 */
import { readFileSync, unlinkSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { StrataError } from "../core/errors.ts";

export interface ProjectLockInfo {
  pid: number;
  host: string;
  /** ISO timestamp. */
  started: string;
  /** The command line that took the lock, e.g. "pipeline run backtest". */
  command: string;
}

export interface ProjectLockHandle {
  /** Absolute path of the lock file. */
  readonly path: string;
  readonly info: ProjectLockInfo;
  /** Remove the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
  /** Same, synchronously: for `process.on("exit")` and signal handlers. */
  releaseSync(): void;
}

export interface AcquireProjectLockOptions {
  /** Recorded in the lock and shown to a second process; default "pipeline". */
  command?: string;
  /** Told when a stale lock (dead pid) is taken over; default console.warn. */
  onNote?: (message: string) => void;
  /** Lock this file instead of `<root>/.pipeline/run.lock` (e.g. the trial registry's writer lock). */
  path?: string;
}

export function projectLockPath(root: string): string {
  return join(root, ".pipeline", "run.lock");
}

/** A half-written lock (created, not yet filled) younger than this is treated as held. */
const FRESH_MS = 5_000;
const ATTEMPTS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a pid names a live process on this host (EPERM: alive, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseInfo(text: string): ProjectLockInfo | null {
  try {
    const x = JSON.parse(text) as ProjectLockInfo;
    if (
      typeof x.pid === "number" &&
      typeof x.host === "string" &&
      typeof x.started === "string" &&
      typeof x.command === "string"
    )
      return x;
  } catch {
    /* fall through */
  }
  return null;
}

/** The current holder of a project's lock, or null when free (or unreadable). */
export function readProjectLock(root: string): ProjectLockInfo | null {
  try {
    return parseInfo(readFileSync(projectLockPath(root), "utf8"));
  } catch {
    return null;
  }
}

function ago(iso: string): string {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? ` (${s} s ago)` : s < 7200 ? ` (${Math.round(s / 60)} min ago)` : ` (${Math.round(s / 3600)} h ago)`;
}

function lockedError(path: string, holder: ProjectLockInfo, why: "alive" | "remote"): StrataError {
  const where = why === "remote" ? `, on host ${holder.host}` : "";
  return new StrataError(
    "LOCKED",
    `another pipeline process (pid ${holder.pid}${where}, started ${holder.started}${ago(holder.started)}, ` +
      `\`${holder.command}\`) holds ${path}`,
    {
      hint:
        why === "remote"
          ? `wait for it to finish; if that process is gone, delete ${path}`
          : `wait for it to finish; if that process is gone (its pid may have been reused), delete ${path}`,
      details: { lock: path, holder },
    },
  );
}

async function tryCreate(path: string, info: ProjectLockInfo): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new StrataError("LOCKED", `cannot create ${path}: ${(e as Error).message}`, {
      cause: e,
      hint: "check the permissions of the .pipeline folder",
    });
  }
  try {
    await fh.writeFile(JSON.stringify(info, null, 2) + "\n");
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Remove a stale lock whose exact bytes we read, under a short-lived `run.lock.takeover`
 * mutex so two processes cannot both take over (and one delete the other's fresh lock).
 */
async function removeStale(path: string, staleText: string): Promise<void> {
  const mutex = `${path}.takeover`;
  let fh;
  try {
    fh = await open(mutex, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const s = await stat(mutex).catch(() => null);
    if (s && Date.now() - s.mtimeMs > FRESH_MS) await unlink(mutex).catch(() => {});
    return; // someone else is taking over; the caller retries
  }
  try {
    const now = await readFile(path, "utf8").catch(() => null);
    if (now === staleText) await unlink(path).catch(() => {});
  } finally {
    await fh.close();
    await unlink(mutex).catch(() => {});
  }
}

/**
 * Take the project lock or throw StrataError("LOCKED") naming the holder. A lock left by a
 * dead process on this host is taken over (reported through `onNote`).
 */
export async function acquireProjectLock(
  root: string,
  options: AcquireProjectLockOptions = {},
): Promise<ProjectLockHandle> {
  const path = options.path ?? projectLockPath(root);
  const note = options.onNote ?? ((m: string) => console.warn(m));
  await mkdir(dirname(path), { recursive: true });
  const info: ProjectLockInfo = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: options.command ?? "pipeline",
  };
  const host = hostname();

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await tryCreate(path, info)) return handle(path, info);
    let text: string;
    let mtimeMs: number;
    try {
      text = await readFile(path, "utf8");
      mtimeMs = (await stat(path)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw e;
    }
    const holder = parseInfo(text);
    if (!holder) {
      if (Date.now() - mtimeMs < FRESH_MS) {
        await sleep(20); // being written by its creator
        continue;
      }
      note(`${path} was unreadable and ${Math.round((Date.now() - mtimeMs) / 1000)} s old; taking it over`);
      await removeStale(path, text);
      continue;
    }
    if (holder.host !== host) throw lockedError(path, holder, "remote");
    if (isPidAlive(holder.pid)) throw lockedError(path, holder, "alive");
    note(
      `taking over ${path} from pid ${holder.pid} (\`${holder.command}\`, started ${holder.started}), which is no ` +
        `longer running`,
    );
    await removeStale(path, text);
    await sleep(attempt === 0 ? 0 : 10);
  }
  const holder = options.path ? parseInfo(await readFile(path, "utf8").catch(() => "")) : readProjectLock(root);
  if (holder) throw lockedError(path, holder, holder.host === host ? "alive" : "remote");
  throw new StrataError("LOCKED", `could not acquire ${path}: other processes keep taking it`, {
    hint: "retry in a moment",
  });
}

function handle(path: string, info: ProjectLockInfo): ProjectLockHandle {
  let released = false;
  const ours = (text: string | null): boolean => {
    const h = text === null ? null : parseInfo(text);
    return !!h && h.pid === info.pid && h.started === info.started && h.host === info.host;
  };
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      const text = await readFile(path, "utf8").catch(() => null);
      if (ours(text)) await unlink(path).catch(() => {});
    },
    releaseSync() {
      if (released) return;
      released = true;
      let text: string | null = null;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        return;
      }
      if (ours(text)) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
