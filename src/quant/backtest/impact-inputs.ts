/**
 * Point-in-time inputs of the square-root impact model (costs.ts) from a price panel: σ the
 * sample standard deviation of the last `window` returns up to row t (Welford's algorithm,
 * stats/variance.ts), ADV the mean traded value (close × volume) of the last `window` rows up to
 * t (compensated sum, stats/mean.ts). After a symbol's last row both keep their last value (a
 * delisted position can still be sold). σ is 0 with fewer than two returns in the window (no
 * impact charged for a name without history); ADV is NaN with no traded value (the engine
 * refuses to trade such a name with impact on).
 */
import { mean } from "../stats/mean.ts";
import { variance } from "../stats/variance.ts";
import type { PricePanel } from "./panel.ts";
import type { ImpactModel } from "./types.ts";

export interface TrailingImpactOptions {
  k: number;
  /** Currency value of equity 1. */
  capital: number;
  /** Trailing rows for σ and ADV (≥ 2). */
  window: number;
}

/** σ and ADV per row and asset (T × N), uses rows ≤ t only. `dollarVolume` is T × N (NaN where absent). */
export function trailingImpactInputs(
  panel: PricePanel,
  dollarVolume: Float64Array,
  opts: TrailingImpactOptions,
): ImpactModel {
  const { nRows: T, nAssets: N } = panel;
  const w = opts.window;
  const sigma = new Float64Array(T * N),
    adv = new Float64Array(T * N);
  const rets = new Float64Array(w),
    vols = new Float64Array(w);
  for (let i = 0; i < N; i++) {
    let lastSigma = 0,
      lastAdv = NaN;
    for (let t = 0; t < T; t++) {
      if (t <= panel.last[i]) {
        const k0 = Math.max(0, t - w + 1),
          m = t - k0 + 1;
        for (let k = 0; k < m; k++) {
          rets[k] = panel.returns[(k0 + k) * N + i];
          vols[k] = dollarVolume[(k0 + k) * N + i];
        }
        const v = variance(rets.subarray(0, m));
        lastSigma = v === v ? Math.sqrt(Math.max(0, v)) : 0;
        lastAdv = mean(vols.subarray(0, m));
      }
      sigma[t * N + i] = lastSigma;
      adv[t * N + i] = lastAdv;
    }
  }
  return { k: opts.k, sigma, adv, capital: opts.capital };
}
