/**
 * The stats stage's trial count groups registry records into trials: the same returns file, or
 * the same cell with the same result (Sharpe ratio over the same observations), is one trial.
 * A rerun that changed no number — here the same series written with new file metadata, so a new
 * returns hash, and a params key added that changes nothing — must not count again: before this
 * grouping, such a rerun doubled N on the default study (27 → 57) and changed its champion.
 */
import { describe, expect, it } from "vitest";
import { sameResults, trialKey, type TrialRecord } from "../../stages/stats.ts";

const rec = (config: string, cell: string, params: string, returns: string, sharpe: number): TrialRecord =>
  ({
    config_hash: config,
    stage: "backtest",
    cell,
    source: "main",
    kind: "cell",
    params,
    outputs: { returns },
    metrics: { sharpe, observations: 2822 },
  }) as unknown as TrialRecord;

describe("trial groups", () => {
  const records = [
    rec("c1", "backtest[model=a]", '{"lag":1}', "h-old", 1.26512558),
    rec("c2", "backtest[model=a]", '{"lag":1,"warn":{}}', "h-old", 1.26512558),
    rec("c3", "backtest[model=a]", '{"lag":1,"warn":{}}', "h-new", 1.26512558),
    rec("c4", "backtest[model=a]", '{"lag":2}', "h-lag2", 0.91),
    rec("c5", "backtest[model=b]", '{"lag":1}', "h-b", 1.26512558),
  ];

  it("one trial per distinct result of a cell, or per returns file", () => {
    const groups = sameResults(records);
    expect(groups.map((g) => g.map((r) => r.config_hash))).toEqual([["c1", "c2", "c3"], ["c4"], ["c5"]]);
  });

  it("a group's key is the current run's returns hash when it holds it, else the smallest", () => {
    const [a] = sameResults(records);
    expect(trialKey(a, new Set(["h-new"]))).toBe("h-new");
    expect(trialKey(a, new Set())).toBe("h-new");
    expect(trialKey(a.slice(0, 2), new Set())).toBe("h-old");
  });

  it("the grouping does not depend on the registry's line order", () => {
    const reversed = sameResults([...records].reverse());
    expect(reversed.map((g) => g.map((r) => r.config_hash).sort())).toEqual([["c1", "c2", "c3"], ["c4"], ["c5"]]);
  });
});
