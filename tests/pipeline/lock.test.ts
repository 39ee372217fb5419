import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLock, readLock, serializeLock, writeLockIfChanged, type LockEntry, type LockFile } from "../../src/pipeline/lock.ts";
import { cellFingerprint } from "../../src/pipeline/fingerprint.ts";
import { StrataError } from "../../src/core/errors.ts";

const H = (c: string) => c.repeat(64);

function entry(over: Partial<LockEntry> = {}): LockEntry {
  return {
    stage: "backtest",
    matrix: { optimizer: "hrp", model: "gbdt" },
    fingerprint: H("f"),
    uses: "stages/backtest.ts",
    code: { "stages/backtest.ts": H("a"), "src/quant/hrp.ts": H("b") },
    packages: { zod: "4.1.0" },
    params: { top_n: 30, costs: { bps: 5 }, windows: [60, 20, 5], start: "2012-01-03", flag: "true" },
    inputs: { "train[model=gbdt]/predictions": H("c") },
    files: {},
    seed: 42,
    outputs: { weights: { path: "data/backtest/model=gbdt,optimizer=hrp/weights.parquet", hash: H("d"), bytes: 1234, rows: 50 } },
    metrics: { sharpe: 0.1 + 0.2, turnover: 1e-7, big: 1e21, neg: -0, none: null, ok: true, note: "fine" },
    duration_s: 1.234,
    engine: "strata 0.1.0",
    ...over,
  };
}

