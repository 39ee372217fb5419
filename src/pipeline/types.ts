/**
 * Shared shapes of the pipeline engine. The engine knows nothing about finance: a stage is a
 * module with validated params that reads upstream artifacts and writes its own.
 */
import type { z } from "zod";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Rng } from "../core/rng.ts";
import type { ColumnTable } from "../store/types.ts";
import type { ColumnDescriptions } from "../store/column-descriptions.ts";
import type { TrialRecord, TrialSpec } from "./trials.ts";

export type { ColumnData, ColumnTable } from "../store/types.ts";

/** A position in pipeline.yaml, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** One problem found in pipeline.yaml; all are collected and reported together. */
export interface SpecProblem {
  pos: SourcePos;
  /** Dotted path into the document, e.g. "stages.train.needs[1]". */
  path: string;
  message: string;
  /** What to do about it ("did you mean 'features'?", "remove the key"). */
  hint?: string;
}

export type AxisValue = string | number | boolean;

export type MatrixAxis =
  | { kind: "values"; values: AxisValue[]; pos: SourcePos }
  | { kind: "from"; stage: string; pos: SourcePos };

export interface StageSpec {
  name: string;
  /** Module path as written, relative to the project root. */
  uses: string;
  /** Absolute resolved path of the module (inside the project). */
  usesPath: string;
  needs: string[];
  /** Raw params from the YAML (validated later by the stage's zod schema). */
  params: Record<string, unknown>;
  /** Axes in declaration order. */
  matrix: Array<[axis: string, spec: MatrixAxis]>;
  /** Project files the stage reads (relative paths), hashed into its fingerprint. */
  files: string[];
  /** Optional `description:` from the YAML, for `pipeline dag` and reports. */
  description?: string;
  pos: SourcePos;
}

export interface PipelineSpec {
  /** Absolute path of pipeline.yaml. */
  file: string;
  /** Absolute project root (the folder holding pipeline.yaml). */
  root: string;
  version: 1;
  seed: number;
  /** The shared cache (`remote:`, remote.ts): file:///folder or s3://bucket/prefix. */
  remote?: string;
  /** Where executing cells run (`executor:`, executor.ts): `local` or redis://host:port/db. */
  executor?: string;
  /** Stages in declaration order. */
  stages: StageSpec[];
  /** Position of a document path, e.g. ["stages", "train", "params", "depth"] (nearest existing node). */
  positionOf?: (path: ReadonlyArray<string | number>) => SourcePos;
}

/** One executable unit: a stage without matrix, or one combination of matrix values. */
export interface Cell {
  /** "stage" or "stage[axis=value,...]" with axes in declaration order. */
  id: string;
  stage: string;
  values: Record<string, AxisValue>;
  /** Ids of the upstream cells whose outputs this cell reads, sorted. */
  deps: string[];
  /** Output folder relative to the root: "data/<stage>" or "data/<stage>/<axis=value,...>". */
  dir: string;
}

/** Result of expanding a spec: every cell in a topological order (stable: declaration order). */
export interface CellGraph {
  spec: PipelineSpec;
  cells: Cell[];
  byId: Map<string, Cell>;
  byStage: Map<string, Cell[]>;
}

// ---------------------------------------------------------------- stage contract

export type MetricValue = number | string | boolean | null;

export interface WriteTableOptions {
  /** Sort the rows by these columns before writing (deterministic row order). */
  orderBy?: string[];
  /**
   * What each column means (name → text, or a function of the name), kept in the Parquet
   * file's key-value metadata (key `strata.columns`, a JSON object). A column left out gets a default that
   * names the stage and the table, so every column of every output has a description.
   */
  describe?: ColumnDescriptions;
}

export interface UpstreamRef {
  cell: Record<string, AxisValue>;
  cellId: string;
  /** A DuckDB view name (already quoted) over the upstream table. */
  view: string;
  /** Absolute path of the artifact file. */
  path: string;
}

