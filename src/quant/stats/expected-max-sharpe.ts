import { StrataError } from "../../core/errors.ts";
import { normalQuantile } from "./normal-quantile.ts";

/** The Euler–Mascheroni constant γ ≈ 0.5772156649. */
export const EULER_MASCHERONI = 0.5772156649015329;

export interface ExpectedMaxSharpeOptions {
  /** Mean E[{SR_n}] of the trials' Sharpe ratios under the null, same units as the variance's root. Default 0. */
  meanSharpe?: number;
}

/**
 * Expected maximum Sharpe ratio of N independent trials whose Sharpe ratios have variance
 * V = V[{SR_n}] and no skill (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio", Journal
 * of Portfolio Management 40(5), eq. 2 — the False Strategy theorem):
 *   E[max SR_n] ≈ E[SR_n] + √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))),
 * γ the Euler–Mascheroni constant. An extreme-value approximation of the mean of the largest of
 * N normals: within ~1% of the exact value for N ≥ 100 (2.5306 vs 2.5076 for N = 100), ~2% at
 * N = 10. N = 1 gives E[SR_n] (one trial is not a selection). N may be fractional (an effective
 * number of independent trials) but not below 1. Units are those of V: per period or annualized.
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number, opts: ExpectedMaxSharpeOptions = {}): number {
  const m = opts.meanSharpe ?? 0;
  if (!(trials >= 1) || !Number.isFinite(trials)) {
    throw new StrataError("ARGUMENT", `expectedMaxSharpe: trials must be a number ≥ 1, got ${trials}`, {
      hint: "pass the number of independent configurations tried (1 if none were discarded)",
    });
  }
  if (!(sharpeVariance >= 0) || !Number.isFinite(sharpeVariance)) {
    throw new StrataError(
      "ARGUMENT",
      `expectedMaxSharpe: sharpeVariance must be a variance ≥ 0, got ${sharpeVariance}`,
      {
        hint: "pass the variance (not the standard deviation) of the trials' Sharpe ratios",
      },
    );
  }
  if (!Number.isFinite(m)) throw new StrataError("ARGUMENT", `expectedMaxSharpe: meanSharpe must be finite, got ${m}`);
  if (trials === 1) return m;
  const z =
    (1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials) +
    EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E));
  return m + Math.sqrt(sharpeVariance) * z;
}
