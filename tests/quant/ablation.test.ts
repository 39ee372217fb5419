import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { StrataError } from "../../src/core/errors.ts";
import {
  baseColumn,
  dropColumns,
  featureFamily,
  featureGroups,
  matchColumns,
  meanDifference,
  pairByDate,
  pairedBootstrapInterval,
  permuteWithinDates,
} from "../../src/quant/ml/ablation.ts";
import { fitMember, predictMember } from "../../src/quant/ml/ensemble.ts";
import { featureMatrix, takeRows, type FeatureMatrix } from "../../src/quant/ml/types.ts";
import { bootstrapDistribution } from "../../src/quant/stats/bootstrap-confidence-intervals.ts";
import { dailyIc } from "../../src/quant/stats/information-coefficient.ts";
import { mean } from "../../src/quant/stats/mean.ts";
import { quantile } from "../../src/quant/stats/quantile.ts";

/** Column names as the features stage writes them (stages/features.ts, src/data/factors/*.ts). */
const COLUMNS = [
  "mom_5",
  "mom_20",
  "mom_252_21",
  "rev_5",
  "vol_20",
  "vol_60",
  "pk_20",
  "gk_20",
  "rsi_14",
  "vlm_z_20",
  "dollar_vol_20",
  "beta_60",
  "mom_20_rank",
  "vol_20_rank",
  "mom_60_z",
  "vol_60_z",
  "custom",
];

describe("featureGroups(columns)", () => {
  it("by family: a factor, its rank and z-score, and rev_k with mom_k, in one group", () => {
    const g = Object.fromEntries(featureGroups(COLUMNS).map((x) => [x.name, x.columns]));
    expect(Object.keys(g)).toEqual([
      "beta",
      "custom",
      "mom_60_z",
      "momentum",
      "range_volatility",
      "rsi",
      "volatility",
      "volume",
    ]);
    expect(g.momentum).toEqual(["mom_5", "mom_20", "mom_252_21", "rev_5", "mom_20_rank"]);
    expect(g.volatility).toEqual(["vol_20", "vol_60", "vol_20_rank", "vol_60_z"]);
    expect(g.range_volatility).toEqual(["pk_20", "gk_20"]);
    expect(g.volume).toEqual(["vlm_z_20", "dollar_vol_20"]);
    // mom_60_z has no mom_60 column here: it is its own base and group.
    expect(g.mom_60_z).toEqual(["mom_60_z"]);
    expect(g.custom).toEqual(["custom"]);
    // Every column in exactly one group.
    expect(Object.values(g).flat().sort()).toEqual([...COLUMNS].sort());
  });

  it("a z-score whose stem is absent keeps its own name as base", () => {
    const set = new Set(COLUMNS);
    expect(baseColumn("mom_60_z", set)).toBe("mom_60_z");
    expect(baseColumn("mom_20_rank", set)).toBe("mom_20");
    expect(baseColumn("mom_20_rank")).toBe("mom_20");
    expect(featureFamily("vol_60_z", set)).toBe("volatility");
    expect(featureFamily("size_z", set)).toBe("size_z");
    const g = featureGroups(COLUMNS);
    expect(g.find((x) => x.columns.includes("mom_60_z"))?.name).toBe("mom_60_z");
  });

  it("by column: one group per base column with its variants; rev_5 joins mom_5", () => {
    const g = Object.fromEntries(featureGroups(COLUMNS, { by: "column" }).map((x) => [x.name, x.columns]));
    expect(g.mom_5).toEqual(["mom_5", "rev_5"]);
    expect(g.mom_20).toEqual(["mom_20", "mom_20_rank"]);
    expect(g.vol_60).toEqual(["vol_60", "vol_60_z"]);
    expect(g.rev_5).toBeUndefined();
  });

  it("explicit groups: names and globs, each match bringing its _rank / _z; no match is a PARAMS error", () => {
    expect(matchColumns(["mom_20"], COLUMNS)).toEqual(["mom_20", "mom_20_rank"]);
    expect(matchColumns(["vol_*"], COLUMNS)).toEqual(["vol_20", "vol_60", "vol_20_rank", "vol_60_z"]);
    const g = featureGroups(COLUMNS, { groups: { trend: ["mom_2*"], risk: ["vol_60", "beta_*"] } });
    expect(g).toEqual([
      { name: "risk", columns: ["vol_60", "beta_60", "vol_60_z"] },
      { name: "trend", columns: ["mom_20", "mom_252_21", "mom_20_rank"] },
    ]);
    expect(() => featureGroups(COLUMNS, { groups: { x: ["nothing*"] } })).toThrow(StrataError);
    expect(() => featureGroups(COLUMNS, { groups: { x: ["nothing*"] } })).toThrow(/matches no feature column/);
  });
});

