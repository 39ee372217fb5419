/**
 * What the columns of the portfolio tables mean — `returns`, `weights`, `trades` and `stress`
 * of the backtest, baselines and book stages — for `ctx.writeTable`'s `describe` (kept in each
 * Parquet file's metadata). Definitions: docs/backtest.md. Returns, costs and weights are
 * decimals of equity; a day is a row of the price panel.
 */

const RETURNS: Record<string, string> = {
  strategy: "Baseline strategy the row belongs to (one series per strategy).",
  date: "Trading day (the close at which the return is earned).",
  gross: "Daily return before costs: the held weights times the assets' returns, plus cash (decimal).",
  net: "Daily return after costs: gross − costs (decimal).",
  turnover: "Weight traded at the day's close, Σ|Δw| on the drifted weights (buys and sells both counted).",
  costs: "Costs charged at the day's close as a fraction of equity: commission + slippage per side, plus impact.",
  gross_exposure: "Σ|w| of the weights carried into the next day.",
  net_exposure: "Σw of the weights carried into the next day.",
  cash: "1 − Σw: the share of equity in cash (negative = borrowed).",
  n_names: "Number of assets held (non-zero weight) after the day's trades.",
  equity: "Net equity, compounded from 1 at the start of the reported period.",
  regime: "Market state of the day (risk-off, normal, risk-on) by the backtest's rule; NULL in its warm-up.",
};

/** Descriptions of a `returns` table, with the stress columns `net_stress_<bps>` named after params. */
export function describeReturnsColumn(column: string): string | undefined {
  const stress = /^net_stress_(\d+(?:_\d+)?)$/.exec(column);
  if (stress)
    return `Daily net return with ${stress[1].replace("_", ".")} bps per side of extra cost (cost stress; decimal).`;
  return RETURNS[column];
}

export const WEIGHTS_COLUMNS: Record<string, string> = {
  date: "Decision day: the weights are chosen at this close and traded after the execution lag.",
  symbol: "Asset.",
  weight: "Target weight of the asset (fraction of equity; negative = short). Assets with weight 0 have no row.",
};

export const TRADES_COLUMNS: Record<string, string> = {
  date: "Day the trade is executed (the decision day plus the execution lag).",
  symbol: "Asset traded.",
  before: "Weight before the trade: the previous weight drifted with the day's return.",
  after: "Weight after the trade (the target).",
  traded: "after − before (fraction of equity; negative = sold).",
  cost: "Cost charged for this asset's trade (fraction of equity).",
};

export const STRESS_COLUMNS: Record<string, string> = {
  strategy: "Baseline strategy the row belongs to.",
  stress_bps: "Extra cost per side in basis points at this stress level (0 = the base costs).",
  bps_per_side: "Total cost per side in basis points: commission + slippage + the stress.",
  total_costs: "Sum of the daily costs over the reported period (fractions of equity, not compounded).",
  total_return: "Total net return over the reported period at this cost level (decimal).",
  cagr: "Compound annual growth rate of the net returns at this cost level (decimal).",
  annual_volatility: "Annualized standard deviation of the daily net returns (× √252).",
  sharpe: "Annualized Sharpe ratio of the daily net returns at this cost level.",
  max_drawdown: "Maximum drawdown of the net equity at this cost level (negative decimal).",
};
