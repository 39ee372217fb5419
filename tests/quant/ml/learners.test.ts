/**
 * The learner table (src/quant/ml/learners.ts): every learner fits, saves, loads and predicts
 * through the one dispatch that ensembles, model files, the train stage and paper scoring use.
 */
import { describe, expect, it } from "vitest";
import {
  LEARNERS,
  LEARNER_KINDS,
  TUNABLE_KINDS,
  learnerFitParams,
  learnerOf,
  learnerStageParams,
} from "../../../src/quant/ml/learners.ts";
import { z } from "zod";
import { fitMember, predictMember } from "../../../src/quant/ml/ensemble.ts";
import { loadModel, predict, saveModel } from "../../../src/quant/ml/model-io.ts";
import { createRng } from "../../../src/core/rng.ts";

const n = 400;
const r = createRng(3);
const cols = [new Float32Array(n), new Float32Array(n)];
const y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  cols[0][i] = r.next() - 0.5;
  cols[1][i] = r.next() - 0.5;
  y[i] = 2 * cols[0][i] - cols[1][i] + 0.1 * (r.next() - 0.5);
}
const X = { nRows: n, nFeatures: 2, columns: cols, names: ["a", "b"] };
const small: Record<string, Record<string, unknown>> = {
  ridge: { alpha: 1 },
  gbdt: { nTrees: 10, maxDepth: 3 },
  random_forest: { nTrees: 5, maxDepth: 4 },
};

describe("learner table", () => {
  it("lists ridge, gbdt and random_forest; gbdt carries the tuning space gbdt_tuned searches", () => {
    expect(LEARNER_KINDS).toEqual(["ridge", "gbdt", "random_forest"]);
    expect(Object.keys(LEARNERS.gbdt.tuneSpace!)).toEqual([
      "learningRate",
      "maxDepth",
      "minChildWeight",
      "lambda",
      "subsample",
      "colsample",
      "nTrees",
    ]);
  });

  it("carries each learner's train-stage params: key, defaults, fit params; only gbdt is tunable", () => {
    expect(Object.keys(learnerStageParams())).toEqual(["alpha", "gbdt", "forest"]);
    expect(TUNABLE_KINDS).toEqual(["gbdt"]);
    const parsed = z.object(learnerStageParams()).parse({ gbdt: { maxDepth: 5 } }) as Record<string, unknown>;
    expect(learnerFitParams("ridge", parsed)).toEqual({ alpha: 10 });
    // The stage's defaults (docs/models.md) fill every hyper-parameter; the user's value wins.
    expect(learnerFitParams("gbdt", parsed)).toEqual({
      nTrees: 100,
      learningRate: 0.05,
      maxDepth: 5,
      minChildWeight: 200,
      lambda: 1,
      subsample: 0.7,
      colsample: 0.8,
      maxBins: 64,
    });
    expect(learnerFitParams("random_forest", parsed)).toMatchObject({ nTrees: 40, maxDepth: 6, sampleFraction: 0.25 });
    expect(() => z.object(learnerStageParams()).parse({ forest: { nTreez: 3 } })).toThrow(/nTreez/);
  });

  for (const kind of ["ridge", "gbdt", "random_forest"] as const) {
    it(
      `${kind}: fit through the table equals fitMember, ` + `and a save → load round trip predicts the same bits`,
      async () => {
        const m = await learnerOf(kind, "test").fit(X, y, small[kind], { rng: createRng(1), threads: 1 });
        const viaMember = await fitMember({ kind, params: small[kind] } as never, X, y, {
          rng: createRng(1),
          threads: 1,
        });
        expect(saveModel(viaMember)).toBe(saveModel(m));
        const back = loadModel(saveModel(m));
        expect(Array.from(predict(back, X))).toEqual(Array.from(predictMember(m, X)));
        // It learned something: in-sample error below the variance of y.
        const p = predict(back, X);
        let se = 0,
          vy = 0,
          my = 0;
        for (let i = 0; i < n; i++) my += y[i] / n;
        for (let i = 0; i < n; i++) {
          se += (p[i] - y[i]) ** 2;
          vy += (y[i] - my) ** 2;
        }
        expect(se).toBeLessThan(vy);
      },
    );
  }

  it("an unknown kind is an error listing the kinds, with the nearest", async () => {
    expect(() => learnerOf("gbtd", "ensemble member")).toThrow(
      /ensemble member: kind "gbtd" is not supported; expected one of ridge, gbdt, random_forest/,
    );
    try {
      learnerOf("gbtd", "ensemble member");
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/gbdt/);
    }
    await expect(fitMember({ kind: "lasso" } as never, X, y)).rejects.toThrow(/kind "lasso" is not supported/);
    expect(() => loadModel(JSON.stringify({ format: "strata-model", version: 1, kind: "lasso" }))).toThrow(/lasso/);
  });
});
