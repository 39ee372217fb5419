/**
 * A project opened for a command: its spec, cell graph, lock, stat cache and cache, plus the
 * probe that computes every cell's static fingerprint parts and the state of its outputs.
 */
import { registryPathFor, trialsDigest, trialsSummary, TRIALS_INPUT, type TrialSpec } from "./trials.ts";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StrataError, errorMessage, isStrataError, type StrataErrorCode } from "../core/errors.ts";
import { ensureTypeScriptLoader } from "../core/ts-loader.ts";
import { sha256 } from "../core/hash.ts";
import { deriveSeed } from "../core/rng.ts";
import { loadPipeline } from "./spec-load.ts";
import { expandCells } from "./matrix.ts";
import { lockPathFor, readLock, type LockEntry, type LockFile } from "./lock.ts";
import { StatCache } from "./stat-cache.ts";
import { codeGraph } from "./code-graph.ts";
import { packageVersions } from "./packages.ts";
import { Cache } from "./cache.ts";
import { isStageDefinition } from "./define-stage.ts";
import { stableJson } from "../core/json.ts";
import { didYouMean, suggestionHint } from "../core/suggest.ts";
import type { CellProbe, PlanWarning, StaticParts } from "./plan.ts";
import type { Cell, CellGraph, PipelineSpec, StageDefinition, StageSpec } from "./types.ts";
import { ENGINE, ENGINE_CONTRACT } from "./version.ts";
import { runtimeIdentity } from "../core/runtime.ts";

/** "node 20" / "deno 2": the runtime family and major version (the lock records the full version in the run log). */
function runtimeFamily(): string {
  const [family, version] = runtimeIdentity().split(" ");
  return `${family} ${(version ?? "").split(".")[0]}`;
}

