/**
 * What a backtest cell's decisions really did, beside what it asked for: how often the
 * optimizer fell back and to what, which method produced most of the weights, how much of the
 * intended book the caps left in cash, and how often the selection kept every eligible name
 * (a selection that selects nothing). A cell named `max_sharpe` whose weights all came from
 * `min_variance` is a min-variance cell; these numbers say so.
 *
 * Pure: decisions in, plain numbers out (see signal-portfolio.ts for `Decision`).
 */
import type { PortfolioMethod } from "../portfolio/types.ts";
import type { Decision } from "./signal-portfolio.ts";

export interface DecisionSummaryOptions {
  /** The method the cell asked for. */
  method: PortfolioMethod;
  /** Exposure of each leg (1 for a long-only book). */
  legExposure?: number;
  /** Net exposure each leg's optimizer targets before the leg exposure (1; lower with a portfolio budget). */
  netTarget?: number;
}

export interface DecisionSummary {
  rebalances: number;
  requested: PortfolioMethod;
  /** Share of rebalances (decisions) where some leg fell back from the requested method, in [0, 1]. */
  fallbackShare: number;
  /** The method that produced the most legs' weights (ties: the requested one, then by name). */
  effective: PortfolioMethod;
  /** The method most fallen-back legs used, or null without a fallback. */
  fallbackTo: PortfolioMethod | null;
  /** Legs per method over all rebalances. */
  methodsUsed: Partial<Record<PortfolioMethod, number>>;
  /**
   * Mean share of the intended book the weight caps left uninvested, over the legs whose method
   * targets full investment (Kelly sizes its own exposure: its legs are left out); null when
   * every leg is Kelly. 0.25 = a quarter of the book in cash.
   */
  forcedCashShare: number | null;
  /** Share of rebalances with some forced cash (over 1e-6 of the book). */
  forcedCashRebalances: number;
  /** Share of rebalances whose selection kept every eligible name. */
  selectionNoopShare: number;
  /** Mean number of eligible names (a score and enough history) per rebalance. */
  meanEligible: number;
}

const FULL = 1e-6;

export function summarizeDecisions(decisions: readonly Decision[], opts: DecisionSummaryOptions): DecisionSummary {
  const legExposure = opts.legExposure ?? 1;
  const netTarget = opts.netTarget ?? 1;
  const methodsUsed: Partial<Record<PortfolioMethod, number>> = {};
  const fellTo: Partial<Record<PortfolioMethod, number>> = {};
  let fellBack = 0,
    cashSum = 0,
    cashLegs = 0,
    cashRebalances = 0,
    noop = 0,
    eligible = 0;
  for (const d of decisions) {
    if (d.fallbacks.length) fellBack++;
    eligible += d.eligible;
    if (d.long.length + d.short.length >= d.eligible) noop++;
    let short = false;
    const legs: Array<readonly number[]> = d.short.length ? [d.long, d.short] : [d.long];
    legs.forEach((names, k) => {
      const m = d.methods[k];
      if (m === undefined) return;
      methodsUsed[m] = (methodsUsed[m] ?? 0) + 1;
      if (m !== opts.method) fellTo[m] = (fellTo[m] ?? 0) + 1;
      if (m === "kelly") return;
      let gross = 0;
      for (const i of names) gross += Math.abs(d.weights[i]);
      const intended = legExposure * netTarget * d.scale;
      const cash = intended > 0 ? Math.max(0, 1 - gross / intended) : 0;
      cashSum += cash;
      cashLegs++;
      if (cash > FULL) short = true;
    });
    if (short) cashRebalances++;
  }
  const n = decisions.length;
  return {
    rebalances: n,
    requested: opts.method,
    fallbackShare: n ? fellBack / n : 0,
    effective: mostUsed(methodsUsed, opts.method) ?? opts.method,
    fallbackTo: mostUsed(fellTo, opts.method),
    methodsUsed,
    forcedCashShare: cashLegs ? cashSum / cashLegs : null,
    forcedCashRebalances: n ? cashRebalances / n : 0,
    selectionNoopShare: n ? noop / n : 0,
    meanEligible: n ? eligible / n : 0,
  };
}

function mostUsed(counts: Partial<Record<PortfolioMethod, number>>, prefer: PortfolioMethod): PortfolioMethod | null {
  const entries = Object.entries(counts) as Array<[PortfolioMethod, number]>;
  if (!entries.length) return null;
  entries.sort((a, b) => b[1] - a[1] || (a[0] === prefer ? -1 : b[0] === prefer ? 1 : a[0] < b[0] ? -1 : 1));
  return entries[0][0];
}

/** 1 → "100 %", 0.25 → "25 %", 1/3 → "33.3 %" (one decimal at most; the issue-tracker style with a space). */
export function formatShare(x: number): string {
  return `${Number((x * 100).toFixed(1))} %`;
}

/**
 * What the cell is, in words: the requested method, or — when it fell back on more than
 * `threshold` of its rebalances — "max_sharpe → min_variance on 100 % of rebalances".
 */
export function optimizerLabel(s: DecisionSummary, threshold: number): string {
  if (!(s.fallbackShare > threshold) || !s.fallbackTo) return s.requested;
  return `${s.requested} → ${s.fallbackTo} on ${formatShare(s.fallbackShare)} of rebalances`;
}