/** A panel of `days` dates × `names` symbols, rows in (date, symbol) order. */
function panel(days: number, names: number, seed: number) {
  const rng = createRng(seed);
  const n = days * names;
  const dates = Int32Array.from({ length: n }, (_, i) => 19000 + Math.floor(i / names));
  const col = () => Float64Array.from({ length: n }, () => rng.normal());
  const sig = col(),
    noise = col(),
    other = col();
  const y = Float64Array.from(sig, (s, i) => 0.15 * s + 0.05 * other[i] + rng.normal());
  // sig_rank: the per-date rank of sig, a twin as the features stage writes it.
  const sigRank = new Float64Array(n);
  for (let d = 0; d < days; d++) {
    const idx = Array.from({ length: names }, (_, k) => d * names + k).sort((a, b) => sig[a] - sig[b]);
    idx.forEach((r, k) => (sigRank[r] = k / (names - 1)));
  }
  const X = featureMatrix(["sig", "noise", "other", "sig_rank"], [sig, noise, other, sigRank]);
  return { X, y, dates };
}

describe("permuteWithinDates(X, columns, dates, { rng })", () => {
  it("keeps each date's multiset of values, moves the group's columns together, leaves the rest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (days, names, seed) => {
        const { X, dates } = panel(days, names, 3);
        // Shuffle the row order: the function must not rely on date-sorted rows.
        const order = Int32Array.from({ length: X.nRows }, (_, i) => i).reverse();
        const Xs = takeRows(X, order),
          ds = Int32Array.from(order, (r) => dates[r]);
        const P = permuteWithinDates(Xs, ["sig", "sig_rank"], ds, { rng: createRng(seed) });
        for (const d of new Set(ds)) {
          const rows = [...ds.keys()].filter((i) => ds[i] === d);
          for (const j of [0, 3]) {
            const before = rows.map((i) => Xs.columns[j][i]).sort();
            const after = rows.map((i) => P.columns[j][i]).sort();
            expect(after).toEqual(before);
          }
        }
        // sig and sig_rank travel together: each output row's pair is some input row's pair of that date.
        const pairs = new Set(
          Array.from({ length: Xs.nRows }, (_, i) => `${ds[i]}:${Xs.columns[0][i]}:${Xs.columns[3][i]}`),
        );
        for (let i = 0; i < P.nRows; i++)
          expect(pairs.has(`${ds[i]}:${P.columns[0][i]}:${P.columns[3][i]}`)).toBe(true);
        expect(P.columns[1]).toBe(Xs.columns[1]);
        expect(P.columns[2]).toBe(Xs.columns[2]);
      }),
      { numRuns: 40 },
    );
  });

  it("is deterministic for a seed and actually moves values", () => {
    const { X, dates } = panel(4, 30, 5);
    const a = permuteWithinDates(X, ["noise"], dates, { rng: createRng(9) });
    const b = permuteWithinDates(X, ["noise"], dates, { rng: createRng(9) });
    expect(a.columns[1]).toEqual(b.columns[1]);
    expect(a.columns[1]).not.toEqual(X.columns[1]);
    expect(() => permuteWithinDates(X, ["nope"], dates, { rng: createRng(1) })).toThrow(/not in X/);
  });
});

describe("pairedBootstrapInterval(a, b, statistic, opts)", () => {
  it("a constant difference gives the degenerate interval [c, c]", () => {
    const a = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i)),
      b = a.map((v) => v - 0.02);
    const r = pairedBootstrapInterval(a, b, meanDifference, { rng: createRng(1), resamples: 200 });
    expect(r.estimate).toBeCloseTo(-0.02, 14);
    expect(r.lower).toBeCloseTo(-0.02, 14);
    expect(r.upper).toBeCloseTo(-0.02, 14);
  });

  it("matches the enumerated bootstrap distribution of a two-point difference", () => {
    // d = (0, 1), i.i.d. bootstrap (block 1): the resample mean is 0, 0.5, 1 with probabilities
    // 1/4, 1/2, 1/4 (enumerate the 4 equally likely index pairs). Quantiles at 2.5 % / 97.5 % are
    // 0 and 1; at 30 % / 70 % (level 0.4) both are 0.5.
    const a = [0, 0],
      b = [0, 1];
    const wide = pairedBootstrapInterval(a, b, meanDifference, { rng: createRng(2), resamples: 4000, blockLength: 1 });
    expect([wide.estimate, wide.lower, wide.upper]).toEqual([0.5, 0, 1]);
    const mid = pairedBootstrapInterval(a, b, meanDifference, {
      rng: createRng(2),
      resamples: 4000,
      blockLength: 1,
      level: 0.4,
    });
    expect([mid.lower, mid.upper]).toEqual([0.5, 0.5]);
  });

  it("for the mean difference, equals the existing stationary bootstrap of the difference series", () => {
    const rng = createRng(11);
    const a = Float64Array.from({ length: 120 }, () => rng.normal()),
      b = a.map((v) => v + 0.1 + 0.5 * rng.normal());
    const d = b.map((v, i) => v - a[i]);
    const r = pairedBootstrapInterval(a, b, meanDifference, { rng: createRng(4), resamples: 300, blockLength: 3 });
    const dist = bootstrapDistribution(d, (s) => mean(s), { rng: createRng(4), resamples: 300, blockLength: 3 });
    expect(r.lower).toBeCloseTo(quantile(dist, 0.025), 12);
    expect(r.upper).toBeCloseTo(quantile(dist, 0.975), 12);
  });

  it("rejects unpaired or non-finite input", () => {
    expect(() => pairedBootstrapInterval([1, 2], [1], meanDifference, { rng: createRng(1) })).toThrow(StrataError);
    expect(() => pairedBootstrapInterval([1, NaN], [1, 2], meanDifference, { rng: createRng(1) })).toThrow(/finite/);
  });
});

