/**
 * The `ctx` a stage receives. A stage writes only through it, and only into its own temp
 * folder; the runner moves the outputs into the cache and data/ after the stage succeeds.
 */
import type { TrialRecord } from "./trials.ts";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve, relative, isAbsolute } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { createRng } from "../core/rng.ts";
import { stableJson } from "../core/json.ts";
import {
  copyQueryToParquet,
  writeColumnsToParquet,
  parquetRowCount,
  sqlIdent,
  readParquetSql,
} from "../store/index.ts";
import type {
  AxisValue,
  Cell,
  ColumnTable,
  MetricValue,
  StageContext,
  UpstreamRef,
  WriteTableOptions,
} from "./types.ts";

/** An upstream artifact available to a cell. */
export interface UpstreamArtifact {
  stage: string;
  cellId: string;
  cell: Record<string, AxisValue>;
  output: string;
  /** Absolute path of the materialized file. */
  path: string;
  kind: "table" | "json" | "file";
  /** sha256 recorded for the artifact ("" when not known, e.g. inside an audit). */
  hash: string;
  /** Row count of a table artifact, as recorded in the lock (absent when unknown). */
  rows?: number;
}

export interface WrittenOutput {
  name: string;
  /** File name inside the cell folder. */
  file: string;
  kind: "table" | "json" | "file";
  rows?: number;
}

export interface ContextInit {
  root: string;
  cell: Cell;
  params: unknown;
  /** This cell's seed (see cellSeed). */
  seed: number;
  /** Declared outputs of the stage. */
  outputs: string[];
  /** Declared `files:` of the stage (relative to root). */
  files: string[];
  upstream: UpstreamArtifact[];
  db: DuckDBConnection;
  /** Folder the stage writes into (created by the caller, inside .pipeline/tmp). */
  outDir: string;
  signal: AbortSignal;
  onLog: (message: string) => void;
  onProgress: (fraction: number, note?: string) => void;
  /** The trial registry reader, for stages that declare `readsTrials: true`. */
  trials?: (stage?: string) => Promise<TrialRecord[]>;
}

/** The context as created here; the runner adds `upstream()`, `warn()` and `previous` (see executeStage). */
export type BaseStageContext = Omit<StageContext<unknown>, "upstream" | "warn" | "previous" | "map">;

export interface CellRecorder {
  ctx: BaseStageContext;
  written: Map<string, WrittenOutput>;
  metrics: Record<string, MetricValue>;
  /** Register upstream tables as temp views (call before run). */
  registerViews(): Promise<void>;
}

const OUTPUT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** What the ctx methods of one cell share. */
interface CellState {
  init: ContextInit;
  declared: Set<string>;
  written: Map<string, WrittenOutput>;
  metrics: Record<string, MetricValue>;
  /** View name of each upstream table, filled by registerViews. */
  views: Map<UpstreamArtifact, string>;
}

/** The subject of every error a stage's ctx raises. */
function cellLabel(cell: Cell): string {
  return `stage '${cell.stage}' (cell ${cell.id})`;
}

/** Record that the cell writes output `name` as `file`; refuses undeclared, repeated or unsafe outputs. */
function claimOutput(s: CellState, name: string, file: string, kind: WrittenOutput["kind"]): string {
  const { cell } = s.init;
  if (!s.declared.has(name)) {
    throw new StrataError("OUTPUT", `${cellLabel(cell)} wrote output '${name}', which it does not declare`, {
      hint:
        `add '${name}' to the outputs of ${cell.stage}'s defineStage({ outputs: [...] }) ` +
        `(declared: ${[...s.declared].join(", ") || "none"})`,
    });
  }
  if (s.written.has(name)) {
    throw new StrataError("OUTPUT", `${cellLabel(cell)} wrote output '${name}' twice`, {
      hint: "write each output once",
    });
  }
  if (!OUTPUT_NAME.test(file) || file.includes("..")) {
    throw new StrataError("OUTPUT", `${cellLabel(cell)}: output file name '${file}' is not allowed`, {
      hint: "use a plain file name (letters, digits, _ . -); outputs cannot go into other folders",
    });
  }
  s.written.set(name, { name, file, kind });
  return join(s.init.outDir, file);
}

