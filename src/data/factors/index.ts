/** Factor library: SQL builders over the long prices table, one family per file. */
export type { Factor, FactorFamily, FeatureColumn, BarColumn, PriceInput } from "./types.ts";
export { barsQuery } from "./bars.ts";
export { momentum, type MomentumOptions } from "./momentum.ts";
export { reversal } from "./reversal.ts";
export { realizedVolatility } from "./volatility.ts";
export { parkinsonVolatility, garmanKlassVolatility } from "./range-volatility.ts";
export { averageTrueRange } from "./atr.ts";
export { rsi } from "./rsi.ts";
export { movingAverageGap } from "./ma-gap.ts";
export { donchianPosition } from "./donchian.ts";
export { volumeZScore, dollarVolume } from "./volume.ts";
export { marketBeta } from "./beta.ts";
export { crossSectionalColumns, type CrossSectionalColumns } from "./cross-section.ts";
export { featuresQuery, ROW_NUMBER, type FeaturesQuery, type FeaturesQueryOptions } from "./query.ts";
export { PERIODS_PER_YEAR } from "./sql.ts";
export {
  nullShareAfterWarmup,
  nullShareOfArrays,
  profileColumns,
  profileArrays,
  type ColumnProfile,
} from "./metrics.ts";
export { materializeFeatures, type MaterializedFeatures } from "./materialize.ts";
