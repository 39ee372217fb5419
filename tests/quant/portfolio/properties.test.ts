/** Invariants over random covariance matrices (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  optimizePortfolio,
  rebalance,
  resolveConstraints,
  riskParityWeights,
  solveQp,
  violation,
  type PortfolioConstraints,
  type PortfolioMethod,
} from "../../../src/quant/portfolio/index.ts";

/** Σ = AAᵀ/k + εI from random A (n×k), scaled to annual-ish variances. */
const covArb = fc.integer({ min: 2, max: 7 }).chain((n) =>
  fc
    .tuple(
      fc.constant(n),
      fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength: n * (n + 1), maxLength: n * (n + 1) }),
      fc.array(fc.double({ min: -0.1, max: 0.3, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([n, a, mu]) => {
      const k = n + 1;
      const cov = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let m = 0; m < k; m++) s += a[i * k + m] * a[j * k + m];
          cov[i * n + j] = s / k + (i === j ? 1e-3 : 0);
        }
      return { n, cov, mu: Float64Array.from(mu) };
    }),
);

const METHODS: PortfolioMethod[] = ["equal_weight", "inverse_vol", "min_variance", "max_sharpe", "hrp", "risk_parity"];
const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);

describe("portfolio invariants", () => {
  it("long-only with caps: weights ≥ 0, ≤ cap, sum to 1 (cap·n ≥ 1), for every method", () => {
    fc.assert(
      fc.property(covArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ n, cov, mu }, u) => {
        const maxWeight = 1 / n + u * (1 - 1 / n) + 1e-9;
        for (const m of METHODS) {
          const res = optimizePortfolio(m, cov, { expectedReturns: mu, constraints: { maxWeight } });
          expect(Math.abs(sum(res.weights) - 1)).toBeLessThan(1e-8);
          for (const w of res.weights) {
            expect(w).toBeGreaterThanOrEqual(-1e-10);
            expect(w).toBeLessThanOrEqual(maxWeight + 1e-9);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("long-short with gross and sector caps: net = target, caps hold", () => {
    fc.assert(
      fc.property(covArb, fc.double({ min: 0.3, max: 1, noNaN: true }), ({ n, cov, mu }, sectorCap) => {
        const constraints: PortfolioConstraints = {
          longOnly: false,
          maxWeight: 0.6,
          grossExposure: 1.6,
          sectors: { of: Array.from({ length: n }, (_, i) => (i % 2 ? "b" : "a")), caps: { a: sectorCap } },
        };
        const r = resolveConstraints(n, constraints);
        for (const m of ["min_variance", "max_sharpe", "inverse_vol", "hrp"] as const) {
          const res = optimizePortfolio(m, cov, { expectedReturns: mu, constraints });
          if (res.notes.some((x) => x.includes("lowered"))) continue;
          expect(Math.abs(sum(res.weights) - 1)).toBeLessThan(1e-7);
          expect(violation(r, res.weights, 1e-7)).toBeNull();
        }
      }),
      { numRuns: 30 },
    );
  });

  it("hierarchical budgets (80/40/15 defaults) hold; unreachable net is lowered with a note", () => {
    fc.assert(
      fc.property(covArb, ({ n, cov, mu }) => {
        const strategyOf = Array.from({ length: n }, (_, i) => `s${i % 2}`);
        const constraints: PortfolioConstraints = { budgets: { strategyOf } };
        const r = resolveConstraints(n, constraints);
        for (const m of METHODS) {
          const res = optimizePortfolio(m, cov, { expectedReturns: mu, constraints });
          expect(violation(r, res.weights, 1e-8)).toBeNull();
          const reachable = [0, 1].reduce(
            (s, k) => s + Math.min(0.4, 0.15 * strategyOf.filter((x) => x === `s${k}`).length),
            0,
          );
          const target = Math.min(0.8, reachable);
          expect(Math.abs(sum(res.weights) - target)).toBeLessThan(1e-7);
          if (target < 0.8) expect(res.notes.join(" ")).toMatch(/lowered/);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("min_variance QP is no worse than random feasible portfolios", () => {
    fc.assert(
      fc.property(
        covArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
        ({ n, cov }, raw) => {
          const res = optimizePortfolio("min_variance", cov);
          const q = (w: ArrayLike<number>) => {
            let s = 0;
            for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += w[i] * cov[i * n + j] * w[j];
            return s;
          };
          const z = raw.slice(0, n);
          const t = sum(z) || 1;
          expect(q(res.weights)).toBeLessThanOrEqual(q(z.map((v) => (sum(z) ? v / t : 1 / n))) + 1e-12);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("risk parity equalizes risk contributions", () => {
    fc.assert(
      fc.property(covArb, ({ n, cov }) => {
        const res = riskParityWeights(cov, n);
        if (typeof res === "string") throw new Error(res);
        const w = res.weights;
        const rc = Array.from(w, (wi, i) => {
          let s = 0;
          for (let j = 0; j < n; j++) s += cov[i * n + j] * w[j];
          return wi * s;
        });
        const mean = sum(rc) / n;
        for (const v of rc) expect(Math.abs(v - mean)).toBeLessThan(1e-8 * Math.max(mean, 1e-12));
      }),
      { numRuns: 50 },
    );
  });

  it("solveQp meets its KKT conditions on a box-and-budget problem", () => {
    fc.assert(
      fc.property(covArb, ({ n, cov, mu }) => {
        const cons = [
          { a: new Float64Array(n).fill(1), b: 1, type: "eq" as const },
          ...Array.from({ length: n }, (_, i) => ({
            a: Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
            b: 0,
            type: "ge" as const,
          })),
        ];
        const res = solveQp(
          cov,
          mu.map((v) => -v),
          cons,
        );
        expect(res.status).toBe("optimal");
        // Gradient g = Σx − μ: equal (= −λ) on the positive weights and ≥ that on the zeros.
        const g = Array.from({ length: n }, (_, i) => {
          let s = -mu[i];
          for (let j = 0; j < n; j++) s += cov[i * n + j] * res.x[j];
          return s;
        });
        const pos = [...Array(n).keys()].filter((i) => res.x[i] > 1e-9);
        const level = g[pos[0]];
        for (const i of pos) expect(Math.abs(g[i] - level)).toBeLessThan(1e-9);
        for (let i = 0; i < n; i++) if (res.x[i] <= 1e-9) expect(g[i]).toBeGreaterThanOrEqual(level - 1e-9);
      }),
      { numRuns: 50 },
    );
  });

  it("rebalance: band-held names keep their weight, trades never overshoot, turnover ≤ cap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (pairs, band, cap) => {
          const target = pairs.map((p) => p[0]),
            current = pairs.map((p) => p[1]);
          const r = rebalance(target, current, { band, maxTurnover: cap });
          expect(r.turnover).toBeLessThanOrEqual(cap + 1e-12);
          r.weights.forEach((w, i) => {
            if (Math.abs(target[i] - current[i]) < band) expect(w).toBe(current[i]);
            expect(w).toBeGreaterThanOrEqual(Math.min(target[i], current[i]) - 1e-15);
            expect(w).toBeLessThanOrEqual(Math.max(target[i], current[i]) + 1e-15);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
