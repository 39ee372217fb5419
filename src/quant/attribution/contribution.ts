/**
 * Return contributions of a drifting, daily-rebalanced book, linked to its compounded return.
 *
 * With R[t] the net return of bar t and G[t] = Π_{s≤t} (1 + R[s]) (G[−1] = 1), equity grows by
 * G[t] − G[t−1] = G[t−1]·R[t] on bar t, and these increments telescope:
 *
 *   Σ_t G[t−1]·R[t] = G[T−1] − 1                       (the compounded total return)
 *
 * Writing R[t] = Σ_i w[t,i]·r[t,i] − cost[t] + other[t] splits the total exactly:
 *
 *   contribution_i = Σ_t G[t−1]·w[t,i]·r[t,i]          (r NaN → 0)
 *   cost           = −Σ_t G[t−1]·cost[t]
 *   other          = Σ_t G[t−1]·other[t]               other[t] = R[t] − (Σ_i w·r − cost[t])
 *   Σ_i contribution_i + cost + other = G[T−1] − 1      (to rounding)
 *
 * `other` is what the given `net` holds beyond the assets and the costs — the backtest's cash
 * interest cash[t−1]·cashRate[t] — and 0 when `net` is not given (R is then Σ w·r − cost). Each
 * bar's term is P&L in units of the initial equity (it is earned on G[t−1]), so a contribution
 * is "how much of the final return this asset made", and P&L adds: no smoothing coefficients
 * are needed, unlike the linking of per-bar rates by Carino (1999, "Combining attribution
 * effects over time", J. Performance Measurement 3(4)) or Menchero (2000, "An optimized
 * approach to linking attribution effects over time", J. Performance Measurement 5(1)).
 *
 * Groups of columns (sectors) add their symbols' contributions. Groups of rows (periods: a
 * year "2021", a month "2021-03", a regime label) are attributed two ways:
 * - `linked`: the same G[t−1]-scaled terms, summed over the period's rows: the period's share
 *   of the whole sample's compounded return; it adds to Σ_{t∈p} (G[t] − G[t−1]) (for a
 *   contiguous period G[end] − G[start − 1]), and the periods add to G[T−1] − 1;
 * - `own`: G restarted at 1 at the period's first row, compounding only the period's rows:
 *   the terms add to the period's own compounded return Π_{t∈p} (1 + R[t]) − 1. A label that
 *   recurs (a regime) chains its rows in order, as if invested only on them.
 */
import { checkBook, growthPath, labelIndex, type Labels } from "./inputs.ts";
import { Sums, sumByIndex } from "./sums.ts";

export interface ContributionOptions {
  /**
   * Net return of each row (length T), e.g. the backtest's `net`. Default Σ_i w·r − cost, which
   * is the backtest's `net` when its cashRate is 0; with cash interest pass `net`, the interest
   * then appears as `other`.
   */
  net?: ArrayLike<number>;
  /** One label per asset (length N), e.g. its sector: `groups` sums the contributions per label. */
  groups?: readonly string[];
  /** One label per row (length T): a year, a month, a regime. Adds `periods`. */
  periods?: readonly string[];
}

/** Terms that add up to `total` (to rounding): Σ symbols + cost + other = total = Σ groups + cost + other. */
export interface AttributionTerms {
  /** Per asset (length N), decimal, in units of the equity at the start. */
  symbols: Float64Array;
  /** Per group (order of `groupLabels`), or null without the `groups` option. */
  groups: Float64Array | null;
  /** Costs (≤ 0). */
  cost: number;
  /** What `net` holds beyond Σ w·r − cost (cash interest); 0 without `net`. */
  other: number;
  /** The return these terms explain, computed from the compounding path (not from the terms). */
  total: number;
}

export interface PeriodAttribution {
  label: string;
  /** Rows carrying the label. */
  rows: number;
  /** Shares of the whole sample's compounded return; total = Σ_{t∈p} (G[t] − G[t−1]). */
  linked: AttributionTerms;
  /** G restarted at the period's start; total = Π_{t∈p} (1 + R[t]) − 1. */
  own: AttributionTerms;
}