/** The one upstream artifact `stage/output` (narrowed by `filter`) names; errors say what the cell may read. */
function pickUpstream(
  init: ContextInit,
  stage: string,
  output: string,
  filter?: Record<string, AxisValue>,
): UpstreamArtifact {
  const { cell } = init;
  const all = init.upstream.filter((u) => u.stage === stage && u.output === output);
  if (all.length === 0) {
    const stages = [...new Set(init.upstream.map((u) => u.stage))];
    if (!stages.includes(stage)) {
      throw new StrataError(
        "STAGE",
        `${cellLabel(cell)} asked for input '${stage}/${output}', but '${stage}' is not among its needs`,
        {
          hint:
            `add '${stage}' to stages.${cell.stage}.needs in pipeline.yaml (needs ` +
            `now: ${stages.join(", ") || "none"})`,
        },
      );
    }
    const outs = [...new Set(init.upstream.filter((u) => u.stage === stage).map((u) => u.output))];
    throw new StrataError(
      "STAGE",
      `${cellLabel(cell)} asked for '${stage}/${output}', but stage '${stage}' has no output '${output}'`,
      {
        hint: `its outputs are: ${outs.join(", ")}`,
      },
    );
  }
  const matches = filter
    ? all.filter((u) => Object.entries(filter).every(([k, v]) => String(u.cell[k]) === String(v)))
    : all;
  if (matches.length !== 1) {
    const where = filter ? ` where ${JSON.stringify(filter)}` : "";
    const ids = all.map((u) => u.cellId).join(", ");
    throw new StrataError(
      "STAGE",
      `${cellLabel(cell)} asked for '${stage}/${output}'${where}: ${matches.length} cells match (${ids})`,
      { hint: "pass the cell's matrix values as the third argument, or use ctx.inputs() to read every cell" },
    );
  }
  return matches[0];
}

/** The temp view of an upstream table; a JSON or file output has none. */
function viewOf(s: CellState, u: UpstreamArtifact): string {
  const v = s.views.get(u);
  if (!v) {
    throw new StrataError(
      "STAGE",
      `${cellLabel(s.init.cell)}: '${u.stage}/${u.output}' is a ${u.kind} output, not a table`,
      {
        hint: u.kind === "json" ? "read it with ctx.readJson()" : "read it with ctx.inputPath()",
      },
    );
  }
  return v;
}

/** Absolute path of a project file, only if the stage declares it (its content is then fingerprinted). */
function declaredFile(init: ContextInit, relPath: string): string {
  const { cell } = init;
  const norm = relative(init.root, resolve(init.root, relPath));
  if (isAbsolute(relPath) || norm.startsWith("..") || !init.files.includes(norm)) {
    throw new StrataError(
      "STAGE",
      `${cellLabel(cell)} read '${relPath}', which is not declared under stages.${cell.stage}.files in pipeline.yaml`,
      {
        hint: `add '${norm}' to stages.${cell.stage}.files so its content is part of the stage's fingerprint`,
      },
    );
  }
  return resolve(init.root, norm);
}

type ReadMethods = Pick<BaseStageContext, "trials" | "input" | "inputs" | "inputPath" | "readJson" | "file">;
type WriteMethods = Pick<BaseStageContext, "writeTable" | "writeJson" | "writeFile" | "count" | "metric">;

