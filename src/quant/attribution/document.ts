/**
 * The attribution document of a held book (a backtest cell's `attribution.json`, the paper
 * ledger's `pipeline attribution paper`): where the compounded return came from — by symbol, by
 * sector (with Brinson–Fachler allocation and selection against the 1/N universe), by year,
 * month and market regime — and the book's exposures to the price-only factors (market, size,
 * 12-1 momentum, a long-term-reversal value proxy, low volatility) with the alpha they leave,
 * over the whole period and rolling (sampled at each month's last bar).
 *
 * Every contribution is the bar's P&L scaled by the growth before it, so the symbols' terms plus
 * costs (plus `other`) add up to the book's total return exactly; a period's `own` terms add up
 * to that period's own compounded return. One builder for both books, so a cell and the paper
 * book read the same way.
 */
import { sha256 } from "../../core/hash.ts";
import { roundOrNull } from "../../core/round.ts";
import { brinsonFachler } from "./brinson-fachler.ts";
import { contributionAttribution, type AttributionTerms } from "./contribution.ts";
import { factorRegression, rollingFactorRegression } from "./factor-regression.ts";
import { type FactorReturns, factorReturns } from "./factor-returns.ts";

const r = (x: number) => roundOrNull(x);

export interface AttributionDocumentInputs {
  /** The N symbols of the universe (the columns of every T × N array). */
  symbols: readonly string[];
  /** The book's days, YYYY-MM-DD (T rows). */
  dates: readonly string[];
  /** T × N weights held over each day (as fractions of the equity before it). */
  weights: Float64Array;
  /** T × N each symbol's return over each day (NaN: none). */
  returns: Float64Array;
  /** T: each day's costs over the equity before it; the book's net return. */
  costs: Float64Array;
  net: Float64Array;
  /** Each symbol's sector, or null without sectors (no sector rows, no Brinson). */
  sectors: readonly string[] | null;
  /** T: each day's market regime ("unknown" where none). */
  regimes: readonly string[];
  /**
   * The prices the factors are built from, point in time: F × N closes (and volumes) whose last
   * T rows are the book's days — the rows before give the factors their history (value needs
   * five years).
   */
  factorPanel: { close: Float64Array; volume?: Float64Array };
  /** Rolling regression window in bars (default 126). */
  rollingWindow?: number;
  /** What the document is about, in its sentences ("cell" by default, "book" for the paper book). */
  subject?: string;
}

/** The attribution document (the same fields for a backtest cell and the paper book). */
export function attributionDocument(x: AttributionDocumentInputs): Record<string, unknown> {
  const N = x.symbols.length;
  const { weights, returns, costs, net, sectors, dates } = x;
  const T = dates.length;
  const groups = sectors ?? undefined;
  const whole = contributionAttribution(weights, returns, costs, N, { net, groups });
  const o = whole.overall;
  const periodRows = (labels: readonly string[]) =>
    contributionAttribution(weights, returns, costs, N, { net, groups, periods: [...labels] }).periods!.map((p) => ({
      period: p.label,
      days: p.rows,
      contribution: r(p.linked.total),
      own_return: r(p.own.total),
      own_cost: r(p.own.cost),
    }));
  return {
    period: { start: dates[0] ?? null, end: dates.at(-1) ?? null, days: T },
    total_return: r(o.total),
    cost: r(o.cost),
    other: r(o.other),
    by_symbol: symbolRows(x.symbols, o),
    by_sector: sectors ? whole.groupLabels!.map((sector, k) => ({ sector, contribution: r(o.groups![k]) })) : null,
    brinson: sectors ? brinson(x, sectors) : null,
    by_year: periodRows(dates.map((d) => d.slice(0, 4))),
    by_month: periodRows(dates.map((d) => d.slice(0, 7))),
    by_regime: periodRows(x.regimes),
    factors: factors(x),
  };
}

function symbolRows(symbols: readonly string[], o: AttributionTerms) {
  return symbols
    .map((symbol, i) => ({ symbol, contribution: o.symbols[i] }))
    .filter((x) => x.contribution !== 0)
    .sort((a, b) => b.contribution - a.contribution || (a.symbol < b.symbol ? -1 : 1))
    .map((x) => ({ symbol: x.symbol, contribution: r(x.contribution) }));
}

function brinson(x: AttributionDocumentInputs, sectors: readonly string[]) {
  const b = brinsonFachler(x.weights, x.returns, x.costs, x.symbols.length, sectors, { net: x.net });
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

/**
 * The factor returns of the last panels met, by content (N, and the bytes of the closes and
 * volumes): every backtest cell of a study attributes against the same price panel, and one
 * computation takes ~0.7 s (the default study's matrix made it 30 times over, one thread).
 * Factor returns are a pure function of the panel, so a kept one is the same numbers; callers
 * only read them.
 */
const recentFactors: Array<{ key: string; value: FactorReturns }> = [];
const KEPT_FACTORS = 2;

function factorReturnsOf(close: Float64Array, N: number, volume: Float64Array | undefined): FactorReturns {
  const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const key = `${N}:${sha256(bytes(close))}:${volume ? sha256(bytes(volume)) : "-"}`;
  const kept = recentFactors.find((e) => e.key === key);
  if (kept) return kept.value;
  const value = factorReturns(close, N, { volume });
  recentFactors.unshift({ key, value });
  recentFactors.length = Math.min(recentFactors.length, KEPT_FACTORS);
  return value;
}

/** Exposures over the whole period and rolling, sampled at each month's last bar. */
function factors(x: AttributionDocumentInputs) {
  const N = x.symbols.length;
  const { close, volume } = x.factorPanel;
  const f = factorReturnsOf(close, N, volume);
  const y = x.net;
  const T = y.length,
    s = close.length / N - T,
    all = f.names.length;
  // A factor needs its history (value: five years) before it has returns: one without a return on
  // most of the book's days is left out of the regression, and named.
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
  const roll = rollingFactorRegression(y, X, K, { window: x.rollingWindow ?? 126 });
  const dates = x.dates;
  const rolling: Record<string, unknown>[] = [];
  for (let t = 0; t < T; t++) {
    const monthEnd = t === T - 1 || dates[t + 1].slice(0, 7) !== dates[t].slice(0, 7);
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
      .map((n) => ({
        factor: n,
        why: `no return on most of the ${x.subject ?? "cell"}'s days (its history is longer than the data)`,
      })),
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