/** One upstream artifact a cell may read, with the hash recorded for it in pipeline.lock. */
export interface UpstreamInfo {
  stage: string;
  cellId: string;
  cell: Record<string, AxisValue>;
  /** Output name as the upstream stage declares it ("prices", "metrics", "model.json"). */
  output: string;
  kind: "table" | "json" | "file";
  /** Absolute path of the artifact file. */
  path: string;
  /** sha256 of the artifact's bytes. */
  hash: string;
}

/**
 * The cell's previous run, offered to a stage that declares `incremental` when only its inputs
 * changed since (src/pipeline/previous-run.ts). Every path is a read-only cache object.
 */
export interface PreviousRun {
  /** Input keys ("stage/output", "stage[cell]/output") whose artifact differs from the previous run's. */
  changed: string[];
  /** Output name → absolute path of the previous output. */
  outputs: Record<string, string>;
  /** Input key → absolute path of the artifact the previous run read (absent when no longer cached). */
  inputs: Record<string, string>;
  /** SQL relation (read_parquet) of a previous table output, and its path. */
  output(name: string): string;
  outputPath(name: string): string;
  /** SQL relation (read_parquet) of a table the previous run read, and its path; throws when not cached. */
  input(stage: string, output: string): string;
  inputPath(stage: string, output: string): string;
}

export interface StageContext<P = unknown> {
  /** Params after validation by the stage's zod schema (defaults applied). */
  readonly params: P;
  /** This cell's matrix values ({} for a stage without matrix). */
  readonly cell: Record<string, AxisValue>;
  readonly cellId: string;
  readonly stage: string;
  /** Per-cell seed derived from the pipeline seed and the cell id. */
  readonly seed: number;
  readonly rng: Rng;
  /** Absolute project root. Read-only for stages: write only through ctx. */
  readonly root: string;
  /** A DuckDB connection private to this cell; upstream tables are registered as views. */
  readonly db: DuckDBConnection;
  readonly signal: AbortSignal;

  /** View name of an upstream table. If the upstream stage has several wired cells, `where` picks one. */
  input(stage: string, output: string, where?: Record<string, AxisValue>): string;
  /** Every wired cell of an upstream stage's output (fan-in). */
  inputs(stage: string, output: string): UpstreamRef[];
  /** Every upstream artifact this cell may read (all wired cells of all needs), sorted by cell id then output. */
  upstream(): UpstreamInfo[];
  /**
   * For a stage that declares `incremental`: this cell's previous run when only its inputs
   * changed since (same code, params and seed), else null — and always null under
   * `pipeline verify`, which recomputes in full to prove the two agree.
   */
  readonly previous: PreviousRun | null;
  /** Absolute path of an upstream artifact (table, JSON or file). */
  inputPath(stage: string, output: string, where?: Record<string, AxisValue>): string;
  readJson<T = unknown>(stage: string, output: string, where?: Record<string, AxisValue>): Promise<T>;
  /** Absolute path of a project file declared under the stage's `files:` in pipeline.yaml. */
  file(relPath: string): string;

  /** Write a table output as Parquet, from a SQL query or typed columns. Returns the row count. */
  writeTable(name: string, source: string | ColumnTable, options?: WriteTableOptions): Promise<{ rows: number }>;
  writeJson(name: string, value: unknown): Promise<void>;
  /** Write a file output; `name` is the file name (e.g. "model.json", "chart.svg"). */
  writeFile(name: string, data: string | Uint8Array): Promise<void>;
  /** Row count of a table this cell already wrote. */
  count(name: string): Promise<number>;

  metric(name: string, value: MetricValue): void;
  /**
   * Say that the cell's result means something other than its name suggests (a setting that
   * had no effect, a method that fell back, a share of the book left in cash). The warning is
   * shown by `pipeline run`, recorded in the cell's lock entry (so a fresh or restored cell
   * still shows it) and listed by `pipeline status --json` and the report's overview. Write
   * one sentence with the values and what to change; repeats are dropped.
   */
  warn(message: string): void;
  /** Recorded trials (every stage, or one), ordered by configuration hash. Needs `readsTrials: true`. */
  trials(stage?: string): Promise<TrialRecord[]>;
  log(message: string): void;
  /** Report progress in [0, 1] with an optional short note. */
  progress(fraction: number, note?: string): void;
  /**
   * Runs the stage's task `name` (StageDefinition.tasks) on each input and returns the results
   * in input order, each through JSON. Here: one after the other. On a queue run: on the
   * workers, at once. Same results either way.
   */
  map<R = unknown>(name: string, inputs: readonly unknown[]): Promise<R[]>;
}

