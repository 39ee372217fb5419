import { StrataError } from "../../core/errors.ts";
import { tearsheet, type Tearsheet, type TearsheetOptions } from "../stats/tearsheet.ts";
import { REGIMES, type Regime } from "./market-regimes.ts";

export interface RegimeMetricsOptions extends TearsheetOptions {
  /**
   * Periods between a state and the return it labels. Default 1: r_t is grouped under the state
   * known at t − 1 — the state at t is computed from r_t itself, so lag 0 would file a crash day
   * under the risk-off state that the crash produced. Use 0 for a purely descriptive split.
   */
  lag?: number;
}

export interface RegimeSlice {
  /** Number of returns labelled with this state. */
  periods: number;
  /** periods / all labelled periods. */
  fraction: number;
  /** Tearsheet of the state's returns concatenated in time order (as if invested only then). */
  metrics: Tearsheet | null;
}

/**
 * Per-regime tearsheets: groups `returns[t]` by `states[t − lag]` and applies `tearsheet` to
 * each group (with the benchmark sliced the same way when given). Periods whose state is null
 * (warm-up) are left out. A group with no periods gets `metrics: null`.
 */
export function regimeMetrics(
  returns: ArrayLike<number>,
  states: ArrayLike<Regime | null>,
  opts: RegimeMetricsOptions = {},
): Record<Regime, RegimeSlice> {
  const n = returns.length;
  if (states.length !== n) {
    throw new StrataError(
      "ARGUMENT",
      `regimeMetrics: ${n} returns but ${states.length} states; expected one state per return`,
      {
        hint: "compute the states on the same dates as the returns (align them first)",
      },
    );
  }
  const lag = opts.lag ?? 1;
  if (!Number.isInteger(lag) || lag < 0) {
    throw new StrataError("ARGUMENT", `regimeMetrics: lag must be a non-negative integer, got ${lag}`, {
      hint: "1 = use the state known before the return",
    });
  }
  const groups = new Map<Regime, number[]>(REGIMES.map((g) => [g, []]));
  let labelled = 0;
  for (let t = lag; t < n; t++) {
    const s = states[t - lag];
    if (s === null) continue;
    const g = groups.get(s);
    if (!g) {
      throw new StrataError("ARGUMENT", `regimeMetrics: unknown state "${String(s)}" at index ${t - lag}`, {
        hint: `states are ${REGIMES.join(", ")} or null`,
      });
    }
    g.push(t);
    labelled++;
  }
  const { lag: _lag, benchmark, riskFree, ...rest } = opts;
  const out = {} as Record<Regime, RegimeSlice>;
  for (const g of REGIMES) {
    const idx = groups.get(g)!;
    const pick = (a: ArrayLike<number>) => Float64Array.from(idx, (t) => a[t]);
    out[g] = {
      periods: idx.length,
      fraction: labelled === 0 ? NaN : idx.length / labelled,
      metrics:
        idx.length === 0
          ? null
          : tearsheet(pick(returns), {
              ...rest,
              riskFree: riskFree === undefined || typeof riskFree === "number" ? riskFree : pick(riskFree),
              benchmark: benchmark ? pick(benchmark) : undefined,
            }),
    };
  }
  return out;
}
