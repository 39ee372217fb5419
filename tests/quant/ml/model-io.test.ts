import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { combineEnsemble } from "../../../src/quant/ml/ensemble.ts";
import { fitGbdt, fitRandomForest } from "../../../src/quant/ml/gbdt/index.ts";
import { loadModel, predict, saveModel, type Model } from "../../../src/quant/ml/model-io.ts";
import { fitRidge } from "../../../src/quant/ml/ridge.ts";
import { featureMatrix } from "../../../src/quant/ml/types.ts";

function data(n: number, seed: number) {
  const rng = createRng(seed);
  const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.normal()));
  cols[2][3] = NaN;
  cols[1][7] = NaN; // missing values exercise imputation / default directions
  const y = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(cols[0][i]) + 0.3 * (cols[1][i] || 0) * (cols[2][i] || 0) + 0.1 * rng.normal(),
  );
  return { X: featureMatrix(["f0", "f1", "f2"], cols), y };
}

/** save → load → save: identical text, and bit-identical predictions (Object.is per row). */
function roundTrip(model: Model, X: ReturnType<typeof data>["X"]) {
  const text = saveModel(model);
  const back = loadModel(text);
  expect(saveModel(back)).toBe(text);
  const a = predict(model, X),
    b = predict(back, X);
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i]), `row ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
  return text;
}

describe("model-io", () => {
  const { X, y } = data(400, 11);

  it("ridge: saveModel/loadModel round trip is bit-exact and the JSON has sorted keys", () => {
    const text = roundTrip(fitRidge(X, y, { alpha: 3 }), X);
    const keys = Object.keys(JSON.parse(text));
    expect(keys).toEqual([...keys].sort());
    expect(text.endsWith("\n")).toBe(true);
  });

  it("gbdt and random forest: round trip is bit-exact", async () => {
    roundTrip(await fitGbdt(X, y, { nTrees: 15, maxDepth: 3, maxBins: 32 }, { rng: createRng(1), threads: 1 }), X);
    roundTrip(
      await fitRandomForest(X, y, { nTrees: 8, maxDepth: 4, maxBins: 32 }, { rng: createRng(2), threads: 1 }),
      X,
    );
  });

  it("ensemble of ridge, gbdt and forest members: round trip is bit-exact", async () => {
    const members = [
      fitRidge(X, y),
      await fitGbdt(X, y, { nTrees: 10, maxDepth: 2, maxBins: 32 }, { rng: createRng(3), threads: 1 }),
      await fitRandomForest(X, y, { nTrees: 5, maxDepth: 3, maxBins: 32 }, { rng: createRng(4), threads: 1 }),
    ];
    roundTrip(combineEnsemble(members, "stacking", { weights: [0.2, 0.7, 0.1], intercept: 0.01, fallback: false }), X);
  });

  it("saveModel writes typed arrays as plain arrays and refuses non-finite numbers, naming the path", () => {
    const m = fitRidge(X, y);
    const withTyped = { ...m, coef: Float64Array.from(m.coef) } as unknown as Model;
    expect(saveModel(withTyped)).toBe(saveModel(m));
    expect(() => saveModel({ ...m, intercept: NaN })).toThrow(/model.intercept is NaN/);
  });

  it("loadModel checks the envelope: format, version, kind — each with what was expected", () => {
    const m = JSON.parse(saveModel(fitRidge(X, y)));
    expect(() => loadModel("{")).toThrow(/not valid JSON/);
    expect(() => loadModel("[]")).toThrow(/expected a model object, got an array/);
    expect(() => loadModel(JSON.stringify({ ...m, format: "onnx" }))).toThrow(
      /format is "onnx", expected "strata-model"/,
    );
    expect(() => loadModel(JSON.stringify({ ...m, version: 2 }))).toThrow(/version 2 is not supported/);
    expect(() => loadModel(JSON.stringify({ ...m, kind: "svm" }))).toThrow(
      /kind "svm" is unknown; expected one of ridge, gbdt, random_forest, ensemble/,
    );
    expect(() => loadModel(JSON.stringify({ ...m, coef: [1] }))).toThrow(/field 'coef'/);
  });
});
