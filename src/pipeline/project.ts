/**
 * A project opened for a command: its spec, cell graph, lock, stat cache and cache, plus the
 * probe that computes every cell's static fingerprint parts and the state of its outputs.
 */
import { trialsDigest, TRIALS_INPUT, type TrialSpec } from "./trials.ts";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StrataError, errorMessage } from "../core/errors.ts";
import { ensureTypeScriptLoader } from "../core/ts-loader.ts";
import { sha256 } from "../core/hash.ts";
import { deriveSeed } from "../core/rng.ts";
import { loadPipeline } from "./spec.ts";
import { expandCells } from "./matrix.ts";
import { readLock, type LockEntry, type LockFile } from "./lock.ts";
import { StatCache } from "./stat-cache.ts";
import { codeGraph } from "./code-graph.ts";
import { packageVersions } from "./packages.ts";
import { Cache } from "./cache.ts";
import { isStageDefinition } from "./define-stage.ts";
import { stableJson } from "../core/json.ts";
import type { CellProbe, StaticParts } from "./plan.ts";
import type { Cell, CellGraph, PipelineSpec, StageDefinition, StageSpec } from "./types.ts";
import { ENGINE } from "./version.ts";

export interface Project {
  root: string;
  specFile: string;
  lockFile: string;
  stateDir: string;
  /** Where the trial registry lives: stateDir, or the main project's for an experiment workspace. */
  registryDir: string;
  spec: PipelineSpec;
  graph: CellGraph;
  lock: LockFile;
  stat: StatCache;
  cache: Cache;
}

/** Locate pipeline.yaml: an explicit file, or the current folder. */
export function findSpecFile(opts: { file?: string; cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, opts.file ?? "pipeline.yaml");
  if (!existsSync(file)) {
    throw new StrataError("SPEC", `no pipeline file at ${file}`, {
      hint: opts.file
        ? "check the --file path"
        : "run the command from the project folder (the one holding pipeline.yaml), or pass --file PATH",
    });
  }
  return file;
}

/**
 * Open the project of a pipeline.yaml. `sharedStateDir` (experiment workspaces) points the cache,
 * the run-cache and the trial registry at another project's `.pipeline/`, so unchanged cells
 * restore instead of running and every trial lands in one registry.
 */
export async function openProject(opts: { file?: string; cwd?: string; sharedStateDir?: string } = {}): Promise<Project> {
  const specFile = findSpecFile(opts);
  const spec = await loadPipeline(specFile);
  const root = spec.root;
  const stateDir = join(root, ".pipeline");
  const lockFile = join(root, "pipeline.lock");
  const [lock, stat] = await Promise.all([readLock(lockFile), StatCache.load(root)]);
  return {
    root,
    specFile,
    lockFile,
    stateDir,
    registryDir: opts.sharedStateDir ?? stateDir,
    spec,
    graph: expandCells(spec),
    lock,
    stat,
    cache: new Cache(root, { statCache: stat, stateDir: opts.sharedStateDir }),
  };
}

const stageModules = new Map<string, Promise<StageDefinition>>();
/** Import a stage module (once per process) and check it is a defineStage() result. */
export function loadStageModule(stage: StageSpec): Promise<StageDefinition> {
  let p = stageModules.get(stage.usesPath);
  if (!p) {
    p = (async () => {
      let mod: { default?: unknown };
      try {
        await ensureTypeScriptLoader(import.meta.url);
        mod = (await import(pathToFileURL(stage.usesPath).href)) as { default?: unknown };
      } catch (e) {
        throw new StrataError("STAGE", `stage '${stage.name}': cannot load ${stage.uses}: ${errorMessage(e)}`, {
          hint: "fix the module (run `npm run typecheck`), then run again",
          cause: e,
        });
      }
      const def = mod.default;
      if (!isStageDefinition(def)) {
        throw new StrataError("STAGE", `stage '${stage.name}': ${stage.uses} does not export a stage`, {
          hint: "end the module with `export default defineStage({ params, outputs, run })`",
        });
      }
      const dup = def.outputs.find((o, i) => def.outputs.indexOf(o) !== i);
      if (dup) {
        throw new StrataError("STAGE", `stage '${stage.name}': output '${dup}' is declared twice in ${stage.uses}`, {
          hint: "give every output a distinct name",
        });
      }
      return def;
    })();
    stageModules.set(stage.usesPath, p);
  }
  return p;
}

/** Validate a stage's raw params with its zod schema; errors name the stage and the YAML position. */
export function validateParams(project: Project, stage: StageSpec, def: StageDefinition): unknown {
  const r = def.params.safeParse(stage.params);
  if (r.success) return JSON.parse(JSON.stringify(r.data ?? {}));
  const rel = relPath(project, project.specFile);
  const lines = r.error.issues.map((i) => {
    const path = ["params", ...i.path.map(String)].join(".");
    const pos = project.spec.positionOf?.(["stages", stage.name, "params", ...i.path.map((k) => (typeof k === "number" ? k : String(k)))]) ?? stage.pos;
    return `  ${rel}:${pos.line}:${pos.col}: ${path}: ${i.message}`;
  });
  throw new StrataError("PARAMS", `stage '${stage.name}' has invalid params:\n${lines.join("\n")}`, {
    hint: `fix stages.${stage.name}.params in ${rel} (the schema is in ${stage.uses})`,
  });
}

export function relPath(project: Project, abs: string): string {
  const r = abs.startsWith(project.root + "/") ? abs.slice(project.root.length + 1) : abs;
  return r;
}

