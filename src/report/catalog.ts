/**
 * What reports and notebooks know about a project: its stages, cells and their artifacts as
 * recorded in pipeline.lock. Built by the CLI from the pipeline engine (src/cli/catalog.ts);
 * this layer only reads it, so report code never depends on the engine.
 */

export type OutputKind = "table" | "json" | "file";

export interface CatalogOutput {
  /** Output name as declared by the stage ("returns", "metrics", "model.json"). */
  name: string;
  kind: OutputKind;
  /** Absolute path of the artifact. */
  path: string;
  /** Path relative to the project root, as in the lock. */
  relPath: string;
  hash: string;
  bytes: number;
  rows?: number;
  /** False when the file is missing or differs from the lock (shown, never read silently). */
  present: boolean;
}

export type CellState = "fresh" | "stale" | "missing";

export interface CatalogCell {
  /** "stage" or "stage[axis=value,...]". */
  id: string;
  stage: string;
  axes: Record<string, string | number | boolean>;
  /** fresh: lock and outputs match the code and inputs; stale: `pipeline run` would redo it; missing: never run. */
  state: CellState;
  /** Why a stale cell is stale (first reason first). */
  reasons: string[];
  /** The cell's upstream cell ids. */
  deps: string[];
  /** Everything below is from the lock entry (absent when state is "missing"). */
  params?: unknown;
  seed?: number;
  fingerprint?: string;
  inputs?: Record<string, string>;
  code?: Record<string, string>;
  packages?: Record<string, string>;
  metrics?: Record<string, unknown>;
  durationS?: number;
  engine?: string;
  /** What the stage warned about while computing these outputs (ctx.warn, from the lock). */
  warnings?: string[];
  outputs: CatalogOutput[];
}

/** A plan-time warning of a stage's checks on its params. */
export interface CatalogWarning {
  stage: string;
  param?: string;
  /** "pipeline.yaml:40:7" */
  where: string;
  message: string;
  hint?: string;
}

export interface CatalogStage {
  name: string;
  uses: string;
  needs: string[];
  description?: string;
  /** Matrix axis names in declaration order (empty for a single-cell stage). */
  axes: string[];
}

export interface Catalog {
  /** Absolute project root. */
  root: string;
  /** sha256 of pipeline.lock's bytes ("none" without a lock): stamped on every page. */
  lockHash: string;
  /** The checked-out git commit, or null outside a repository. */
  gitCommit: string | null;
  seed: number;
  stages: CatalogStage[];
  /** Every cell of the DAG in topological order. */
  cells: CatalogCell[];
  /** Versions of the packages the project depends on (from node_modules). */
  packages: Record<string, string>;
  /** Strata engine identity (e.g. "strata@0.1.0 duckdb@1.5.5-r.5 …"). */
  engine: string;
  /** Plan-time warnings of the stages' checks (absent: none, or not known, as in the report stage). */
  planWarnings?: CatalogWarning[];
}

/** The cells of a stage, in DAG order. */
export function cellsOf(catalog: Catalog, stage: string): CatalogCell[] {
  return catalog.cells.filter((c) => c.stage === stage);
}

/** A cell's output by name, if it has one on disk. */
export function outputOf(cell: CatalogCell | undefined, name: string): CatalogOutput | undefined {
  const o = cell?.outputs.find((x) => x.name === name || x.name === `${name}.json`);
  return o?.present ? o : undefined;
}

/** A cell by id. */
export function cellById(catalog: Catalog, id: string): CatalogCell | undefined {
  return catalog.cells.find((c) => c.id === id);
}
