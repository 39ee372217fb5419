/**
 * The trial registry: a tracked JSON-lines file beside the lock — recorded once per configuration, digest, reads,
 * merges.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  describeTrialsChange,
  readTrials,
  recordTrials,
  recordedHashes,
  registryPathFor,
  trialsDigest,
  trialsSummary,
  type TrialRecord,
} from "../../src/pipeline/trials.ts";
import { sha256 } from "../../src/core/hash.ts";

const dirs: string[] = [];
/** A registry file in a fresh folder (the folder is the project root). */
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "strata-trials-"));
  dirs.push(d);
  return join(d, "pipeline.trials.jsonl");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const trial = (k: number, over: Partial<TrialRecord> = {}): TrialRecord => ({
  config_hash: `h${k}`,
  stage: "backtest",
  cell: `backtest[model=m${k}]`,
  source: "main",
  kind: "cell",
  params: JSON.stringify({ k }),
  outputs: { returns: `r${k}` },
  metrics: { sharpe: 0.5 + k / 10, observations: 1000 + k },
  ...over,
});

describe("trial registry", () => {
  it("records each configuration once, whoever records it again", async () => {
    const dir = temp();
    expect(trialsDigest(dir)).toBe(sha256(""));
    expect(await readTrials(dir)).toEqual([]);
    const a = await recordTrials(dir, [trial(1), trial(2)]);
    expect(a.added).toBe(2);
    expect(existsSync(dir)).toBe(true);
    const b = await recordTrials(dir, [
      trial(2, { metrics: { sharpe: 9 }, source: "exp-1" }),
      trial(3, { stage: "other" }),
    ]);
    expect(b.added).toBe(1);
    const rows = await readTrials(dir);
    expect(rows.map((r) => r.config_hash)).toEqual(["h1", "h2", "h3"]);
    expect(rows[1].metrics.sharpe).toBeCloseTo(0.7, 15); // the first recording stays
    expect(rows[1].source).toBe("main");
    // One line per trial, sorted by configuration hash, fixed keys, no timestamp.
    const lines = readFileSync(dir, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).config_hash)).toEqual(["h1", "h2", "h3"]);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual([
      "config_hash",
      "stage",
      "cell",
      "source",
      "kind",
      "params",
      "outputs",
      "metrics",
    ]);
    // The engine stores what the stage named, uninterpreted, maps in key order.
    expect(JSON.parse(lines[0])).toMatchObject({
      outputs: { returns: "r1" },
      metrics: { observations: 1001, sharpe: 0.6 },
    });
    expect(lines[0]).toContain('"metrics":{"observations":1001,"sharpe":0.6}');
    expect((await readTrials(dir, "other")).map((r) => r.cell)).toEqual(["backtest[model=m3]"]);
    expect([...recordedHashes(dir)].sort()).toEqual(["h1", "h2", "h3"]);
  });

  it("the digest changes exactly when a trial is added, and does not depend on recording order", async () => {
    const d1 = temp(),
      d2 = temp();
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
    const a = temp(),
      b = temp(),
      merged = temp();
    await recordTrials(a, [trial(1), trial(2)]);
    await recordTrials(b, [trial(1), trial(3)]);
    const union = temp();
    await recordTrials(union, [trial(1), trial(2), trial(3)]);
    // What a line-wise merge leaves: both sides' lines, unsorted, h1 twice.
    writeFileSync(
      merged,
      [...readFileSync(b, "utf8").trimEnd().split("\n"), ...readFileSync(a, "utf8").trimEnd().split("\n")].join("\n") +
        "\n",
    );
    expect(trialsDigest(merged)).toBe(trialsDigest(union));
    expect((await readTrials(merged)).map((r) => r.config_hash)).toEqual(["h1", "h2", "h3"]);
  });

  it("a registry with conflict markers is an error naming the file and line, saying how to resolve it", async () => {
    const f = temp();
    await recordTrials(f, [trial(1)]);
    writeFileSync(f, readFileSync(f, "utf8") + "<<<<<<< HEAD\n");
    expect(() => trialsDigest(f)).toThrow(
      /pipeline\.trials\.jsonl:2: not a JSON trial record[\s\S]*keep the lines of both sides/,
    );
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

  it("keeps NULL and non-finite metrics as null", async () => {
    const dir = temp();
    await recordTrials(dir, [trial(1, { metrics: { sharpe: null, observations: NaN }, outputs: {} })]);
    const [r] = await readTrials(dir);
    expect(r.metrics).toEqual({ observations: null, sharpe: null });
    expect(r.outputs).toEqual({});
  });

  it(
    "reads lines of the earlier fixed-field format, " + "and rewrites them in the current one on the next write",
    async () => {
      const f = temp();
      writeFileSync(
        f,
        [
          '{"config_hash":"h1","stage":"backtest","cell":"c1","source":"main","kind":"cell","params":"{}","returns_hash":"r1","sharpe":1.5,"observations":2822,"metric":null}',
          '{"config_hash":"h2:0","stage":"train","cell":"t","source":"main","kind":"tuning","params":"{\\"d\\":3}","returns_hash":null,"sharpe":null,"observations":null,"metric":0.03}',
        ].join("\n") + "\n",
      );
      const rows = await readTrials(f);
      expect(rows.map((r) => [r.kind, r.outputs, r.metrics])).toEqual([
        ["cell", { returns: "r1" }, { observations: 2822, sharpe: 1.5 }],
        ["tuning", {}, { metric: 0.03 }],
      ]);
      const digest = trialsDigest(f);
      await recordTrials(f, [trial(3)]);
      const lines = readFileSync(f, "utf8").trimEnd().split("\n");
      expect(lines.every((l) => !("sharpe" in JSON.parse(l)) && "metrics" in JSON.parse(l))).toBe(true);
      expect(trialsDigest(f)).not.toBe(digest);
    },
  );
});

