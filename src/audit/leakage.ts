/**
 * Leakage audit: does any output dated ≤ a cutoff change when prices after the cutoff change?
 *
 * It takes the project's fresh outputs, perturbs every price and volume column of the data
 * stage's prices table on dates after the cutoff (perturb.ts), re-executes every cell from the
 * data stage's dependents down to the audited stage on the perturbed prices — with the
 * engine's own `executeStage`, into a temp folder under .pipeline/audit, leaving data/, the
 * cache and the lock alone — and compares every table output with a `date` column of those
 * cells on the rows dated ≤ cutoff (compare.ts). A point-in-time computation passes bit for
 * bit; the first difference names the table, column, date, symbol and both values.
 *
 * Generic over stages: nothing here knows what the stages compute. Tables that look ahead by
 * design (labels: forward returns) are listed in `allow` and reported, not compared.
 */
import { rm } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { join, relative } from "node:path";
import { StrataError } from "../core/errors.ts";
import { suggestionHint } from "../core/suggest.ts";
import { createDatabase, parseIsoDate, formatIsoDate, queryRows, readParquetSql } from "../store/index.ts";
import { acquireProjectLock } from "../pipeline/project-lock.ts";
import { readLock, type LockEntry, type LockFile } from "../pipeline/lock.ts";
import { downstreamOf, withUpstream } from "../pipeline/address.ts";
import { executeStage, kindOf, planProject, silentReporter, upstreamOf, type Reporter } from "../pipeline/runner.ts";
import type { Project } from "../pipeline/project.ts";
import type { CellProbe } from "../pipeline/plan.ts";
import type { Cell } from "../pipeline/types.ts";
import { perturbPricesAfter } from "./perturb.ts";
import { compareBeforeCutoff, describeTable, type TableDifference } from "./compare.ts";

export interface LeakageAuditOptions {
  /** Stage to audit (every cell of it); default "features". */
  stage?: string;
  /** ISO date; default: 70 % of the way through the prices' calendar date range (see defaultCutoff). */
  cutoff?: string;
  /** Stage whose prices are perturbed; default "data". */
  dataStage?: string;
  /** Its table output; default "prices". */
  pricesOutput?: string;
  /** Noise seed; default 1. */
  seed?: number;
  /** Log-scale noise half-width; default 0.05 (factors in [e^−0.05, e^0.05]). */
  scale?: number;
  /** Stages (or "stage/output") allowed to look ahead, e.g. ["labels"]: reported, not compared. */
  allow?: string[];
  reporter?: Reporter;
  signal?: AbortSignal;
}

export type TableStatus = "identical" | "leak" | "allowed" | "no date column";

export interface AuditedTable {
  cell: string;
  output: string;
  status: TableStatus;
  /** Rows dated ≤ cutoff compared (0 when not compared). */
  rows: number;
}

export interface LeakageFinding extends TableDifference {
  cell: string;
  output: string;
}

export interface LeakageReport {
  ok: boolean;
  stage: string;
  cutoff: string;
  /** Whether the cutoff is the default (70 % of the date range). */
  defaultCutoff: boolean;
  seed: number;
  /** Price rows perturbed (dated after the cutoff), summed over data cells. */
  perturbedRows: number;
  /** Cells re-executed on the perturbed prices, in execution order. */
  cells: string[];
  tables: AuditedTable[];
  /** The first difference, in execution order of the cells. */
  leak?: LeakageFinding;
  duration_s: number;
}

export async function auditLeakage(project: Project, opts: LeakageAuditOptions = {}): Promise<LeakageReport> {
  const t0 = performance.now();
  const stage = opts.stage ?? "features",
    dataStage = opts.dataStage ?? "data",
    pricesOutput = opts.pricesOutput ?? "prices";
  const seed = opts.seed ?? 1;
  checkStagesExist(project, stage, dataStage);
  const allow = new Set(opts.allow ?? []);

  const held = await acquireProjectLock(project.root, { command: "pipeline audit leakage" });
  const tmpRoot = join(project.stateDir, "audit", `${process.pid}-${Date.now().toString(36)}`);
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    project.lock = await readLock(project.lockFile);
    const targets = project.graph.byStage.get(stage) ?? [];
    const closure = withUpstream(project.graph, targets);
    const dataCells = dataCellsOf(closure, stage, dataStage);
    const probes = await freshProbes(project, stage, targets);

    const defaultCut = opts.cutoff === undefined;
    const firstPrices = () => pricesPath(project, dataCells[0].id, pricesOutput);
    const cutoff = defaultCut ? await defaultCutoff(conn, firstPrices()) : checkCutoff(opts.cutoff!);
    await checkCutoffInRange(conn, firstPrices(), cutoff);

    // A private view of the lock: perturbed prices and re-executed outputs point into tmpRoot.
    const view: LockFile = { version: 2, cells: { ...project.lock.cells } };
    const run: AuditRun = {
      project,
      conn,
      tmpRoot,
      view,
      cutoff,
      allow,
      reporter: opts.reporter ?? silentReporter,
      signal: opts.signal ?? new AbortController().signal,
    };
    const perturbedRows = await perturbDataCells(run, dataCells, { pricesOutput, seed, scale: opts.scale });

    const affected = downstreamOf(
      project.graph,
      dataCells.map((c) => c.id),
    );
    const rerun = closure.filter((c) => affected.has(c.id));
    const tables: AuditedTable[] = [];
    let leak: LeakageFinding | undefined;
    for (const cell of rerun) {
      const found = await rerunCell(run, cell, probes.get(cell.id)!, tables);
      if (found && !leak) leak = found;
    }
    return {
      ok: !leak,
      stage,
      cutoff,
      defaultCutoff: defaultCut,
      seed,
      perturbedRows,
      cells: rerun.map((c) => c.id),
      tables,
      leak,
      duration_s: (performance.now() - t0) / 1000,
    };
  } finally {
    try {
      conn.closeSync();
      db.closeSync();
      await rm(tmpRoot, { recursive: true, force: true });
    } finally {
      await held.release();
    }
  }
}

