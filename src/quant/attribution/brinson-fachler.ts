/**
 * Brinson–Fachler sector attribution against the equal-weighted (1/N) universe: Brinson &
 * Fachler (1985, "Measuring non-US equity portfolio performance", J. Portfolio Management
 * 11(3)), the allocation term measured against the benchmark's total return, on the
 * decomposition of Brinson, Hood & Beebower (1986, "Determinants of portfolio performance",
 * Financial Analysts Journal 42(4)).
 *
 * Per bar t (dropped below), over the M symbols with a return that bar:
 *
 *   b_i = 1/M (0 without a return)             benchmark weights
 *   w_s = Σ_{i∈s} w_i,   b_s = Σ_{i∈s} b_i       sector weights (w_s includes non-trading names)
 *   R_s = Σ_{i∈s} w_i·r_i / w_s                  (0 when w_s = 0; r NaN → 0)
 *   B_s = Σ_{i∈s} b_i·r_i / b_s                  (0 when b_s = 0),   B = Σ_s b_s·B_s = mean r
 *   allocation_s = (w_s − b_s)·(B_s − B)
 *   selection_s  = w_s·(R_s − B_s) = Σ_{i∈s} w_i·r_i − w_s·B_s
 *
 * The interaction term w_s·(R_s − B_s) − b_s·(R_s − B_s) is folded into selection (selection
 * is measured with the portfolio's weights, not the benchmark's). The second form of selection
 * is the one computed: it equals the first whenever w_s ≠ 0, and when a long and a short net
 * to w_s = 0 it keeps the sector's P&L (all of it selection) instead of dropping it.
 * Cash — what the book does not hold, 1 − Σ_i w_i (negative when levered) — is one more sector
 * with return 0 and benchmark weight 0: allocation_cash = (1 − Σ w)·(0 − B), selection 0 (its
 * interest, if any, is outside Σ w·r: the `other` of contributionAttribution). With it,
 *
 *   Σ_s (allocation_s + selection_s) + allocation_cash = Σ_i w_i·r_i − B      exactly,
 *
 * the gross active return of the bar, before costs (Σ_s b_s = 1 makes the B terms cancel).
 * A bar without any return has B = 0 and every term 0.
 *
 * Linking over bars uses the weights of contributionAttribution: each bar's terms are scaled by
 * G[t−1], the book's net compounding path (costs included), and added arithmetically. The
 * linked terms therefore sum to
 *
 *   Σ_t G[t−1]·(gross_t − B_t) = Σ_i contribution_i − Σ_t G[t−1]·B_t
 *
 * (contribution_i of contributionAttribution): the book's gross P&L less what the 1/N universe
 * would have made on the book's equity path. It is not the compounded active return
 * G[T−1] − Π_t (1 + B_t), which also holds the costs, the cash interest, and the difference of
 * compounding the benchmark on its own path; `active`, `benchmarkLinked` and both compounded
 * returns are returned so each reading can be checked.
 */
import { checkBook, grossReturn, growthPath, labelIndex } from "./inputs.ts";
import { Sums } from "./sums.ts";

export interface BrinsonFachlerOptions {
  /** The book's net return per row (as in contributionAttribution); default Σ w·r − cost. Used for G only. */
  net?: ArrayLike<number>;
}

export interface BrinsonFachlerDaily {
  /** T × S, row-major: allocation_s and selection_s of each bar. */
  allocation: Float64Array;
  selection: Float64Array;
  /** T: allocation of cash, −(1 − Σ_i w_i)·B. */
  cash: Float64Array;
  /** T: Σ_i w·r (before costs) and B (the 1/N universe's return; 0 when no symbol has a return). */
  gross: Float64Array;
  benchmark: Float64Array;
  /** T × S: the book's and the benchmark's sector weights w_s, b_s. */
  weight: Float64Array;
  benchmarkWeight: Float64Array;
}

export interface BrinsonFachlerAttribution {
  /** Sector labels in order of first appearance (S of them). */
  sectors: string[];
  /** Per sector, Σ_t G[t−1]·term_t. */
  allocation: Float64Array;
  selection: Float64Array;
  cashAllocation: number;
  /** Σ_t G[t−1]·(gross_t − B_t), computed from gross and B: = Σ allocation + Σ selection + cashAllocation. */
  active: number;
  /** Σ_t G[t−1]·gross_t (= Σ_i contribution_i of contributionAttribution) and Σ_t G[t−1]·B_t. */
  grossLinked: number;
  benchmarkLinked: number;
  /** G[T−1] − 1 (net of costs) and Π_t (1 + B_t) − 1. */
  portfolioReturn: number;
  benchmarkReturn: number;
  daily: BrinsonFachlerDaily;
}

