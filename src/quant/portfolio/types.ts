export type PortfolioMethod =
  | "equal_weight"
  | "inverse_vol"
  | "min_variance"
  | "max_sharpe"
  | "hrp"
  | "kelly"
  | "risk_parity";

export const PORTFOLIO_METHODS: readonly PortfolioMethod[] = [
  "equal_weight",
  "inverse_vol",
  "min_variance",
  "max_sharpe",
  "hrp",
  "kelly",
  "risk_parity",
];

/** Why the requested method was not used: `from` is the method asked for, `reason` every step's cause. */
export interface Fallback {
  from: PortfolioMethod;
  reason: string;
}

export interface PortfolioResult {
  /** One weight per asset, in asset order (fractions of capital). */
  weights: Float64Array;
  /** The method that produced `weights` (differs from the request after a fallback). */
  method: PortfolioMethod;
  fallback: Fallback | null;
  /** Non-fatal remarks, e.g. a net target lowered because the caps cannot reach it. */
  notes: string[];
}

/** One optimizer's outcome before fallbacks are applied. */
export type Attempt = { ok: true; weights: Float64Array; notes: string[] } | { ok: false; reason: string };