export interface Project {
  root: string;
  specFile: string;
  lockFile: string;
  stateDir: string;
  /** The study's trial registry (`pipeline.trials.jsonl` beside the lock; the main study's for an experiment). */
  registryFile: string;
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
 * Open the project of a pipeline file; its lock is the file of the same name ending in `.lock`
 * (`pipeline.yaml` → `pipeline.lock`, `studies/x.yaml` → `studies/x.lock`). `sharedStateDir`
 * (experiment workspaces) points the cache and the run-cache at another project's `.pipeline/`,
 * so unchanged cells restore instead of running; `registryFile` points the trial registry at
 * the main study's, so every trial of the study lands in one registry.
 */
export async function openProject(
  opts: { file?: string; cwd?: string; sharedStateDir?: string; registryFile?: string } = {},
): Promise<Project> {
  const specFile = findSpecFile(opts);
  const spec = await loadPipeline(specFile);
  const root = spec.root;
  const stateDir = join(root, ".pipeline");
  const lockFile = lockPathFor(specFile);
  const [lock, stat] = await Promise.all([readLock(lockFile), StatCache.load(root)]);
  return {
    root,
    specFile,
    lockFile,
    stateDir,
    registryFile: opts.registryFile ?? registryPathFor(lockFile),
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

/**
 * Validate a stage's raw params (`raw`, default the YAML's) with its zod schema; errors name
 * the stage and the YAML position.
 */
export function validateParams(
  project: Project,
  stage: StageSpec,
  def: StageDefinition,
  raw: unknown = stage.params,
): unknown {
  if (!def.params || typeof (def.params as { safeParse?: unknown }).safeParse !== "function") {
    // A stage without a params schema takes no params.
    if (
      stage.params === undefined ||
      stage.params === null ||
      (typeof stage.params === "object" && Object.keys(stage.params).length === 0)
    )
      return {};
    const rel = relPath(project, project.specFile);
    const pos = project.spec.positionOf?.(["stages", stage.name, "params"]) ?? stage.pos;
    throw new StrataError(
      "PARAMS",
      `${rel}:${pos.line}:${pos.col}: stage '${stage.name}' is given params, but ${stage.uses} declares no params ` +
        `schema`,
      {
        hint:
          `add \`params: z.object({ ... })\` to its defineStage({...}), or remove stages.${stage.name}.params ` +
          `from ${rel}`,
      },
    );
  }
  const r = def.params.safeParse(raw);
  if (r.success) return JSON.parse(JSON.stringify(r.data ?? {}));
  const rel = relPath(project, project.specFile);
  const lines = r.error.issues.map((i) => {
    const path = ["params", ...i.path.map(String)].join(".");
    const keys = i.code === "unrecognized_keys" ? ((i as { keys?: string[] }).keys ?? []) : [];
    const at = keys.length === 1 ? [...i.path, keys[0]] : i.path;
    const pos =
      project.spec.positionOf?.([
        "stages",
        stage.name,
        "params",
        ...at.map((k) => (typeof k === "number" ? k : String(k))),
      ]) ?? stage.pos;
    // An unknown key is most often a misspelling: name the keys this level takes.
    const known = keys.length ? shapeKeys(def.params, i.path) : [];
    const dym = keys
      .map((k) => didYouMean(k, known))
      .filter(Boolean)
      .join(" ");
    return `  ${rel}:${pos.line}:${pos.col}: ${path}: ${i.message}${dym ? ` — ${dym}` : ""}`;
  });
  throw new StrataError("PARAMS", `stage '${stage.name}' has invalid params:\n${lines.join("\n")}`, {
    hint: `fix stages.${stage.name}.params in ${rel} (the schema is in ${stage.uses})`,
  });
}

/** The keys a zod object schema takes at a path of nested objects (empty when unknown). */
function shapeKeys(schema: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  let s = schema as
    | { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown }; _def?: { innerType?: unknown } }
    | undefined;
  const unwrap = () => {
    for (let k = 0; k < 5 && s && !s.shape; k++) s = (s.def?.innerType ?? s.def?.in ?? s._def?.innerType) as typeof s;
  };
  unwrap();
  for (const key of path) {
    s = s?.shape?.[String(key)] as typeof s;
    unwrap();
  }
  return s?.shape ? Object.keys(s.shape) : [];
}

/**
 * Matrix values checked against the stage's params schema before anything runs: an axis that
 * is also a param (train's `model`, backtest's `optimizer`) must hold values the param takes,
 * so `model: [ridge, gdbt]` fails at plan time with its line and a did-you-mean instead of
 * failing one cell at run time.
 */
function checkMatrixValues(project: Project, stage: StageSpec, def: StageDefinition, cells: readonly Cell[]): void {
  const shape = (def.params as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (!shape || typeof shape !== "object") return;
  const raw = (stage.params && typeof stage.params === "object" ? stage.params : {}) as Record<string, unknown>;
  const rel = relPath(project, project.specFile);
  const problems: string[] = [];
  let hint: string | undefined;
  const seen = new Set<string>();
  for (const cell of cells) {
    for (const [axis, value] of Object.entries(cell.values)) {
      if (!(axis in shape) || seen.has(`${axis}\0${String(value)}`)) continue;
      seen.add(`${axis}\0${String(value)}`);
      const r = def.params.safeParse({ ...raw, [axis]: value });
      const issue = r.success ? undefined : r.error.issues.find((i) => String(i.path[0]) === axis);
      if (!issue) continue;
      const axisSpec = stage.matrix.find(([a]) => a === axis)?.[1];
      const values = axisSpec && axisSpec.kind === "values" ? axisSpec.values : [];
      const index = values.findIndex((v) => String(v) === String(value));
      const pos =
        project.spec.positionOf?.(
          index >= 0 ? ["stages", stage.name, "matrix", axis, index] : ["stages", stage.name, "matrix", axis],
        ) ?? stage.pos;
      const options = enumOptions(shape[axis]);
      problems.push(
        `  ${rel}:${pos.line}:${pos.col}: matrix.${axis}: ${JSON.stringify(value)} is not a value of param '${axis}' ` +
          `(${issue.message})`,
      );
      hint ??= options ? suggestionHint(String(value), options, `values of ${axis}`) : undefined;
    }
  }
  if (problems.length) {
    throw new StrataError("PARAMS", `stage '${stage.name}' has invalid matrix values:\n${problems.join("\n")}`, {
      hint: hint ?? `fix stages.${stage.name}.matrix in ${rel} (the schema is in ${stage.uses})`,
    });
  }
}

/** The options of a zod enum field, seen through optional/default wrappers; undefined otherwise. */
function enumOptions(field: unknown): string[] | undefined {
  let f = field as { options?: unknown; def?: { innerType?: unknown }; _def?: { innerType?: unknown } } | undefined;
  for (let k = 0; k < 4 && f; k++) {
    if (Array.isArray(f.options) && f.options.every((o) => typeof o === "string")) return f.options as string[];
    f = (f.def?.innerType ?? f._def?.innerType) as typeof f;
  }
  return undefined;
}

export function relPath(project: Project, abs: string): string {
  const r = abs.startsWith(project.root + "/") ? abs.slice(project.root.length + 1) : abs;
  return r;
}

export interface StageStatic {
  code: Record<string, string>;
  packages: Record<string, string>;
  /** Validated params of the stage (what every cell receives in ctx.params), after `inherit`. */
  params: unknown;
  /** What each cell's fingerprint records, by cell id (the stage's cellParams, or params). */
  cellParams: Record<string, unknown>;
  files: Record<string, string>;
  trial: TrialSpec | null;
  readsTrials: boolean;
  /** Warnings of the stage's plan-time `checks` (errors throw instead). */
  warnings: PlanWarning[];
}

interface StoredIssue {
  level: "error" | "warning";
  param?: string;
  message: string;
  hint?: string;
}

/**
 * Static parts shared by every cell of a stage. `needs` holds the validated params of the
 * stages it needs (for `inherit` and `checks`). Validated params and check results are
 * memoized in the stat cache, keyed by the stage's code hashes, raw params and the needs'
 * params, so a no-op status never imports stage modules.
 */
export async function stageStatic(
  project: Project,
  stage: StageSpec,
  needs: Record<string, unknown> = {},
): Promise<StageStatic> {
  const graph = await codeGraph(stage.usesPath, project.root, project.stat, { boundary: [ENGINE_SCOPE] });
  const packages = packageVersions(graph.packages, project.root);
  const files: Record<string, string> = {};
  for (const f of stage.files) files[f] = await project.stat.hashFile(join(project.root, f));
  const cells = project.graph.byStage.get(stage.name) ?? [];
  // The engine validates params and runs checks: its own source is part of this memo's key
  // (not of the stage's fingerprint).
  const memoKey =
    "params:" +
    sha256(
      stableJson({
        code: graph.files,
        engine: await engineSourceDigest(project),
        raw: stage.params,
        cells: cells.map((c) => c.id),
        needs,
      }),
    );
  let memo = project.stat.memoGet<{
    params: unknown;
    cellParams: Record<string, unknown>;
    trial?: TrialSpec | null;
    readsTrials?: boolean;
    issues?: StoredIssue[];
  }>(memoKey);
  if (memo === undefined) {
    const def = await loadStageModule(stage);
    const params = validateParams(project, stage, def, inheritParams(project, stage, def, needs));
    checkMatrixValues(project, stage, def, cells);
    const cellParams: Record<string, unknown> = {};
    for (const c of cells) {
      cellParams[c.id] = def.cellParams
        ? JSON.parse(JSON.stringify(def.cellParams(structuredClone(params) as never, { ...c.values }) ?? {}))
        : params;
    }
    const issues = runChecks(stage, def, params, needs, cells);
    memo = { params, cellParams, trial: def.trial ?? null, readsTrials: !!def.readsTrials, issues };
    // A stage whose checks fail is not memoized: the error is raised again next time.
    if (!issues.some((i) => i.level === "error")) project.stat.memoSet(memoKey, memo);
  }
  const issues = memo.issues ?? [];
  const errors = issues.filter((i) => i.level === "error");
  if (errors.length) throw checksError(project, stage, errors);
  const warnings = issues.filter((i) => i.level === "warning").map((i) => placeIssue(project, stage, i));
  return {
    code: graph.files,
    packages,
    params: memo.params,
    cellParams: memo.cellParams,
    files,
    trial: memo.trial ?? null,
    readsTrials: !!memo.readsTrials,
    warnings,
  };
}

/** "pipeline.yaml:40:7", the place of a param of a stage (or of the stage) in pipeline.yaml. */
function paramWhere(project: Project, stage: StageSpec, param: string | undefined): string {
  const path = param ? ["stages", stage.name, "params", ...param.split(".")] : ["stages", stage.name];
  const pos = project.spec.positionOf?.(path) ?? stage.pos;
  return `${relPath(project, project.specFile)}:${pos.line}:${pos.col}`;
}

function placeIssue(project: Project, stage: StageSpec, i: StoredIssue): PlanWarning {
  return {
    stage: stage.name,
    ...(i.param ? { param: i.param } : {}),
    where: paramWhere(project, stage, i.param),
    message: i.message,
    ...(i.hint ? { hint: i.hint } : {}),
  };
}

function checksError(project: Project, stage: StageSpec, errors: StoredIssue[]): StrataError {
  const lines = errors.map(
    (i) => `  ${paramWhere(project, stage, i.param)}: ${i.param ? `params.${i.param}: ` : ""}${i.message}`,
  );
  const hints = [...new Set(errors.map((i) => i.hint).filter((h): h is string => !!h))];
  return new StrataError("PARAMS", `stage '${stage.name}' has contradictory settings:\n${lines.join("\n")}`, {
    hint: hints.length
      ? hints.join("; ")
      : `fix stages.${stage.name}.params in ${relPath(project, project.specFile)} (the checks are in ${stage.uses})`,
  });
}

const sameValue = (a: unknown, b: unknown): boolean => stableJson(a ?? null) === stableJson(b ?? null);
const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * The raw params with every `inherit`ed param the YAML leaves out filled in from the needed
 * stage's validated params. A param the YAML gives with another value than that stage's is a
 * plan-time error naming both stages, both values and both places.
 */
function inheritParams(
  project: Project,
  stage: StageSpec,
  def: StageDefinition,
  needs: Record<string, unknown>,
): unknown {
  const entries = Object.entries(def.inherit ?? {}).filter(
    ([, from]) => stage.needs.includes(from) && needs[from] !== undefined,
  );
  if (entries.length === 0) return stage.params;
  const raw: Record<string, unknown> = { ...((stage.params ?? {}) as Record<string, unknown>) };
  const own = validateParams(project, stage, def, raw) as Record<string, unknown>;
  const rel = relPath(project, project.specFile);
  const problems: string[] = [];
  const hints: string[] = [];
  for (const [param, from] of entries) {
    const up = needs[from] as Record<string, unknown> | null;
    if (!up || typeof up !== "object" || !(param in up)) continue;
    const upStage = project.spec.stages.find((x) => x.name === from)!;
    if (upStage.matrix.some(([axis]) => axis === param)) {
      problems.push(
        `  ${paramWhere(project, stage, undefined)}: stage '${stage.name}' takes '${param}' from stage '${from}', ` +
          `whose matrix varies '${param}': there is no single value to take`,
      );
      hints.push(
        `give '${from}' one ${param} (run one study per value), or take the axis with matrix: { ${param}: { ` +
          `from: ${from} } }`,
      );
      continue;
    }
    if (param in raw) {
      if (sameValue(own[param], up[param])) continue;
      const upRaw = (upStage.params ?? {}) as Record<string, unknown>;
      const upWhere = param in upRaw ? `${paramWhere(project, upStage, param)}` : `its default; ${upStage.uses}`;
      problems.push(
        `  ${paramWhere(project, stage, param)}: ${stage.name}.params.${param} is ${show(own[param])}, but stage ` +
          `'${from}' has ${param} ${show(up[param])} (${upWhere}); '${stage.name}' takes ${param} from '${from}'`,
      );
      hints.push(
        `remove ${param} from stages.${stage.name}.params in ${rel} (it is taken from '${from}'), or set both to the ` +
          `same value`,
      );
    } else {
      raw[param] = up[param];
    }
  }
  if (problems.length) {
    throw new StrataError(
      "PARAMS",
      `stage '${stage.name}' contradicts the stage it takes params from:\n${problems.join("\n")}`,
      { hint: [...new Set(hints)].join("; ") },
    );
  }
  return raw;
}

function runChecks(
  stage: StageSpec,
  def: StageDefinition,
  params: unknown,
  needs: Record<string, unknown>,
  cells: readonly Cell[],
): StoredIssue[] {
  if (!def.checks) return [];
  let issues;
  try {
    issues = def.checks(structuredClone(params) as never, {
      stage: stage.name,
      needs: structuredClone(needs),
      cells: cells.length ? cells.map((c) => ({ ...c.values })) : [{}],
    });
  } catch (e) {
    throw new StrataError("STAGE", `stage '${stage.name}': its checks failed in ${stage.uses}: ${errorMessage(e)}`, {
      hint: "fix the stage's checks() (they must not throw), then run again",
      cause: e,
    });
  }
  return (issues ?? []).map((i) => ({
    level: i.level === "error" ? "error" : "warning",
    ...(i.param ? { param: i.param } : {}),
    message: String(i.message),
    ...(i.hint ? { hint: String(i.hint) } : {}),
  }));
}

/**
 * Every stage's static parts, computed once per call and in dependency order (a stage's
 * needs first, for `inherit` and `checks`); a stage that cannot be prepared gives its error.
 */
export function staticResolver(
  project: Project,
): (name: string) => Promise<StageStatic | { error: string; code: string }> {
  const perStage = new Map<string, Promise<StageStatic | { error: string; code: string }>>();
  const of = (name: string): Promise<StageStatic | { error: string; code: string }> => {
    let p = perStage.get(name);
    if (!p) {
      const stage = stageSpec(project, name);
      p = (async () => {
        const needs: Record<string, unknown> = {};
        for (const n of stage.needs) {
          const st = await of(n);
          if (!("error" in st)) needs[n] = st.params;
        }
        return stageStatic(project, stage, needs);
      })().catch((e) => ({ error: errorMessage(e), code: isStrataError(e) ? e.code : "INTERNAL" }));
      perStage.set(name, p);
    }
    return p;
  };
  return of;
}

/** A stage's validated params (after `inherit`), as every one of its cells receives them. */
export async function stageParams(project: Project, name: string): Promise<unknown> {
  const st = await staticResolver(project)(name);
  if ("error" in st) throw new StrataError(st.code as StrataErrorCode, st.error);
  return st.params;
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
      // The runtime (family and major version) is part of the identity: Node and Deno ship
      // different V8 builds whose Math functions may differ in the last bit, so a lock made on
      // one and checked on the other says \`engine: … node 20 → … deno 2\` instead of disagreeing
      // silently. The engine's own source is not: its effect on outputs is ENGINE_CONTRACT.
      return `${ENGINE} contract ${ENGINE_CONTRACT} ${runtimeFamily()} duckdb@${duck}`;
    })();
    engines.set(project, p);
  }
  return p;
}

