import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile, chmod } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyFileAtomic, moveIntoPlace, writeFileAtomic } from "../../src/pipeline/fs-atomic.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-fs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writeFileAtomic(path, data) creates parents, replaces content and leaves no temp file", async () => {
    const p = join(dir, "a", "b", "x.txt");
    await writeFileAtomic(p, "one");
    await writeFileAtomic(p, new TextEncoder().encode("two"));
    expect(await readFile(p, "utf8")).toBe("two");
    expect(await readdir(join(dir, "a", "b"))).toEqual(["x.txt"]);
  });
});

describe("copyFileAtomic", () => {
  it("copyFileAtomic(src, dest) copies bytes and makes a read-only source's copy writable", async () => {
    const src = join(dir, "src.bin");
    await writeFile(src, Buffer.alloc(100_000, 7));
    await chmod(src, 0o444);
    const dest = join(dir, "out", "dest.bin");
    await copyFileAtomic(src, dest);
    expect(await readFile(dest)).toEqual(await readFile(src));
    expect((await stat(dest)).mode & 0o200).toBe(0o200);
    await copyFileAtomic(src, dest); // over an existing file
    expect(await readdir(join(dir, "out"))).toEqual(["dest.bin"]);
  });

  it("copyFileAtomic(src, dest, { verify }) checks the temp copy; a rejected copy leaves dest alone", async () => {
    const src = join(dir, "src.txt");
    await writeFile(src, "new bytes");
    const dest = join(dir, "dest.txt");
    await writeFile(dest, "old");
    const seen: string[] = [];
    const verify = async (tmp: string): Promise<boolean> => {
      seen.push(await readFile(tmp, "utf8"));
      return false;
    };
    expect(await copyFileAtomic(src, dest, { verify })).toBe(false);
    expect(seen).toEqual(["new bytes"]);
    expect(await readFile(dest, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["dest.txt", "src.txt"].sort());
    expect(await copyFileAtomic(src, dest, { verify: async () => true })).toBe(true);
    expect(await readFile(dest, "utf8")).toBe("new bytes");
  });
});

describe("moveIntoPlace", () => {
  it("moveIntoPlace(src, dest) moves a file and replaces a whole folder", async () => {
    await writeFile(join(dir, "f"), "f");
    await moveIntoPlace(join(dir, "f"), join(dir, "sub", "g"));
    expect(await readFile(join(dir, "sub", "g"), "utf8")).toBe("f");
    expect(existsSync(join(dir, "f"))).toBe(false);

    await mkdir(join(dir, "old"));
    await writeFile(join(dir, "old", "stale"), "x");
    await mkdir(join(dir, "new"));
    await writeFile(join(dir, "new", "fresh"), "y");
    await moveIntoPlace(join(dir, "new"), join(dir, "old"));
    expect(await readdir(join(dir, "old"))).toEqual(["fresh"]);
    expect((await readdir(dir)).sort()).toEqual(["old", "sub"]);
  });
});
