/**
 * The public API used by stages, notebooks and users' own code.
 *
 * Keep this file thin: every module reachable from a stage's imports is part of that stage's
 * code fingerprint, so a barrel re-exporting all of src/ would make every stage stale on any
 * edit. Stages import domain code from its own module (e.g. "../src/quant/stats/sharpe.ts").
 */
export { z } from "zod";
export { defineStage } from "./pipeline/define-stage.ts";
export type {
  StageCheckContext,
  PreviousRun,
  StageContext,
  StageDefinition,
  StageIssue,
  ColumnTable,
  ColumnData,
  AxisValue,
  MetricValue,
} from "./pipeline/types.ts";
export { StrataError } from "./core/errors.ts";
export { createRng, type Rng } from "./core/rng.ts";
