export * from "./types.ts";
export * from "./cv.ts";
export * from "./metrics.ts";
export * from "./gbdt/index.ts";
export * from "./ridge.ts";
export * from "./ensemble.ts";
export * from "./model-io.ts";
export * from "./tuning/index.ts";
