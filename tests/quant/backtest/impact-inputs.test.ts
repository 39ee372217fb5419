/**
 * Trailing σ and ADV for the impact model (src/quant/backtest/impact-inputs.ts): hand-computed
 * values, point in time, values kept after a delisting, and digits kept where the one-pass
 * formula Σx² − (Σx)²/n used before loses them.
 */
import { describe, expect, it } from "vitest";
import { trailingImpactInputs } from "../../../src/quant/backtest/impact-inputs.ts";
import { pricePanel } from "../../../src/quant/backtest/panel.ts";

/** One symbol "A" with these closes on days 0…T−1, and dollar volumes dv (T values). */
function panel1(close: number[]) {
  return pricePanel(
    close.map((_, t) => t),
    close.map(() => "A"),
    close,
  );
}

describe("trailing impact inputs", () => {
  it("σ = sample std of the window's returns, ADV = mean dollar volume (hand computation)", () => {
    // Closes 100, 110, 99, 99: returns NaN, 0.1, −0.1, 0. Window 3 at row 3: returns
    // {0.1, −0.1, 0}: mean 0, sample variance (0.01 + 0.01 + 0)/2 = 0.01, σ = 0.1.
    const p = panel1([100, 110, 99, 99]);
    const dv = Float64Array.from([1, 2, 3, 5]);
    const m = trailingImpactInputs(p, dv, { k: 1, capital: 1e6, window: 3 });
    expect(m.sigma[3]).toBeCloseTo(0.1, 15);
    expect(m.adv[3]).toBeCloseTo((2 + 3 + 5) / 3, 15);
    // Row 1: one return only → σ 0 (no impact without history); ADV over rows 0–1.
    expect(m.sigma[1]).toBe(0);
    expect(m.adv[1]).toBe(1.5);
    // Row 2: returns {0.1, −0.1}: variance 0.02, σ = √0.02.
    expect(m.sigma[2]).toBeCloseTo(Math.sqrt(0.02), 15);
    expect(m.k).toBe(1);
    expect(m.capital).toBe(1e6);
  });

  it("uses rows ≤ t only: perturbing later rows leaves earlier values bit-identical", () => {
    const close = Array.from({ length: 60 }, (_, t) => 100 * (1 + 0.01 * Math.sin(t * 1.7)));
    const dv = Float64Array.from({ length: 60 }, (_, t) => 1e6 + 1e4 * Math.cos(t));
    const a = trailingImpactInputs(panel1(close), dv, { k: 1, capital: 1, window: 20 });
    const close2 = close.map((c, t) => (t > 30 ? c * 1.5 : c));
    const dv2 = dv.map((v, t) => (t > 30 ? v * 9 : v));
    const b = trailingImpactInputs(panel1(close2), dv2, { k: 1, capital: 1, window: 20 });
    for (let t = 0; t <= 30; t++) {
      expect(b.sigma[t]).toBe(a.sigma[t]);
      expect(b.adv[t]).toBe(a.adv[t]);
    }
    expect(b.sigma[31]).not.toBe(a.sigma[31]);
  });

  it("keeps the last values after a symbol's last row (a delisted name can still be sold)", () => {
    // B stops after day 2; A trades on.
    const dates = [0, 0, 1, 1, 2, 2, 3, 4];
    const symbols = ["A", "B", "A", "B", "A", "B", "A", "A"];
    const close = [10, 20, 11, 22, 12, 21, 13, 14];
    const p = pricePanel(dates, symbols, close);
    const dv = new Float64Array(p.nRows * p.nAssets).fill(NaN);
    for (let t = 0; t < p.nRows; t++) {
      dv[t * 2] = 100;
      if (t <= 2) dv[t * 2 + 1] = 50 + t;
    }
    const m = trailingImpactInputs(p, dv, { k: 1, capital: 1, window: 3 });
    expect(m.sigma[4 * 2 + 1]).toBe(m.sigma[2 * 2 + 1]);
    expect(m.adv[4 * 2 + 1]).toBe(51);
  });

  it("keeps the digits of a volatility small against its mean", () => {
    // Returns 1e-3 + ε·(±1) with ε = 1e-9: σ ≈ 1e-9·√(n/(n−1)). Σx² − (Σx)²/n cancels ~6 of the
    // 16 digits here; Welford keeps them (relative error < 1e-6).
    const n = 20,
      eps = 1e-9;
    const close = [1];
    for (let t = 1; t <= n; t++) close.push(close[t - 1] * (1 + 1e-3 + (t % 2 ? eps : -eps)));
    const m = trailingImpactInputs(panel1(close), new Float64Array(n + 1).fill(1), { k: 1, capital: 1, window: n });
    const r = Array.from({ length: n }, (_, k) => close[k + 1] / close[k] - 1);
    const mu = r.reduce((a, b) => a + b, 0) / n;
    const exact = Math.sqrt(r.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1));
    expect(Math.abs(m.sigma[n] - exact) / exact).toBeLessThan(1e-6);
  });
});
