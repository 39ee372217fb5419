/** The trial registry: a tracked JSON-lines file beside the lock — recorded once per configuration, digest, reads, merges. */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describeTrialsChange, readTrials, recordTrials, recordedHashes, registryPathFor, trialsDigest, trialsSummary, type TrialRecord } from "../../src/pipeline/trials.ts";
import { sha256 } from "../../src/core/hash.ts";

const dirs: string[] = [];
/** A registry file in a fresh folder (the folder is the project root). */
const temp = () => { const d = mkdtempSync(join(tmpdir(), "strata-trials-")); dirs.push(d); return join(d, "pipeline.trials.jsonl"); };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const trial = (k: number, over: Partial<TrialRecord> = {}): TrialRecord => ({
  config_hash: `h${k}`, stage: "backtest", cell: `backtest[model=m${k}]`, source: "main",
  params: JSON.stringify({ k }), returns_hash: `r${k}`, sharpe: 0.5 + k / 10, observations: 1000 + k, ...over,
});

describe("trial registry", () => {
  it("records each configuration once, whoever records it again", async () => {
    const dir = temp();
    expect(trialsDigest(dir)).toBe(sha256(""));
    expect(await readTrials(dir)).toEqual([]);
    const a = await recordTrials(dir, [trial(1), trial(2)]);
    expect(a.added).toBe(2);
    expect(existsSync(dir)).toBe(true);
    const b = await recordTrials(dir, [trial(2, { sharpe: 9, source: "exp-1" }), trial(3, { stage: "other" })]);
    expect(b.added).toBe(1);
    const rows = await readTrials(dir);
    expect(rows.map((r) => r.config_hash)).toEqual(["h1", "h2", "h3"]);
    expect(rows[1].sharpe).toBeCloseTo(0.7, 15); // the first recording stays
    expect(rows[1].source).toBe("main");
    // One line per trial, sorted by configuration hash, fixed keys, no timestamp.
    const lines = readFileSync(dir, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).config_hash)).toEqual(["h1", "h2", "h3"]);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual(["config_hash", "stage", "cell", "source", "kind", "params", "returns_hash", "sharpe", "observations", "metric"]);
    expect((await readTrials(dir, "other")).map((r) => r.cell)).toEqual(["backtest[model=m3]"]);
    expect([...recordedHashes(dir)].sort()).toEqual(["h1", "h2", "h3"]);
  });

  it("the digest changes exactly when a trial is added, and does not depend on recording order", async () => {
    const d1 = temp(), d2 = temp();
    const first = await recordTrials(d1, [trial(1)]);
    await recordTrials(d1, [trial(2)]);
    const again = await recordTrials(d1, [trial(2)]);
    expect(again.added).toBe(0);
    expect(again.digest).not.toBe(first.digest);
    expect(trialsDigest(d1)).toBe(again.digest);
    await recordTrials(d2, [trial(2), trial(1)]);
    expect(trialsDigest(d2)).toBe(trialsDigest(d1));
  });

  it("two branches' registries merged by git (lines of both, any order, duplicates) read as their union", async () => {
    const a = temp(), b = temp(), merged = temp();
    await recordTrials(a, [trial(1), trial(2)]);
    await recordTrials(b, [trial(1), trial(3)]);
    const union = temp();
    await recordTrials(union, [trial(1), trial(2), trial(3)]);
    // What a line-wise merge leaves: both sides' lines, unsorted, h1 twice.
    writeFileSync(merged, [...readFileSync(b, "utf8").trimEnd().split("\n"), ...readFileSync(a, "utf8").trimEnd().split("\n")].join("\n") + "\n");
    expect(trialsDigest(merged)).toBe(trialsDigest(union));
    expect((await readTrials(merged)).map((r) => r.config_hash)).toEqual(["h1", "h2", "h3"]);
  });

  it("a registry with conflict markers is an error naming the file and line, saying how to resolve it", async () => {
    const f = temp();
    await recordTrials(f, [trial(1)]);
    writeFileSync(f, readFileSync(f, "utf8") + "<<<<<<< HEAD\n");
    expect(() => trialsDigest(f)).toThrow(/pipeline\.trials\.jsonl:2: not a JSON trial record[\s\S]*keep the lines of both sides/);
  });

  it("trialsSummary and describeTrialsChange say how the registry grew and from where", async () => {
    const f = temp();
    await recordTrials(f, [trial(1), trial(2)]);
    const before = trialsSummary(f);
    await recordTrials(f, [trial(3, { source: "top25" }), trial(4, { source: "top25" }), trial(5)]);
    expect(describeTrialsChange(before, trialsSummary(f))).toBe("trials: 2 → 5 (+2 top25, +1 main)");
    expect(registryPathFor("/p/studies/x.lock")).toBe("/p/studies/x.trials.jsonl");
  });

  it("concurrent recorders (a main run and an experiment) lose no trial", async () => {
    const f = temp();
    await Promise.all(Array.from({ length: 8 }, (_, k) => recordTrials(f, [trial(k, { source: `exp-${k}` })])));
    expect((await readTrials(f)).length).toBe(8);
  });

  it("keeps NULL metrics as null", async () => {
    const dir = temp();
    await recordTrials(dir, [trial(1, { sharpe: null, observations: null, returns_hash: null })]);
    const [r] = await readTrials(dir);
    expect([r.sharpe, r.observations, r.returns_hash]).toEqual([null, null, null]);
  });
});

describe("trial registry: table trials", () => {
  it("records a table output's rows grouped by key, with the mean metric, once per cell fingerprint", async () => {
    const dir = temp();
    const { createDatabase } = await import("../../src/store/index.ts");
    const db = await createDatabase();
    const conn = await db.connect();
    const path = join(dirname(dir), "trials.parquet");
    // Trial 0 on two folds (rank IC 0.02, 0.04), trial 1 on one fold (0.01).
    await conn.run(`COPY (SELECT * FROM (VALUES (0, '{"d":3}', 0, 0.02), (0, '{"d":3}', 1, 0.04), (1, '{"d":5}', 0, 0.01)) t(trial, params, fold, metric)) TO '${path}' (FORMAT parquet)`);
    conn.closeSync(); db.closeSync();
    const spec = { output: "trials", key: "trial", params: "params", metric: "metric", kind: "tuning" };
    const job = { fingerprint: "f".repeat(64), stage: "train", cell: "train[model=gbdt_tuned]", source: "main", path, spec };
    expect((await recordTrials(dir, [], [job])).added).toBe(2);
    expect((await recordTrials(dir, [], [job])).added).toBe(0);
    const rows = await readTrials(dir, "train");
    expect(rows.map((r) => [r.config_hash.slice(63), r.kind, r.params, r.metric == null ? null : +r.metric.toFixed(12)])).toEqual([
      ["f:0", "tuning", '{"d":3}', 0.03],
      ["f:1", "tuning", '{"d":5}', 0.01],
    ]);
    expect(rows.every((r) => r.sharpe === null)).toBe(true);
  });
});
