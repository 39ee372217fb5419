import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fitRidge, predictRidge, ridgeFromJson } from "../../../src/quant/ml/ridge.ts";
import { featureMatrix } from "../../../src/quant/ml/types.ts";

// Hand-solved data set: x1 = [1,2,3,4], x2 = [1,0,1,0], y = [1,3,2,5].
// Centered: x1c = [−1.5,−.5,.5,1.5], x2c = [.5,−.5,.5,−.5], yc = y − 2.75 = [−1.75,.25,−.75,2.25].
// x1cᵀx1c = 5, x2cᵀx2c = 1, x1cᵀx2c = −1, x1cᵀyc = 5.5, x2cᵀyc = −2.5.
const X = featureMatrix(
  ["x1", "x2"],
  [
    [1, 2, 3, 4],
    [1, 0, 1, 0],
  ],
);
const y = Float64Array.from([1, 3, 2, 5]);

describe("fitRidge", () => {
  it("fitRidge(X, y, { alpha: 1, standardize: false }) solves the hand-solved 2×2 system", () => {
    // [[6,−1],[−1,2]]·β = [5.5,−2.5], det 11 → β = [8.5/11, −9.5/11] = [17/22, −19/22];
    // intercept = 2.75 − (17/22·2.5 − 19/22·0.5) = 1.25. (Same as sklearn Ridge(alpha=1), which centers X and y.)
    const m = fitRidge(X, y, { alpha: 1, standardize: false });
    expect(m.coef[0]).toBeCloseTo(17 / 22, 14);
    expect(m.coef[1]).toBeCloseTo(-19 / 22, 14);
    expect(m.intercept).toBeCloseTo(1.25, 14);
  });

  it("fitRidge(X, y, { alpha: 4 }) penalizes standardized coefficients and reports them in original units", () => {
    // σ1 = √1.25, σ2 = 0.5 (ddof 0). ZᵀZ = [[4, −4/√5], [−4/√5, 4]], Zᵀyc = [11/√5, −5].
    // (ZᵀZ + 4I)β = Zᵀyc, det = 64 − 16/5 = 304/5 → β1 = 85/(76√5), β2 = −39/76;
    // coef = β/σ = [17/38, −39/38]; intercept = 2.75 − (17/38·2.5 − 39/38·0.5) = 163/76.
    const m = fitRidge(X, y, { alpha: 4 });
    expect(m.coef[0]).toBeCloseTo(17 / 38, 14);
    expect(m.coef[1]).toBeCloseTo(-39 / 38, 14);
    expect(m.intercept).toBeCloseTo(163 / 76, 14);
    expect(m.standardizedCoef[0]).toBeCloseTo(85 / (76 * Math.sqrt(5)), 14);
    expect(m.importance[1]).toBeCloseTo(39 / 76, 14);
    const pred = predictRidge(m, X);
    expect(pred[0]).toBeCloseTo(163 / 76 + 17 / 38 - 39 / 38, 13);
  });

  it("fitRidge with alpha 0 recovers an exact linear relation", () => {
    const x1 = [0.5, -1, 2, 3, 0, 1.5],
      x2 = [1, 1, -2, 0.5, 3, -1];
    const yy = Float64Array.from(x1, (v, i) => 0.3 + 2 * v - 0.7 * x2[i]);
    const m = fitRidge(featureMatrix(["a", "b"], [x1, x2]), yy, { alpha: 0 });
    expect(m.coef[0]).toBeCloseTo(2, 5);
    expect(m.coef[1]).toBeCloseTo(-0.7, 5);
    expect(m.intercept).toBeCloseTo(0.3, 5);
  });

  it("fitRidge imputes NaN with the training mean, in fit and predict", () => {
    // x1 = [1, NaN, 3]: mean over known rows 2, imputed column [1, 2, 3].
    const Xn = featureMatrix(["x1"], [[1, NaN, 3]]);
    const Xi = featureMatrix(["x1"], [[1, 2, 3]]);
    const yy = Float64Array.from([1, 2, 4]);
    const a = fitRidge(Xn, yy, { alpha: 0.5 }),
      b = fitRidge(Xi, yy, { alpha: 0.5 });
    expect(a.means[0]).toBe(2);
    expect(a.coef[0]).toBeCloseTo(b.coef[0], 14);
    expect(a.intercept).toBeCloseTo(b.intercept, 14);
    expect(predictRidge(a, featureMatrix(["x1"], [[NaN]]))[0]).toBeCloseTo(a.intercept + 2 * a.coef[0], 14);
  });

  it("fitRidge gives a constant or all-missing feature a zero coefficient", () => {
    const m = fitRidge(
      featureMatrix(
        ["x", "c", "nan"],
        [
          [1, 2, 3, 4],
          [5, 5, 5, 5],
          [NaN, NaN, NaN, NaN],
        ],
      ),
      y,
      { alpha: 0 },
    );
    expect(m.coef[1]).toBe(0);
    expect(m.coef[2]).toBe(0);
    expect(Number.isFinite(m.coef[0])).toBe(true);
  });

  it("fitRidge weights: integer weights equal repeated rows", () => {
    const w = fitRidge(X, y, { alpha: 2 }, { weights: Float64Array.from([1, 2, 1, 3]) });
    const rep = fitRidge(
      featureMatrix(
        ["x1", "x2"],
        [
          [1, 2, 2, 3, 4, 4, 4],
          [1, 0, 0, 1, 0, 0, 0],
        ],
      ),
      Float64Array.from([1, 3, 3, 2, 5, 5, 5]),
      { alpha: 2 },
    );
    for (let j = 0; j < 2; j++) expect(w.coef[j]).toBeCloseTo(rep.coef[j], 12);
    expect(w.intercept).toBeCloseTo(rep.intercept, 12);
  });

  it("standardized ridge predictions are invariant to positive affine rescaling of a feature (property)", () => {
    fc.assert(
      fc.property(
        // Integers keep the float32 feature matrix exact, so only the algebra is tested.
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 30, maxLength: 30 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: -50, max: 50 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (v, scale, shift, alpha) => {
          const x1 = v.slice(0, 10),
            x2 = v.slice(10, 20),
            yy = Float64Array.from(v.slice(20, 30));
          if (new Set(x1).size < 3 || new Set(x2).size < 3) return;
          const a = fitRidge(featureMatrix(["a", "b"], [x1, x2]), yy, { alpha: alpha + 0.1 });
          const Xs = featureMatrix(["a", "b"], [x1.map((t) => t * scale + shift), x2]);
          const b = fitRidge(Xs, yy, { alpha: alpha + 0.1 });
          const pa = predictRidge(a, featureMatrix(["a", "b"], [x1, x2])),
            pb = predictRidge(b, Xs);
          for (let i = 0; i < 10; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-9 * (1 + Math.abs(pa[i])));
        },
      ),
    );
  });

  it("fitRidge rejects NaN labels and mismatched sizes with the value and a hint", () => {
    expect(() => fitRidge(X, Float64Array.from([1, NaN, 2, 3]))).toThrow(/y\[1\] is NaN.*\n.*drop rows/);
    expect(() => fitRidge(X, Float64Array.from([1, 2]))).toThrow(/y has 2 rows, X has 4/);
    expect(() => fitRidge(X, y, { alpha: -1 })).toThrow(/alpha is -1/);
  });

  it("predictRidge rejects a matrix with other features", () => {
    const m = fitRidge(X, y);
    expect(() => predictRidge(m, featureMatrix(["x2", "x1"], [[1], [1]]))).toThrow(/first difference at column 0/);
  });

  it("ridgeFromJson accepts its own JSON and names a corrupt field", () => {
    const m = fitRidge(X, y);
    expect(ridgeFromJson(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(() => ridgeFromJson({ ...m, coef: [1] })).toThrow(/field 'coef'.*expected 2 finite numbers/);
  });
});
