import { StrataError } from "../../core/errors.ts";
import { normalQuantile } from "./normal-quantile.ts";
import { shapeOf, type ProbabilisticSharpeRatioOptions } from "./probabilistic-sharpe-ratio.ts";

export interface MinTrackRecordLengthOptions extends ProbabilisticSharpeRatioOptions {
  /** Confidence level 1 − α at which SR̂ must exceed the benchmark. Default 0.95. */
  confidence?: number;
}

/**
 * Minimum track record length (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient
 * Frontier", eq. 11): the number of observations n for which PSR(SR*) reaches the confidence
 * level 1 − α, given the per-period SR̂, skewness γ3 and raw kurtosis γ4:
 *   MinTRL = 1 + (1 − γ3·SR̂ + (γ4 − 1)/4·SR̂²) · (Φ⁻¹(1 − α) / (SR̂ − SR*))².
 * In observations (periods; divide by periodsPerYear for years), not rounded. Infinity when
 * SR̂ ≤ SR* (no track record is long enough).
 */
export function minTrackRecordLength(sharpe: number, opts: MinTrackRecordLengthOptions = {}): number {
  const sr0 = opts.benchmark ?? 0;
  const conf = opts.confidence ?? 0.95;
  if (!Number.isFinite(sharpe) || !Number.isFinite(sr0)) {
    throw new StrataError(
      "ARGUMENT",
      `minTrackRecordLength: sharpe and benchmark must be finite per-period Sharpe ratios, got ${sharpe} and ${sr0}`,
      {
        hint: "divide annualized Sharpe ratios by √periodsPerYear",
      },
    );
  }
  if (!(conf > 0 && conf < 1)) {
    throw new StrataError("ARGUMENT", `minTrackRecordLength: confidence must be in (0, 1), got ${conf}`, {
      hint: "e.g. 0.95",
    });
  }
  const { g3, g4 } = shapeOf(opts, "minTrackRecordLength");
  if (sharpe <= sr0) return Infinity;
  const z = normalQuantile(conf) / (sharpe - sr0);
  return 1 + (1 - g3 * sharpe + ((g4 - 1) / 4) * sharpe * sharpe) * z * z;
}