export interface ContributionAttribution {
  nRows: number;
  nAssets: number;
  /** G[t] = Π_{s≤t} (1 + R[s]): the equity path from 1. */
  growth: Float64Array;
  /** The group labels in order of first appearance, or null. */
  groupLabels: string[] | null;
  /** The whole sample: total = G[T−1] − 1. */
  overall: AttributionTerms;
  /** One entry per period label in order of first appearance, or null without `periods`. */
  periods: PeriodAttribution[] | null;
}

/**
 * Contributions to the compounded return of the book (weights, returns, costs: T × N, T × N,
 * T; see inputs.ts) by asset, by group of assets and by period. Throws a StrataError naming the
 * argument on a bad shape or value.
 */
export function contributionAttribution(
  weights: Float64Array,
  returns: Float64Array,
  costs: ArrayLike<number>,
  nAssets: number,
  opts: ContributionOptions = {},
): ContributionAttribution {
  const fn = "contributionAttribution";
  const book = checkBook(fn, weights, returns, costs, nAssets, opts.net);
  const { nRows: T, nAssets: N, net: R } = book;
  const groups = opts.groups ? labelIndex(fn, "groups", opts.groups, N, "N (one per asset)") : null;
  const periods = opts.periods ? labelIndex(fn, "periods", opts.periods, T, "T (one per row)") : null;
  const P = periods ? periods.names.length : 0;
  const G = growthPath(R);

  // Slots: N symbols, then cost and other (N + 2 per block); block 0 the whole sample, blocks
  // 1 … P the periods linked, blocks P + 1 … 2P the periods on their own. totals: one slot per
  // period for Σ (G[t] − G[t−1]).
  const B = N + 2;
  const acc = new Sums(B * (1 + 2 * P));
  const linkedTotal = new Sums(P);
  const own = new Float64Array(P).fill(1);
  const rows = new Int32Array(P);
  let g = 1;
  for (let t = 0; t < T; t++) {
    const p = periods ? periods.index[t] : -1;
    const lo = (1 + p) * B;
    const oo = (1 + P + p) * B;
    const gp = p >= 0 ? own[p] : 0;
    let gross = 0;
    for (let o = t * N, i = 0; i < N; i++) {
      const r = returns[o + i];
      if (r !== r) continue;
      const c = weights[o + i] * r;
      gross += c;
      acc.add(i, g * c);
      if (p >= 0) {
        acc.add(lo + i, g * c);
        acc.add(oo + i, gp * c);
      }
    }
    const k = costs[t];
    const other = book.netGiven ? R[t] - (gross - k) : 0;
    acc.add(N, -g * k);
    acc.add(N + 1, g * other);
    const next = G[t];
    if (p >= 0) {
      acc.add(lo + N, -g * k);
      acc.add(lo + N + 1, g * other);
      acc.add(oo + N, -gp * k);
      acc.add(oo + N + 1, gp * other);
      linkedTotal.add(p, next - g);
      own[p] = gp * (1 + R[t]);
      rows[p]++;
    }
    g = next;
  }

  const terms = (block: number, total: number): AttributionTerms => {
    const symbols = acc.values(block * B, N);
    return {
      symbols,
      groups: groups ? sumByIndex(symbols, groups.index, groups.names.length) : null,
      cost: acc.value(block * B + N),
      other: acc.value(block * B + N + 1),
      total,
    };
  };
  return {
    nRows: T,
    nAssets: N,
    growth: G,
    groupLabels: groups ? groups.names : null,
    overall: terms(0, T > 0 ? G[T - 1] - 1 : 0),
    periods: periods ? periodTerms(periods, rows, linkedTotal, own, terms) : null,
  };
}

function periodTerms(
  periods: Labels,
  rows: Int32Array,
  linkedTotal: Sums,
  own: Float64Array,
  terms: (block: number, total: number) => AttributionTerms,
): PeriodAttribution[] {
  const P = periods.names.length;
  return periods.names.map((label, p) => ({
    label,
    rows: rows[p],
    linked: terms(1 + p, linkedTotal.value(p)),
    own: terms(1 + P + p, own[p] - 1),
  }));
}
