/**
 * factorRegression / rollingFactorRegression: a one-regressor fit worked by hand, NIST's
 * certified Longley regression (6 collinear regressors), exact recovery of a noiseless
 * y = 0.001 + 1.2·market − 0.5·size on the price-built factors, agreement with alphaBeta, the
 * rolling windows, singular fits, and argument checks.
 */
import { describe, expect, it } from "vitest";
import { factorRegression, factorReturns, ols, rollingFactorRegression } from "../../../src/quant/attribution/index.ts";
import { alphaBeta } from "../../../src/quant/stats/alpha-beta.ts";
import { isStrataError } from "../../../src/core/errors.ts";
import { createRng } from "../../../src/core/rng.ts";
import { pow } from "../../../src/core/math/index.ts";

describe("factorRegression: a fit worked by hand", () => {
  it("x = 1, 2, 3, 4; y = 2, 3, 5, 4", () => {
    // x̄ = 2.5, ȳ = 3.5; Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5; Sxy = (−1.5)(−1.5) + (−0.5)(−0.5)
    // + (0.5)(1.5) + (1.5)(0.5) = 4; β = 4/5 = 0.8; α = 3.5 − 0.8·2.5 = 1.5.
    // Fitted 2.3, 3.1, 3.9, 4.7; residuals −0.3, −0.1, 1.1, −0.7; SSE = 0.09 + 0.01 + 1.21 + 0.49
    // = 1.8; s² = 1.8 / (4 − 2) = 0.9. se(β) = √(0.9/5) = √0.18; se(α) = √(0.9·(1/4 + 2.5²/5))
    // = √1.35. Syy = 5: R² = 1 − 1.8/5 = 0.64 (= r², r = 4/√(5·5) = 0.8); adjusted
    // 1 − 0.36·3/2 = 0.46. Annualized with P = 12: simple 18, compound 2.5¹² − 1.
    const y = [2, 3, 5, 4];
    const f = factorRegression(y, [1, 2, 3, 4], 1, { names: ["x"], periodsPerYear: 12, annualization: "simple" });
    expect(f.ok).toBe(true);
    expect(f.names).toEqual(["x"]);
    expect(f.nObservations).toBe(4);
    expect(f.exposures[0]).toBeCloseTo(0.8, 14);
    expect(f.alpha).toBeCloseTo(1.5, 14);
    expect(f.standardErrors[0]).toBeCloseTo(Math.sqrt(0.18), 14);
    expect(f.tStats[0]).toBeCloseTo(0.8 / Math.sqrt(0.18), 13);
    expect(f.alphaStandardError).toBeCloseTo(Math.sqrt(1.35), 14);
    expect(f.alphaTStat).toBeCloseTo(1.5 / Math.sqrt(1.35), 13);
    expect(f.rSquared).toBeCloseTo(0.64, 14);
    expect(f.adjustedRSquared).toBeCloseTo(0.46, 14);
    expect(f.residualStandardError).toBeCloseTo(Math.sqrt(0.9), 14);
    expect(f.alphaAnnualized).toBeCloseTo(18, 13);
    const c = factorRegression(y, [1, 2, 3, 4], 1, { periodsPerYear: 12 });
    expect(c.names).toEqual(["f0"]);
    expect(c.alphaAnnualized).toBeCloseTo(pow(2.5, 12) - 1, 8);
  });
});

/**
 * NIST Statistical Reference Datasets, linear regression, "Longley" (Longley 1967, JASA 62;
 * https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml, higher difficulty): y = total
 * employment on the GNP deflator, GNP, unemployed, armed forces, population and year, 16 rows.
 * Certified values (the coefficients to 15 digits, their standard deviations, the residual
 * standard deviation and R²) — also recomputed here in exact rational arithmetic (Python
 * fractions, the normal equations solved without rounding), which agree to every digit shown.
 */
const LONGLEY = [
  [60323, 83.0, 234289, 2356, 1590, 107608, 1947],
  [61122, 88.5, 259426, 2325, 1456, 108632, 1948],
  [60171, 88.2, 258054, 3682, 1616, 109773, 1949],
  [61187, 89.5, 284599, 3351, 1650, 110929, 1950],
  [63221, 96.2, 328975, 2099, 3099, 112075, 1951],
  [63639, 98.1, 346999, 1932, 3594, 113270, 1952],
  [64989, 99.0, 365385, 1870, 3547, 115094, 1953],
  [63761, 100.0, 363112, 3578, 3350, 116219, 1954],
  [66019, 101.2, 397469, 2904, 3048, 117388, 1955],
  [67857, 104.6, 419180, 2822, 2857, 118734, 1956],
  [68169, 108.4, 442769, 2936, 2798, 120445, 1957],
  [66513, 110.8, 444546, 4681, 2637, 121950, 1958],
  [68655, 112.6, 482704, 3813, 2552, 123366, 1959],
  [69564, 114.2, 502601, 3931, 2514, 125368, 1960],
  [69331, 115.7, 518173, 4806, 2572, 127852, 1961],
  [70551, 116.9, 554894, 4007, 2827, 130081, 1962],
];
const LONGLEY_CERTIFIED = {
  intercept: [-3482258.63459582, 890420.383607373],
  coefficients: [
    [15.0618722713733, 84.9149257747669],
    [-0.35819179292591e-1, 0.334910077722432e-1],
    [-2.02022980381683, 0.488399681651699],
    [-1.03322686717359, 0.214274163161675],
    [-0.511041056535807e-1, 0.22607320006937],
    [1829.15146461355, 455.478499142212],
  ],
  residualSd: 304.854073561965,
  rSquared: 0.995479004577296,
};