describe("trial registry: table trials", () => {
  it("records a table output's rows grouped by key, with the mean metric, once per cell fingerprint", async () => {
    const dir = temp();
    const { createDatabase } = await import("../../src/store/index.ts");
    const db = await createDatabase();
    const conn = await db.connect();
    const path = join(dirname(dir), "trials.parquet");
    // Trial 0 on two folds (rank IC 0.02, 0.04), trial 1 on one fold (0.01).
    await conn.run(
      `COPY (SELECT * FROM (VALUES (0, '{"d":3}', 0, 0.02), (0, '{"d":3}', 1, 0.04), (1, '{"d":5}', 0, 0.01)) ` +
        `t(trial, params, fold, metric)) TO '${path}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const spec = { output: "trials", key: "trial", params: "params", metric: "metric", kind: "tuning" };
    const job = {
      fingerprint: "f".repeat(64),
      stage: "train",
      cell: "train[model=gbdt_tuned]",
      source: "main",
      path,
      spec,
    };
    expect((await recordTrials(dir, [], [job])).added).toBe(2);
    expect((await recordTrials(dir, [], [job])).added).toBe(0);
    const rows = await readTrials(dir, "train");
    expect(
      rows.map((r) => [
        r.config_hash.slice(63),
        r.kind,
        r.params,
        r.metrics.metric == null ? null : +r.metrics.metric.toFixed(12),
      ]),
    ).toEqual([
      ["f:0", "tuning", '{"d":3}', 0.03],
      ["f:1", "tuning", '{"d":5}', 0.01],
    ]);
    expect(rows.every((r) => Object.keys(r.metrics).join() === "metric" && Object.keys(r.outputs).length === 0)).toBe(
      true,
    );
  });
});

describe("trial registry digest index", () => {
  it("an unchanged registry's digest comes from its index; any change of bytes recomputes it", async () => {
    const file = temp();
    await recordTrials(file, [trial(1), trial(2)]);
    const d = trialsDigest(file);
    const index = join(dirname(file), ".pipeline", "index", "pipeline.trials.jsonl.json");
    const raw = JSON.parse(readFileSync(index, "utf8")) as { value: string };
    expect(raw.value).toBe(d);
    // Served from the index: an index edited under the same bytes' digest is what is read.
    writeFileSync(index, JSON.stringify({ ...raw, value: "f".repeat(64) }));
    expect(trialsDigest(file)).toBe("f".repeat(64));
    // Any change of the registry's bytes (here, one more trial) is parsed again.
    await recordTrials(file, [trial(3)]);
    const d3 = trialsDigest(file);
    expect(d3).not.toBe(d);
    expect(d3).not.toBe("f".repeat(64));
    expect(JSON.parse(readFileSync(index, "utf8")).value).toBe(d3);
  });
});
