/**
 * Histogram GBDT (src/quant/ml/gbdt). Hand computations follow Chen & Guestrin 2016,
 * "XGBoost: A Scalable Tree Boosting System": leaf weight w* = −G/(H+λ) (eq. 5) and split gain
 * ½[GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)] − γ (eq. 7), with squared error g = ŷ − y, h = 1.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { featureMatrix, type FeatureMatrix } from "../../../src/quant/ml/types.ts";
import { binMatrix, fitGbdt, gbdtFromJson, predictGbdt, type GbdtModel } from "../../../src/quant/ml/gbdt/index.ts";

function nonlinear(n: number, seed: number, nFeatures = 5): { X: FeatureMatrix; y: Float64Array } {
  const rng = createRng(seed);
  const cols = Array.from({ length: nFeatures }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of cols) c[i] = rng.normal();
    y[i] = Math.sin(cols[0][i]) + cols[1][i] * (cols[2][i] > 0 ? 1 : 0) + 0.1 * rng.normal();
  }
  return {
    X: featureMatrix(
      cols.map((_, j) => `x${j}`),
      cols,
    ),
    y,
  };
}

function mse(p: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return s / y.length;
}

function permute(X: FeatureMatrix, y: Float64Array, perm: number[]): { X: FeatureMatrix; y: Float64Array } {
  return {
    X: featureMatrix(
      X.names,
      X.columns.map((c) => Float32Array.from(perm, (i) => c[i])),
    ),
    y: Float64Array.from(perm, (i) => y[i]),
  };
}

const ONE_SPLIT = { nTrees: 1, maxDepth: 1, learningRate: 1, lambda: 1, minChildWeight: 0 };

describe("fitGbdt: hand-computed first split (Chen & Guestrin 2016 eq. 7, w* = −G/(H+λ))", () => {
  // x = 1…6, y = 0,0,0,1,1,4: base = mean = 1, g = ŷ − y = 1,1,1,0,0,−3, h = 1, G = 0, H = 6.
  // Scores GL²/(HL+1) + GR²/(HR+1) for "x ≤ k": k=1 0.667, k=2 2.133, k=3 4.5, k=4 4.8, k=5 6.0.
  // Best k = 5: gain = ½(6.0 − 0²/7) = 3; left w = −3/(5+1) = −0.5, right w = 3/(1+1) = 1.5.
  const X = featureMatrix(["x"], [[1, 2, 3, 4, 5, 6]]);
  const y = Float64Array.from([0, 0, 0, 1, 1, 4]);

  it("fitGbdt splits at x ≤ 5.5 with gain 3 and leaves −0.5 / 1.5", async () => {
    const m = await fitGbdt(X, y, ONE_SPLIT, { threads: 1 });
    expect(m.baseScore).toBe(1);
    const t = m.trees[0];
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(5.5);
    expect(t.gain[0]).toBeCloseTo(3, 12);
    expect(t.value[t.left[0]]).toBeCloseTo(-0.5, 12);
    expect(t.value[t.right[0]]).toBeCloseTo(1.5, 12);
    expect(t.cover).toEqual([6, 5, 1]);
    expect(Array.from(predictGbdt(m, X))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 2.5]);
    expect(m.importance[0]).toBeCloseTo(3, 12);
  });

  it("fitGbdt does not split when γ ≥ the gain (eq. 7)", async () => {
    const none = await fitGbdt(X, y, { ...ONE_SPLIT, gamma: 3 }, { threads: 1 });
    expect(none.trees[0].feature).toEqual([-1]);
    const some = await fitGbdt(X, y, { ...ONE_SPLIT, gamma: 2.5 }, { threads: 1 });
    expect(some.trees[0].gain[0]).toBeCloseTo(0.5, 12);
  });

  it("fitGbdt respects minChildWeight (both children need H ≥ 2 here, so the best is k = 4)", async () => {
    const m = await fitGbdt(X, y, { ...ONE_SPLIT, minChildWeight: 2 }, { threads: 1 });
    expect(m.trees[0].threshold[0]).toBe(4.5);
    expect(m.trees[0].gain[0]).toBeCloseTo(2.4, 12); // ½ · 4.8
  });

  it("fitGbdt learns the default direction of NaN (Chen & Guestrin 2016 Alg. 3)", async () => {
    // x = 1, 2, 3, NaN; y = 3, 0, 0, 3: base 1.5, g = −1.5, 1.5, 1.5, −1.5.
    // Best: {1, NaN} | {2, 3}: score (−3)²/3 + 3²/3 = 6, gain 3, NaN → left; w = 1 and −1.
    const Xm = featureMatrix(["x"], [[1, 2, 3, NaN]]);
    const m = await fitGbdt(Xm, Float64Array.from([3, 0, 0, 3]), ONE_SPLIT, { threads: 1 });
    const t = m.trees[0];
    expect(t.threshold[0]).toBe(1.5);
    expect(t.defaultLeft[0]).toBe(true);
    expect(t.gain[0]).toBeCloseTo(3, 12);
    expect(Array.from(predictGbdt(m, Xm))).toEqual([2.5, 0.5, 0.5, 2.5]);
    // y = 0, 0, 3, 3: {1, 2} | {3, NaN} (score 3²/3 + 3²/3 = 6), NaN → right.
    const r = await fitGbdt(Xm, Float64Array.from([0, 0, 3, 3]), ONE_SPLIT, { threads: 1 });
    expect(r.trees[0].threshold[0]).toBe(2.5);
    expect(r.trees[0].defaultLeft[0]).toBe(false);
    expect(Array.from(predictGbdt(r, Xm))).toEqual([0.5, 0.5, 2.5, 2.5]);
    expect(Array.from(predictGbdt(r, featureMatrix(["x"], [[NaN, -Infinity, Infinity]])))).toEqual([2.5, 0.5, 2.5]);
  });
});

describe("fitGbdt on a nonlinear function", () => {
  it("fitGbdt recovers y = sin(x0) + x1·[x2 > 0] + 0.1ε near the noise ceiling", async () => {
    const tr = nonlinear(20_000, 1),
      va = nonlinear(10_000, 2);
    const m = await fitGbdt(tr.X, tr.y, { nTrees: 300, maxDepth: 4 }, { threads: 1 });
    const v = mse(predictGbdt(m, va.X), va.y);
    // σ² = 0.01 is the floor; XGBoost 1.7.4 hist (same settings, numpy draws of the same
    // function, n = 20,000) reaches 0.0123 — the rest is binning/approximation error of the
    // x1·[x2 > 0] surface. The variance of y is ≈ 0.9, so this explains > 98.5% of it.
    expect(v).toBeGreaterThan(0.0095);
    expect(v).toBeLessThan(0.0145);
    // Importance: the three used features dominate the two noise features.
    const imp = m.importance;
    expect(Math.min(imp[0], imp[1], imp[2])).toBeGreaterThan(20 * Math.max(imp[3], imp[4]));
  });

  it("fitGbdt matches XGBoost 1.7.4 hist on pre-binned features to 6 digits", async () => {
    // With features that are already bin codes (≤ 256 distinct values) both learners see the
    // same candidate splits, so any difference would be in the boosting itself. Reference:
    // xgboost 1.7.4, xgb.train({tree_method: "hist", max_depth: 4, eta: 0.1, lambda: 1,
    // max_bin: 256, min_child_weight: 1, base_score: mean(y_train), nthread: 1}, 300 rounds) on
    // exactly these float32 codes; validation MSE after k rounds via iteration_range=(0, k).
    const XGB: Record<number, number> = {
      1: 0.778733,
      5: 0.401212,
      20: 0.056444,
      50: 0.014623,
      100: 0.013115,
      300: 0.012827,
    };
    const all = nonlinear(30_000, 2);
    const nTrain = 20_000;
    const train = all.X.columns.map((c) => c.subarray(0, nTrain));
    const cuts = binMatrix(train, nTrain, 256).cuts;
    const coded = all.X.columns.map((c, f) =>
      Float32Array.from(c, (x) => {
        let k = 0;
        while (k < cuts[f].length && x > cuts[f][k]) k++;
        return k;
      }),
    );
    const Xtr = featureMatrix(
      all.X.names,
      coded.map((c) => c.subarray(0, nTrain)),
    );
    const Xva = featureMatrix(
      all.X.names,
      coded.map((c) => c.subarray(nTrain)),
    );
    const yva = all.y.subarray(nTrain);
    const m = await fitGbdt(Xtr, all.y.subarray(0, nTrain), { nTrees: 300, maxDepth: 4 }, { threads: 1 });
    for (const [k, ref] of Object.entries(XGB)) {
      expect(Math.abs(mse(predictGbdt(m, Xva, { nTrees: Number(k) }), yva) - ref)).toBeLessThan(1e-6);
    }
  });

  it("fitGbdt leafwise with maxLeaves = 2^depth grows the same trees as depthwise on easy data", async () => {
    const tr = nonlinear(3000, 3);
    const a = await fitGbdt(tr.X, tr.y, { nTrees: 20, maxDepth: 3 }, { threads: 1 });
    const b = await fitGbdt(tr.X, tr.y, { nTrees: 20, maxDepth: 3, growth: "leafwise", maxLeaves: 8 }, { threads: 1 });
    for (let t = 0; t < 20; t++) expect(b.trees[t].feature.filter((f) => f < 0)).toHaveLength(8);
    expect(Array.from(predictGbdt(b, tr.X))).toEqual(Array.from(predictGbdt(a, tr.X)));
  });

  it("fitGbdt leafwise stops at maxLeaves", async () => {
    const tr = nonlinear(3000, 4);
    const m = await fitGbdt(tr.X, tr.y, { nTrees: 3, growth: "leafwise", maxLeaves: 5, maxDepth: 0 }, { threads: 1 });
    for (const t of m.trees) expect(t.feature.filter((f) => f < 0)).toHaveLength(5);
  });
});

describe("fitGbdt determinism", () => {
  const tr = nonlinear(4000, 5, 6);
  const sampled = { nTrees: 15, maxDepth: 4, subsample: 0.8, colsample: 0.7 };

  it("fitGbdt gives the same model JSON for 1 and 2 threads (same seed)", async () => {
    const one = await fitGbdt(tr.X, tr.y, sampled, { rng: createRng(7), threads: 1 });
    const two = await fitGbdt(tr.X, tr.y, sampled, { rng: createRng(7), threads: 2 });
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    const lw = { ...sampled, growth: "leafwise" as const, maxLeaves: 12 };
    const lw1 = await fitGbdt(tr.X, tr.y, lw, { rng: createRng(7), threads: 1 });
    const lw2 = await fitGbdt(tr.X, tr.y, lw, { rng: createRng(7), threads: 2 });
    expect(JSON.stringify(lw2)).toBe(JSON.stringify(lw1));
  });

  it("fitGbdt gives the same model JSON for 1, 2 and 3 threads on every histogram kernel", async () => {
    // 20k rows, every feature active: dense nodes use the row-wise kernel (split by rows across
    // threads, ≥ 4096 rows), sparser ones the column-wise and gathered kernels; 9 features
    // leave a partial 32-bit word; NaNs exercise the missing code in partition and routing.
    const big = nonlinear(20_000, 8, 9);
    const c3 = big.X.columns[3];
    for (let i = 0; i < c3.length; i += 7) c3[i] = NaN;
    const params = { nTrees: 6, maxDepth: 7 };
    const one = JSON.stringify(await fitGbdt(big.X, big.y, params, { threads: 1 }));
    expect(JSON.stringify(await fitGbdt(big.X, big.y, params, { threads: 2 }))).toBe(one);
    expect(JSON.stringify(await fitGbdt(big.X, big.y, params, { threads: 3 }))).toBe(one);
    const w = Float64Array.from({ length: big.y.length }, (_, i) => 1 + (i % 3));
    const w1 = JSON.stringify(await fitGbdt(big.X, big.y, params, { threads: 1, weights: w }));
    expect(JSON.stringify(await fitGbdt(big.X, big.y, params, { threads: 2, weights: w }))).toBe(w1);
  });

  it("fitGbdt gives the same model JSON for permuted rows (no row subsampling)", async () => {
    // Exact fixed-point histogram sums, quantile cuts of sorted values and an exactly rounded
    // base score make the model a function of the multiset of rows (docs/gbdt.md).
    const rng = createRng(11);
    const perm = Array.from({ length: tr.y.length }, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const p = permute(tr.X, tr.y, perm);
    const params = { nTrees: 15, maxDepth: 4, colsample: 0.7 };
    const a = await fitGbdt(tr.X, tr.y, params, { rng: createRng(3), threads: 1 });
    const b = await fitGbdt(p.X, p.y, params, { rng: createRng(3), threads: 2 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("fitGbdt with a different seed samples differently", async () => {
    const a = await fitGbdt(tr.X, tr.y, sampled, { rng: createRng(1), threads: 1 });
    const b = await fitGbdt(tr.X, tr.y, sampled, { rng: createRng(2), threads: 1 });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });
});

describe("GbdtModel as JSON", () => {
  it("JSON.stringify → JSON.parse → gbdtFromJson predicts bit for bit the same", async () => {
    const tr = nonlinear(3000, 6);
    // NaNs in training and prediction exercise the default directions.
    tr.X.columns[1][5] = NaN;
    tr.X.columns[1][17] = NaN;
    const m = await fitGbdt(tr.X, tr.y, { nTrees: 30, maxDepth: 5 }, { threads: 1 });
    const back = gbdtFromJson(JSON.parse(JSON.stringify(m)));
    const va = nonlinear(2000, 7);
    va.X.columns[1][3] = NaN;
    const a = predictGbdt(m, va.X),
      b = predictGbdt(back, va.X);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // Fit-time routing (bins) and predict-time routing (thresholds) agree on training rows.
    const fitted = predictGbdt(m, tr.X);
    expect(mse(fitted, tr.y)).toBeLessThan(mse(new Float64Array(tr.y.length).fill(m.baseScore), tr.y));
  });

  it("gbdtFromJson reports every problem with its path", async () => {
    const tr = nonlinear(500, 8);
    const m: GbdtModel = await fitGbdt(tr.X, tr.y, { nTrees: 2, maxDepth: 2 }, { threads: 1 });
    const bad = JSON.parse(JSON.stringify(m));
    bad.version = 2;
    bad.trees[0].left[0] = 0;
    bad.params.learningRate = -1;
    try {
      gbdtFromJson(bad);
      expect.unreachable();
    } catch (e) {
      expect(isStrataError(e)).toBe(true);
      const msg = (e as Error).message;
      expect(msg).toContain("version: expected 1, got 2");
      expect(msg).toContain("trees[0].left[0] = 0");
      expect(msg).toContain("learningRate = -1");
    }
    expect(() => gbdtFromJson({ format: "strata-model", version: 1, kind: "ridge" })).toThrow(/kind: expected "gbdt"/);
    expect(() => gbdtFromJson(null)).toThrow(/expected an object/);
  });

  it("predictGbdt refuses a matrix with other features", async () => {
    const tr = nonlinear(300, 9);
    const m = await fitGbdt(tr.X, tr.y, { nTrees: 1 }, { threads: 1 });
    const other = featureMatrix(["a", "b", "c", "d", "e"], tr.X.columns);
    expect(() => predictGbdt(m, other)).toThrow(/model was fit on \[x0, x1, x2, x3, x4\]/);
  });
});

describe("fitGbdt early stopping and options", () => {
  it("fitGbdt stops when the validation MSE has not improved for earlyStoppingRounds", async () => {
    // Pure noise: the validation MSE is best after very few rounds.
    const rng = createRng(12);
    const noise = (n: number) => {
      const cols = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal()));
      return { X: featureMatrix(["a", "b", "c"], cols), y: Float64Array.from({ length: n }, () => rng.normal()) };
    };
    const tr = noise(2000),
      va = noise(2000);
    const m = await fitGbdt(
      tr.X,
      tr.y,
      { nTrees: 500, maxDepth: 6, learningRate: 0.3, earlyStoppingRounds: 5 },
      { threads: 1, valid: va },
    );
    expect(m.trees.length).toBeLessThan(50);
    expect(m.bestIteration).toBe(m.trees.length - 1);
    // The kept prefix is the best one: one more round would not have been better.
    const full = await fitGbdt(
      tr.X,
      tr.y,
      { nTrees: m.trees.length + 5, maxDepth: 6, learningRate: 0.3 },
      { threads: 1 },
    );
    const losses = Array.from({ length: full.trees.length }, (_, k) =>
      mse(predictGbdt(full, va.X, { nTrees: k + 1 }), va.y),
    );
    expect(losses.indexOf(Math.min(...losses))).toBe(m.bestIteration);
  });

  it("fitGbdt rejects bad parameters, listing all of them", async () => {
    const tr = nonlinear(100, 13);
    await expect(fitGbdt(tr.X, tr.y, { maxBins: 300, lambda: -1 })).rejects.toThrow(/lambda = -1[\s\S]*maxBins = 300/);
    await expect(fitGbdt(tr.X, tr.y, { subsample: 0.5 })).rejects.toThrow(/need opts.rng/);
    await expect(fitGbdt(tr.X, tr.y, { earlyStoppingRounds: 3 })).rejects.toThrow(/needs opts.valid/);
    await expect(fitGbdt(tr.X, tr.y.subarray(1))).rejects.toThrow(/y has 99 rows, X has 100/);
  });

  it("fitGbdt aborts with code ABORTED", async () => {
    const tr = nonlinear(2000, 14);
    const ac = new AbortController();
    const p = fitGbdt(
      tr.X,
      tr.y,
      { nTrees: 1000 },
      {
        threads: 2,
        signal: ac.signal,
        onProgress: (f) => {
          if (f > 0.01) ac.abort();
        },
      },
    );
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    // The pool is usable again afterwards.
    const m = await fitGbdt(tr.X, tr.y, { nTrees: 3 }, { threads: 2 });
    expect(m.trees).toHaveLength(3);
  });

  it("fitGbdt uses weights (a zero weight removes a row)", async () => {
    const X = featureMatrix(["x"], [[1, 2, 3, 4, 5, 6, 7]]);
    const y = Float64Array.from([0, 0, 0, 1, 1, 4, 1000]);
    const w = Float64Array.from([1, 1, 1, 1, 1, 1, 0]);
    const a = await fitGbdt(X, y, ONE_SPLIT, { threads: 1, weights: w });
    expect(a.baseScore).toBe(1);
    expect(a.trees[0].threshold[0]).toBe(5.5);
    expect(a.trees[0].gain[0]).toBeCloseTo(3, 12);
  });
});