describe("factorRegression: NIST StRD Longley (certified values)", () => {
  it("recovers the certified coefficients, standard errors, residual sd and R² to 1e-11 relative", () => {
    const y = LONGLEY.map((r) => r[0]);
    const X = LONGLEY.flatMap((r) => r.slice(1));
    const f = factorRegression(y, X, 6);
    expect(f.ok).toBe(true);
    // Centred, scaled normal equations keep ~12 digits here (cond of the correlation matrix 1.2e4).
    const rel = (got: number, want: number) => Math.abs(got / want - 1);
    expect(rel(f.alpha, LONGLEY_CERTIFIED.intercept[0])).toBeLessThan(1e-11);
    expect(rel(f.alphaStandardError, LONGLEY_CERTIFIED.intercept[1])).toBeLessThan(1e-11);
    LONGLEY_CERTIFIED.coefficients.forEach(([b, sd], j) => {
      expect(rel(f.exposures[j], b)).toBeLessThan(1e-11);
      expect(rel(f.standardErrors[j], sd)).toBeLessThan(1e-11);
    });
    expect(rel(f.residualStandardError, LONGLEY_CERTIFIED.residualSd)).toBeLessThan(1e-11);
    expect(f.rSquared).toBeCloseTo(LONGLEY_CERTIFIED.rSquared, 12);
  });
});

/** Random-walk closes (T × N) with volume, every name listed throughout. */
function randomPrices(seed: number, T: number, N: number) {
  const rng = createRng(seed);
  const close = new Float64Array(T * N);
  const volume = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    let p = 10 + 90 * rng.next();
    const vol = 0.01 + 0.02 * rng.next();
    for (let t = 0; t < T; t++) {
      p *= 1 + 0.0002 + vol * rng.normal();
      close[t * N + i] = p;
      volume[t * N + i] = Math.round(1e5 * (0.1 + rng.next()));
    }
  }
  return { close, volume };
}

describe("factorRegression on the price-built factors", () => {
  const T = 2000,
    N = 50;
  const { close, volume } = randomPrices(41, T, N);
  const f = factorReturns(close, N, { volume });
  // Noiseless: y = 0.001 + 1.2·market − 0.5·size (NaN where a factor is undefined, before row 1261).
  const y = new Float64Array(T);
  for (let t = 0; t < T; t++) y[t] = 0.001 + 1.2 * f.series.market[t] - 0.5 * f.series.size[t];

  it("recovers y = 0.001 + 1.2·market − 0.5·size exactly (to 1e-10) with all five factors", () => {
    const fit = factorRegression(y, f.matrix, 5, { names: f.names, annualization: "simple" });
    expect(fit.ok).toBe(true);
    expect(fit.nObservations).toBe(T - 1261);
    const want = [1.2, -0.5, 0, 0, 0];
    want.forEach((b, j) => expect(Math.abs(fit.exposures[j] - b)).toBeLessThan(1e-10));
    expect(Math.abs(fit.alpha - 0.001)).toBeLessThan(1e-10);
    expect(fit.alphaAnnualized).toBeCloseTo(0.252, 9);
    expect(1 - fit.rSquared).toBeLessThan(1e-10);
  });

  it("with noise the t-statistics find the true exposures and not the others", () => {
    const rng = createRng(42);
    const noisy = y.map((v) => v + 0.002 * rng.normal());
    const fit = factorRegression(noisy, f.matrix, 5, { names: f.names });
    expect(fit.ok).toBe(true);
    expect(fit.tStats[0]).toBeGreaterThan(10);
    expect(fit.tStats[1]).toBeLessThan(-10);
    for (let j = 2; j < 5; j++) expect(Math.abs(fit.tStats[j])).toBeLessThan(4);
    expect(fit.exposures[0]).toBeCloseTo(1.2, 1);
    expect(fit.rSquared).toBeGreaterThan(0.5);
    expect(fit.rSquared).toBeLessThan(1);
  });

  it("one factor (the market) gives alphaBeta's beta and annualized alpha", () => {
    const rng = createRng(43);
    const m = f.series.market;
    const r = m.map((v) => 0.0003 + 0.8 * v + 0.004 * rng.normal());
    const fit = factorRegression(r, m, 1);
    const ab = alphaBeta(r, m);
    expect(fit.exposures[0]).toBeCloseTo(ab.beta, 12);
    expect(fit.alphaAnnualized).toBeCloseTo(ab.alpha, 10);
    expect(fit.nObservations).toBe(T - 1);
  });

  it("rolling: exact recovery in every window, NaN before the first, each window its own fit", () => {
    const roll = rollingFactorRegression(y, f.matrix, 5, { window: 126 });
    expect(roll.window).toBe(126);
    for (let t = 0; t < 1261 + 62; t++) expect(roll.alpha[t]).toBeNaN(); // fewer than ⌈126/2⌉ complete rows
    let fitted = 0;
    for (let t = 1261 + 62; t < T; t++) {
      expect(Math.abs(roll.alpha[t] - 0.001)).toBeLessThan(1e-10);
      expect(Math.abs(roll.exposures[t * 5] - 1.2)).toBeLessThan(1e-10);
      expect(Math.abs(roll.exposures[t * 5 + 1] + 0.5)).toBeLessThan(1e-10);
      for (let j = 2; j < 5; j++) expect(Math.abs(roll.exposures[t * 5 + j])).toBeLessThan(1e-10);
      fitted++;
    }
    expect(fitted).toBe(T - 1323);
    // One window against the full-sample fit of its rows; later rows do not matter.
    const rng = createRng(44);
    const noisy = y.map((v) => v + 0.002 * rng.normal());
    const a = rollingFactorRegression(noisy, f.matrix, 5, { window: 200 });
    const t = 1700;
    const rows = (x: ArrayLike<number>, from: number, to: number, k: number) =>
      Array.from({ length: (to - from) * k }, (_, j) => x[from * k + j]);
    const one = factorRegression(rows(noisy, t - 199, t + 1, 1), rows(f.matrix, t - 199, t + 1, 5), 5);
    expect(a.nObservations[t]).toBe(200);
    expect(a.alpha[t]).toBeCloseTo(one.alpha, 14);
    for (let j = 0; j < 5; j++) expect(a.exposures[t * 5 + j]).toBeCloseTo(one.exposures[j], 12);
    expect(a.rSquared[t]).toBeCloseTo(one.rSquared, 12);
    const later = noisy.slice();
    for (let u = t + 1; u < T; u++) later[u] = 0.1;
    const b = rollingFactorRegression(later, f.matrix, 5, { window: 200 });
    expect(Array.from(b.exposures.subarray(0, (t + 1) * 5))).toEqual(Array.from(a.exposures.subarray(0, (t + 1) * 5)));
  });
});

