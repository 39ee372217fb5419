import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cache, type RunEntry } from "../../src/pipeline/cache.ts";
import { StatCache } from "../../src/pipeline/stat-cache.ts";
import { sha256 } from "../../src/core/hash.ts";

let root: string;
let warnings: string[];
let cache: Cache;

async function file(rel: string, text: string): Promise<string> {
  const p = join(root, rel);
  await mkdir(join(p, ".."), { recursive: true });
  await writeFile(p, text);
  return p;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "strata-cache-"));
  warnings = [];
  cache = new Cache(root, { statCache: StatCache.memory(), onWarning: (m) => warnings.push(m) });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("Cache objects", () => {
  it("put(file) stores a read-only object at .pipeline/cache/<ab>/<rest>, idempotently", async () => {
    const src = await file("tmp/out.parquet", "table bytes");
    const r = await cache.put(src);
    expect(r).toEqual({ hash: sha256("table bytes"), bytes: 11 });
    const obj = cache.pathOf(r.hash);
    expect(obj).toBe(join(root, ".pipeline", "cache", r.hash.slice(0, 2), r.hash.slice(2)));
    expect(await readFile(obj, "utf8")).toBe("table bytes");
    expect((await stat(obj)).mode & 0o222).toBe(0);
    expect(cache.has(r.hash)).toBe(true);
    expect(existsSync(src)).toBe(true); // copy by default
    expect(await cache.put(src)).toEqual(r);
    const moved = await file("tmp/again.parquet", "table bytes");
    expect(await cache.put(moved, { move: true })).toEqual(r);
    expect(existsSync(moved)).toBe(false);
    const other = await file("tmp/new.json", "{}");
    const r2 = await cache.put(other, { move: true });
    expect(existsSync(other)).toBe(false);
    expect(await readFile(cache.pathOf(r2.hash), "utf8")).toBe("{}");
  });

  it("restore(hash, dest) copies a verified object into place (writable)", async () => {
    const { hash, bytes } = await cache.put(await file("tmp/a", "alpha"));
    const dest = join(root, "data", "stage", "a");
    expect(await cache.restore(hash, dest, { bytes })).toBe(true);
    expect(await readFile(dest, "utf8")).toBe("alpha");
    expect((await stat(dest)).mode & 0o200).toBe(0o200);
    expect(warnings).toEqual([]);
  });

  it("restore(hash, dest) detects a corrupted object: warns, deletes it and reports a miss", async () => {
    const { hash } = await cache.put(await file("tmp/a", "alpha"));
    const obj = cache.pathOf(hash);
    await chmod(obj, 0o644);
    await writeFile(obj, "alphA"); // same size, different bytes
    const fresh = new Cache(root, { onWarning: (m) => warnings.push(m) }); // no stat cache: must read
    const dest = join(root, "data", "a");
    expect(await fresh.restore(hash, dest)).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`cache object ${hash.slice(0, 12)} is corrupt.*deleted`));
    expect(existsSync(obj)).toBe(false);
    expect(existsSync(dest)).toBe(false);
    expect(fresh.has(hash)).toBe(false);
  });

  it("restore(hash, dest) catches a corrupted object through the stat cache too, and a wrong size", async () => {
    const { hash } = await cache.put(await file("tmp/a", "alpha"));
    const obj = cache.pathOf(hash);
    await chmod(obj, 0o644);
    await writeFile(obj, "alpha!"); // edit changes size and mtime
    expect(await cache.restore(hash, join(root, "d1"), (m) => warnings.push("cb:" + m))).toBe(false);
    expect(warnings[0]).toMatch(/^cb:cache object .* is corrupt/);
    const { hash: h2 } = await cache.put(await file("tmp/b", "beta"));
    expect(await cache.restore(h2, join(root, "d2"), { bytes: 999 })).toBe(false);
    expect(warnings[1]).toMatch(/4 bytes instead of 999/);
  });

  /**
   * Overwrite an object in place with other bytes of the same size, keeping its mtime and
   * inode, after the stat cache recorded it: the stat cache then vouches for the corrupt bytes.
   */
  async function corruptInPlace(sc: StatCache, obj: string, hash: string, bytes: string): Promise<void> {
    const t = Math.floor(Date.now() / 1000) - 60; // whole seconds: restored exactly by utimes
    await utimes(obj, t, t);
    const before = await stat(obj);
    await chmod(obj, 0o644);
    await writeFile(obj, bytes);
    await utimes(obj, t, t);
    const after = await stat(obj);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    // The stat cache notices such an edit (ctime moved); to prove the cache does not rely on
    // it, make it vouch for the old hash anyway, as a stale or hostile entry would.
    await sc.remember(obj, hash);
    expect(await sc.matches(obj, hash)).toBe(true);
    expect(await sc.hashFile(obj)).toBe(hash); // what a stat-cache lookup would (wrongly) answer
  }

  it("put(file) hashes an existing object of the same size and replaces it when corrupt", async () => {
    const sc = StatCache.memory();
    const c = new Cache(root, { statCache: sc, onWarning: (m) => warnings.push(m) });
    const { hash } = await c.put(await file("tmp/a", "alpha"));
    const obj = c.pathOf(hash);
    await corruptInPlace(sc, obj, hash, "alphA");
    // The second put must not accept the same-size object unchecked (nor trust the stat cache).
    expect(await c.put(await file("tmp/b", "alpha"), { move: true })).toEqual({ hash, bytes: 5 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`cache object ${hash.slice(0, 12)} was corrupt \\(its content hashes to [0-9a-f]{12}\\); replaced it`),
    );
    expect(await readFile(obj, "utf8")).toBe("alpha");
    expect((await stat(obj)).mode & 0o222).toBe(0);
    expect(existsSync(join(root, "tmp/b"))).toBe(false);
    // An intact object is kept as is, without a warning.
    const ino = (await stat(obj)).ino;
    expect(await c.put(await file("tmp/c", "alpha"))).toEqual({ hash, bytes: 5 });
    expect((await stat(obj)).ino).toBe(ino);
    expect(warnings).toHaveLength(1);
    // A wrong-size object is replaced too.
    await chmod(obj, 0o644);
    await writeFile(obj, "alpha and more");
    await c.put(await file("tmp/d", "alpha"));
    expect(warnings[1]).toMatch(/14 bytes instead of 5\); replaced it/);
    expect(await readFile(obj, "utf8")).toBe("alpha");
  });

  it("restore(hash, dest) hashes the bytes it copies even when the stat cache vouches for the object", async () => {
    const sc = StatCache.memory();
    const c = new Cache(root, { statCache: sc, onWarning: (m) => warnings.push(m) });
    const { hash, bytes } = await c.put(await file("tmp/a", "alpha"));
    const obj = c.pathOf(hash);
    await corruptInPlace(sc, obj, hash, "alphA");
    const dest = join(root, "data", "s", "a");
    await file("data/s/a", "previous");
    expect(await c.restore(hash, dest, { bytes })).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`cache object ${hash.slice(0, 12)} is corrupt \\(its content hashes to .*deleted`),
    );
    expect(await readFile(dest, "utf8")).toBe("previous"); // left as it was
    expect(await readdir(join(root, "data", "s"))).toEqual(["a"]); // no temp file left
    expect(c.has(hash)).toBe(false);
    // A fresh put brings it back, and restore then succeeds.
    await c.put(await file("tmp/a2", "alpha"));
    expect(await c.restore(hash, dest, { bytes })).toBe(true);
    expect(await readFile(dest, "utf8")).toBe("alpha");
  });

  it("restore of a missing object warns and is a miss; invalid hashes are rejected", async () => {
    expect(await cache.restore("0".repeat(64), join(root, "x"))).toBe(false);
    expect(warnings[0]).toMatch(/missing/);
    expect(() => cache.pathOf("../../etc/passwd")).toThrow(/invalid object hash/);
  });
});

