export { fitGbdt, predictGbdt, squaredError, type GbdtModel, type Objective } from "./gbdt.ts";
export { GBDT_DEFAULTS, FOREST_DEFAULTS, type GbdtParams, type RandomForestParams } from "./params.ts";
export type { Tree } from "./tree.ts";
export { computeCuts, binMatrix, type BinnedMatrix } from "./binning.ts";
export { closeGbdtPools, gbdtPoolInfo } from "./pool.ts";
export { gbdtFromJson, forestFromJson } from "./serialize.ts";
export { fitRandomForest, predictRandomForest, type ForestModel } from "../random-forest.ts";
