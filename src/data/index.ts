/** Data loading, validation and the synthetic market. */
export { businessDays, businessDaysBetween, isBusinessDay, isoToDays, type BusinessDays } from "./calendar.ts";
export {
  generateMarket,
  type MarketData,
  type MarketOptions,
  type RegimeParams,
  type SymbolInfo,
} from "./synthetic.ts";
export {
  PRICE_COLUMNS,
  REQUIRED_COLUMNS,
  resolveColumns,
  type ColumnMapping,
  type PriceColumn,
} from "./price-columns.ts";
export {
  validatePricesFile,
  loadPrices,
  loadPricesToParquet,
  formatValidationReport,
  describeLayout,
  type DataProblem,
  type ProblemKind,
  type ValidateOptions,
  type ValidationReport,
  type LoadPricesOptions,
} from "./ingest.ts";
export {
  parseWidePrices,
  readWidePrices,
  widePricesOrThrow,
  looksWide,
  wideDateColumn,
  wideToLong,
  type WidePrices,
  type ParseWideOptions,
  type WideParse,
} from "./wide-prices.ts";
export { DEFAULT_MAX_PRICE, DEFAULT_MAX_DAILY_MOVE, MAX_VOLUME } from "./problems.ts";
export { checkReturnUnits, type ReturnUnitCheck } from "./return-units.ts";
export { readReturnSeries, inDecimalUnits, type ReturnSeries } from "./return-series.ts";
export { readCloses, type CloseRow, type ClosesInRange } from "./closes.ts";
