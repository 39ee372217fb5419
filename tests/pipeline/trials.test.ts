/** The trial registry on a real DuckDB file: recorded once per configuration, digest, reads. */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTrials, recordTrials, recordedHashes, trialsDigest, type TrialRecord } from "../../src/pipeline/trials.ts";

const dirs: string[] = [];
const temp = () => { const d = mkdtempSync(join(tmpdir(), "strata-trials-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const trial = (k: number, over: Partial<TrialRecord> = {}): TrialRecord => ({
  config_hash: `h${k}`, stage: "backtest", cell: `backtest[model=m${k}]`, source: "main",
  params: JSON.stringify({ k }), returns_hash: `r${k}`, sharpe: 0.5 + k / 10, observations: 1000 + k, ...over,
});

describe("trial registry", () => {
  it("records each configuration once, whoever records it again", async () => {
    const dir = temp();
    expect(trialsDigest(dir)).toBe("empty");
    expect(await readTrials(dir)).toEqual([]);
    const a = await recordTrials(dir, [trial(1), trial(2)]);
    expect(a.added).toBe(2);
    expect(existsSync(join(dir, "trials.duckdb"))).toBe(true);
    const b = await recordTrials(dir, [trial(2, { sharpe: 9, source: "exp-1" }), trial(3, { stage: "other" })]);
    expect(b.added).toBe(1);
    const rows = await readTrials(dir);
    expect(rows.map((r) => r.config_hash)).toEqual(["h1", "h2", "h3"]);
    expect(rows[1].sharpe).toBeCloseTo(0.7, 15); // the first recording stays
    expect(rows[1].source).toBe("main");
    expect(rows[0].recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
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

  it("keeps NULL metrics as null", async () => {
    const dir = temp();
    await recordTrials(dir, [trial(1, { sharpe: null, observations: null, returns_hash: null })]);
    const [r] = await readTrials(dir);
    expect([r.sharpe, r.observations, r.returns_hash]).toEqual([null, null, null]);
  });
});