const lockA = (): LockFile => ({
  version: 1,
  cells: {
    "backtest[model=gbdt,optimizer=hrp]": entry(),
    data: entry({ stage: "data", matrix: {}, outputs: {}, metrics: {} }),
  },
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("serializeLock", () => {
  it("serializeLock(lock) is byte-stable regardless of insertion order", () => {
    const a = lockA();
    const b: LockFile = { version: 1, cells: { data: a.cells.data, "backtest[model=gbdt,optimizer=hrp]": a.cells["backtest[model=gbdt,optimizer=hrp]"] } };
    const e = b.cells["backtest[model=gbdt,optimizer=hrp]"];
    b.cells["backtest[model=gbdt,optimizer=hrp]"] = Object.fromEntries(Object.entries(e).reverse()) as unknown as LockEntry;
    expect(serializeLock(b)).toBe(serializeLock(a));
  });

  it("serializeLock(lock) sorts cells and keys at every level, one block per cell", () => {
    const text = serializeLock(lockA());
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^# /);
    expect(lines[1]).toBe("");
    expect(lines[2]).toBe("version: 1");
    expect(lines[3]).toBe("cells:");
    const cellLines = lines.filter((l) => /^ {2}\S/.test(l));
    expect(cellLines).toEqual(["  backtest[model=gbdt,optimizer=hrp]:", "  data:"]);
    expect(text).toContain("\n\n  data:\n"); // blank line between cell blocks
    const keys = lines.filter((l) => /^ {4}\w/.test(l)).slice(0, 14).map((l) => l.trim().split(":")[0]);
    expect(keys).toEqual([...keys].sort());
    expect(text).toMatch(/matrix:\n\s+model: gbdt\n\s+optimizer: hrp/);
    expect(text).toMatch(/windows:\n\s+- 60\n\s+- 20\n\s+- 5/); // arrays keep their order
    expect(text).toContain("sharpe: 0.30000000000000004");
    expect(text).toContain("neg: 0\n");
    expect(text).toContain('flag: "true"');
  });

  it("round-trips through parseLock, and the fingerprint can be recomputed from an entry", () => {
    const lock = lockA();
    const back = parseLock(serializeLock(lock), "pipeline.lock");
    expect(serializeLock(back)).toBe(serializeLock(lock));
    const e = back.cells["backtest[model=gbdt,optimizer=hrp]"];
    expect(e.params).toEqual(lock.cells["backtest[model=gbdt,optimizer=hrp]"].params);
    expect(e.metrics.sharpe).toBe(0.1 + 0.2);
    expect(cellFingerprint(e)).toBe(cellFingerprint(lock.cells["backtest[model=gbdt,optimizer=hrp]"]));
  });
});

describe("readLock", () => {
  it("readLock(path) of a missing file is an empty lock", async () => {
    expect(await readLock(join(dir, "pipeline.lock"))).toEqual({ version: 1, cells: {} });
  });

  it("readLock(path) of invalid YAML names file:line and how to recover", async () => {
    const p = join(dir, "pipeline.lock");
    await writeFile(p, "version: 1\ncells:\n  data:\n    stage: [unclosed\n");
    const e = await readLock(p).catch((x) => x);
    expect(e.code).toBe("CACHE");
    expect(e.message).toMatch(new RegExp(`${p.replace(/[.]/g, "\\.")}:\\d+:\\d+: not valid YAML`));
    expect(e.message).toContain("git checkout pipeline.lock");
  });

  it("readLock(path) reports merge conflict markers and malformed entries with their line", async () => {
    const p = join(dir, "pipeline.lock");
    await writeFile(p, "version: 1\ncells:\n<<<<<<< HEAD\n  a: {}\n=======\n  b: {}\n>>>>>>> other\n");
    await expect(readLock(p)).rejects.toThrow(/pipeline\.lock:3:1: unresolved git merge conflict markers/);
    const text = serializeLock(lockA()).replace("    seed: 42\n", "    seed: forty-two\n");
    await writeFile(p, text);
    const line = text.split("\n").findIndex((l) => l.includes("seed: forty-two")) + 1;
    await expect(readLock(p)).rejects.toThrow(new RegExp(`pipeline\\.lock:${line}:5: cell 'backtest\\[model=gbdt,optimizer=hrp\\]' has a missing or malformed \`seed\``));
    await writeFile(p, "version: 2\ncells: {}\n");
    await expect(readLock(p)).rejects.toThrow(/:1:10: unsupported lock version 2/);
  });
});

describe("parseLock output paths and hashes", () => {
  const ID = "backtest[model=gbdt,optimizer=hrp]";
  const GOOD = "data/backtest/model=gbdt,optimizer=hrp/weights.parquet";

  function withPath(path: string): string {
    const text = serializeLock(lockA());
    expect(text).toContain(`path: ${GOOD}\n`);
    return text.replace(`path: ${GOOD}\n`, `path: ${JSON.stringify(path)}\n`);
  }

  it.each([
    ["../victim.txt", /'\.\.' segment/],
    ["data/backtest/../../victim.txt", /'\.\.' segment/],
    ["data/backtest/..", /'\.\.' segment/],
    ["/etc/passwd", /is absolute/],
    ["C:/x/y", /is absolute/],
    ["data\\backtest\\w.parquet", /backslash/],
    ["data/backtest/w\u0000.parquet", /NUL/],
    ["data/backtest/w\n.parquet", /control character/],
    ["data/./backtest/w.parquet", /'\.' segment/],
    ["data//backtest/w.parquet", /empty segment/],
    ["data/backtest/", /empty segment/],
    ["data", /not under data\//],
    ["src/backtest/w.parquet", /not under data\//],
    ["pipeline.yaml", /not under data\//],
    ["data/backtest/.w.parquet.123.tmp", /plain file name/],
    ["data/raw/prices.csv", /not under data\/backtest\/, the folder of stage 'backtest'/],
  ])("rejects output path %j, naming file:line, the cell and how to recover", (path, why) => {
    const text = withPath(path);
    const line = text.split("\n").findIndex((l) => l.trimStart().startsWith("path: ")) + 1;
    let err: unknown;
    try {
      parseLock(text, "pipeline.lock");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StrataError);
    const e = err as StrataError;
    expect(e.code).toBe("CACHE");
    expect(e.message).toMatch(new RegExp(`^pipeline\\.lock:${line}:\\d+: cell 'backtest\\[model=gbdt,optimizer=hrp\\]' has an unsafe \`outputs\\.weights\\.path\``));
    expect(e.message).toMatch(why);
    expect(e.hint).toMatch(/git checkout pipeline\.lock/);
    expect(e.hint).toContain(`delete the entry '${ID}'`);
    expect(e.details).toMatchObject({ file: "pipeline.lock", cell: ID });
  });

  it("accepts the paths the engine writes (with and without a matrix folder)", () => {
    const lock = lockA();
    lock.cells.data.outputs = { prices: { path: "data/data/prices.parquet", hash: H("e"), bytes: 1 } };
    expect(parseLock(serializeLock(lock), "pipeline.lock")).toEqual(parseLock(serializeLock(lock), "x"));
    expect(parseLock(withPath("data/backtest/a=1.5,b=x_y/w-1.v2.parquet"), "pipeline.lock").cells[ID].outputs.weights.path).toBe(
      "data/backtest/a=1.5,b=x_y/w-1.v2.parquet",
    );
  });

  it("rejects hashes that are not 64 lowercase hex characters, pointing at the entry", () => {
    const cases: Array<[string, string, RegExp]> = [
      [`hash: ${H("d")}`, "hash: ../../etc", /malformed `outputs\.weights\.hash`/],
      [`fingerprint: ${H("f")}`, `fingerprint: ${H("F")}`, /malformed `fingerprint`/],
      [`stages/backtest.ts: ${H("a")}`, "stages/backtest.ts: abc", /malformed hash for `code\.stages\/backtest\.ts`/],
      [`train[model=gbdt]/predictions: ${H("c")}`, `train[model=gbdt]/predictions: ${H("g")}`, /malformed hash for `inputs\.train\[model=gbdt\]\/predictions`/],
    ];
    for (const [from, to, why] of cases) {
      const src = serializeLock(lockA());
      expect(src).toContain(from);
      const text = src.replace(from, to);
      const line = text.split("\n").findIndex((l) => l.includes(to)) + 1;
      expect(() => parseLock(text, "pipeline.lock")).toThrow(new RegExp(`pipeline\\.lock:${line}:\\d+: cell '.*' has a`));
      expect(() => parseLock(text, "pipeline.lock")).toThrow(why);
    }
  });
});

describe("writeLockIfChanged", () => {
  it("writeLockIfChanged(path, lock) writes once and leaves an unchanged file (and its mtime) alone", async () => {
    const p = join(dir, "pipeline.lock");
    expect(await writeLockIfChanged(p, lockA())).toBe(true);
    const old = new Date(Date.now() - 3_600_000);
    await utimes(p, old, old);
    const before = await stat(p);
    expect(await writeLockIfChanged(p, lockA())).toBe(false);
    const after = await stat(p);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    const changed = lockA();
    changed.cells.data.seed = 7;
    expect(await writeLockIfChanged(p, changed)).toBe(true);
    expect(await readFile(p, "utf8")).toBe(serializeLock(changed));
    expect((await readLock(p)).cells.data.seed).toBe(7);
  });

  it("writeLockIfChanged compares with the bytes it last read or wrote, not the file, while stat is unchanged", async () => {
    const p = join(dir, "pipeline.lock");
    const t = Math.floor(Date.now() / 1000) - 60; // whole seconds: utimes restores them exactly
    await writeFile(p, serializeLock(lockA()));
    await utimes(p, t, t);
    await readLock(p); // remembers these bytes with (size, mtime, inode)
    // Other bytes of the same size, same mtime, same inode: only reading the file would notice.
    const text = serializeLock(lockA());
    const forged = text.replace("seed: 42", "seed: 43");
    expect(forged.length).toBe(text.length);
    await writeFile(p, forged);
    await utimes(p, t, t);
    expect(await writeLockIfChanged(p, lockA())).toBe(false); // answered from memory: no read
    expect(await readFile(p, "utf8")).toBe(forged);
    // Any change of stat makes it read the file again, see the difference and rewrite.
    await utimes(p, t + 1, t + 1);
    expect(await writeLockIfChanged(p, lockA())).toBe(true);
    expect(await readFile(p, "utf8")).toBe(text);
    // After its own write it knows the bytes again; an atomic replacement by someone else
    // (a new inode, e.g. `git checkout`) is noticed.
    expect(await writeLockIfChanged(p, lockA())).toBe(false);
    await writeFile(join(dir, "other"), forged);
    await rename(join(dir, "other"), p);
    expect(await writeLockIfChanged(p, lockA())).toBe(true);
    expect(await readFile(p, "utf8")).toBe(text);
    // A deleted lock is written again.
    await rm(p);
    expect(await writeLockIfChanged(p, lockA())).toBe(true);
  });
});
