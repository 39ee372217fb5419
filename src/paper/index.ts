/**
 * Paper trading: broker interface, simulated and Alpaca brokers, ledger, trade generator, safety checks, the daily
 * cycle.
 */
export type { Account, Broker, Fill, FillStatus, OrderRequest, Position, Side } from "./broker.ts";
export { SimBroker, type Bar, type SimBrokerOptions, type SimBrokerState } from "./sim-broker.ts";
export {
  ALPACA_PAPER_URL,
  createAlpacaBroker,
  type AlpacaBroker,
  type AlpacaBrokerOptions,
  type AlpacaClock,
  type AlpacaFillWait,
  type AlpacaOrder,
  type AlpacaRetryPolicy,
} from "./alpaca-broker.ts";
export { paperConfig, paperConfigSchema, type PaperConfig, type PaperConfigInput } from "./config.ts";
export {
  Ledger,
  LEDGER_SCHEMA_VERSION,
  type CommitHooks,
  type DayRecord,
  type EventRecord,
  type EquityRecord,
  type OrderRecord,
  type PositionRecord,
} from "./ledger.ts";
export { loadChampion, type Champion, type ChampionParams } from "./champion.ts";
export {
  loadDecisionMarket,
  fillBars,
  lastPriceDateBefore,
  priceDates,
  type DecisionMarket,
  type BadPrice,
} from "./market.ts";
export { scoreWithModel, scoreFromPredictions, type Scores } from "./signals.ts";
export { targetWeights, isRebalanceDecision, type TargetResult } from "./targets.ts";
export { generateTrades, orderKey, type Trade, type TradeInput, type SkippedTrade } from "./trades.ts";
export { checkPortfolio, checkTrades, killSwitch, type KillSwitchResult } from "./safety.ts";
export {
  checkPaperDates,
  runPaperDay,
  runPaperPeriod,
  type DayResult,
  type DayStatus,
  type PaperPaths,
  type RunDayOptions,
  type RunPeriodOptions,
} from "./cycle.ts";
export { readPaperState, readState, type PaperState } from "./state.ts";
export { tradesCsv, weightsCsv, signalsJson } from "./report-files.ts";
export type { PaperAlert, PaperAlertSeverity, PaperAlertSink } from "./alert.ts";
export { PAPER_ALERTS_DIR, PAPER_LEDGER, PAPER_REPORTS_DIR } from "./paths.ts";
