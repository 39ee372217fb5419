import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLock, readLock, serializeLock, writeLockIfChanged, type LockEntry, type LockFile } from "../../src/pipeline/lock.ts";
import { cellFingerprint } from "../../src/pipeline/fingerprint.ts";

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
});