/** What a stage's plan-time `checks` see besides its own validated params. */
export interface StageCheckContext {
  /** The stage's name in pipeline.yaml. */
  stage: string;
  /**
   * Validated params of each stage this one needs, by stage name (after their own `inherit`);
   * a need whose params are invalid is absent (it is reported on its own).
   */
  needs: Record<string, unknown>;
  /** The matrix values of each of this stage's cells ([{}] without a matrix). */
  cells: Array<Record<string, AxisValue>>;
}

/** A problem a stage's plan-time `checks` found in its params. */
export interface StageIssue {
  /** "error": nothing runs (exit 2, lock untouched). "warning": shown by run, status and the report. */
  level: "error" | "warning";
  /** Dotted path of the param it is about ("constraints.max_weight"): places it in pipeline.yaml. */
  param?: string;
  /** What is wrong, with the values. */
  message: string;
  /** What to do about it. */
  hint?: string;
}

export interface StageDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: "strata-stage";
  params: S;
  /** Declared output names. Tables are written as <name>.parquet, JSON as <name>.json, files by name. */
  outputs: string[];
  run(ctx: StageContext<z.output<S>>): Promise<void> | void;
  /**
   * The part of the validated params a cell depends on (default: all of them). It is what the
   * cell's fingerprint and lock entry record, so in a matrix a param only some cells use
   * (say, the forest's depth) reruns only those cells. The cell still receives every param in
   * ctx.params; leaving out a param the cell reads means edits to it will not rerun the cell.
   */
  cellParams?(params: z.output<S>, cell: Record<string, AxisValue>): unknown;
  /** Short description for `pipeline dag` and reports. */
  description?: string;
  /**
   * Each cell is a trial for the registry (src/pipeline/trials.ts): the metrics and outputs
   * recorded with it, which the engine stores without interpreting (the backtest names its
   * Sharpe ratio, observation count and returns; the stats stage reads them).
   */
  trial?: TrialSpec;
  /** The stage reads the trial registry (ctx.trials()); its digest is one of its inputs. */
  readsTrials?: boolean;
  /**
   * Named pieces of the stage's work that `ctx.map(name, inputs)` runs, e.g. one tuning trial.
   * A task gets a context of the same cell (params, seed, upstream; it writes no outputs) and
   * a JSON input, and returns JSON; it must be a pure function of them. Locally they run one
   * after the other; on a queue run (`--executor`) they fan out to the workers.
   */
  tasks?: Record<string, (ctx: StageContext<z.output<S>>, input: unknown) => Promise<unknown> | unknown>;
  /**
   * The stage can bring its previous result up to date instead of recomputing it, e.g.
   * `{ by: "date" }` for a point-in-time stage that appends the rows of new dates. It then gets
   * ctx.previous (see PreviousRun) when only its inputs changed; its result must be the bytes a
   * full run would write (`pipeline verify` recomputes in full and compares). `by` is for the
   * stage and its readers; the engine does not interpret it.
   */
  incremental?: { by: string };
  /**
   * Params taken from a stage this one needs: `{ horizon: "labels" }` — when pipeline.yaml
   * leaves `horizon` out, the cell gets the `labels` stage's validated `horizon` (recorded in
   * the lock as its own); when it gives a different value, planning fails (exit 2) naming both
   * stages and both values. Ignored when the named stage is not among the needs.
   */
  inherit?: Record<string, string>;
  /**
   * Plan-time sanity checks, run before anything executes (by `run`, `status`, `report`):
   * errors stop the run (exit 2, lock untouched), warnings are shown and listed. Pure: no I/O.
   */
  checks?(params: z.output<S>, ctx: StageCheckContext): StageIssue[];
}
