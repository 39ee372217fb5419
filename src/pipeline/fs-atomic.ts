/**
 * Crash-safe file operations. Every write goes to a temp sibling, is fsynced, then renamed
 * over the destination, so a reader (or a process killed with -9 half way) sees either the
 * old bytes or the new ones, never a torn file. Temp siblings are named `.<base>.<pid>.<rand>.tmp`
 * (matched by `*.tmp` in .gitignore and swept by cache gc).
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { chmod, copyFile, cp, lstat, mkdir, open, realpath, rename, rm, unlink, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { StrataError, type StrataErrorCode } from "../core/errors.ts";

/** A fresh temp path next to `dest` (same directory, hence same file system: rename is atomic). */
export function tempSibling(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** True when `name` looks like a temp sibling left by this module. */
export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so a rename inside it survives power loss; best effort (not all platforms allow it). */
async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir, "r");
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  }
}

/** Write `data` to `path` atomically (temp sibling + fsync + rename). Creates parent folders. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempSibling(path);
  try {
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dir);
}

/**
 * Copy `src` to `dest` atomically. Uses a copy-on-write clone (reflink) where the file system
 * supports it (btrfs, XFS, APFS), a plain copy otherwise. Creates parent folders.
 */
export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  const dir = dirname(dest);
  await mkdir(dir, { recursive: true });
  const tmp = tempSibling(dest);
  try {
    // COPYFILE_FICLONE tries a reflink and silently falls back to a byte copy.
    await copyFile(src, tmp, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
    // The copy inherits the source's mode; cache objects are read-only, copies should not be.
    const mode = (await stat(tmp)).mode & 0o777;
    if ((mode & 0o200) === 0) await chmod(tmp, mode | 0o200);
    await fsyncPath(tmp, "r+");
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dir);
}

/**
 * Move a file or folder to `dest`, replacing what is there. Same file system: a rename (a
 * folder replacing a folder goes through a trash sibling, so `dest` is never half-populated).
 * Across file systems (EXDEV): copy then delete the source.
 */
export async function moveIntoPlace(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const srcStat = await lstat(src);
  const destStat = await lstat(dest).catch(() => null);
  let trash: string | null = null;
  if (destStat?.isDirectory()) {
    trash = tempSibling(dest);
    await rename(dest, trash);
  }
  try {
    await rename(src, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") {
      if (trash) await rename(trash, dest).catch(() => {});
      throw e;
    }
    if (srcStat.isDirectory()) {
      const tmp = tempSibling(dest);
      await cp(src, tmp, { recursive: true, errorOnExist: true, force: false });
      await rename(tmp, dest);
    } else {
      await copyFileAtomic(src, dest);
    }
    await rm(src, { recursive: true, force: true });
  }
  if (trash) await rm(trash, { recursive: true, force: true });
  await fsyncDir(dirname(dest));
}

export interface AssertInsideOptions {
  /** Error code to throw with; default "ARGUMENT". */
  code?: StrataErrorCode;
  /** What the path is, for the message ("output path", "files: entry"); default "path". */
  what?: string;
}

function isUnder(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolve `path` (relative paths against `root`) and prove it stays inside `root`: rejects
 * `../` escapes, absolute paths elsewhere, and symlinks (anywhere along the path) whose real
 * location leaves `root`. The path need not exist; its deepest existing ancestor is checked.
 * Returns the resolved absolute path (not symlink-resolved).
 */
export async function assertInside(root: string, path: string, options: AssertInsideOptions = {}): Promise<string> {
  const code = options.code ?? "ARGUMENT";
  const what = options.what ?? "path";
  const rootAbs = resolve(root);
  const abs = resolve(rootAbs, path);
  if (!isUnder(rootAbs, abs)) {
    throw new StrataError(code, `${what} '${path}' resolves to ${abs}, outside the project root ${rootAbs}`, {
      hint: "use a path inside the project (no '../' and no absolute paths elsewhere)",
      details: { path, resolved: abs, root: rootAbs },
    });
  }
  const realRoot = await realpath(rootAbs).catch(() => rootAbs);
  // Walk up to the deepest ancestor that exists and resolve its symlinks.
  let probe = abs;
  let rest = "";
  for (;;) {
    try {
      const real = await realpath(probe);
      const realFull = rest ? join(real, rest) : real;
      if (!isUnder(realRoot, realFull)) {
        throw new StrataError(code, `${what} '${path}' goes through a symlink to ${realFull}, outside the project root ${realRoot}`, {
          hint: "replace the symlink with a real folder or file inside the project",
          details: { path, resolved: realFull, root: realRoot },
        });
      }
      return abs;
    } catch (e) {
      if (e instanceof StrataError) throw e;
      const errno = (e as NodeJS.ErrnoException).code;
      if (errno !== "ENOENT" && errno !== "ENOTDIR") throw e;
      const parent = dirname(probe);
      if (parent === probe) return abs;
      rest = rest ? join(basename(probe), rest) : basename(probe);
      probe = parent;
    }
  }
}

/**
 * Delete a folder (or file) recursively, but only if it lies strictly inside `mustBeUnder`
 * (never the root itself, never through a symlink that leaves it). Missing → no-op.
 */
export async function removeDirSafe(path: string, mustBeUnder: string): Promise<void> {
  const abs = await assertInside(mustBeUnder, path, { code: "INTERNAL", what: "folder to delete" });
  if (resolve(abs) === resolve(mustBeUnder)) {
    throw new StrataError("INTERNAL", `refusing to delete ${abs}: it is the protected root itself`, {
      hint: "this is a bug in the caller; please report it",
    });
  }
  await rm(abs, { recursive: true, force: true });
}

/** stat that returns null for a missing path. */
export async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}
