import { expectedMaxSharpe } from "./expected-max-sharpe.ts";
import { probabilisticSharpeRatio, type ReturnShapeOptions } from "./probabilistic-sharpe-ratio.ts";

export interface DeflatedSharpeRatioOptions extends ReturnShapeOptions {
  /** Number N of independent trials (configurations tried), ≥ 1. Required. */
  trials: number;
  /**
   * Variance V[{SR_n}] of the trials' Sharpe ratios, PER PERIOD (an annualized variance / periodsPerYear). Required.
   */
  sharpeVariance: number;
}

/**
 * Deflated Sharpe ratio (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio: Correcting
 * for Selection Bias, Backtest Overfitting and Non-Normality", JPM 40(5), eq. 3): the PSR of the
 * selected strategy against the Sharpe ratio the best of N skill-less trials would show,
 *   DSR = PSR(SR0),  SR0 = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))   (`expectedMaxSharpe`),
 *   PSR(SR0) = Φ( (SR̂ − SR0)·√(T − 1) / √(1 − γ3·SR̂ + (γ4 − 1)/4·SR̂²) ).
 * Everything PER PERIOD: SR̂ = `sharpe`, V = `sharpeVariance`, T = `observations`; γ4 raw.
 * The paper's example (§4): SR̂ = 2.5/√250, T = 1250, N = 100, V = ½/250, γ3 = −3, γ4 = 10
 * ⇒ SR0 ≈ 0.1132, DSR ≈ 0.9004.
 */
export function deflatedSharpeRatio(sharpe: number, observations: number, opts: DeflatedSharpeRatioOptions): number {
  const sr0 = expectedMaxSharpe(opts.trials, opts.sharpeVariance);
  return probabilisticSharpeRatio(sharpe, observations, { benchmark: sr0, skew: opts.skew, kurtosis: opts.kurtosis });
}
