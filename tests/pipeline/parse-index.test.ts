/**
 * The parse indexes (src/pipeline/parse-index.ts): an unchanged lock is served from its JSON index,
 * exactly as parsed; anything that does not match the lock's bytes and the parser is ignored.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LockFile, parseLock, readLock, serializeLock } from "../../src/pipeline/lock.ts";
import { indexPath as lockIndexPath } from "../../src/pipeline/parse-index.ts";
import { loadPipeline } from "../../src/pipeline/spec-load.ts";

const H = (c: string) => c.repeat(64).slice(0, 64);

const lock = (sharpe: number): LockFile => ({
  version: 2,
  cells: {
    "backtest[model=gbdt,optimizer=hrp]": {
      stage: "backtest",
      matrix: { model: "gbdt", optimizer: "hrp" },
      fingerprint: H("f"),
      uses: "stages/backtest.ts",
      code: { "stages/backtest.ts": H("a") },
      packages: { zod: "4.1.0" },
      params: { top_n: 30, windows: [60, 20], start: "2012-01-03" },
      inputs: {},
      files: {},
      seed: 42,
      outputs: { weights: { path: "data/backtest/weights.parquet", hash: H("d"), bytes: 1234, rows: 50 } },
      metrics: { sharpe, nan: Number.NaN, inf: Infinity, ninf: -Infinity, none: null, ok: true, note: "fine" },
      engine: "strata 0.1.0",
    },
  },
});

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-lock-index-"));
  path = join(dir, "pipeline.lock");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Index = { format: number; reader: string; digest: string; value: LockFile };
const readIndex = async (): Promise<Index> => JSON.parse(await readFile(lockIndexPath(path), "utf8"));

describe("lock index", () => {
  it("a parsed lock is indexed beside it and read back exactly, NaN and ±Infinity included", async () => {
    const text = serializeLock(lock(1.25));
    await writeFile(path, text);
    const first = await readLock(path);
    expect(lockIndexPath(path)).toBe(join(dir, ".pipeline", "index", "pipeline.lock.json"));
    const index = await readIndex();
    expect(index.format).toBe(1);
    expect(index.digest).toMatch(/^[0-9a-f]{64}$/);
    const second = await readLock(path);
    expect(second).toEqual(parseLock(text, path));
    expect(second).toEqual(first);
    const m = second.cells["backtest[model=gbdt,optimizer=hrp]"].metrics;
    expect(Number.isNaN(m.nan)).toBe(true);
    expect(m.inf).toBe(Infinity);
    expect(m.ninf).toBe(-Infinity);
    expect(serializeLock(second)).toBe(text);
  });

  it("is what an unchanged lock is read from (an index edited under the same digest is served)", async () => {
    await writeFile(path, serializeLock(lock(1.25)));
    await readLock(path);
    const index = await readIndex();
    index.value.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe = 9;
    await writeFile(lockIndexPath(path), JSON.stringify(index));
    const got = await readLock(path);
    // Proves the read came from the index; the tests below prove when it may not.
    expect(got.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe).toBe(9);
  });

  it("is ignored, and rewritten, when the lock's bytes change", async () => {
    await writeFile(path, serializeLock(lock(1.25)));
    await readLock(path);
    const before = await readIndex();
    await writeFile(path, serializeLock(lock(2.5)));
    const got = await readLock(path);
    expect(got.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe).toBe(2.5);
    const after = await readIndex();
    expect(after.digest).not.toBe(before.digest);
    expect(after.value.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe).toBe(2.5);
  });

  it("is ignored when another parser wrote it, or when it is torn or not an index", async () => {
    const text = serializeLock(lock(1.25));
    await writeFile(path, text);
    await readLock(path);
    const index = await readIndex();
    index.value.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe = 9;
    for (const bad of [
      JSON.stringify({ ...index, reader: "another parser" }),
      JSON.stringify({ ...index, format: 99 }),
      JSON.stringify(index).slice(0, 200),
      JSON.stringify({ ...index, value: { version: 2 } }),
      "",
    ]) {
      await writeFile(lockIndexPath(path), bad);
      const got = await readLock(path);
      expect(got.cells["backtest[model=gbdt,optimizer=hrp]"].metrics.sharpe).toBe(1.25);
    }
  });

  it("never hides a broken lock: a corrupt lock is still an error naming the file", async () => {
    await writeFile(path, serializeLock(lock(1.25)));
    await readLock(path);
    await writeFile(path, "version: 2\ncells: [\n");
    await expect(readLock(path)).rejects.toThrow(/pipeline\.lock/);
  });
});

describe("spec index (spec-load.ts)", () => {
  const SPEC = [
    "version: 1",
    "stages:",
    "  make:",
    "    uses: stages/make.ts",
    "    files: [data/raw/in.csv]",
    "    params:",
    "      depth: 3",
    "",
  ].join("\n");
  const STAGE = "export default {};\n";
  let file: string;
  beforeEach(async () => {
    await mkdir(join(dir, "stages"), { recursive: true });
    await mkdir(join(dir, "data", "raw"), { recursive: true });
    await writeFile(join(dir, "stages", "make.ts"), STAGE);
    await writeFile(join(dir, "data", "raw", "in.csv"), "a\n1\n");
    file = join(dir, "pipeline.yaml");
    await writeFile(file, SPEC);
  });
  type SpecIndex = { value: { seed: number } };

  it("an unchanged pipeline.yaml is read from its index, positions included", async () => {
    const first = await loadPipeline(file);
    const index = JSON.parse(await readFile(lockIndexPath(file), "utf8")) as SpecIndex;
    expect(index.value.seed).toBe(first.seed);
    index.value.seed = 7;
    await writeFile(lockIndexPath(file), JSON.stringify(index));
    const second = await loadPipeline(file);
    expect(second.seed).toBe(7); // served from the index
    const { seed: _a, positionOf: _p, ...a } = first;
    const { seed: _b, positionOf: _q, ...b } = second;
    expect(b).toEqual(a);
    // Positions come from a parse made when asked: line 7 holds `depth: 3`.
    expect(second.positionOf?.(["stages", "make", "params", "depth"])).toMatchObject({ line: 7 });
  });

  it("an edited pipeline.yaml is parsed again", async () => {
    await loadPipeline(file);
    await writeFile(file, SPEC.replace("version: 1", "version: 1\nseed: 11"));
    expect((await loadPipeline(file)).seed).toBe(11);
  });

  it("a stage module or input file gone since is found as before, with its position", async () => {
    await loadPipeline(file);
    await rm(join(dir, "stages", "make.ts"));
    await expect(loadPipeline(file)).rejects.toThrow(/pipeline\.yaml:4:\d+: uses 'stages\/make\.ts' does not exist/);
    await writeFile(join(dir, "stages", "make.ts"), STAGE);
    await loadPipeline(file);
    await rm(join(dir, "data", "raw", "in.csv"));
    await expect(loadPipeline(file)).rejects.toThrow(/file 'data\/raw\/in\.csv' does not exist/);
  });

  it("a pipeline.yaml with problems is never indexed", async () => {
    await writeFile(file, SPEC.replace("stages/make.ts", "stages/mkae.ts"));
    await expect(loadPipeline(file)).rejects.toThrow(/did you mean 'stages\/make\.ts'/);
    await expect(readFile(lockIndexPath(file), "utf8")).rejects.toThrow(/ENOENT/);
  });
});