describe("run-cache", () => {
  const fp = "ab".repeat(32);
  const run: RunEntry = {
    outputs: { weights: { path: "data/bt/weights.parquet", hash: "cd".repeat(32), bytes: 10, rows: 3 } },
    metrics: { sharpe: 1.5, label: "x", missing: null },
    duration_s: 2.5,
    engine: "strata 0.1.0",
  };

  it("putRun(fp, entry) then getRun(fp) round-trips; listRuns() lists it", async () => {
    expect(cache.getRun(fp)).toBeUndefined();
    await cache.putRun(fp, run);
    expect(cache.getRun(fp)).toEqual(run);
    expect(existsSync(join(root, ".pipeline", "runs", `${fp}.json`))).toBe(true);
    expect(cache.listRuns()).toEqual([fp]);
  });

  it("getRun(fp) of a corrupt entry warns, deletes it and returns undefined", async () => {
    await mkdir(join(root, ".pipeline", "runs"), { recursive: true });
    await writeFile(join(root, ".pipeline", "runs", `${fp}.json`), '{"outputs": ');
    expect(cache.getRun(fp)).toBeUndefined();
    expect(warnings[0]).toMatch(/run-cache entry .* is corrupt/);
    expect(cache.listRuns()).toEqual([]);
  });
});

