/**
 * A planted optimum. Prices are a sine cycle of period P = 40 bars (±5 %) times small noise
 * (0.3 % per bar), on 4 symbols with random phases; an MA-crossover grid (long-short, lag 1) over
 * fast 5 … 60 × slow fast + 2 … 120 should find its best Sharpe where the crossover is matched to
 * the cycle.
 *
 * Why, and where. An SMA of w bars passes a cycle of angular frequency ω = 2π/P with the gain
 * H_w = sin(ωw/2) / (w·sin(ω/2)) and a delay of (w − 1)/2 bars, so the crossover signal
 * SMA_f − SMA_s is a cycle with the phase of C = H_f·e^{−iω(f−1)/2} − H_s·e^{−iω(s−1)/2}. The book
 * earns r[t + 2] on a decision made at t (traded at t + 1, held over t + 2): the ideal signal leads
 * the price by a quarter period plus 1.5 bars, arg C = π/2 + 1.5ω. With fast = P the fast average
 * is flat (H_P = 0: a full period averages the cycle out), so the signal is −SMA_s, whose phase is
 * −ω(s − 1)/2 (H_s < 0 for P < s < 2P); matching π/2 + 1.5ω − 2π gives s = 1.5P − 2 = 58. The
 * matched pairs form a ridge through (40, 58): at fast = 45 the same phase is reached near s = 51.
 * Expected region: fast 40 or 45, slow 50 … 60; and far from it (short windows, whose crossover
 * lags and chases the noise) the Sharpe is much lower.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { evaluateStrategies } from "../../../src/quant/strategies/index.ts";

const P = 40,
  T = 2000,
  N = 4;

function cyclePanel(seed: number) {
  const rng = createRng(seed);
  const close = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    const phase = 2 * Math.PI * rng.next();
    for (let t = 0; t < T; t++) {
      close[t * N + i] = 100 * (1 + 0.05 * Math.sin((2 * Math.PI * t) / P + phase)) * (1 + 0.003 * rng.normal());
    }
  }
  return { nRows: T, nAssets: N, close };
}

/** |phase error| of the crossover (fast, slow) against the ideal π/2 + 1.5ω, from the SMA transfer functions. */
function phaseError(fast: number, slow: number): number {
  const w = (2 * Math.PI) / P;
  const sma = (n: number) => {
    let re = 0,
      im = 0;
    for (let k = 0; k < n; k++) {
      re += Math.cos(w * k) / n;
      im -= Math.sin(w * k) / n;
    }
    return [re, im];
  };
  const [a, b] = sma(fast),
    [c, d] = sma(slow);
  const e = Math.atan2(b - d, a - c) - (Math.PI / 2 + 1.5 * w);
  return Math.abs(Math.atan2(Math.sin(e), Math.cos(e)));
}

describe("MA-crossover grid on a planted cycle", () => {
  const sets: Array<{ fast: number; slow: number; long_only: false }> = [];
  for (let fast = 5; fast <= 60; fast += 5)
    for (let slow = fast + 2; slow <= 120; slow += 2) sets.push({ fast, slow, long_only: false });

  for (const seed of [1, 2]) {
    it(`finds its best Sharpe on the matched ridge through (P, 1.5P − 2) = (40, 58) (seed ${seed})`, () => {
      const res = evaluateStrategies("ma_cross", cyclePanel(seed), sets);
      const sharpe = (fast: number, slow: number) =>
        res[sets.findIndex((p) => p.fast === fast && p.slow === slow)].metrics.sharpe;
      let best = 0;
      res.forEach((e, k) => {
        if (e.metrics.sharpe > res[best].metrics.sharpe) best = k;
      });
      const { fast, slow } = sets[best];
      expect([40, 45]).toContain(fast);
      expect(slow).toBeGreaterThanOrEqual(50);
      expect(slow).toBeLessThanOrEqual(60);
      // The best pair is phase-matched (independently of the backtest: transfer functions above).
      expect(phaseError(fast, slow)).toBeLessThan(0.15);
      // The derived pair is within 5 % of the best; short windows are far behind.
      expect(sharpe(40, 58)).toBeGreaterThan(0.95 * res[best].metrics.sharpe);
      expect(res[best].metrics.sharpe).toBeGreaterThan(10);
      expect(sharpe(5, 15)).toBeLessThan(0.5 * res[best].metrics.sharpe);
    });
  }
});