describe("factorRegression: singular fits are returned, not thrown", () => {
  it("collinear or constant factors, or too few rows, give ok: false and NaN", () => {
    const rng = createRng(45);
    const x = Array.from({ length: 50 }, () => rng.normal());
    const y = x.map((v) => 2 * v + rng.normal());
    const collinear = x.flatMap((v) => [v, 3 * v - 1]);
    const fit = factorRegression(y, collinear, 2);
    expect(fit.ok).toBe(false);
    expect(fit.exposures[0]).toBeNaN();
    expect(fit.alpha).toBeNaN();
    expect(
      factorRegression(
        y,
        x.flatMap((v) => [v, 7]),
        2,
      ).ok,
    ).toBe(false);
    // n ≥ K + 2 rows are needed (one degree of freedom for s²): 2 rows fail, 3 fit.
    expect(factorRegression(y.slice(0, 2), x.slice(0, 2), 1).ok).toBe(false);
    expect(factorRegression(y.slice(0, 2), x.slice(0, 2), 1).nObservations).toBe(2);
    expect(ols(y, x, 1, [0, 1, 2]).ok).toBe(true);
  });

  it("rows with a NaN return or factor are left out", () => {
    const y = [2, 3, NaN, 5, 4, 9];
    const x = [1, 2, 7, 3, 4, NaN];
    const fit = factorRegression(y, x, 1);
    expect(fit.nObservations).toBe(4);
    expect(fit.exposures[0]).toBeCloseTo(0.8, 14); // the hand fit above
  });
});

describe("factorRegression: bad arguments are StrataErrors naming the argument", () => {
  const y = [1, 2, 3, 4, 5];
  const cases: [() => unknown, RegExp][] = [
    [() => factorRegression(y, [1, 2, 3], 1), /factors has 3 values, expected T × K = 5/],
    [() => factorRegression(y, [1, 2, 3, 4, 5], 0), /nFactors must be an integer ≥ 1/],
    [() => factorRegression(y, [1, 2, 3, 4, 5], 1, { names: ["a", "b"] }), /names has 2 entries, expected K = 1/],
    [() => factorRegression(y, [1, 2, 3, 4, 5], 1, { periodsPerYear: 0 }), /periodsPerYear must be a positive/],
    [() => rollingFactorRegression(y, [1, 2, 3, 4, 5], 1, { window: 2 }), /window must be an integer ≥ K \+ 2 = 3/],
    [
      () => rollingFactorRegression(y, [1, 2, 3, 4, 5], 1, { window: 4, minObservations: 5 }),
      /minObservations must be an integer in \[K \+ 2, window\]/,
    ],
    [() => rollingFactorRegression(y, [1, 2], 2), /factors has 2 values, expected T × K = 10/],
  ];
  for (const [call, message] of cases) {
    it(message.source, () => {
      expect(call).toThrow(message);
      try {
        call();
      } catch (e) {
        expect(isStrataError(e)).toBe(true);
      }
    });
  }
});
