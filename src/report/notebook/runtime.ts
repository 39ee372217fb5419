/**
 * Run a notebook's cells top to bottom in one shared scope.
 *
 * Each cell becomes an async function (so top-level await works) whose prologue binds the
 * earlier cells' declarations it mentions and the notebook API (display, sql, artifact, Plot,
 * html, aq); after it runs, its own top-level declarations join the scope for later cells. A
 * failing cell (syntax or runtime) records its error at the notebook line and the next cell
 * runs anyway; a later cell needing one of its names fails with a message saying so.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { sha256 } from "../../core/hash.ts";
import { ensureTypeScriptLoader } from "../../core/ts-loader.ts";
import { html } from "../html.ts";
import type { Catalog } from "../catalog.ts";
import { compileCell, type BindingKind, type CompileResult, type CompiledCell } from "./compile.ts";
import { NotebookData, type ArtifactRead } from "./data.ts";
import { renderValue } from "./display.ts";
import type { CodeCell } from "./parse.ts";
import { originalLine } from "./source-map.ts";

export interface CellError {
  /** "TypeError: x is undefined", without the engine's stack. */
  message: string;
  /** The .md line the error points at, when known. */
  line?: number;
}

export interface CellRun {
  index: number;
  outputs: string[];
  error?: CellError;
  /** Artifacts (and local modules, as `file:<path>`) the cell read, in first-read order. */
  reads: ArtifactRead[];
  ms: number;
}

export interface ExecuteOptions {
  catalog: Catalog;
  /** Absolute path of the notebook (relative imports resolve from its folder). */
  file: string;
}

const CELL_FILE = (i: number) => `notebook-cell-${i}.js`;
const FRAME = /notebook-cell-(\d+)\.js:(\d+):(\d+)/;
/** Lines of the wrapper above the cell's first line: `(async function (__nb) {` and the prologue. */
const WRAPPER_LINES = 2;

interface Binding {
  value: unknown;
  kind: BindingKind;
}

const AsyncFunctionName = "__nb";

/** What every cell of one notebook run shares. */
interface NotebookRun {
  cells: readonly CodeCell[];
  compiled: CompileResult[];
  /** The notebook API without `display` (which is per cell). */
  api: Record<string, unknown>;
  /** Top-level declarations of the cells run so far. */
  scope: Map<string, Binding>;
  /** Names a failed cell declared but never initialized → that cell's index. */
  failedNames: Map<string, number>;
  /** Absolute path of the notebook. */
  file: string;
}

export async function executeCells(cells: readonly CodeCell[], opts: ExecuteOptions): Promise<CellRun[]> {
  const data = new NotebookData(opts.catalog);
  const compiled = cells.map((c) => compileCell(c.code));
  const nbRun: NotebookRun = {
    cells,
    compiled,
    api: await notebookApi(data, compiled),
    scope: new Map(),
    failedNames: new Map(),
    file: opts.file,
  };
  const runs: CellRun[] = [];
  try {
    for (let k = 0; k < cells.length; k++) {
      const cell = cells[k];
      const c = compiled[k];
      const run: CellRun = { index: cell.index, outputs: [], reads: [], ms: 0 };
      runs.push(run);
      const started = performance.now();
      data.onRead = readRecorder(run);
      if (!c.ok) {
        run.error = {
          message: c.error.message,
          ...(c.error.line !== undefined ? { line: cell.line + c.error.line } : {}),
        };
        run.ms = performance.now() - started;
        continue;
      }
      await runCell(nbRun, cell, c.cell, run);
      run.ms = performance.now() - started;
    }
  } finally {
    await data.close();
  }
  return runs;
}

/** The notebook API: sql, artifact and html, plus Plot (drawn into linkedom's DOM) and arquero only if some cell mentions them. */
async function notebookApi(data: NotebookData, compiled: readonly CompileResult[]): Promise<Record<string, unknown>> {
  const mentions = (name: string) => compiled.some((c) => c.ok && c.cell.names.has(name));
  const api: Record<string, unknown> = {
    sql: (strings: TemplateStringsArray, ...values: unknown[]) => data.sql(strings, ...values),
    artifact: (cell: string, output: string) => data.artifact(cell, output),
    html,
  };
  if (mentions("Plot")) {
    const [PlotModule, fig] = await Promise.all([import("@observablehq/plot"), import("../figure.ts")]);
    type PlotOptions = NonNullable<Parameters<typeof PlotModule.plot>[0]>;
    const plot = (o: PlotOptions = {}) => {
      const t = fig.themed(o);
      // The theme's categorical palette must not override a continuous or custom color scale.
      const c = o.color as Record<string, unknown> | undefined;
      if (c && ["scheme", "type", "interpolate", "range", "pivot"].some((k) => k in c)) t.color = c;
      return PlotModule.plot(t);
    };
    api.Plot = { ...PlotModule, plot };
  }
  if (mentions("aq")) api.aq = await import("arquero");
  return api;
}

/** Records each artifact the cell reads once, in first-read order. */
function readRecorder(run: CellRun): (r: ArtifactRead) => void {
  const seen = new Set<string>();
  return (r) => {
    const key = `${r.cell}\0${r.output}`;
    if (!seen.has(key)) {
      seen.add(key);
      run.reads.push(r);
    }
  };
}

