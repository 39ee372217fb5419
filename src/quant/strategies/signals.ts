/**
 * The signal functions: one parameter set's decisions d[t,i] ∈ {−1, 0, +1} (T × N, row-major),
 * made at the close of bar t from bars ≤ t (the rule of each kind is in its file). These are the
 * decisions evaluateStrategies trades lag bars later; the same features and kernels compute them.
 */
import { parseParams } from "./kind.ts";
import { type StrategyKindName, type StrategyParamsInputByKind, strategyKind } from "./kinds.ts";
import { type StrategyPanel, symbolColumns, validatePanel } from "./panel.ts";
import { plan } from "./plan.ts";

/** Decisions of one parameter set of `kind` on `panel`, row-major T × N. */
export function strategySignals<K extends StrategyKindName>(
  kind: K,
  panel: StrategyPanel,
  params: StrategyParamsInputByKind[K],
): Int8Array {
  const spec = strategyKind(kind, "strategySignals");
  validatePanel(panel, "strategySignals");
  const p = parseParams(spec, params);
  const cols = symbolColumns(panel);
  const { T, N } = cols;
  const { L, specs, fill, kernel } = plan(spec, [p], cols);
  const out = new Int8Array(T * N),
    feat = new Float64Array(specs.length * L),
    decided = new Int8Array(L);
  for (let t0 = 0; t0 < T; t0 += L) {
    const n = Math.min(L, T - t0);
    for (let i = 0; i < N; i++) {
      fill(i, t0, n, feat);
      kernel.decide(i, 0, t0, n, feat, decided, 0);
      for (let j = 0; j < n; j++) out[(t0 + j) * N + i] = decided[j];
    }
  }
  return out;
}

type Params<K extends StrategyKindName> = StrategyParamsInputByKind[K];

/** Moving-average crossover decisions (ma-cross.ts). */
export const maCrossSignals = (panel: StrategyPanel, params: Params<"ma_cross">) =>
  strategySignals("ma_cross", panel, params);
/** Time-series momentum decisions (ts-momentum.ts). */
export const tsMomentumSignals = (panel: StrategyPanel, params: Params<"ts_momentum">) =>
  strategySignals("ts_momentum", panel, params);
/** Donchian breakout decisions (donchian.ts). */
export const donchianSignals = (panel: StrategyPanel, params: Params<"donchian">) =>
  strategySignals("donchian", panel, params);
/** Bollinger mean-reversion decisions (mean-reversion.ts). */
export const meanReversionSignals = (panel: StrategyPanel, params: Params<"mean_reversion">) =>
  strategySignals("mean_reversion", panel, params);
/** Breakout with ATR trailing stop decisions (trend-atr.ts). */
export const trendAtrSignals = (panel: StrategyPanel, params: Params<"trend_atr">) =>
  strategySignals("trend_atr", panel, params);
