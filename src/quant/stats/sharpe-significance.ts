import { StrataError } from "../../core/errors.ts";
import { periodsPerYearOf, type PeriodsOption } from "./conventions.ts";
import { deflatedSharpeRatio } from "./deflated-sharpe-ratio.ts";
import { expectedMaxSharpe } from "./expected-max-sharpe.ts";
import { minTrackRecordLength } from "./min-track-record-length.ts";
import { probabilisticSharpeRatio, type ReturnShapeOptions } from "./probabilistic-sharpe-ratio.ts";

export interface SharpeSignificanceOptions extends ReturnShapeOptions, PeriodsOption {
  /** Number N of independent trials behind the selected strategy; with `sharpeVariance`, enables the DSR. */
  trials?: number;
  /** Variance of the trials' ANNUALIZED Sharpe ratios; with `trials`, enables the DSR. */
  sharpeVariance?: number;
  /** Confidence level of the minimum track record length. Default 0.95. */
  confidence?: number;
}

export interface SharpeSignificance {
  /** PSR against SR* = 0. */
  psr: number;
  /** DSR, or null without `trials` and `sharpeVariance`. */
  dsr: number | null;
  /** E[max SR] of the N trials, ANNUALIZED; null without `trials` and `sharpeVariance`. */
  expectedMaxSharpe: number | null;
  /** Minimum track record length against SR* = 0, in OBSERVATIONS (periods); Infinity when SR ≤ 0. */
  minTrackRecordLength: number;
  /** The Sharpe ratio per period, SR_annual / √periodsPerYear, that the formulas use. */
  sharpePerPeriod: number;
  periodsPerYear: number;
}

/**
 * PSR, DSR, expected maximum Sharpe and minimum track record length from ANNUALIZED inputs, the
 * way Sharpe ratios are usually reported (the `pipeline dsr` calculator). The formulas need
 * per-period values, so with A = periodsPerYear (default 252):
 *   SR̂ = SR_annual / √A,   V = V_annual / A   (Var(SR·√A) = A·Var(SR)),
 * then `probabilisticSharpeRatio(SR̂, T)` against 0, `deflatedSharpeRatio(SR̂, T, {N, V})`,
 * `expectedMaxSharpe(N, V)·√A` (reported annualized) and `minTrackRecordLength(SR̂)` (in periods).
 * Sources: Bailey & López de Prado 2012 (PSR, MinTRL) and 2014 (DSR); see those functions.
 */
export function sharpeSignificance(
  annualSharpe: number,
  observations: number,
  opts: SharpeSignificanceOptions = {},
): SharpeSignificance {
  const a = periodsPerYearOf(opts, "sharpeSignificance");
  if (!Number.isFinite(annualSharpe)) {
    throw new StrataError(
      "ARGUMENT",
      `sharpeSignificance: the annualized Sharpe ratio must be a finite number, got ${annualSharpe}`,
      {
        hint: "pass the strategy's annualized Sharpe ratio, e.g. 1.2",
      },
    );
  }
  if ((opts.trials === undefined) !== (opts.sharpeVariance === undefined)) {
    throw new StrataError(
      "ARGUMENT",
      `sharpeSignificance: the DSR needs both trials and sharpeVariance, got ` +
        `only ${opts.trials === undefined ? "sharpeVariance" : "trials"}`,
      {
        hint: "pass the number of trials AND the variance of their annualized Sharpe ratios, or neither",
      },
    );
  }
  const shape = { skew: opts.skew, kurtosis: opts.kurtosis };
  const sr = annualSharpe / Math.sqrt(a);
  const psr = probabilisticSharpeRatio(sr, observations, shape);
  const minTrl = minTrackRecordLength(sr, { ...shape, confidence: opts.confidence });
  let dsr: number | null = null,
    emax: number | null = null;
  if (opts.trials !== undefined && opts.sharpeVariance !== undefined) {
    const v = opts.sharpeVariance / a;
    dsr = deflatedSharpeRatio(sr, observations, { ...shape, trials: opts.trials, sharpeVariance: v });
    emax = expectedMaxSharpe(opts.trials, v) * Math.sqrt(a);
  }
  return { psr, dsr, expectedMaxSharpe: emax, minTrackRecordLength: minTrl, sharpePerPeriod: sr, periodsPerYear: a };
}