describe("pairByDate", () => {
  it("keeps the common dates only", () => {
    const r = pairByDate({ dates: [1, 2, 4, 5], values: [10, 20, 40, 50] }, { dates: [2, 3, 5], values: [2, 3, 5] });
    expect(Array.from(r.dates)).toEqual([2, 5]);
    expect(Array.from(r.a)).toEqual([20, 50]);
    expect(Array.from(r.b)).toEqual([2, 5]);
  });
});

describe("ablation on a planted signal", () => {
  // Only sig (and its per-date rank) carries signal; other a little; noise none. Ridge fitted on
  // the first half of the dates, evaluated on the second.
  const days = 240,
    names = 40;
  const { X, y, dates } = panel(days, names, 21);
  const half = (days / 2) * names;
  const trainRows = Int32Array.from({ length: half }, (_, i) => i),
    testRows = Int32Array.from({ length: X.nRows - half }, (_, i) => half + i);
  const part = (rows: Int32Array) => ({
    X: takeRows(X, rows),
    y: Float64Array.from(rows, (r) => y[r]),
    dates: Int32Array.from(rows, (r) => dates[r]),
  });
  const tr = part(trainRows),
    te = part(testRows);
  const spec = { kind: "ridge" as const, params: { alpha: 1 } };
  const ic = async (drop: string[], mutate?: (m: FeatureMatrix) => FeatureMatrix) => {
    const m = await fitMember(spec, dropColumns(tr.X, drop), tr.y, { rng: createRng(1) });
    const Xt = dropColumns(mutate ? mutate(te.X) : te.X, drop);
    const r = dailyIc(predictMember(m, Xt), te.y, te.dates, { rank: true });
    return { dates: r.dates, values: r.ic };
  };

  it("dropping the signal group lowers the IC with an interval below 0; dropping noise covers 0", async () => {
    const full = await ic([]);
    const opts = { resamples: 1000 };
    const sig = pairByDate(full, await ic(["sig", "sig_rank"]));
    const dSig = pairedBootstrapInterval(sig.a, sig.b, meanDifference, { ...opts, rng: createRng(3) });
    expect(dSig.estimate).toBeLessThan(-0.05);
    expect(dSig.upper).toBeLessThan(0);
    const noise = pairByDate(full, await ic(["noise"]));
    const dNoise = pairedBootstrapInterval(noise.a, noise.b, meanDifference, { ...opts, rng: createRng(3) });
    expect(Math.abs(dNoise.estimate)).toBeLessThan(0.01);
    expect(dNoise.lower).toBeLessThanOrEqual(0);
    expect(dNoise.upper).toBeGreaterThanOrEqual(0);
  });

  it("dropping only sig leaves its rank twin: the loss nearly vanishes (why groups hold twins)", async () => {
    const full = await ic([]);
    const both = pairByDate(full, await ic(["sig", "sig_rank"]));
    const one = pairByDate(full, await ic(["sig"]));
    expect(Math.abs(meanDifference(one.a, one.b))).toBeLessThan(Math.abs(meanDifference(both.a, both.b)) / 5);
  });

  it("permuting the signal group within dates lowers the IC; permuting noise does not", async () => {
    const full = await ic([]);
    const perm = (cols: string[]) => (m: FeatureMatrix) => permuteWithinDates(m, cols, te.dates, { rng: createRng(8) });
    const s = pairByDate(full, await ic([], perm(["sig", "sig_rank"])));
    const n = pairByDate(full, await ic([], perm(["noise"])));
    expect(meanDifference(s.a, s.b)).toBeLessThan(-0.05);
    expect(Math.abs(meanDifference(n.a, n.b))).toBeLessThan(0.01);
  });
});
