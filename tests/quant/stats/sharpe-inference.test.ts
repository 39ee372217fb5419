/**
 * Normal CDF, probabilistic / deflated Sharpe ratio, expected maximum Sharpe, minimum track
 * record length. Sources:
 * - Φ: R `pnorm` / scipy.stats.norm.cdf values (printed to 16 digits);
 * - DSR: the numerical example of Bailey & López de Prado (2014), "The Deflated Sharpe Ratio",
 *   JPM 40(5), §4: N = 100 trials, V[{SR_n}] = 1/2 (annualized), T = 1250 daily observations
 *   (250 a year), annualized SR = 2.5, γ3 = −3, γ4 = 10 ⇒ SR0 ≈ 0.1132 (per day), DSR ≈ 0.9004;
 * - exact expected maxima of N standard normals (tables of normal order statistics, Harter
 *   1961; E[max of 10] = 1.538753, of 100 = 2.507594, of 1000 = 3.241436);
 * - the normal-returns standard error of Lo (2002), √((1 + SR²/2)/(n − 1)).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng } from "../../../src/core/rng.ts";
import {
  deflatedSharpeRatio,
  expectedMaxSharpe,
  minTrackRecordLength,
  normalCdf,
  normalQuantile,
  probabilisticSharpeRatio,
  returnsSharpeMoments,
  sharpeRatioStandardError,
  sharpeSignificance,
} from "../../../src/quant/stats/index.ts";

describe("normalCdf", () => {
  it("matches R pnorm to ~1e-15 relative, including the far lower tail", () => {
    const ref: [number, number][] = [
      [-10, 7.619853024160527e-24],
      [-5, 2.866515718791939e-7],
      [-3, 0.0013498980316300933],
      [-1.96, 0.024997895148220435],
      [-1, 0.15865525393145707],
      [-0.5, 0.3085375387259869],
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [3, 0.9986501019683699],
      [5, 0.9999997133484281],
    ];
    for (const [x, p] of ref) expect(Math.abs(normalCdf(x) - p) / p, `Φ(${x})`).toBeLessThan(1e-14);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(NaN)).toBeNaN();
  });
  it("inverts normalQuantile (AS 241) and is continuous where the two algorithms meet at |x| = 1.5", () => {
    // AS 241 is good to a few ulps of x; an error ε·x in x moves Φ by ≈ x²·ε relatively (φ/Φ ≈ |x| in the tail).
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 0.5, noNaN: true }), (p) => {
        const x = normalQuantile(p);
        return Math.abs(normalCdf(x) - p) <= 1e-15 * (4 + x * x) * p;
      }),
    );
    // Across the switch: Φ(x + h) − Φ(x − h) = 2h·φ(x)·(1 + O(h²)), φ(1.5) = 0.12951759566589174.
    for (const x of [-1.5, 1.5])
      expect((normalCdf(x + 1e-6) - normalCdf(x - 1e-6)) / (2e-6 * 0.12951759566589174) - 1).toBeCloseTo(0, 8);
    expect(normalCdf(-1.5)).toBeCloseTo(0.06680720126885807, 16);
  });
});

describe("probabilisticSharpeRatio", () => {
  it("for normal returns uses Lo's standard error: SR 0.1, n 101 ⇒ Φ(0.1/√(1.005/100)) = 0.8407413278", () => {
    // By hand: 1 − 0·0.1 + (3 − 1)/4·0.01 = 1.005; √(1.005/100) = 0.1002497; z = 0.9975093.
    expect(sharpeRatioStandardError(0.1, 101)).toBeCloseTo(Math.sqrt(1.005 / 100), 15);
    expect(probabilisticSharpeRatio(0.1, 101)).toBeCloseTo(0.8407413278013519, 12);
    expect(probabilisticSharpeRatio(0.1, 101, { benchmark: 0.1 })).toBe(0.5);
  });
  it("penalizes negative skew and fat tails (the 2014 example's SR̂ = 2.5/√250, T = 1250)", () => {
    const sr = 2.5 / Math.sqrt(250);
    // By hand: 1 + 3·0.1581139 + 9/4·0.025 = 1.5305917; z = 0.1581139·√1249/√1.5305917 = 4.516766.
    expect(probabilisticSharpeRatio(sr, 1250, { skew: -3, kurtosis: 10 })).toBeCloseTo(normalCdf(4.516766), 8);
    expect(probabilisticSharpeRatio(sr, 1250, { skew: -3, kurtosis: 10 })).toBeLessThan(
      probabilisticSharpeRatio(sr, 1250),
    );
  });
  it("the standard error matches the spread of Sharpe estimates of skewed returns (simulation, seed 7)", () => {
    // Returns μ − σ(E − 1), E ~ Exp(1): skew −2, raw kurtosis 9, per-period SR = μ/σ = 0.1.
    const rng = createRng(7);
    const n = 250,
      reps = 4000,
      srs = new Float64Array(reps);
    const r = new Float64Array(n);
    for (let k = 0; k < reps; k++) {
      for (let i = 0; i < n; i++) r[i] = 0.001 - 0.01 * (-Math.log(1 - rng.next()) - 1);
      srs[k] = returnsSharpeMoments(r).sharpe;
    }
    const m = srs.reduce((a, b) => a + b, 0) / reps;
    const sd = Math.sqrt(srs.reduce((a, b) => a + (b - m) ** 2, 0) / (reps - 1));
    const mertens = sharpeRatioStandardError(0.1, n, { skew: -2, kurtosis: 9 }); // √((1 + 0.2 + 0.02)/249) = 0.0700
    const lo = sharpeRatioStandardError(0.1, n); // 0.0635: too small for these returns
    expect(sd / mertens).toBeGreaterThan(0.95);
    expect(sd / mertens).toBeLessThan(1.05);
    expect(sd / lo).toBeGreaterThan(1.05);
  });
  it("is calibrated: at the true SR, PSR > 0.95 about 5% of the time (normal returns, seed 11)", () => {
    const rng = createRng(11);
    const n = 250,
      reps = 3000;
    let hits = 0;
    const r = new Float64Array(n);
    for (let k = 0; k < reps; k++) {
      for (let i = 0; i < n; i++) r[i] = 0.0005 + 0.01 * rng.normal();
      const m = returnsSharpeMoments(r);
      if (
        probabilisticSharpeRatio(m.sharpe, m.observations, { benchmark: 0.05, skew: m.skew, kurtosis: m.kurtosis }) >
        0.95
      )
        hits++;
    }
    expect(hits / reps).toBeGreaterThan(0.035); // binomial sd 0.004 around 0.05
    expect(hits / reps).toBeLessThan(0.065);
  });
  it("rejects excess kurtosis passed as raw, a non-integer count and a non-finite Sharpe, with hints", () => {
    expect(() => probabilisticSharpeRatio(0.1, 100, { kurtosis: 0 })).toThrow(
      /kurtosis 0 is impossible with skew 0[\s\S]*RAW kurtosis \(3 for a normal/,
    );
    expect(() => probabilisticSharpeRatio(0.1, 100, { skew: 2, kurtosis: 4 })).toThrow(/at least 1 \+ skew² = 5/);
    expect(() => probabilisticSharpeRatio(0.1, 1)).toThrow(/observations must be an integer ≥ 2, got 1/);
    expect(() => probabilisticSharpeRatio(0.1, 10.5)).toThrow(/got 10\.5/);
    expect(() => probabilisticSharpeRatio(NaN, 10)).toThrow(/sharpe must be a finite per-period Sharpe ratio, got NaN/);
  });
});

describe("expectedMaxSharpe", () => {
  it("reproduces the 2014 example's SR0 ≈ 0.1132 (per day) for N = 100, V = 0.5/250", () => {
    // By hand: Φ⁻¹(0.99) = 2.3263479, Φ⁻¹(1 − 1/(100e)) = 2.6814872;
    // 0.4227843·2.3263479 + 0.5772157·2.6814872 = 2.5306029; × √0.002 = 0.1131720.
    expect(expectedMaxSharpe(100, 0.5 / 250)).toBeCloseTo(0.11317200186513214, 12);
    expect(expectedMaxSharpe(100, 0.5 / 250)).toBeCloseTo(0.1132, 4);
    expect(expectedMaxSharpe(100, 0.5)).toBeCloseTo(0.11317200186513214 * Math.sqrt(250), 12); // annualized units
  });
  it("approximates the exact expected maximum of N standard normals (order-statistics tables)", () => {
    expect(expectedMaxSharpe(10, 1) / 1.538753 - 1).toBeLessThan(0.025);
    expect(expectedMaxSharpe(10, 1) / 1.538753 - 1).toBeGreaterThan(0);
    expect(Math.abs(expectedMaxSharpe(100, 1) / 2.507594 - 1)).toBeLessThan(0.01);
    expect(Math.abs(expectedMaxSharpe(1000, 1) / 3.241436 - 1)).toBeLessThan(0.005);
    expect(expectedMaxSharpe(1, 4, { meanSharpe: 0.3 })).toBe(0.3);
    expect(expectedMaxSharpe(50, 0, { meanSharpe: 0.3 })).toBe(0.3);
  });
  it("matches the mean best Sharpe estimate of N skill-less strategies (simulation, seed 3)", () => {
    // 100 strategies × 250 normal returns with zero mean, 300 repetitions: the average of the
    // largest Sharpe estimate vs the formula with V the average cross-sectional variance.
    const rng = createRng(3);
    const N = 100,
      n = 250,
      reps = 300;
    let sumMax = 0,
      sumVar = 0;
    const sr = new Float64Array(N);
    for (let k = 0; k < reps; k++) {
      for (let j = 0; j < N; j++) {
        let s = 0,
          s2 = 0;
        for (let i = 0; i < n; i++) {
          const x = rng.normal();
          s += x;
          s2 += x * x;
        }
        const m = s / n;
        sr[j] = m / Math.sqrt((s2 - n * m * m) / (n - 1));
      }
      const mean = sr.reduce((a, b) => a + b, 0) / N;
      sumVar += sr.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
      sumMax += Math.max(...sr);
    }
    const simulated = sumMax / reps; // ≈ 2.51 · √(1/249) ≈ 0.159, Monte Carlo se ≈ 0.0016
    const formula = expectedMaxSharpe(N, sumVar / reps);
    expect(Math.abs(simulated / formula - 1)).toBeLessThan(0.04);
  });
  it("rejects fewer than one trial and a negative variance", () => {
    expect(() => expectedMaxSharpe(0, 1)).toThrow(/trials must be a number ≥ 1, got 0/);
    expect(() => expectedMaxSharpe(10, -1)).toThrow(
      /sharpeVariance must be a variance ≥ 0, got -1[\s\S]*not the standard deviation/,
    );
  });
});

describe("deflatedSharpeRatio", () => {
  it("reproduces the 2014 paper's DSR ≈ 0.9004", () => {
    // By hand: (0.1581139 − 0.1131720)·√1249 / √1.5305917 = 1.283816; Φ(1.283816) = 0.900397.
    const dsr = deflatedSharpeRatio(2.5 / Math.sqrt(250), 1250, {
      trials: 100,
      sharpeVariance: 0.5 / 250,
      skew: -3,
      kurtosis: 10,
    });
    expect(dsr).toBeCloseTo(0.9004, 4);
    expect(dsr).toBeCloseTo(0.9003968344493903, 10);
  });
  it("equals the PSR against 0 for a single trial and falls as trials grow", () => {
    const sr = 0.08;
    expect(deflatedSharpeRatio(sr, 500, { trials: 1, sharpeVariance: 0.01 })).toBe(probabilisticSharpeRatio(sr, 500));
    const d10 = deflatedSharpeRatio(sr, 500, { trials: 10, sharpeVariance: 0.001 });
    const d1000 = deflatedSharpeRatio(sr, 500, { trials: 1000, sharpeVariance: 0.001 });
    expect(d1000).toBeLessThan(d10);
  });
});

describe("minTrackRecordLength", () => {
  it("for the 2014 example's strategy (SR̂ 2.5/√250, γ3 −3, γ4 10) is 166.64 days at 95%", () => {
    // By hand: 1 + 1.5305917·(1.6448536/0.1581139)² = 1 + 1.5305917·108.22181 = 166.6433.
    expect(minTrackRecordLength(2.5 / Math.sqrt(250), { skew: -3, kurtosis: 10 })).toBeCloseTo(166.6432886765355, 8);
  });
  it("is where the PSR crosses the confidence level (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.constantFrom(0.9, 0.95, 0.99),
        (sr, g3, extra, conf) => {
          const shape = { skew: g3, kurtosis: 1 + g3 * g3 + extra };
          const n = minTrackRecordLength(sr, { ...shape, confidence: conf });
          const k = Math.max(2, Math.ceil(n));
          return (
            probabilisticSharpeRatio(sr, k, shape) >= conf - 1e-12 &&
            (k - 1 < 2 || probabilisticSharpeRatio(sr, k - 1, shape) < conf + 1e-12)
          );
        },
      ),
    );
  });
  it("is Infinity when the Sharpe ratio does not beat the benchmark", () => {
    expect(minTrackRecordLength(0)).toBe(Infinity);
    expect(minTrackRecordLength(0.1, { benchmark: 0.2 })).toBe(Infinity);
  });
});

describe("sharpeSignificance (annualized inputs)", () => {
  it("converts the 2014 example from annual units: SR 2.5, V 0.5, 250 periods a year", () => {
    const s = sharpeSignificance(2.5, 1250, {
      periodsPerYear: 250,
      trials: 100,
      sharpeVariance: 0.5,
      skew: -3,
      kurtosis: 10,
    });
    expect(s.dsr).toBeCloseTo(0.9003968344493903, 10);
    expect(s.expectedMaxSharpe).toBeCloseTo(0.11317200186513214 * Math.sqrt(250), 10); // 1.7894 a year
    expect(s.minTrackRecordLength).toBeCloseTo(166.6432886765355, 8);
    expect(s.psr).toBeCloseTo(normalCdf(4.516766), 7);
    expect(s.sharpePerPeriod).toBeCloseTo(0.15811388300841897, 15);
  });
  it("leaves the DSR null without trials, and refuses half of the DSR inputs", () => {
    const s = sharpeSignificance(1, 756);
    expect(s).toMatchObject({ dsr: null, expectedMaxSharpe: null, periodsPerYear: 252 });
    expect(s.psr).toBeCloseTo(probabilisticSharpeRatio(1 / Math.sqrt(252), 756), 15);
    expect(() => sharpeSignificance(1, 756, { trials: 10 })).toThrow(
      /needs both trials and sharpeVariance, got only trials/,
    );
    expect(() => sharpeSignificance(1, 756, { periodsPerYear: 0 })).toThrow(
      /periodsPerYear must be a positive number, got 0/,
    );
  });
});