/**
 * Brinson–Fachler allocation and selection per sector of the book (weights, returns, costs as
 * in contributionAttribution), `sectors` one label per asset, linked with G[t−1].
 */
export function brinsonFachler(
  weights: Float64Array,
  returns: Float64Array,
  costs: ArrayLike<number>,
  nAssets: number,
  sectors: readonly string[],
  opts: BrinsonFachlerOptions = {},
): BrinsonFachlerAttribution {
  const fn = "brinsonFachler";
  const book = checkBook(fn, weights, returns, costs, nAssets, opts.net);
  const { nRows: T, nAssets: N } = book;
  const sec = labelIndex(fn, "sectors", sectors, N, "N (one per asset)");
  const S = sec.names.length;
  const G = growthPath(book.net);
  const daily: BrinsonFachlerDaily = {
    allocation: new Float64Array(T * S),
    selection: new Float64Array(T * S),
    cash: new Float64Array(T),
    gross: new Float64Array(T),
    benchmark: new Float64Array(T),
    weight: new Float64Array(T * S),
    benchmarkWeight: new Float64Array(T * S),
  };
  // Linked slots: S allocations, S selections, cash, active, gross, benchmark.
  const acc = new Sums(2 * S + 4);
  const scratch = { wr: new Float64Array(S), count: new Float64Array(S), rSum: new Float64Array(S) };
  for (let t = 0; t < T; t++) {
    const g = t > 0 ? G[t - 1] : 1;
    barTerms(weights, returns, N, sec.index, S, t, daily, scratch);
    for (let s = 0; s < S; s++) {
      acc.add(s, g * daily.allocation[t * S + s]);
      acc.add(S + s, g * daily.selection[t * S + s]);
    }
    const gross = daily.gross[t],
      B = daily.benchmark[t];
    acc.add(2 * S, g * daily.cash[t]);
    acc.add(2 * S + 1, g * (gross - B));
    acc.add(2 * S + 2, g * gross);
    acc.add(2 * S + 3, g * B);
  }
  let bench = 1;
  for (let t = 0; t < T; t++) bench *= 1 + daily.benchmark[t];
  return {
    sectors: sec.names,
    allocation: acc.values(0, S),
    selection: acc.values(S, S),
    cashAllocation: acc.value(2 * S),
    active: acc.value(2 * S + 1),
    grossLinked: acc.value(2 * S + 2),
    benchmarkLinked: acc.value(2 * S + 3),
    portfolioReturn: T > 0 ? G[T - 1] - 1 : 0,
    benchmarkReturn: bench - 1,
    daily,
  };
}

/** Fills row t of `daily`: sector weights, B, gross, and each sector's allocation and selection, and cash. */
function barTerms(
  weights: Float64Array,
  returns: Float64Array,
  N: number,
  sector: Int32Array,
  S: number,
  t: number,
  daily: BrinsonFachlerDaily,
  scratch: { wr: Float64Array; count: Float64Array; rSum: Float64Array },
): void {
  const { wr, count, rSum } = scratch;
  const o = t * N;
  const ws = daily.weight.subarray(t * S, (t + 1) * S);
  wr.fill(0);
  count.fill(0);
  rSum.fill(0);
  let held = 0,
    m = 0,
    rAll = 0;
  for (let i = 0; i < N; i++) {
    const s = sector[i];
    const w = weights[o + i];
    ws[s] += w;
    held += w;
    const r = returns[o + i];
    if (r !== r) continue;
    wr[s] += w * r;
    count[s]++;
    rSum[s] += r;
    m++;
    rAll += r;
  }
  const B = m > 0 ? rAll / m : 0;
  for (let s = 0; s < S; s++) {
    const bs = m > 0 ? count[s] / m : 0;
    const Bs = count[s] > 0 ? rSum[s] / count[s] : 0;
    daily.benchmarkWeight[t * S + s] = bs;
    daily.allocation[t * S + s] = (ws[s] - bs) * (Bs - B);
    daily.selection[t * S + s] = wr[s] - ws[s] * Bs;
  }
  daily.cash[t] = -(1 - held) * B;
  daily.gross[t] = grossReturn(weights, returns, t, N);
  daily.benchmark[t] = B;
}