/** The cell's `display`: a value rendered into its outputs; a value that cannot be shown becomes an error box. */
function displayInto(run: CellRun): (value: unknown) => void {
  return (value) => {
    try {
      const h = renderValue(value);
      if (h) run.outputs.push(h.value);
    } catch (e) {
      run.outputs.push(html`<div class="cell-error"><pre>${`display: ${(e as Error).message}`}</pre></div>`.value);
    }
  };
}

/**
 * Run one compiled cell in the shared scope: an error is recorded on `run`, and the cell's
 * top-level declarations that got a value join the scope.
 */
async function runCell(nbRun: NotebookRun, cell: CodeCell, c: CompiledCell, run: CellRun): Promise<void> {
  const { scope, failedNames } = nbRun;
  const display = displayInto(run);
  const cellApi: Record<string, unknown> = { ...nbRun.api, display };
  const { source, kinds } = wrapCell(c, scope, cellApi);
  let captured: Record<string, () => unknown> = {};
  const nb = {
    prev: Object.fromEntries([...scope].map(([n, b]) => [n, b.value])),
    api: cellApi,
    bind: (g: Record<string, () => unknown>) => {
      captured = g;
    },
    last: (v: unknown) => {
      if (v !== undefined) display(v);
    },
    import: (spec: string) => importFor(spec, nbRun.file, run),
    bindImport: async (spec: string, keys: string[]) => {
      const mod = (await importFor(spec, nbRun.file, run)) as Record<string, unknown>;
      return keys.map((k) => (k === "*" ? mod : mod[k]));
    },
  };
  try {
    const fn = new Script(source, { filename: CELL_FILE(cell.index) }).runInThisContext() as (
      nb: unknown,
    ) => Promise<void>;
    await fn(nb);
  } catch (e) {
    run.error = describeError(e, nbRun.cells, nbRun.compiled, failedNames);
  }
  for (const [name, get] of Object.entries(captured)) {
    try {
      scope.set(name, { value: get(), kind: kinds.get(name) ?? "let" });
      failedNames.delete(name);
    } catch {
      // declared but never initialized (the cell threw first)
      if (run.error && c.declared.has(name)) failedNames.set(name, cell.index);
    }
  }
}

/**
 * The cell as an async function's source: a prologue binding the earlier cells' declarations
 * and the API names it mentions, then a call handing back getters of every name it binds
 * (their kinds: its own declarations, and `let` for an earlier `let` it may reassign).
 */
function wrapCell(
  c: CompiledCell,
  scope: ReadonlyMap<string, Binding>,
  cellApi: Record<string, unknown>,
): { source: string; kinds: Map<string, BindingKind> } {
  const { js, declared, names } = c;
  const prologue: string[] = [];
  const kinds = new Map<string, BindingKind>(declared);
  for (const name of names) {
    if (declared.has(name)) continue;
    const b = scope.get(name);
    if (b) {
      prologue.push(`${b.kind} ${name} = ${AsyncFunctionName}.prev[${JSON.stringify(name)}];`);
      if (b.kind === "let") kinds.set(name, "let");
    } else if (name in cellApi) {
      prologue.push(`const ${name} = ${AsyncFunctionName}.api[${JSON.stringify(name)}];`);
    }
  }
  const getters = [...kinds.keys()].map((n) => `${JSON.stringify(n)}: () => ${n}`).join(", ");
  prologue.push(`${AsyncFunctionName}.bind({ ${getters} });`);
  return { source: `(async function (${AsyncFunctionName}) {\n${prologue.join(" ")}\n${js}\n})`, kinds };
}

/** Import a module for a cell: relative paths from the notebook's folder, packages from the project. */
async function importFor(spec: string, file: string, run: CellRun): Promise<unknown> {
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const path = resolve(dirname(file), spec);
    try {
      run.reads.push({ cell: `file:${relative(dirname(file), path)}`, output: "", hash: sha256(readFileSync(path)) });
    } catch {
      // a missing file fails in the import below, with Node's message
    }
    if (/\.(ts|mts|tsx)$/.test(path)) await ensureTypeScriptLoader(import.meta.url);
    return import(pathToFileURL(path).href);
  }
  return import(spec);
}

function describeError(
  e: unknown,
  cells: readonly CodeCell[],
  compiled: readonly CompileResult[],
  failedNames: Map<string, number>,
): CellError {
  let message =
    e instanceof Error
      ? `${e.name}: ${e.message}`
      : `Uncaught ${typeof e === "string" ? e : (JSON.stringify(e) ?? String(e))}`;
  const missing = e instanceof ReferenceError ? /^(\S+) is not defined$/.exec(e.message)?.[1] : undefined;
  if (missing && failedNames.has(missing))
    message += ` (it is declared in cell ${failedNames.get(missing)}, which failed)`;
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  const m = FRAME.exec(stack);
  if (!m) return { message };
  const k = cells.findIndex((c) => c.index === Number(m[1]));
  const c = compiled[k];
  if (k < 0 || !c?.ok) return { message };
  const jsLine = Number(m[2]) - 1 - WRAPPER_LINES;
  const line = jsLine >= 0 ? originalLine(c.cell.map, jsLine, Number(m[3]) - 1) : undefined;
  return line === undefined ? { message } : { message, line: cells[k].line + line };
}