describe("run-cache output paths", () => {
  const fp = "ef".repeat(32);
  it.each(["../victim.txt", "data/../../victim.txt", "/etc/passwd", "data/x/..", "data/x/.hidden"])(
    "getRun(fp) treats an entry whose output path is %j as corrupt",
    async (path) => {
      await mkdir(join(root, ".pipeline", "runs"), { recursive: true });
      const entry = {
        outputs: { o: { path, hash: "cd".repeat(32), bytes: 1 } },
        metrics: {},
        duration_s: 1,
        engine: "e",
      };
      await writeFile(join(root, ".pipeline", "runs", `${fp}.json`), JSON.stringify(entry));
      expect(cache.getRun(fp)).toBeUndefined();
      expect(warnings[0]).toMatch(/run-cache entry .* is corrupt/);
      await expect(cache.putRun(fp, entry)).rejects.toThrow(/run-cache output 'o' path/);
    },
  );
});

describe("gc", () => {
  it("gc(...) keeps what is referenced (directly or by a kept run) and removes the rest", async () => {
    const keep = await cache.put(await file("tmp/1", "keep me"));
    const byRun = await cache.put(await file("tmp/2", "kept by run"));
    const drop = await cache.put(await file("tmp/3", "drop me"));
    const fpKeep = "11".repeat(32),
      fpDrop = "22".repeat(32);
    await cache.putRun(fpKeep, {
      outputs: { o: { path: "data/x/o", hash: byRun.hash, bytes: byRun.bytes } },
      metrics: {},
      duration_s: 1,
      engine: "e",
    });
    await cache.putRun(fpDrop, {
      outputs: { o: { path: "data/x/o", hash: drop.hash, bytes: drop.bytes } },
      metrics: {},
      duration_s: 1,
      engine: "e",
    });
    // A crash leftover (old temp file) and a fresh one (maybe in use).
    const shard = join(root, ".pipeline", "cache", "ff");
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, ".x.123.abcd.tmp"), "partial");
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(shard, ".x.123.abcd.tmp"), old, old);
    await writeFile(join(shard, ".y.123.abcd.tmp"), "in use");

    const opts = { keepHashes: new Set([keep.hash]), keepRuns: new Set([fpKeep]) };
    const dry = await cache.gc({ ...opts, dryRun: true });
    expect(dry.removed).toBe(3);
    expect(dry.files).toEqual(
      [
        `.pipeline/cache/${drop.hash.slice(0, 2)}/${drop.hash.slice(2)}`,
        ".pipeline/cache/ff/.x.123.abcd.tmp",
        `.pipeline/runs/${fpDrop}.json`,
      ].sort(),
    );
    expect(cache.has(drop.hash)).toBe(true);

    const dropRunBytes = (await stat(join(root, ".pipeline", "runs", `${fpDrop}.json`))).size;
    const res = await cache.gc(opts);
    expect(res).toEqual(dry);
    expect(res.bytes).toBe("drop me".length + "partial".length + dropRunBytes);
    expect(cache.has(keep.hash) && cache.has(byRun.hash)).toBe(true);
    expect(cache.has(drop.hash)).toBe(false);
    expect(cache.listRuns()).toEqual([fpKeep]);
    expect(await readdir(shard)).toEqual([".y.123.abcd.tmp"]);
    expect((await cache.gc(opts)).removed).toBe(0);
  });
});