/**
 * Where the engine lives in a project (src/pipeline/): a stage's code graph stops there. What
 * the engine does to a stage's outputs is versioned by ENGINE_CONTRACT, so an engine refactor
 * leaves every cell fresh.
 */
export const ENGINE_SCOPE = "src/pipeline/";

const engineDigests = new WeakMap<Project, Promise<string>>();

/** Digest of the engine's source files in the project (empty when it has none): keys memos of engine work. */
function engineSourceDigest(project: Project): Promise<string> {
  let p = engineDigests.get(project);
  if (!p) {
    p = (async () => {
      const dir = join(project.root, ENGINE_SCOPE);
      if (!existsSync(dir)) return "";
      const names = readdirSync(dir)
        .filter((f) => f.endsWith(".ts"))
        .sort();
      const parts: string[] = [];
      for (const f of names) parts.push(`${f}:${await project.stat.hashFile(join(dir, f))}`);
      return sha256(parts.join("\n"));
    })();
    engineDigests.set(project, p);
  }
  return p;
}

/** State of the outputs recorded in the lock for a cell, as found under data/. */
export async function outputStates(
  project: Project,
  entry: LockEntry | undefined,
  cellDir?: string,
): Promise<CellProbe["outputs"]> {
  const out: CellProbe["outputs"] = {};
  if (!entry) return out;
  for (const [name, o] of Object.entries(entry.outputs)) {
    // Recorded in another folder than the cell's (an older layout): restored into its folder.
    if (cellDir !== undefined && o.path.slice(0, o.path.lastIndexOf("/")) !== cellDir) {
      out[name] = "moved";
      continue;
    }
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
  const staticOf = staticResolver(project);
  const probes = new Map<string, CellProbe>();
  await Promise.all(
    cells.map(async (cell) => {
      const st = await staticOf(cell.stage);
      const parts = "error" in st ? st : cellParts(project, st, cell, engine);
      const probe: CellProbe = { parts, outputs: await outputStates(project, project.lock.cells[cell.id], cell.dir) };
      if (!("error" in st)) {
        if (st.warnings.length) probe.warnings = st.warnings;
        if (st.trial) probe.trial = st.trial;
        if (st.readsTrials) {
          probe.extraInputs = { [TRIALS_INPUT]: trialsDigest(project.registryFile) };
          probe.trials = trialsSummary(project.registryFile);
        }
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
