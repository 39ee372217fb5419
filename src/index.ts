/** The public API used by stages, notebooks and users' own code. */
export { z } from "zod";
export { defineStage } from "./pipeline/define-stage.ts";
export type { StageContext, StageDefinition, ColumnTable, ColumnData, AxisValue, MetricValue } from "./pipeline/types.ts";
export { StrataError } from "./core/errors.ts";
export { createRng, type Rng } from "./core/rng.ts";
