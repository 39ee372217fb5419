/**
 * Crash-safe file operations. Every write goes to a temp sibling, is fsynced, then renamed
 * over the destination, so a reader (or a process killed with -9 half way) sees either the
 * old bytes or the new ones, never a torn file. Temp siblings are named `.<base>.<pid>.<rand>.tmp`
 * (matched by `*.tmp` in .gitignore and swept by cache gc).
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { chmod, copyFile, cp, lstat, mkdir, open, rename, rm, unlink, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

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

export interface CopyOptions {
  /**
   * Called with the finished temp copy before it is renamed into place; returning false
   * discards the copy and leaves `dest` untouched (copyFileAtomic then returns false). Lets a
   * caller check exactly the bytes it is about to publish (e.g. hash them).
   */
  verify?: (tmpPath: string) => Promise<boolean>;
}

/**
 * Copy `src` to `dest` atomically. Uses a copy-on-write clone (reflink) where the file system
 * supports it (btrfs, XFS, APFS), a plain copy otherwise. Creates parent folders. Returns
 * true, or false when `options.verify` rejected the copy.
 */
export async function copyFileAtomic(src: string, dest: string, options: CopyOptions = {}): Promise<boolean> {
  const dir = dirname(dest);
  await mkdir(dir, { recursive: true });
  const tmp = tempSibling(dest);
  try {
    // COPYFILE_FICLONE tries a reflink and silently falls back to a byte copy.
    await copyFile(src, tmp, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
    // The copy inherits the source's mode; cache objects are read-only, copies should not be.
    const mode = (await stat(tmp)).mode & 0o777;
    if ((mode & 0o200) === 0) await chmod(tmp, mode | 0o200);
    if (options.verify && !(await options.verify(tmp))) {
      await unlink(tmp).catch(() => {});
      return false;
    }
    await fsyncPath(tmp, "r+");
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dir);
  return true;
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

/** stat that returns null for a missing path. */
export async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}
