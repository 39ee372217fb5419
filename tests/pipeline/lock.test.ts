import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  closureDigest,
  lockPathFor,
  parseLock,
  readLock,
  serializeLock,
  writeLockIfChanged,
  type LockEntry,
  type LockFile,
} from "../../src/pipeline/lock.ts";
import { cellFingerprint } from "../../src/pipeline/fingerprint.ts";
import { StrataError } from "../../src/core/errors.ts";

const H = (c: string) => c.repeat(64).slice(0, 64);

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
    outputs: {
      weights: { path: "data/backtest/model=gbdt/optimizer=hrp/weights.parquet", hash: H("d"), bytes: 1234, rows: 50 },
    },
    metrics: { sharpe: 0.1 + 0.2, turnover: 1e-7, big: 1e21, neg: -0, none: null, ok: true, note: "fine" },
    engine: "strata 0.1.0",
    ...over,
  };
}

const lockA = (): LockFile => ({
  version: 2,
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
    const b: LockFile = {
      version: 2,
      cells: {
        data: a.cells.data,
        "backtest[model=gbdt,optimizer=hrp]": a.cells["backtest[model=gbdt,optimizer=hrp]"],
      },
    };
    const e = b.cells["backtest[model=gbdt,optimizer=hrp]"];
    b.cells["backtest[model=gbdt,optimizer=hrp]"] = Object.fromEntries(
      Object.entries(e).reverse(),
    ) as unknown as LockEntry;
    expect(serializeLock(b)).toBe(serializeLock(a));
  });

  it("serializeLock(lock) sorts cells and keys at every level, one block per cell", () => {
    const text = serializeLock(lockA());
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^# /);
    expect(lines[1]).toBe("");
    expect(lines[2]).toBe("version: 2");
    expect(lines[3]).toBe("code:");
    const at = lines.indexOf("cells:");
    const cellLines = lines.slice(at).filter((l) => /^ {2}\S/.test(l));
    expect(cellLines).toEqual(["  backtest[model=gbdt,optimizer=hrp]:", "  data:"]);
    expect(text).toContain("\n\n  data:\n"); // blank line between cell blocks
    const keys = lines
      .slice(at)
      .filter((l) => /^ {4}\w/.test(l))
      .slice(0, 12)
      .map((l) => l.trim().split(":")[0]);
    expect(keys).toEqual([...keys].sort());
    expect(text).toContain("matrix: {model: gbdt, optimizer: hrp}");
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

describe("lock version 2: one code table, closures by digest", () => {
  /** 30 cells sharing one 40-file closure, as a backtest matrix does. */
  function bigLock(): LockFile {
    const code = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`src/quant/f${String(i).padStart(2, "0")}.ts`, H("abcdef"[i % 6])]),
    );
    const cells: Record<string, LockEntry> = {};
    for (let k = 0; k < 30; k++) {
      const id = `backtest[model=m${k}]`;
      cells[id] = entry({
        matrix: { model: `m${k}` },
        code: { ...code },
        outputs: { weights: { path: `data/backtest/model=m${k}/weights.parquet`, hash: H("d"), bytes: 1 } },
      });
    }
    return { version: 2, cells };
  }

  it("serializeLock(lock) writes each source file's hash once and names a cell's closure by one digest", () => {
    const lock = bigLock();
    const text = serializeLock(lock);
    for (const path of Object.keys(lock.cells["backtest[model=m0]"].code)) {
      expect(text.split("\n").filter((l) => l.includes(path + ":")).length).toBe(1); // the code table line
    }
    const digest = closureDigest(lock.cells["backtest[model=m0]"].code);
    // The 30 cells share it: named once, in the stage's shared part.
    expect(text).toContain(`\nstages:\n  backtest:\n    code: ${digest}\n`);
    expect(text.match(new RegExp(`code: ${digest}`, "g"))?.length).toBe(1);
    expect(text).toContain(`\n  ${digest}: [src/quant/f00.ts, `); // one line per closure
    // In v1 the code maps alone took 30 × 41 lines.
    expect(text.split("\n").length).toBeLessThan(30 * 41);
    const back = parseLock(text, "pipeline.lock");
    expect(back.cells["backtest[model=m7]"].code).toEqual(lock.cells["backtest[model=m7]"].code);
    expect(serializeLock(back)).toBe(text);
  });

  it(
    "a one-file code change rewrites that file's table line, the closure line and the digest line of each cell " +
      "using it",
    () => {
      const before = serializeLock(bigLock()).split("\n");
      const lock = bigLock();
      for (const e of Object.values(lock.cells)) e.code["src/quant/f03.ts"] = H("e");
      const after = serializeLock(lock).split("\n");
      const changed = after.filter((l, i) => l !== before[i]);
      expect(changed.filter((l) => l.includes("src/quant/f03.ts: "))).toEqual([`  src/quant/f03.ts: ${H("e")}`]);
      expect(changed.filter((l) => /^ {4}code: /.test(l)).length).toBe(1); // the stage's shared closure
    },
  );

  it(
    "params, inputs and packages every cell of a stage shares are written once; " + "a shared param change is one line",
    () => {
      const lock = bigLock();
      const text = serializeLock(lock);
      expect(text.match(/^ {6}top_n: 30$/gm)?.length).toBe(1);
      expect(text).toMatch(/\nstages:\n {2}backtest:\n[\s\S]*\n {4}params:\n[\s\S]*top_n: 30/);
      const back = parseLock(text, "pipeline.lock");
      expect(back).toEqual(parseLock(serializeLock(back), "x"));
      expect(back.cells["backtest[model=m3]"].params).toEqual(lock.cells["backtest[model=m3]"].params);
      expect(back.cells["backtest[model=m3]"].inputs).toEqual(lock.cells["backtest[model=m3]"].inputs);
      for (const e of Object.values(lock.cells)) (e.params as { top_n: number }).top_n = 40;
      const after = serializeLock(lock).split("\n");
      const changed = after.filter((l, i) => l !== text.split("\n")[i]);
      expect(changed.filter((l) => l.includes("top_n"))).toEqual(["      top_n: 40"]);
      // A param only some cells have stays with those cells.
      (lock.cells["backtest[model=m2]"].params as Record<string, unknown>).extra = 1;
      const t2 = serializeLock(lock);
      expect(parseLock(t2, "x").cells["backtest[model=m2]"].params).toMatchObject({ extra: 1, top_n: 40 });
      expect(parseLock(t2, "x").cells["backtest[model=m1]"].params).not.toHaveProperty("extra");
    },
  );

  it("cells on different versions of a file keep their own hash (code_own) and round-trip exactly", () => {
    const lock = bigLock();
    lock.cells["backtest[model=m1]"].code["src/quant/f05.ts"] = H("e9");
    const text = serializeLock(lock);
    expect(text).toContain(`src/quant/f05.ts: ${H("f")}`); // the majority's
    expect(text).toContain(`code_own:\n      src/quant/f05.ts: ${H("e9")}`);
    const back = parseLock(text, "pipeline.lock");
    expect(back.cells["backtest[model=m1]"].code["src/quant/f05.ts"]).toBe(H("e9"));
    expect(back.cells["backtest[model=m2]"].code["src/quant/f05.ts"]).toBe(H("f"));
    expect(cellFingerprint(back.cells["backtest[model=m1]"])).toBe(cellFingerprint(lock.cells["backtest[model=m1]"]));
  });

  it("parseLock refuses a code table edited by hand (the closure digest no longer matches), naming the cell", () => {
    const text = serializeLock(lockA()).replace(`stages/backtest.ts: ${H("a")}`, `stages/backtest.ts: ${H("b")}`);
    expect(() => parseLock(text, "pipeline.lock")).toThrow(
      /cell 'backtest\[model=gbdt,optimizer=hrp\]': the hashes of code closure \w+ do not match its digest/,
    );
  });

  it("parseLock still reads a version 1 lock (inline code maps, duration_s), so an old lock is not lost", () => {
    const v1 =
      `version: 1\ncells:\n  data:\n    code:\n      stages/data.ts: ${H("a")}\n    duration_s: 1.5\n    ` +
      `engine: strata 0.1.0\n    fingerprint: ${H("f")}\n    files: {}\n    inputs: {}\n    matrix: {}\n    metrics: ` +
      `{}\n    outputs: {}\n    packages: {}\n    params: {}\n    seed: 1\n    stage: data\n    uses: stages/data.ts\n`;
    const lock = parseLock(v1, "pipeline.lock");
    expect(lock.version).toBe(2);
    expect(lock.cells.data.code).toEqual({ "stages/data.ts": H("a") });
    expect("duration_s" in lock.cells.data).toBe(false);
  });

  it("lockPathFor(spec) is the pipeline file's own lock", () => {
    expect(lockPathFor("/p/pipeline.yaml")).toBe("/p/pipeline.lock");
    expect(lockPathFor("/p/studies/x.yml")).toBe("/p/studies/x.lock");
  });
});

