import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng } from "../../../src/core/rng.ts";
import { purgedKFold } from "../../../src/quant/ml/cv.ts";
import {
  combineEnsemble,
  ensembleFromJson,
  fitEnsemble,
  outOfFoldPredictions,
  predictEnsemble,
  stackingWeights,
  type MemberSpec,
} from "../../../src/quant/ml/ensemble.ts";
import { fitRidge, predictRidge } from "../../../src/quant/ml/ridge.ts";
import { featureMatrix, takeRows, type FeatureMatrix } from "../../../src/quant/ml/types.ts";

/** A small panel: `days` dates × `names` symbols, y = 0.5·a − 0.2·b + noise. */
function panel(days: number, names: number, seed = 1) {
  const rng = createRng(seed);
  const n = days * names;
  const a = new Float64Array(n),
    b = new Float64Array(n),
    y = new Float64Array(n);
  const dates = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    dates[i] = 18000 + Math.floor(i / names);
    a[i] = rng.normal();
    b[i] = rng.normal();
    y[i] = 0.5 * a[i] - 0.2 * b[i] + rng.normal();
  }
  return { X: featureMatrix(["a", "b"], [a, b]), y, dates };
}

describe("stackingWeights", () => {
  it("stackingWeights gives the hand-solved NNLS weights: an exact member gets 1, a misleading one 0", () => {
    // y = p1 exactly; p2 = −p1 + small: centered NNLS → w = [1, 0], intercept = ȳ − 1·mean(p1) = 0.
    const p1 = [1, 2, 3, 4, 5],
      p2 = [-1, -2.1, -2.9, -4, -5.2];
    const s = stackingWeights([p1, p2], p1);
    expect(s.weights[0]).toBeCloseTo(1, 12);
    expect(s.weights[1]).toBe(0);
    expect(s.intercept).toBeCloseTo(0, 12);
    expect(s.fallback).toBe(false);
  });

  it("stackingWeights recovers y = 1 + 2·p1 + 0.5·p2 and skips rows with a missing OOF prediction", () => {
    const p1 = [0, 1, 0, 2, 1, NaN],
      p2 = [1, 0, 2, 1, 3, 7];
    const y = p1.map((v, i) => 1 + 2 * v + 0.5 * p2[i]);
    y[5] = 100; // would wreck the fit if the NaN row were used
    const s = stackingWeights([p1, p2], y);
    expect(s.rows).toBe(5);
    expect(s.weights[0]).toBeCloseTo(2, 12);
    expect(s.weights[1]).toBeCloseTo(0.5, 12);
    expect(s.intercept).toBeCloseTo(1, 12);
  });

  it("stackingWeights falls back to the mean when no member relates positively to y", () => {
    const p = [1, 2, 3, 4];
    const s = stackingWeights(
      [p, p.map((v) => v * 2)],
      p.map((v) => -v),
    );
    expect(s).toMatchObject({ weights: [0.5, 0.5], intercept: 0, fallback: true });
  });
});

describe("out-of-fold predictions", () => {
  const ridge: MemberSpec[] = [{ kind: "ridge", params: { alpha: 1 } }];

  it("outOfFoldPredictions equal a member fit on fold.train predicting fold.test", async () => {
    const d = panel(60, 8);
    const folds = purgedKFold(d.dates, { lag: 1, labelHorizon: 5, embargo: 2, k: 3 });
    const [oof] = await outOfFoldPredictions(ridge, d.X, d.y, folds);
    for (const f of folds) {
      const m = fitRidge(
        takeRows(d.X, f.train),
        Float64Array.from(f.train, (r) => d.y[r]),
        { alpha: 1 },
      );
      const p = predictRidge(m, takeRows(d.X, f.test));
      f.test.forEach((r, i) => expect(oof[r]).toBe(p[i]));
    }
  });

  it(
    "an OOF prediction does not depend on its own fold's labels, " + "nor on purged neighbours' (property: no leakage)",
    async () => {
      const d = panel(40, 6, 3);
      const folds = purgedKFold(d.dates, { lag: 1, labelHorizon: 3, embargo: 1, k: 4 });
      const [base] = await outOfFoldPredictions(ridge, d.X, d.y, folds);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: folds.length - 1 }),
          fc.double({ min: -50, max: 50, noNaN: true }),
          async (k, shift) => {
            // Change every label that fold k does not train on (its test block, purge and embargo).
            const inTrain = new Uint8Array(d.y.length);
            folds[k].train.forEach((r) => (inTrain[r] = 1));
            const y2 = d.y.map((v, i) => (inTrain[i] ? v : v + shift));
            const [oof] = await outOfFoldPredictions(ridge, d.X, y2, folds);
            folds[k].test.forEach((r) => expect(oof[r]).toBe(base[r]));
          },
        ),
        { numRuns: 10 },
      );
    },
  );
});

describe("fitEnsemble / predictEnsemble", () => {
  const d = panel(80, 10, 5);
  const X2: FeatureMatrix = d.X;

  it("the mean combiner predicts the average of its members", async () => {
    const members: MemberSpec[] = [
      { kind: "ridge", params: { alpha: 0 } },
      { kind: "ridge", params: { alpha: 1e6 } },
    ];
    const e = await fitEnsemble(X2, d.y, { members, method: "mean" });
    const p0 = predictRidge(fitRidge(X2, d.y, { alpha: 0 }), X2),
      p1 = predictRidge(fitRidge(X2, d.y, { alpha: 1e6 }), X2);
    const p = predictEnsemble(e, X2);
    for (let i = 0; i < 20; i++) expect(p[i]).toBeCloseTo((p0[i] + p1[i]) / 2, 12);
    expect(e.weights).toEqual([0.5, 0.5]);
  });

  it("stacking with purged folds weights members non-negatively and keeps the feature importance shares", async () => {
    const members: MemberSpec[] = [
      { kind: "ridge", params: { alpha: 1 } },
      { kind: "ridge", params: { alpha: 1e7 } },
    ];
    const folds = purgedKFold(d.dates, { lag: 1, labelHorizon: 5, embargo: 2, k: 4 });
    const e = await fitEnsemble(X2, d.y, { members, method: "stacking" }, { folds });
    expect(e.weights.every((w) => w >= 0)).toBe(true);
    expect(e.weights[0]).toBeGreaterThan(0); // the lightly penalized member carries the signal
    expect(e.importance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(e.importance[0]).toBeGreaterThan(e.importance[1]); // |0.5| > |−0.2|
  });

  it("stacking without folds or oof is refused with the fix", async () => {
    await expect(fitEnsemble(X2, d.y, { members: [{ kind: "ridge" }] })).rejects.toThrow(/pass opts.folds/);
  });

  it("combineEnsemble rejects members fit on other features", () => {
    const a = fitRidge(X2, d.y),
      b = fitRidge(featureMatrix(["a"], [X2.columns[0]]), d.y);
    expect(() => combineEnsemble([a, b], "mean")).toThrow(/member ridge has features \[a\], the first member \[a, b\]/);
  });

  it("ensembleFromJson validates members and weights", () => {
    const e = combineEnsemble([fitRidge(X2, d.y)], "mean");
    expect(ensembleFromJson(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(() => ensembleFromJson({ ...e, weights: [-1] })).toThrow(/field 'weights'/);
    expect(() => ensembleFromJson({ ...e, members: [{ kind: "svm" }] })).toThrow(/kind "svm"/);
  });
});