/** One audit under way: where re-executed cells write, the lock view they read, what is compared. */
interface AuditRun {
  project: Project;
  conn: DuckDBConnection;
  tmpRoot: string;
  /** The lock as the re-executed cells see it: perturbed prices, re-executed outputs. */
  view: LockFile;
  cutoff: string;
  /** Stages and "stage/output" names reported as allowed, not compared. */
  allow: ReadonlySet<string>;
  reporter: Reporter;
  signal: AbortSignal;
}

function checkStagesExist(project: Project, stage: string, dataStage: string): void {
  const stages = project.spec.stages.map((s) => s.name);
  for (const [name, what] of [
    [stage, "audited stage"],
    [dataStage, "data stage"],
  ] as const) {
    if (!stages.includes(name)) {
      throw new StrataError("TARGET", `audit leakage: no stage '${name}' (${what}) in ${project.specFile}`, {
        hint: suggestionHint(name, stages, "stages"),
      });
    }
  }
}

/** The data stage's cells among the audited cells' upstream; there must be some. */
function dataCellsOf(closure: readonly Cell[], stage: string, dataStage: string): Cell[] {
  const dataCells = closure.filter((c) => c.stage === dataStage);
  if (stage === dataStage || dataCells.length === 0) {
    throw new StrataError(
      "TARGET",
      `audit leakage: stage '${stage}' does not read from ` +
        `'${dataStage}'${stage === dataStage ? " (it is the data stage)" : ""}`,
      {
        hint: `audit a stage downstream of '${dataStage}', e.g. \`pipeline audit leakage features\``,
      },
    );
  }
  return dataCells;
}

/**
 * The probes of the audited cells and their upstream, once they are all up to date. Only fresh
 * outputs are audited: a stale cell's files are not what its code produces now.
 */
async function freshProbes(project: Project, stage: string, targets: readonly Cell[]): Promise<Map<string, CellProbe>> {
  const { steps, probes } = await planProject(project, { targets: targets.map((c) => c.id) });
  const stale = steps.filter((s) => s.action !== "skip");
  if (stale.length > 0) {
    throw new StrataError(
      "STAGE",
      `audit leakage: '${stage}' or its upstream is not up to ` +
        `date: ${stale.map((s) => `${s.cell.id} (${s.cause})`).join(", ")}`,
      {
        hint: `run \`pipeline run ${stage}\` first, then audit again`,
        details: { stale: stale.map((s) => ({ cell: s.cell.id, cause: s.cause })) },
      },
    );
  }
  return probes;
}

/** The absolute path of a data cell's prices table, as the project's lock records it. */
function pricesPath(project: Project, id: string, pricesOutput: string): string {
  const o = project.lock.cells[id]?.outputs[pricesOutput];
  if (!o || kindOf(pricesOutput, o.path) !== "table") {
    throw new StrataError("TARGET", `audit leakage: cell '${id}' has no table output '${pricesOutput}'`, {
      hint:
        `its outputs: ${Object.keys(project.lock.cells[id]?.outputs ?? {}).join(", ") || "none"}; pass the ` +
        `prices table's name`,
    });
  }
  return join(project.root, o.path);
}

/**
 * Perturb each data cell's prices after the cutoff into tmpRoot and point the view at them;
 * returns the rows perturbed.
 */
async function perturbDataCells(
  run: AuditRun,
  dataCells: readonly Cell[],
  opts: { pricesOutput: string; seed: number; scale: number | undefined },
): Promise<number> {
  const { project, view } = run;
  const { pricesOutput } = opts;
  let perturbedRows = 0;
  for (const dc of dataCells) {
    const dest = join(run.tmpRoot, dc.dir, `${pricesOutput}.parquet`);
    const r = await perturbPricesAfter(run.conn, pricesPath(project, dc.id, pricesOutput), dest, {
      cutoff: run.cutoff,
      seed: opts.seed,
      scale: opts.scale,
    });
    perturbedRows += r.perturbedRows;
    const entry = project.lock.cells[dc.id];
    view.cells[dc.id] = {
      ...entry,
      outputs: {
        ...entry.outputs,
        [pricesOutput]: { ...entry.outputs[pricesOutput], path: relative(project.root, dest) },
      },
    };
  }
  return perturbedRows;
}

