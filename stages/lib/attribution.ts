/**
 * A backtest cell's performance attribution (src/quant/attribution), written beside its
 * metrics as `attribution.json`: where the compounded return came from — by symbol, by sector
 * (and Brinson–Fachler allocation and selection against the 1/N universe), by year, month and
 * market regime — and the book's exposures to five factors built point in time from the same
 * prices (market, size, 12-1 momentum, a long-term-reversal value proxy, low volatility) with
 * the alpha they leave unexplained, over the whole period and rolling (sampled at month ends).
 *
 * Every contribution is the bar's P&L scaled by the growth before it, so the symbols' terms
 * plus costs (plus cash interest) add up to the cell's total return exactly; a period's `own`
 * terms add up to that period's own compounded return.
 */
import { roundOrNull } from "../../src/core/round.ts";
import {
  brinsonFachler,
  contributionAttribution,
  factorRegression,
  factorReturns,
  heldWeights,
  rollingFactorRegression,
  type AttributionTerms,
} from "../../src/quant/attribution/index.ts";
import type { Evaluation, Market } from "./portfolio.ts";
import { isoDate } from "./portfolio.ts";

const r = (x: number) => roundOrNull(x);

/** The attribution document of a cell's base evaluation, from its first trade on. */
export function attributionDoc(market: Market, ev: Evaluation): Record<string, unknown> {
  const { panel } = market;
  const N = panel.nAssets,
    s = ev.start,
    T = panel.nRows;
  const weights = heldWeights(ev.base.holdings, N).subarray(s * N);
  const returns = panel.returns.subarray(s * N);
  const costs = ev.base.costs.subarray(s),
    net = ev.base.net.subarray(s);
  const dates = Array.from(panel.days.subarray(s), (d) => isoDate(d));
  const regimes = market.states.slice(s).map((x) => x ?? "unknown");
  const sectors = market.sectors;
  const byLabel = (periods: string[]) =>
    contributionAttribution(weights, returns, costs, N, { net, groups: sectors ?? undefined, periods }).periods!;
  const whole = contributionAttribution(weights, returns, costs, N, { net, groups: sectors ?? undefined });
  const o = whole.overall;
  const periodRows = (labels: string[]) =>
    byLabel(labels).map((p) => ({
      period: p.label,
      days: p.rows,
      contribution: r(p.linked.total),
      own_return: r(p.own.total),
      own_cost: r(p.own.cost),
    }));
  return {
    period: { start: dates[0] ?? null, end: dates.at(-1) ?? null, days: T - s },
    total_return: r(o.total),
    cost: r(o.cost),
    other: r(o.other),
    by_symbol: symbolRows(panel.symbols, o),
    by_sector: sectors ? sectorRows(whole.groupLabels!, o) : null,
    brinson: sectors ? brinson(weights, returns, costs, N, sectors, net) : null,
    by_year: periodRows(dates.map((d) => d.slice(0, 4))),
    by_month: periodRows(dates.map((d) => d.slice(0, 7))),
    by_regime: periodRows(regimes),
    factors: factors(market, ev, dates),
  };
}

function symbolRows(symbols: readonly string[], o: AttributionTerms) {
  return symbols
    .map((symbol, i) => ({ symbol, contribution: o.symbols[i] }))
    .filter((x) => x.contribution !== 0)
    .sort((a, b) => b.contribution - a.contribution || (a.symbol < b.symbol ? -1 : 1))
    .map((x) => ({ symbol: x.symbol, contribution: r(x.contribution) }));
}

function sectorRows(labels: readonly string[], o: AttributionTerms) {
  return labels.map((sector, k) => ({ sector, contribution: r(o.groups![k]) }));
}

function brinson(
  weights: Float64Array,
  returns: Float64Array,
  costs: Float64Array,
  N: number,
  sectors: readonly string[],
  net: Float64Array,
) {
  const b = brinsonFachler(weights, returns, costs, N, sectors, { net });
  return {
    benchmark: "1/N over the symbols with a return each day",
    sectors: b.sectors.map((sector, k) => ({
      sector,
      allocation: r(b.allocation[k]),
      selection: r(b.selection[k]),
    })),
    cash_allocation: r(b.cashAllocation),
    active_linked: r(b.active),
    portfolio_return: r(b.portfolioReturn),
    benchmark_return: r(b.benchmarkReturn),
  };
}

/** Exposures over the whole period and rolling (126 bars), sampled at each month's last bar. */
function factors(market: Market, ev: Evaluation, dates: string[]) {
  const { panel } = market;
  const N = panel.nAssets,
    s = ev.start;
  const volume = Float64Array.from(market.dollarVolume, (dv, k) => dv / panel.close[k]);
  const f = factorReturns(panel.close, N, { volume });
  const y = ev.base.net.subarray(s);
  // A factor needs its history (value: five years) before it has returns: one without a return on
  // most of the cell's days is left out of the regression, and named.
  const T = y.length,
    all = f.names.length;
  const keep = f.names
    .map((_, k) => k)
    .filter((k) => {
      let n = 0;
      for (let t = 0; t < T; t++) if (Number.isFinite(f.matrix[(s + t) * all + k])) n++;
      return n >= T / 2;
    });
  const names = keep.map((k) => f.names[k]);
  const K = names.length;
  const X = new Float64Array(T * K);
  for (let t = 0; t < T; t++) for (let j = 0; j < K; j++) X[t * K + j] = f.matrix[(s + t) * all + keep[j]];
  const fit = factorRegression(y, X, K, { names });
  const roll = rollingFactorRegression(y, X, K, { window: 126 });
  const rolling: Record<string, unknown>[] = [];
  for (let t = 0; t < dates.length; t++) {
    const monthEnd = t === dates.length - 1 || dates[t + 1].slice(0, 7) !== dates[t].slice(0, 7);
    if (!monthEnd || !Number.isFinite(roll.alpha[t])) continue;
    rolling.push({
      date: dates[t],
      alpha: r(roll.alpha[t]),
      ...Object.fromEntries(names.map((n, k) => [n, r(roll.exposures[t * K + k])])),
    });
  }
  return {
    size_proxy: f.sizeProxy,
    left_out: f.names
      .filter((n) => !names.includes(n))
      .map((n) => ({ factor: n, why: "no return on most of the cell's days (its history is longer than the data)" })),
    value_proxy: "long-term reversal (5-year return skipping the last year): no fundamentals in the data",
    fit: fit.ok
      ? {
          observations: fit.nObservations,
          alpha_annualized: r(fit.alphaAnnualized),
          alpha_t: r(fit.alphaTStat),
          r_squared: r(fit.rSquared),
          exposures: Object.fromEntries(names.map((n, k) => [n, r(fit.exposures[k])])),
          t_stats: Object.fromEntries(names.map((n, k) => [n, r(fit.tStats[k])])),
        }
      : null,
    rolling,
  };
}
