/**
 * The pipeline engine's public names, for code outside src/pipeline (the CLI, tests, tools).
 *
 * Engine modules import each other directly and never this file, so it cannot close an import
 * cycle. Stages should not import it either: every module a stage reaches is part of its code
 * fingerprint (see src/index.ts), so stages use src/index.ts.
 */
export {
  AXIS_NAME_RE,
  AXIS_VALUE_RE,
  DEFAULT_SEED,
  STAGE_KEYS,
  STAGE_MODULE_EXTENSIONS,
  STAGE_NAME_RE,
  TOP_LEVEL_KEYS,
  formatPath,
  formatProblems,
  loadPipeline,
  parsePipelineText,
  sortProblems,
} from "./spec.ts";
export { cellDir, cellId, expandCells, resolveAxes } from "./matrix.ts";
export type { ResolvedAxis } from "./matrix.ts";
export { downstreamOf, matchTarget, parseTarget, selectCells, withUpstream } from "./address.ts";
export type { Target } from "./address.ts";
export { decideCell, describeStep, lockHashes, planRun } from "./plan.ts";
export type {
  Action,
  CellProbe,
  DecideArgs,
  Decision,
  OutputHashes,
  PlanOptions,
  PlanStep,
  StaticParts,
} from "./plan.ts";
export { planProject, runProject } from "./runner.ts";
export type { CellResult, CellStatus, Reporter, RunOptions, RunSummary } from "./runner.ts";
export { openProject } from "./project.ts";
export type { Project } from "./project.ts";
export { readLock, serializeLock } from "./lock.ts";
export type { LockEntry, LockFile, LockOutput } from "./lock.ts";
export { defineStage, isStageDefinition } from "./define-stage.ts";
export type {
  AxisValue,
  Cell,
  CellGraph,
  ColumnData,
  ColumnTable,
  MatrixAxis,
  MetricValue,
  PipelineSpec,
  SourcePos,
  SpecProblem,
  PreviousRun,
  StageContext,
  StageDefinition,
  StageSpec,
  UpstreamRef,
  WriteTableOptions,
} from "./types.ts";
