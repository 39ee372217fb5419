/**
 * Rounding of stored numbers: the one rule every result written to JSON, the lock's metrics,
 * audit files or notes goes through, so the same value reads the same everywhere and the last
 * bits of a floating-point sum never make two runs' files differ.
 *
 *   roundDecimals(v, d) = Math.round(v · 10^d) / 10^d
 *
 * Math.round rounds half toward +∞ (−0.5 → −0, 0.5 → 1). The scale is the literal power of
 * ten (1e8, never a computed 10 ** d), so the result is bit-for-bit what the inline
 * expression `Math.round(v * 1e8) / 1e8` gives.
 *
 * How many decimals is the caller's choice, named at the call site:
 *   RESULT_DECIMALS (8)  stage results: metrics, metrics.json, matrix.json, champion.json
 *   SHARE_DECIMALS (6)   shares and correlations of diagnostics (null shares, fold ICs)
 *   EXACT_DECIMALS (10)  values echoed back for audit (paper signal scores, note text)
 */

/** Decimal places of stage results (Sharpe, CAGR, DSR, scores) in JSON and the lock. */
export const RESULT_DECIMALS = 8;
/** Decimal places of shares and model-quality diagnostics (null shares, IC, hit rate). */
export const SHARE_DECIMALS = 6;
/** Decimal places of values echoed for audit: near-exact, only the float noise removed. */
export const EXACT_DECIMALS = 10;

const SCALE = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15] as const;

function scaleOf(decimals: number): number {
  const s = SCALE[decimals];
  if (s === undefined) throw new RangeError(`roundDecimals: decimals must be an integer 0..15, got ${decimals}`);
  return s;
}

/**
 * `v` rounded to `decimals` places (integer 0..15). Non-finite values pass through unchanged
 * (NaN stays NaN, ±∞ stays ±∞): for numbers that are shown or computed with, not stored.
 */
export function roundDecimals(v: number, decimals: number): number {
  const s = scaleOf(decimals);
  return Math.round(v * s) / s;
}

/**
 * `v` rounded to `decimals` places (default RESULT_DECIMALS = 8), or null when it is missing
 * or not finite: the form for JSON and the lock, where NaN and ±∞ have no spelling (JSON
 * writes them as null anyway; this says so in the type).
 */
export function roundOrNull(v: number | null | undefined, decimals: number = RESULT_DECIMALS): number | null {
  const s = scaleOf(decimals);
  return v === undefined || v === null || !Number.isFinite(v) ? null : Math.round(v * s) / s;
}
