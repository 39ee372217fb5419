import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, readFile, readdir, rm, stat, symlink, writeFile, chmod } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertInside, copyFileAtomic, moveIntoPlace, removeDirSafe, writeFileAtomic } from "../../src/pipeline/fs-atomic.ts";
import { StrataError } from "../../src/core/errors.ts";

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-fs-"));
  outside = await mkdtemp(join(tmpdir(), "strata-out-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
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
    expect((await readdir(join(dir, "out")))).toEqual(["dest.bin"]);
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

describe("assertInside", () => {
  it("assertInside(root, path) accepts paths inside, existing or not", async () => {
    await mkdir(join(dir, "data"));
    expect(await assertInside(dir, "data/x/y.parquet")).toBe(join(dir, "data", "x", "y.parquet"));
    expect(await assertInside(dir, join(dir, "data"))).toBe(join(dir, "data"));
    expect(await assertInside(dir, "a/../b")).toBe(join(dir, "b"));
  });

  it("assertInside(root, path) rejects ../ escapes and absolute paths elsewhere, naming the path", async () => {
    await expect(assertInside(dir, "../etc/passwd")).rejects.toThrow(/'\.\.\/etc\/passwd'.*outside the project root/);
    await expect(assertInside(dir, "data/../../x")).rejects.toBeInstanceOf(StrataError);
    await expect(assertInside(dir, "/etc/passwd")).rejects.toThrow(/\/etc\/passwd/);
    await expect(assertInside(join(dir, "a"), join(dir, "ab"))).rejects.toThrow(/outside/); // prefix is not containment
  });

  it("assertInside(root, path) rejects a symlink whose target leaves root, also below it", async () => {
    await symlink(outside, join(dir, "link"));
    await expect(assertInside(dir, "link")).rejects.toThrow(/symlink.*outside the project root/);
    await expect(assertInside(dir, "link/deeper/file.txt")).rejects.toThrow(/symlink/);
    await mkdir(join(dir, "real"));
    await symlink(join(dir, "real"), join(dir, "inner"));
    expect(await assertInside(dir, "inner/ok.txt")).toBe(join(dir, "inner", "ok.txt"));
  });

  it("assertInside uses the error code asked for", async () => {
    const e = await assertInside(dir, "../x", { code: "OUTPUT", what: "output" }).catch((x) => x);
    expect(e).toBeInstanceOf(StrataError);
    expect(e.code).toBe("OUTPUT");
    expect(e.message).toMatch(/^output '\.\.\/x'/);
  });
});

describe("removeDirSafe", () => {
  it("removeDirSafe(path, root) deletes inside root and refuses root itself or outside", async () => {
    await mkdir(join(dir, "d", "e"), { recursive: true });
    await writeFile(join(dir, "d", "e", "f"), "x");
    await removeDirSafe(join(dir, "d"), dir);
    expect(existsSync(join(dir, "d"))).toBe(false);
    await removeDirSafe(join(dir, "missing"), dir); // no-op
    await expect(removeDirSafe(dir, dir)).rejects.toThrow(/protected root/);
    await writeFile(join(outside, "keep"), "x");
    await expect(removeDirSafe(outside, dir)).rejects.toThrow(/outside/);
    await symlink(outside, join(dir, "l"));
    await expect(removeDirSafe(join(dir, "l"), dir)).rejects.toThrow(/symlink/);
    expect(existsSync(join(outside, "keep"))).toBe(true);
  });
});
