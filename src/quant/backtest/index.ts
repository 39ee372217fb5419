export * from "./types.ts";
export { backtest } from "./backtest.ts";
export { rebalanceRows, sampleTargets, type RebalanceFrequency, type RebalanceScheduleOptions } from "./schedule.ts";
export { squareRootImpact, type SquareRootImpactOptions } from "./impact.ts";
