import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import type { EquityRecord } from "../../src/paper/ledger.ts";
import type { RegistryState } from "../../src/paper/model-registry.ts";
import { booksOf, promotionVerdict, shadowLedgerPath, type PromotionRule } from "../../src/paper/shadow.ts";

const RULE: PromotionRule = { min_days: 40, confidence: 0.95, max_drawdown: -0.2, resamples: 500, auto: false };

/** An equity history from daily returns, on consecutive day numbers as dates (the first day has no return). */
function history(returns: number[], offset = 0): EquityRecord[] {
  let equity = 1e6;
  const rows: EquityRecord[] = [
    {
      date: day(offset),
      cash: equity,
      positionsValue: 0,
      equity,
      dailyReturn: null,
      costs: 0,
      turnover: 0,
      regime: null,
    },
  ];
  returns.forEach((r, i) => {
    equity *= 1 + r;
    rows.push({
      date: day(offset + i + 1),
      cash: 0,
      positionsValue: equity,
      equity,
      dailyReturn: r,
      costs: 0,
      turnover: 0,
      regime: null,
    });
  });
  return rows;
}
const day = (k: number) =>
  `2024-${String(1 + Math.floor(k / 28)).padStart(2, "0")}-${String(1 + (k % 28)).padStart(2, "0")}`;

const shadow = { alias: "challenger", version: 2, sha256: "b".repeat(64), dir: "/x" };

describe("promotionVerdict", () => {
  const rng = createRng(7);
  const market = Array.from({ length: 120 }, () => 0.01 * rng.normal());
  const champ = history(market);

  it("waits for min_days shared days, counting only days both books recorded", () => {
    const v = promotionVerdict(shadow, "a".repeat(64), champ, history(market.slice(0, 30)), RULE);
    expect(v.days).toBe(30);
    expect(v.passes).toBe(false);
    expect(v.reasons).toEqual(["30 of 40 shadow days"]);
    expect(v.test).toBeNull();
  });

  it("passes a challenger that beats the champion every day by 5 bp plus noise; fails an equal one", () => {
    const r2 = createRng(3);
    const better = market.map((m) => m + 0.0005 + 0.0005 * r2.normal());
    const v = promotionVerdict(shadow, "a".repeat(64), champ, history(better), RULE);
    expect(v.days).toBe(120);
    expect(v.test!.confidence).toBeGreaterThan(0.99);
    expect(v.passes, v.reasons.join("; ")).toBe(true);
    // The compounded returns are those of the two series (hand check: the product of 1 + r).
    expect(v.challengerReturn).toBeCloseTo(better.reduce((w, r) => w * (1 + r), 1) - 1, 12);
    const same = promotionVerdict(shadow, "a".repeat(64), champ, history(market), RULE);
    expect(same.passes).toBe(false);
    expect(same.reasons).toEqual([
      "its mean active return 0.00 % a year is not positive",
      expect.stringMatching(/^confidence 0\.000 < 0\.95/),
    ]);
  });

  it("never passes a challenger whose mean active return is negative, whatever the confidence asked", () => {
    // 0.4 bp a day behind the champion plus noise (30 bp a day): the point estimate is below 0, and a loose
    // confidence (barely above ½) must not let it through on the bootstrap's skew.
    const r2 = createRng(5);
    const worse = market.map((m) => m - 0.00004 + 0.003 * r2.normal());
    const v = promotionVerdict(shadow, "a".repeat(64), champ, history(worse), { ...RULE, confidence: 0.501 });
    expect(v.test!.meanActive).toBeLessThan(0);
    expect(v.passes).toBe(false);
    expect(v.reasons[0]).toMatch(/^its mean active return -\d+\.\d\d % a year is not positive$/);
  });

  it("a day after one the shadow skipped is not paired: its return spans two days", () => {
    const full = history(market);
    const gap = full.filter((_, i) => i !== 50);
    const v = promotionVerdict(shadow, "a".repeat(64), champ, gap, { ...RULE, min_days: 10 });
    // 120 returns; the skipped day and the one after it leave the pairs.
    expect(v.days).toBe(118);
  });

  it("a better but deeper-falling challenger fails on drawdown", () => {
    const crash = market.map((m, i) => m + 0.002 + (i === 60 ? -0.3 : 0) + (i === 61 ? 0.35 : 0));
    const v = promotionVerdict(shadow, "a".repeat(64), champ, history(crash), RULE);
    expect(v.reasons.some((r) => /^drawdown -3\d\.\d % beyond -20\.0 %/.test(r))).toBe(true);
  });

  it("is the same verdict on a rerun of the same day (seeded by the models and the date)", () => {
    const r2 = createRng(4);
    const noisy = market.map((m) => m + 0.0002 + 0.002 * r2.normal());
    const a = promotionVerdict(shadow, "a".repeat(64), champ, history(noisy), RULE);
    const b = promotionVerdict(shadow, "a".repeat(64), champ, history(noisy), RULE);
    expect(a).toEqual(b);
  });
});

describe("booksOf", () => {
  const version = (v: number, sha: string) => ({ version: v, sha256: sha, artifact: `models/${sha}` }) as never;
  const alias = (a: string, v: number, sha: string) => ({
    alias: a,
    version: v,
    sha256: sha,
    history: [v],
    updated_at: "",
  });
  it("the champion alias is traded; every other alias on another model is shadowed in its own ledger", () => {
    const state = {
      versions: [version(1, "a".repeat(64)), version(2, "b".repeat(64)), version(3, "c".repeat(64))],
      aliases: [
        alias("champion", 1, "a".repeat(64)),
        alias("challenger", 2, "b".repeat(64)),
        alias("old", 1, "a".repeat(64)),
        alias("wild", 3, "c".repeat(64)),
      ],
      problems: [],
      events: [],
    } as RegistryState;
    const { champion, shadows } = booksOf(state, "/study", "/study/data/paper");
    expect(champion).toEqual({
      alias: "champion",
      version: 1,
      sha256: "a".repeat(64),
      dir: join("/study", `models/${"a".repeat(64)}`),
    });
    expect(shadows.map((s) => [s.alias, s.version, s.ledger])).toEqual([
      ["challenger", 2, shadowLedgerPath("/study/data/paper", "b".repeat(64))],
      ["wild", 3, shadowLedgerPath("/study/data/paper", "c".repeat(64))],
    ]);
  });
});