/** The ctx methods that read the cell's inputs: upstream artifacts, declared files, the trial registry. */
function readMethods(s: CellState): ReadMethods {
  const { init } = s;
  const { cell } = init;
  return {
    trials: async (stage) => {
      if (!init.trials) {
        throw new StrataError("STAGE", `${cellLabel(cell)} called ctx.trials() but does not declare readsTrials`, {
          hint: `add readsTrials: true to ${cell.stage}'s defineStage({...}) so the registry becomes one of its inputs`,
        });
      }
      return init.trials(stage);
    },
    input: (stage, output, filter) => viewOf(s, pickUpstream(init, stage, output, filter)),
    inputs: (stage, output): UpstreamRef[] => {
      const all = init.upstream.filter((u) => u.stage === stage && u.output === output);
      if (all.length === 0) pickUpstream(init, stage, output); // throws with the right message
      return all.map((u) => ({ cell: { ...u.cell }, cellId: u.cellId, view: viewOf(s, u), path: u.path }));
    },
    inputPath: (stage, output, filter) => pickUpstream(init, stage, output, filter).path,
    readJson: async <T>(stage: string, output: string, filter?: Record<string, AxisValue>) =>
      JSON.parse(await readFile(pickUpstream(init, stage, output, filter).path, "utf8")) as T,
    file: (relPath: string) => declaredFile(init, relPath),
  };
}

/** The ctx methods that write the cell's outputs (into its temp folder) and metrics. */
function writeMethods(s: CellState): WriteMethods {
  const { init, written, metrics } = s;
  const { db } = init;
  return {
    async writeTable(name: string, source: string | ColumnTable, options?: WriteTableOptions) {
      const path = claimOutput(s, name, `${name}.parquet`, "table");
      // Every column gets a description; the default names only the stage and the table (no
      // cell: the cells of a matrix carry the same metadata).
      const describeDefault = (column: string) =>
        `Column ${column} of table ${name} of stage ${init.cell.stage} (the stage gives no description).`;
      const opts = { orderBy: options?.orderBy, describe: options?.describe, describeDefault };
      const { rows } =
        typeof source === "string"
          ? await copyQueryToParquet(db, source, path, opts)
          : await writeColumnsToParquet(db, source, path, opts);
      written.get(name)!.rows = rows;
      return { rows };
    },
    async writeJson(name: string, value: unknown) {
      const path = claimOutput(s, name, `${name}.json`, "json");
      await writeFile(path, stableJson(value));
    },
    async writeFile(name: string, data: string | Uint8Array) {
      const path = claimOutput(s, name, name, "file");
      await writeFile(path, data);
    },
    async count(name: string) {
      const w = written.get(name);
      if (!w || w.kind !== "table") {
        throw new StrataError(
          "STAGE",
          `${cellLabel(init.cell)}: ctx.count('${name}') — no table '${name}' written yet`,
          {
            hint: "call ctx.writeTable first",
          },
        );
      }
      return parquetRowCount(db, join(init.outDir, w.file));
    },
    metric(name: string, value: MetricValue) {
      if (typeof value === "number" && !Number.isFinite(value)) value = null;
      metrics[name] = value;
    },
  };
}

/** Register each upstream table as a temp view of this cell's connection. */
async function registerUpstreamViews(s: CellState): Promise<void> {
  const { init } = s;
  await mkdir(init.outDir, { recursive: true });
  let n = 0;
  for (const u of init.upstream) {
    if (u.kind !== "table") continue;
    const name = sqlIdent(`${u.stage}_${u.output}_${n++}`);
    await init.db.run(`create or replace temp view ${name} as select * from ${readParquetSql(u.path)}`);
    s.views.set(u, name);
  }
}

export function createContext(init: ContextInit): CellRecorder {
  const { cell, seed } = init;
  const s: CellState = {
    init,
    declared: new Set(init.outputs),
    written: new Map<string, WrittenOutput>(),
    metrics: {},
    views: new Map<UpstreamArtifact, string>(),
  };
  const ctx: BaseStageContext = {
    // Each cell gets its own copy: a stage mutating ctx.params cannot leak into other cells,
    // the lock, or the memoized validated params.
    params: structuredClone(init.params),
    cell: { ...cell.values },
    cellId: cell.id,
    stage: cell.stage,
    seed,
    rng: createRng(seed),
    root: init.root,
    db: init.db,
    signal: init.signal,
    ...readMethods(s),
    ...writeMethods(s),
    log: (m: string) => init.onLog(m),
    progress: (f: number, note?: string) => init.onProgress(Math.max(0, Math.min(1, f)), note),
  };
  return {
    ctx,
    written: s.written,
    metrics: s.metrics,
    registerViews: () => registerUpstreamViews(s),
  };
}
