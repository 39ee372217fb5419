/**
 * Shapes of the backtest engine: inputs, options and the result. Every matrix is T × N,
 * row-major (`m[t * N + i]` is asset i on row t), Float64Array. Weights are fractions of the
 * portfolio's equity (decimal, 0.05 = 5 %); returns are simple returns per bar (decimal).
 */

/** One rebalance: the weights decided at the close of row `t` (length N; NaN = keep that asset). */
export interface TargetRow {
  t: number;
  weights: Float64Array;
}

/**
 * Targets: either a dense T × N matrix whose all-NaN rows mean "no rebalance" (NaN entries of
 * any other row mean "no trade in that asset"), or a list of rows with increasing `t`.
 */
export type Targets = Float64Array | readonly TargetRow[] | TargetRule;

/**
 * Targets decided from the book itself (no-trade bands, turnover limits): called once per row,
 * after the close of row t, with the holdings carried into row t + 1 (post-trade weights; a
 * read-only view of the engine's buffer — copy it to keep it) and the equity E[t]. Returning
 * weights (length N, NaN = keep that asset) trades them at the close of t + lag; null means no
 * rebalance. Needs lag ≥ 1: the decision must be known before the close it trades at. Row t's
 * call sees only rows ≤ t, so a rule is causal as long as its own inputs are.
 */
export type TargetRule = (t: number, holdings: Float64Array, equity: number) => Float64Array | null;

/**
 * Square-root market impact (the "square-root law": Almgren, Thum, Hauptmann & Li 2005,
 * "Direct estimation of equity market impact", Risk 18(7); Tóth et al. 2011, Phys. Rev. X 1,
 * 021006; Bouchaud, Bonart, Donier & Gould 2018, "Trades, Quotes and Prices", ch. 12):
 * the cost per unit traded of asset i is
 *
 *   k · σ_i · (Q_i / ADV_i)^exponent        Q_i the traded notional (currency),
 *
 * so the cost charged (fraction of equity) is |Δw_i| · k · σ_i · (Q_i / ADV_i)^exponent.
 */
export interface ImpactModel {
  /** Dimensionless prefactor k (order 1 in the studies above; default 1). */
  k?: number;
  /**
   * Daily volatility of each asset (decimal, not annualized): length N, or T × N (row t used for trades at close t).
   */
  sigma: Float64Array;
  /**
   * Average daily traded value of each asset, in the currency of `capital`: length N or T × N. Must be > 0 where
   * traded.
   */
  adv: Float64Array;
  /** Exponent of the participation rate (default 0.5; Almgren et al. 2005 estimate 0.6). */
  exponent?: number;
  /** Currency value of the initial equity 1, so that Q_i = |Δw_i| · equity · capital (default 1). */
  capital?: number;
}

export interface BacktestOptions {
  /**
   * Bars between decision and trade: weights decided at close t trade at close t + lag (default 1; 0 trades at the same
   * close).
   */
  lag?: number;
  /** Commission in basis points per side on traded notional (default 0). */
  commissionBps?: number;
  /** Slippage in basis points per side on traded notional (default 0). */
  slippageBps?: number;
  /** Optional square-root market impact on top of the bps costs. */
  impact?: ImpactModel;
  /**
   * Simple return per bar earned on cash (negative cash, i.e. borrowing, pays it): a number or one per row (default 0).
   */
  cashRate?: number | Float64Array;
  /**
   * Fill the T × N outputs `holdings` and `contribution` (default true). false leaves both
   * empty (length 0) and skips writing 2 × T × N values; every other output is unchanged
   * (`contributionTotal` keeps the per-asset P&L, `netExposure` the row sums of holdings).
   */
  matrices?: boolean;
  /** Weights held before row 0 (length N; default all cash, so the first rebalance pays for building the book). */
  initialWeights?: Float64Array;
  /**
   * A previous result of the same shape (T × N) whose buffers this call overwrites and returns
   * instead of allocating new ones: the outputs are the same as a fresh call's, bit for bit.
   * Saves allocating (and the first touch of) 2 × T × N values per call when the engine runs
   * repeatedly (cost stress, parameter sweeps). `reuse` and its arrays must not be read
   * afterwards (they belong to the new result). Throws if its shape differs or if an input
   * other than `initialWeights` (copied first) lives in one of its buffers. Its T × N matrices
   * are taken when this call fills them (a lean result has none: they are allocated).
   */
  reuse?: BacktestResult;
}

export interface BacktestResult {
  nRows: number;
  nAssets: number;
  /** Return of row t before costs: Σ_i h_i[t−1]·r_i[t] + cash[t−1]·cashRate[t]. */
  gross: Float64Array;
  /** Return of row t after costs: gross[t] − costs[t], exactly. */
  net: Float64Array;
  /** Equity at the close of row t after costs, compounding `net` from 1. */
  equity: Float64Array;
  /** Σ_i |Δw_i| traded at the close of row t (fraction of equity; buys and sells both counted). */
  turnover: Float64Array;
  /** Costs charged at the close of row t (fraction of equity): bps × turnover + impact. */
  costs: Float64Array;
  /** Σ_i |h_i[t]| and Σ_i h_i[t]. */
  grossExposure: Float64Array;
  netExposure: Float64Array;
  /** 1 − Σ_i h_i[t] (negative = borrowed). */
  cash: Float64Array;
  /** Number of assets with h_i[t] ≠ 0. */
  nNames: Int32Array;
  /** 1 on rows where a rebalance was executed (even if nothing had to be traded). */
  traded: Uint8Array;
  /**
   * Weights at the close of row t after drift and after that close's trades: the positions
   * carried into row t + 1 (on rows without a trade, the drifted weights). T × N; empty
   * (length 0) with `matrices: false`.
   */
  holdings: Float64Array;
  /**
   * Gross P&L contribution of asset i on row t: h_i[t−1]·r_i[t] (0 when r is NaN). T × N; empty with `matrices: false`.
   */
  contribution: Float64Array;
  /** Σ_t contribution and Σ_t cost charged per asset (length N, fractions of equity, not compounded). */
  contributionTotal: Float64Array;
  costTotal: Float64Array;
  /** Trades that could not be executed because the asset was not trading (NaN return) on the trade row. */
  skippedTrades: number;
  /** First row where equity fell to ≤ 0 (returns are 0 and holdings 0 afterwards); −1 if never. */
  ruinedAt: number;
}