describe("readLock", () => {
  it("readLock(path) of a missing file is an empty lock", async () => {
    expect(await readLock(join(dir, "pipeline.lock"))).toEqual({ version: 2, cells: {} });
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
    await expect(readLock(p)).rejects.toThrow(
      new RegExp(
        `pipeline\\.lock:${line}:5: cell 'backtest\\[model=gbdt,optimizer=hrp\\]' has a missing or malformed \`seed\``,
      ),
    );
    await writeFile(p, "version: 3\ncells: {}\n");
    await expect(readLock(p)).rejects.toThrow(/:1:10: unsupported lock version 3/);
  });
});

describe("parseLock output paths and hashes", () => {
  const ID = "backtest[model=gbdt,optimizer=hrp]";
  const GOOD = "data/backtest/model=gbdt/optimizer=hrp/weights.parquet";

  function withPath(path: string): string {
    const text = serializeLock(lockA());
    // Plain in the lock's flow map (YAML quotes a path only when it must, e.g. for a comma).
    expect(text).toContain(`path: ${GOOD},`);
    return text.replace(`path: ${GOOD},`, `path: ${JSON.stringify(path)},`);
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
    const line = text.split("\n").findIndex((l) => l.includes("path: ")) + 1;
    let err: unknown;
    try {
      parseLock(text, "pipeline.lock");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StrataError);
    const e = err as StrataError;
    expect(e.code).toBe("CACHE");
    expect(e.message).toMatch(
      new RegExp(
        `^pipeline\\.lock:${line}:\\d+: cell 'backtest\\[model=gbdt,optimizer=hrp\\]' has an unsafe ` +
          `\`outputs\\.weights\\.path\``,
      ),
    );
    expect(e.message).toMatch(why);
    expect(e.hint).toMatch(/git checkout pipeline\.lock/);
    expect(e.hint).toContain(`delete the entry '${ID}'`);
    expect(e.details).toMatchObject({ file: "pipeline.lock", cell: ID });
  });

  it("accepts the paths the engine writes (with and without a matrix folder)", () => {
    const lock = lockA();
    lock.cells.data.outputs = { prices: { path: "data/data/prices.parquet", hash: H("e"), bytes: 1 } };
    expect(parseLock(serializeLock(lock), "pipeline.lock")).toEqual(parseLock(serializeLock(lock), "x"));
    expect(
      parseLock(withPath("data/backtest/a=1.5,b=x_y/w-1.v2.parquet"), "pipeline.lock").cells[ID].outputs.weights.path,
    ).toBe("data/backtest/a=1.5,b=x_y/w-1.v2.parquet");
  });

  it("rejects hashes that are not 64 lowercase hex characters, pointing at the entry", () => {
    const cases: Array<[string, string, RegExp, boolean?]> = [
      [`hash: ${H("d")}`, "hash: ../../etc", /malformed `outputs\.weights\.hash`/],
      [`fingerprint: ${H("f")}`, `fingerprint: ${H("F")}`, /malformed `fingerprint`/],
      [
        `stages/backtest.ts: ${H("a")}`,
        "stages/backtest.ts: abc",
        /malformed hash for `code\.stages\/backtest\.ts`/,
        true,
      ],
      [
        `train[model=gbdt]/predictions: ${H("c")}`,
        `train[model=gbdt]/predictions: ${H("g")}`,
        /malformed hash for `inputs\.train\[model=gbdt\]\/predictions`/,
      ],
    ];
    for (const [from, to, why, inTable] of cases) {
      const src = serializeLock(lockA());
      expect(src).toContain(from);
      const text = src.replace(from, to);
      const line = text.split("\n").findIndex((l) => l.includes(to)) + 1;
      expect(() => parseLock(text, "pipeline.lock")).toThrow(
        new RegExp(`pipeline\\.lock:${line}:\\d+: ${inTable ? "" : "cell '.*' has "}a`),
      );
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

  it(
    "writeLockIfChanged compares with the bytes it last read or wrote, " + "not the file, while stat is unchanged",
    async () => {
      const p = join(dir, "pipeline.lock");
      const t = Math.floor(Date.now() / 1000) - 60; // whole seconds: utimes restores them exactly
      await writeFile(p, serializeLock(lockA()));
      await utimes(p, t, t);
      await readLock(p); // remembers these bytes with (size, mtime, inode, ctime)
      const text = serializeLock(lockA());
      expect(await writeLockIfChanged(p, lockA())).toBe(false); // answered from memory
      // Other bytes of the same size with the mtime put back: the ctime moved, so the file is
      // read again, the difference seen and the lock rewritten.
      const forged = text.replace("seed: 42", "seed: 43");
      expect(forged.length).toBe(text.length);
      await new Promise((r) => setTimeout(r, 20));
      await writeFile(p, forged);
      await utimes(p, t, t);
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
    },
  );
});