/**
 * Re-execute one cell on the view, point the view at its new outputs, and compare its tables
 * (appended to `tables`); returns the cell's first difference.
 */
async function rerunCell(
  run: AuditRun,
  cell: Cell,
  probe: CellProbe,
  tables: AuditedTable[],
): Promise<LeakageFinding | undefined> {
  const { project, reporter } = run;
  if ("error" in probe.parts)
    throw new StrataError("STAGE", `audit leakage: cannot prepare ${cell.id}: ${probe.parts.error}`);
  reporter.start(cell, "run", "audit leakage");
  const started = performance.now();
  const res = await executeStage(project, cell, probe.parts, {
    tmpDir: join(run.tmpRoot, "cells", cell.dir),
    upstream: upstreamOf(project, cell, run.view),
    signal: run.signal,
    reporter,
  });
  const original = project.lock.cells[cell.id];
  const outputs: LockEntry["outputs"] = {};
  for (const f of res.files) outputs[f.name] = { path: relative(project.root, f.abs), hash: "", bytes: 0 };
  run.view.cells[cell.id] = { ...original, outputs };

  let leak: LeakageFinding | undefined;
  for (const f of res.files) {
    const o = original.outputs[f.name];
    if (!o || kindOf(f.name, o.path) !== "table") continue;
    const base = { cell: cell.id, output: f.name };
    const table = await compareTable(run, cell.stage, base, join(project.root, o.path), f.abs);
    tables.push(table.audited);
    if (table.difference && !leak) leak = { ...base, ...table.difference };
  }
  reporter.finish(cell, {
    id: cell.id,
    stage: cell.stage,
    status: "ran",
    cause: "audit leakage",
    duration_s: (performance.now() - started) / 1000,
  });
  return leak;
}

/** One table output: allowed, without a date column, or compared on its rows dated ≤ cutoff. */
async function compareTable(
  run: AuditRun,
  stage: string,
  base: { cell: string; output: string },
  origPath: string,
  rerunPath: string,
): Promise<{ audited: AuditedTable; difference?: TableDifference }> {
  if (run.allow.has(stage) || run.allow.has(`${stage}/${base.output}`)) {
    return { audited: { ...base, status: "allowed", rows: 0 } };
  }
  if (!(await describeTable(run.conn, origPath)).some((c) => c.name === "date")) {
    return { audited: { ...base, status: "no date column", rows: 0 } };
  }
  const cmp = await compareBeforeCutoff(run.conn, origPath, rerunPath, run.cutoff);
  return {
    audited: { ...base, status: cmp.difference ? "leak" : "identical", rows: cmp.rows },
    difference: cmp.difference,
  };
}

/**
 * The default cutoff: the last date in the table on or before min + 70 % of (max − min),
 * counted in calendar days — so 30 % of the history is perturbed.
 */
export async function defaultCutoff(conn: DuckDBConnection, pricesPath: string): Promise<string> {
  const [r] = await queryRows<{ d: string | null }>(
    conn,
    `
    WITH t AS (SELECT DISTINCT date FROM ${readParquetSql(pricesPath)}),
         b AS (SELECT min(date) AS lo, max(date) AS hi FROM t)
    SELECT max(t.date)::VARCHAR AS d FROM t, b WHERE t.date <= b.lo + CAST(floor(0.7 * (b.hi - b.lo)) AS INTEGER)`,
  );
  if (!r?.d) {
    throw new StrataError("DATA", `audit leakage: ${pricesPath} has no dates`, {
      hint: "run the data stage on a non-empty source",
    });
  }
  return r.d;
}

function checkCutoff(text: string): string {
  const d = parseIsoDate(text);
  if (d === null) {
    throw new StrataError("ARGUMENT", `audit leakage: --cutoff ${JSON.stringify(text)} is not a calendar date`, {
      hint: "write it as YYYY-MM-DD, e.g. --cutoff 2022-06-30",
    });
  }
  return formatIsoDate(d);
}

async function checkCutoffInRange(conn: DuckDBConnection, pricesPath: string, cutoff: string): Promise<void> {
  const [r] = await queryRows<{ lo: string; hi: string }>(
    conn,
    `SELECT min(date)::VARCHAR AS lo, max(date)::VARCHAR AS hi FROM ${readParquetSql(pricesPath)}`,
  );
  if (!(cutoff >= r.lo && cutoff < r.hi)) {
    throw new StrataError(
      "ARGUMENT",
      `audit leakage: cutoff ${cutoff} is outside the prices' dates ${r.lo} … ${r.hi} (it must be ≥ the first and ` +
        `before the last)`,
      {
        hint: "pick a date inside the range, or leave --cutoff out for the default (70 % of the range)",
      },
    );
  }
}