export interface StageStatic {
  code: Record<string, string>;
  packages: Record<string, string>;
  /** Validated params of the stage (what every cell receives in ctx.params). */
  params: unknown;
  /** What each cell's fingerprint records, by cell id (the stage's cellParams, or params). */
  cellParams: Record<string, unknown>;
  files: Record<string, string>;
  trial: TrialSpec | null;
  readsTrials: boolean;
}

/**
 * Static parts shared by every cell of a stage. Validated params are memoized in the stat
 * cache, keyed by the stage's code hashes and raw params, so a no-op status never imports
 * stage modules.
 */
export async function stageStatic(project: Project, stage: StageSpec): Promise<StageStatic> {
  const graph = await codeGraph(stage.usesPath, project.root, project.stat);
  const packages = packageVersions(graph.packages, project.root);
  const files: Record<string, string> = {};
  for (const f of stage.files) files[f] = await project.stat.hashFile(join(project.root, f));
  const cells = project.graph.byStage.get(stage.name) ?? [];
  const memoKey = "params:" + sha256(stableJson({ code: graph.files, raw: stage.params, cells: cells.map((c) => c.id) }));
  let memo = project.stat.memoGet<{ params: unknown; cellParams: Record<string, unknown>; trial?: TrialSpec | null; readsTrials?: boolean }>(memoKey);
  if (memo === undefined) {
    const def = await loadStageModule(stage);
    const params = validateParams(project, stage, def);
    const cellParams: Record<string, unknown> = {};
    for (const c of cells) {
      cellParams[c.id] = def.cellParams ? JSON.parse(JSON.stringify(def.cellParams(structuredClone(params) as never, { ...c.values }) ?? {})) : params;
    }
    memo = { params, cellParams, trial: def.trial ?? null, readsTrials: !!def.readsTrials };
    project.stat.memoSet(memoKey, memo);
  }
  return { code: graph.files, packages, params: memo.params, cellParams: memo.cellParams, files, trial: memo.trial ?? null, readsTrials: !!memo.readsTrials };
}

/** Seed of a cell: the pipeline seed mixed with the cell id, so every cell has its own stream. */
export function cellSeed(pipelineSeed: number, cellId: string): number {
  return deriveSeed(pipelineSeed, cellId);
}

export function cellParts(project: Project, st: StageStatic, cell: Cell, engine: string): StaticParts {
  return {
    code: st.code,
    packages: st.packages,
    params: st.cellParams[cell.id] ?? st.params,
    files: st.files,
    matrix: cell.values,
    // The seed the stage actually receives: two stages running the same module with the same
    // params still differ in their random streams, so they never share a result.
    seed: cellSeed(project.spec.seed, cell.id),
    engine,
  };
}

const engines = new WeakMap<Project, Promise<string>>();

/**
 * What every output also depends on besides the stage's own code: the engine version, the
 * DuckDB version that writes Parquet, and the engine's writing code (ctx and src/store, found
 * from src/pipeline/context.ts when the project carries the engine's sources). An edit of a
 * Parquet writer or a DuckDB upgrade therefore makes cells stale instead of leaving `verify`
 * to discover different bytes.
 */
export function engineIdentity(project: Project): Promise<string> {
  let p = engines.get(project);
  if (!p) {
    p = (async () => {
      const duck = packageVersions(["@duckdb/node-api"], project.root)["@duckdb/node-api"];
      const writer = join(project.root, "src/pipeline/context.ts");
      let code = "";
      if (existsSync(writer)) {
        const graph = await codeGraph(writer, project.root, project.stat);
        code = ` writers:${sha256(stableJson(graph.files)).slice(0, 12)}`;
      }
      return `${ENGINE} duckdb@${duck}${code}`;
    })();
    engines.set(project, p);
  }
  return p;
}

/** State of the outputs recorded in the lock for a cell, as found under data/. */
export async function outputStates(project: Project, entry: LockEntry | undefined): Promise<CellProbe["outputs"]> {
  const out: CellProbe["outputs"] = {};
  if (!entry) return out;
  for (const [name, o] of Object.entries(entry.outputs)) {
    const abs = join(project.root, o.path);
    let size: number;
    try {
      size = statSync(abs).size;
    } catch {
      out[name] = "missing";
      continue;
    }
    if (size !== o.bytes) {
      out[name] = "modified";
      continue;
    }
    out[name] = (await project.stat.hashFile(abs)) === o.hash ? "ok" : "modified";
  }
  return out;
}

/** Probe every given cell. Stage-level work is shared between the cells of a stage. */
export async function probeCells(project: Project, cells: Cell[]): Promise<Map<string, CellProbe>> {
  const engine = await engineIdentity(project);
  const perStage = new Map<string, Promise<StageStatic | { error: string }>>();
  const probes = new Map<string, CellProbe>();
  await Promise.all(
    cells.map(async (cell) => {
      let p = perStage.get(cell.stage);
      if (!p) {
        const stage = project.spec.stages.find((s) => s.name === cell.stage)!;
        p = stageStatic(project, stage).catch((e) => ({ error: errorMessage(e) }));
        perStage.set(cell.stage, p);
      }
      const st = await p;
      const parts = "error" in st ? st : cellParts(project, st, cell, engine);
      const probe: CellProbe = { parts, outputs: await outputStates(project, project.lock.cells[cell.id]) };
      if (!("error" in st)) {
        if (st.trial) probe.trial = st.trial;
        if (st.readsTrials) probe.extraInputs = { [TRIALS_INPUT]: trialsDigest(project.registryDir) };
      }
      probes.set(cell.id, probe);
    }),
  );
  return probes;
}

export function stageSpec(project: Project, name: string): StageSpec {
  const s = project.spec.stages.find((x) => x.name === name);
  if (!s) throw new StrataError("INTERNAL", `unknown stage ${name}`);
  return s;
}

