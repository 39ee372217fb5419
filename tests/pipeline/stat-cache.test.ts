import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatCache, statCachePath } from "../../src/pipeline/stat-cache.ts";
import { sha256 } from "../../src/core/hash.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "strata-stat-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Set a file's mtime well in the past so its entry is not "racy". */
async function age(path: string, secondsAgo = 60): Promise<void> {
  const t = Date.now() / 1000 - secondsAgo;
  await utimes(path, t, t);
}

describe("StatCache", () => {
  it("hashFile(path) is sha256 of the bytes and is served from the cache while stat is unchanged", async () => {
    const f = join(root, "a.txt");
    await writeFile(f, "hello");
    await age(f);
    const c = await StatCache.load(root);
    expect(await c.hashFile(f)).toBe(sha256("hello"));
    await c.save();
    // Unchanged: answered from the entry, nothing rewritten.
    const c2 = await StatCache.load(root);
    expect(await c2.hashFile(f)).toBe(sha256("hello"));
    expect(c2.dirty).toBe(false);
    // Same size, mtime put back (touch -r), different bytes: the inode change time moved,
    // which nobody can put back, so the file is read again.
    const mtime = (await import("node:fs")).statSync(f).mtime;
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(f, "jello");
    await utimes(f, mtime, mtime);
    const c3 = await StatCache.load(root);
    expect(await c3.hashFile(f)).toBe(sha256("jello"));
  });

  it("checksum mode re-hashes every file, whatever its stat says", async () => {
    const f = join(root, "k.txt");
    await writeFile(f, "one");
    await age(f);
    const c = await StatCache.load(root);
    expect(await c.hashFile(f)).toBe(sha256("one"));
    expect(await c.hashFile(f)).toBe(sha256("one"));
    expect(c.dirty).toBe(true);
    await c.save();
    const warm = await StatCache.load(root);
    await warm.hashFile(f);
    expect(warm.dirty).toBe(false); // served from the entry
    warm.checksum = true;
    await warm.hashFile(f);
    expect(warm.dirty).toBe(true); // read and hashed again
  });

  it("hashFile(path) re-hashes an entry recorded within the timestamp granularity (racy)", async () => {
    const f = join(root, "b.txt");
    await writeFile(f, "v1");
    const c = StatCache.memory();
    expect(await c.hashFile(f)).toBe(sha256("v1")); // mtime ≈ now → racy entry
    const { mtime } = (await import("node:fs")).statSync(f);
    await writeFile(f, "v2");
    await utimes(f, mtime, mtime); // same size and mtime as when hashed
    expect(await c.hashFile(f)).toBe(sha256("v2"));
  });

  it("save() writes only when something changed, atomically, and load() reads it back", async () => {
    const f = join(root, "c.txt");
    await writeFile(f, "x");
    await age(f);
    const c = await StatCache.load(root);
    expect(await c.save()).toBe(false);
    await c.hashFile(f);
    c.memoSet("code-norm:abc", { imports: ["a"] });
    expect(await c.save()).toBe(true);
    expect(await c.save()).toBe(false);
    const c2 = await StatCache.load(root);
    expect(c2.memoGet("code-norm:abc")).toEqual({ imports: ["a"] });
    expect(c2.memoGet("nope")).toBeUndefined();
    await c2.hashFile(f);
    expect(c2.dirty).toBe(false);
    expect(await c2.save()).toBe(false);
  });

  it("load(root) starts empty with one warning when the file is corrupt", async () => {
    await mkdir(join(root, ".pipeline"));
    await writeFile(statCachePath(root), "{not json");
    const warnings: string[] = [];
    const c = await StatCache.load(root, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/corrupt/);
    expect(c.size).toBe(0);
    expect(await c.save()).toBe(true);
    expect(JSON.parse(await readFile(statCachePath(root), "utf8")).version).toBe(1);
  });

  it("remember(path, hash) and matches(path, hash) answer from stat without reading", async () => {
    const f = join(root, "d.bin");
    await writeFile(f, "data");
    const c = StatCache.memory();
    expect(await c.matches(f, sha256("data"))).toBe(false);
    await c.remember(f, sha256("data"));
    expect(await c.matches(f, sha256("data"))).toBe(true);
    expect(await c.matches(f, sha256("other"))).toBe(false);
    await writeFile(f, "changed!");
    expect(await c.matches(f, sha256("data"))).toBe(false);
    await rm(f);
    expect(await c.matches(f, sha256("data"))).toBe(false);
    await expect(c.hashFile(f)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it(
    "a warm check trusts (size, mtime, inode, ctime) and never reads unchanged files; an in-place edit with mtime " +
      "put back re-hashes",
    async () => {
      // Speed goals live in bench/; this proves the mechanism: a warm check of unchanged files
      // rewrites no entry (every read re-records one), and a same-size in-place edit whose mtime
      // is restored is seen (the inode change time moved).
      const t = Math.floor(Date.now() / 1000) - 60; // whole seconds: utimes restores them exactly
      const files: string[] = [];
      for (let i = 0; i < 5; i++) {
        const p = join(root, "data", `f${i}.bin`);
        await mkdir(join(root, "data"), { recursive: true });
        await writeFile(p, `old-${i}`);
        await utimes(p, t, t);
        files.push(p);
      }
      const cold = await StatCache.load(root);
      for (const [i, p] of files.entries()) expect(await cold.hashFile(p)).toBe(sha256(`old-${i}`));
      await cold.save();

      const warm = await StatCache.load(root);
      const hashes = await Promise.all(files.map((p) => warm.hashFile(p)));
      expect(hashes).toEqual(files.map((_, i) => sha256(`old-${i}`)));
      expect(warm.dirty).toBe(false); // no entry re-recorded: no file was read

      const inodes = files.map((p) => statSync(p).ino);
      await new Promise((r) => setTimeout(r, 20));
      for (const [i, p] of files.entries()) {
        await writeFile(p, `new-${i}`); // same size, written in place: same inode
        await utimes(p, t, t); // and the mtime put back
      }
      expect(files.map((p) => statSync(p).ino)).toEqual(inodes);
      expect(files.map((p) => statSync(p).mtimeMs)).toEqual(files.map(() => t * 1000));
      const after = await StatCache.load(root);
      expect(await Promise.all(files.map((p) => after.hashFile(p)))).toEqual(files.map((_, i) => sha256(`new-${i}`)));
      expect(existsSync(statCachePath(root))).toBe(true);
    },
  );
});
