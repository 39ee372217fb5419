/**
 * Execution: runs the plan with bounded concurrency. Each cell is decided again when its
 * upstream cells are done (their real output hashes are known then), executed into a temp
 * folder, moved into the content-addressed cache, recorded in the run-cache, materialized
 * under data/ and recorded in the lock — in that order, each step atomic (temp file + rename).
 *
 * The lock is the source of truth. A kill at any point never leaves a partial file, and every
 * finished cell is in the run-cache; a kill between materializing a cell and rewriting the lock
 * leaves data/ ahead of the lock for that cell, which the next status reports as "modified" and
 * the next run repairs from the cache without executing.
 */
import { lstat, mkdir, readdir, rm, rmdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { availableParallelism } from "node:os";
import { StrataError, errorMessage } from "../core/errors.ts";
import { projectFrames } from "./stack-frames.ts";
import { selectCells, withUpstream } from "./address.ts";
import { readLock, writeLockIfChanged, type LockEntry, type LockFile } from "./lock.ts";
import { acquireProjectLock, isPidAlive } from "./project-lock.ts";
import { lastDurations, pathPriorities } from "./critical-path.ts";
import { appendRunLog, hostName, readRunLog } from "./run-log.ts";
import { runtimeIdentity } from "../core/runtime.ts";
import { copyFileAtomic } from "./fs-atomic.ts";
import type { CellRecorder, UpstreamArtifact } from "./context.ts";
import {
  decideCell,
  formatPlanWarning,
  lockHashes,
  planRun,
  planWarnings,
  type CellProbe,
  type OutputHashes,
  type PlanStep,
  type PlanWarning,
  type StaticParts,
} from "./plan.ts";
import { loadStageModule, probeCells, stageParams, stageSpec, type Project } from "./project.ts";
import type { Cell, PreviousRun, StageContext, StageDefinition, UpstreamInfo } from "./types.ts";
import { previousRun } from "./previous-run.ts";
import { readTrials, trialsDigest, trialsSummary, TRIALS_INPUT } from "./trials.ts";
import { createTrialQueue } from "./trial-queue.ts";
import { runScheduled } from "./scheduler.ts";
import { openRemote, type RemoteStore } from "./remote.ts";
import { objectKey, pullRun, push, readRemoteRun, runKey } from "./sync.ts";
import { parseExecutor } from "./queue-target.ts";
import type { Dispatcher } from "./queue-dispatch.ts";

export type CellStatus = "fresh" | "restored" | "ran" | "failed" | "skipped" | "cancelled";

export interface CellResult {
  id: string;
  stage: string;
  status: CellStatus;
  /** Why it ran / was restored / failed. */
  cause: string;
  duration_s: number;
  error?: string;
  /** Where a failing stage threw: stack frames inside the project, `stages/x.ts:42:11 (fn)`. */
  where?: string[];
  metrics?: Record<string, unknown>;
  /** The queue worker (host:pid#slot) that executed it. */
  worker?: string;
  /** The stage's ctx.warn() sentences for these outputs (also for a fresh or restored cell: from the lock). */
  warnings?: string[];
}

export interface Reporter {
  start(cell: Cell, action: "run" | "restore", cause: string): void;
  log(cell: Cell, message: string): void;
  progress(cell: Cell, fraction: number, note?: string): void;
  finish(cell: Cell, result: CellResult): void;
  warn(message: string): void;
  /** A stage's ctx.warn() as it happens (default: through `warn`, prefixed with the cell id). */
  cellWarning?(cell: Cell, message: string): void;
}

export const silentReporter: Reporter = {
  start() {},
  log() {},
  progress() {},
  finish() {},
  warn() {},
};

export interface RunOptions {
  targets?: string[];
  force?: boolean;
  jobs?: number;
  keepGoing?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** Shown in the project lock so a refused second run can name this one. */
  command?: string;
  /** Where recorded trials come from: "main" (default) or an experiment's name. */
  source?: string;
  /** Folder of the run log (default the project's .pipeline/; an experiment logs in the main study's). */
  runLogDir?: string;
  /** The remote cache URL (default pipeline.yaml's `remote:`). */
  remote?: string;
  /** With a remote: fetch a cell's run from it before computing (default true), send computed cells to it (default true). */
  pull?: boolean;
  push?: boolean;
  /** `local` or redis://… (default pipeline.yaml's `executor:`): where executing cells run. */
  executor?: string;
}

export interface RunSummary {
  results: CellResult[];
  /** Plan-time warnings of the selected stages' checks. */
  planWarnings: PlanWarning[];
  ok: boolean;
  cancelled: boolean;
  lockChanged: boolean;
  wall_s: number;
}

/** Cells selected by targets plus their upstream closure, in topological order. */
export function selection(project: Project, targets: string[] | undefined): { cells: Cell[]; targeted: Set<string> } {
  if (!targets || targets.length === 0) {
    return { cells: project.graph.cells, targeted: new Set(project.graph.cells.map((c) => c.id)) };
  }
  const chosen = selectCells(project.graph, targets);
  return { cells: withUpstream(project.graph, chosen), targeted: new Set(chosen.map((c) => c.id)) };
}

/**
 * The plan `run` would follow, without running anything. With a remote, a cell that would run
 * is planned as a restore when the remote holds its run and every object of it (`remote: true`
 * on the step): the run records are fetched (small JSON) so the cells below know their inputs.
 */
export async function planProject(
  project: Project,
  opts: { targets?: string[]; force?: boolean; remote?: RemoteStore; warn?: (message: string) => void } = {},
): Promise<{ steps: PlanStep[]; probes: Map<string, CellProbe>; warnings: PlanWarning[] }> {
  const { cells, targeted } = selection(project, opts.targets);
  const probes = await probeCells(project, cells);
  const remoteRuns = new Map<string, OutputHashes | undefined>();
  const plan = () =>
    planRun(project.graph, {
      cells,
      lock: project.lock,
      probes,
      force: opts.force ? targeted : new Set(),
      runCache: (fp) => runHashes(project, fp) ?? remoteRuns.get(fp),
    });
  let steps = plan();
  const wanted = () =>
    steps.filter((s) => s.action === "run" && s.fingerprint !== undefined && !remoteRuns.has(s.fingerprint));
  const remote = opts.remote;
  const listed =
    remote && wanted().length > 0
      ? await Promise.all([remote.list("runs/"), remote.list("cache/")]).catch((e) => {
          opts.warn?.(`remote cache not consulted: ${errorMessage(e)}`);
          return undefined;
        })
      : undefined;
  if (remote && listed) {
    const [runs, objects] = listed;
    const tmp = join(project.stateDir, "tmp", `${process.pid}-plan`);
    try {
      // Each round may make the cells below a remote restore known: plan again until nothing new.
      for (let want = wanted(); want.length > 0; want = wanted()) {
        for (const s of want) {
          const fp = s.fingerprint!;
          const run = runs.has(runKey(fp)) ? await readRemoteRun(remote, fp, tmp) : undefined;
          const whole = run && Object.values(run.outputs).every((o) => objects.has(objectKey(o.hash)));
          remoteRuns.set(fp, whole ? lockHashes(run) : undefined);
        }
        steps = plan();
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    for (const s of steps)
      if (
        s.action === "restore" &&
        s.fingerprint &&
        !runHashes(project, s.fingerprint) &&
        remoteRuns.get(s.fingerprint)
      )
        s.remote = true;
  }
  return { steps, probes, warnings: planWarnings(cells, probes) };
}

export async function runProject(project: Project, opts: RunOptions = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const reporter = opts.reporter ?? silentReporter;
  const { cells, targeted } = selection(project, opts.targets);
  const target = parseExecutor(
    opts.executor ?? project.spec.executor,
    opts.executor !== undefined ? "--executor" : `${relative(project.root, project.specFile)}: executor`,
  );
  const remoteUrl = opts.remote ?? project.spec.remote;
  if (target && !remoteUrl) {
    throw new StrataError("ARGUMENT", `a run on the queue ${target.describe} needs a remote cache its workers share`, {
      hint: "add `remote: s3://bucket/prefix` (or file:///shared/folder) to pipeline.yaml, or pass --remote URL",
    });
  }
  // On a queue, the workers bound the work in flight: every ready cell is enqueued.
  const jobs = Math.max(1, opts.jobs ?? (target ? 1024 : availableParallelism()));
  const held = await acquireProjectLock(project.root, { command: opts.command ?? "pipeline run" });
  const startedAt = new Date();
  const runId = `${process.pid}-${startedAt.getTime().toString(36)}`;
  const results = new Map<string, CellResult>();
  let warnings: PlanWarning[] = [];
  const lock: LockFile = { version: 2, cells: {} };
  const writer = lockWriter(project, lock);
  let remote: RemoteStore | undefined;
  let dispatch: Dispatcher | undefined;

  try {
    if (remoteUrl)
      remote = await openRemote(
        remoteUrl,
        opts.remote !== undefined ? "--remote" : `${relative(project.root, project.specFile)}: remote`,
      );
    if (target && remote) {
      const { openDispatcher } = await import("./queue-dispatch.ts");
      dispatch = await openDispatcher(project, target, remote, remoteUrl!, opts.command ?? "pipeline run");
    }
    // Another run may have finished between opening the project and taking the lock.
    project.lock = await readLock(project.lockFile);
    // Every entry is kept, also those of cells the spec no longer has (a matrix value taken
    // out for a while, a stage renamed): putting it back restores instead of recomputing.
    // `pipeline gc` prunes them.
    Object.assign(lock.cells, project.lock.cells);
    await removeDeadTempDirs(project.stateDir);
    const probes = await probeCells(project, cells);
    assertPreparable(cells, probes);
    warnings = planWarnings(cells, probes);
    for (const w of warnings) reporter.warn(formatPlanWarning(w));
    const st: RunState = {
      probes,
      results,
      lock,
      persistLock: writer.persist,
      targeted,
      reporter,
      stopping: false,
      trials: createTrialQueue(project.registryFile, project.root, opts.source ?? "main"),
      tmpRoot: join(project.stateDir, "tmp", runId),
      remote,
      pull: !!remote && opts.pull !== false,
      push: !!remote && !dispatch && opts.push !== false,
      dispatch,
    };
    await scheduleCells(project, opts, st, cells, jobs);
    await writer.persist();
    await st.trials.flush();
    await rm(st.tmpRoot, { recursive: true, force: true });
  } finally {
    try {
      await dispatch?.close(!!opts.signal?.aborted);
      remote?.close();
      await writer.settled();
      await project.stat.save().catch(() => {});
    } finally {
      await held.release();
    }
  }
  const list = cells.map((c) => results.get(c.id)!).filter(Boolean);
  const summary: RunSummary = {
    results: list,
    planWarnings: warnings,
    ok: list.every((r) => r.status !== "failed" && r.status !== "cancelled"),
    cancelled: !!opts.signal?.aborted,
    lockChanged: writer.changed,
    wall_s: (performance.now() - t0) / 1000,
  };
  await logRun(project, opts, runId, startedAt, jobs, summary, reporter);
  return summary;
}

/**
 * The lock's writes, one after the other: cells finish concurrently, and each write must see
 * the entries of the cells finished before it. `changed` turns true once a write changed the file.
 */
function lockWriter(
  project: Project,
  lock: LockFile,
): { changed: boolean; persist(): Promise<void>; settled(): Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  const writer = {
    changed: false,
    persist: (): Promise<void> => {
      pending = pending.then(async () => {
        if (await writeLockIfChanged(project.lockFile, lock)) writer.changed = true;
      });
      return pending;
    },
    /** The last write queued, finished whether it succeeded or not. */
    settled: (): Promise<void> => pending.catch(() => {}),
  };
  return writer;
}

/** Every selected cell through processCell, `jobs` at a time, each once its upstream cells have results. */
async function scheduleCells(
  project: Project,
  opts: RunOptions,
  st: RunState,
  cells: Cell[],
  jobs: number,
): Promise<void> {
  await runScheduled(
    cells,
    jobs,
    (cell) =>
      processCell(project, opts, st, cell).catch(
        (e): CellResult => ({
          id: cell.id,
          stage: cell.stage,
          status: "failed",
          cause: "internal error",
          error: errorMessage(e),
          duration_s: 0,
        }),
      ),
    (cell, r) => {
      st.results.set(cell.id, r);
      if (r.status === "failed" && !opts.keepGoing) st.stopping = true;
      st.reporter.finish(cell, r);
    },
    (c) => st.results.set(c.id, { id: c.id, stage: c.stage, status: "skipped", cause: "unreachable", duration_s: 0 }),
    (id) => st.results.has(id),
    pathPriorities(
      cells,
      lastDurations(
        await readRunLog(project.stateDir, { pipeline: relative(project.root, project.specFile) }).catch(() => []),
      ),
    ),
  );
}

/**
 * Remove `.pipeline/tmp/<pid>-*` folders of processes that are gone (a killed run leaves its
 * temp folder behind). Called while holding the project lock, so no live run of this project
 * is writing there; folders of live processes (another project sharing nothing) are kept.
 */
export async function removeDeadTempDirs(stateDir: string): Promise<string[]> {
  const base = join(stateDir, "tmp");
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid === process.pid || isPidAlive(pid)) continue;
    await rm(join(base, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

const withWarnings = (entry: LockEntry | undefined): { warnings?: string[] } =>
  entry?.warnings?.length ? { warnings: [...entry.warnings] } : {};

/** At most this many ctx.warn() sentences are kept per cell (the last says how many more there were). */
export const MAX_CELL_WARNINGS = 20;

/** What one run shares among its cells (see runProject). */
interface RunState {
  probes: Map<string, CellProbe>;
  results: Map<string, CellResult>;
  /** The lock being written: every entry of the previous lock, then each cell's new one. */
  lock: LockFile;
  persistLock(): Promise<void>;
  trials: ReturnType<typeof createTrialQueue>;
  tmpRoot: string;
  targeted: Set<string>;
  reporter: Reporter;
  /** Set when a cell failed without --keep-going: cells not yet started are cancelled. */
  stopping: boolean;
  /** The remote cache, and whether to fetch runs from it before computing and send computed ones to it. */
  remote?: RemoteStore;
  pull: boolean;
  push: boolean;
  /** Set on a queue run: executing cells go to workers. */
  dispatch?: Dispatcher;
}

/** A cell decided to be restored or run, with what its lock entry and result are made of. */
interface DecidedCell {
  cell: Cell;
  probe: CellProbe;
  parts: StaticParts;
  inputs: Record<string, string>;
  fp: string;
  cause: string;
  /** The trial registry's summary when the cell reads it. */
  trialsNow: ReturnType<typeof trialsSummary> | undefined;
  /** performance.now() when the cell was taken up. */
  started: number;
}

/** Decide one cell (skip, restore or run) once its upstream cells have results, and do it. */
async function processCell(project: Project, opts: RunOptions, st: RunState, cell: Cell): Promise<CellResult> {
  const started = performance.now();
  const base = { id: cell.id, stage: cell.stage };
  const blocked = blockedResult(opts, st, cell);
  if (blocked) return blocked;
  const probe = st.probes.get(cell.id)!;
  if ("error" in probe.parts)
    return { ...base, status: "failed", cause: "cannot prepare", error: probe.parts.error, duration_s: 0 };
  const parts = probe.parts;
  const { inputs, trialsNow } = await cellInputs(project, st, cell, probe);
  const decision = decideCell({
    cell,
    parts,
    inputs,
    entry: project.lock.cells[cell.id],
    outputs: probe.outputs,
    force: !!opts.force && st.targeted.has(cell.id),
    runCached: (fp) => runHashes(project, fp) !== undefined,
    trials: trialsNow,
  });
  const fp = decision.fingerprint!;
  if (decision.action === "skip") {
    st.trials.queue(cell, probe.trial, st.lock.cells[cell.id]);
    return { ...base, status: "fresh", cause: decision.cause, duration_s: 0, ...withWarnings(st.lock.cells[cell.id]) };
  }
  const d: DecidedCell = { cell, probe, parts, inputs, fp, cause: decision.cause, trialsNow, started };

  if (decision.action === "restore") {
    st.reporter.start(cell, "restore", decision.cause);
    const entry = await restoreCell(
      project,
      cell,
      parts,
      inputs,
      fp,
      st.lock.cells[cell.id] ?? project.lock.cells[cell.id],
      st.reporter,
    );
    if (entry) return commitEntry(st, d, entry, "restored");
    st.reporter.warn(`${cell.id}: cache entry unusable, executing instead`);
  }
  const forced = !!opts.force && st.targeted.has(cell.id);
  if (st.remote && st.pull && !forced) {
    const remote = st.remote;
    const fetched = await pullRun(project.cache, remote, fp, join(st.tmpRoot, "pull"), (m) =>
      st.reporter.warn(`${cell.id}: ${m}`),
    ).catch((e) => {
      // Computing here is always correct: an unreachable remote costs time, never a result.
      if (st.pull)
        st.reporter.warn(
          `cannot fetch from ${remote.describe} (${errorMessage(e)}); computing here for the rest of this run`,
        );
      st.pull = false;
      return false;
    });
    if (fetched) {
      const cause = `${decision.cause} (from ${st.remote.describe})`;
      st.reporter.start(cell, "restore", cause);
      const entry = await restoreCell(project, cell, parts, inputs, fp, st.lock.cells[cell.id], st.reporter);
      if (entry) return commitEntry(st, { ...d, cause }, entry, "restored");
    }
  }
  return runDecided(project, opts, st, d);
}

/** The result of a cell that cannot go on: an upstream cell did not succeed, or the run is stopping. */
function blockedResult(opts: RunOptions, st: RunState, cell: Cell): CellResult | undefined {
  const base = { id: cell.id, stage: cell.stage };
  const badDep = cell.deps.find((d) => {
    const r = st.results.get(d);
    return !r || r.status === "failed" || r.status === "skipped" || r.status === "cancelled";
  });
  if (badDep) {
    const r = st.results.get(badDep);
    return { ...base, status: "skipped", cause: `upstream ${badDep} ${r?.status ?? "did not run"}`, duration_s: 0 };
  }
  if (opts.signal?.aborted || st.stopping) return { ...base, status: "cancelled", cause: "run stopped", duration_s: 0 };
  return undefined;
}

/**
 * The cell's inputs: the hashes its upstream cells' outputs now have, and the trial registry's
 * digest (after the trials queued so far are written) when the stage reads it.
 */
async function cellInputs(
  project: Project,
  st: RunState,
  cell: Cell,
  probe: CellProbe,
): Promise<{ inputs: Record<string, string>; trialsNow: ReturnType<typeof trialsSummary> | undefined }> {
  const inputs: Record<string, string> = {};
  for (const d of cell.deps)
    for (const [name, o] of Object.entries(st.lock.cells[d].outputs)) inputs[`${d}/${name}`] = o.hash;
  let trialsNow: ReturnType<typeof trialsSummary> | undefined;
  if (probe.extraInputs?.[TRIALS_INPUT] !== undefined) {
    await st.trials.flush();
    inputs[TRIALS_INPUT] = trialsDigest(project.registryFile);
    trialsNow = trialsSummary(project.registryFile);
  }
  return { inputs, trialsNow };
}

/** Execute the cell's stage and record its entry; a failure or an interruption becomes its result. */
async function runDecided(project: Project, opts: RunOptions, st: RunState, d: DecidedCell): Promise<CellResult> {
  const { cell } = d;
  const elapsed = () => (performance.now() - d.started) / 1000;
  const base = { id: cell.id, stage: cell.stage };
  st.reporter.start(cell, "run", d.cause);
  const signal = opts.signal ?? new AbortController().signal;
  try {
    if (st.dispatch) {
      const { worker } = await st.dispatch.execute({
        cell,
        parts: { ...d.parts, inputs: d.inputs },
        fp: d.fp,
        lock: st.lock,
        onProgress: (p) => {
          if (p.log) st.reporter.log(cell, `${p.worker}: ${p.log}`);
          else if (p.note === "started") st.reporter.log(cell, `running on ${p.worker}`);
          else if (p.fraction !== undefined) st.reporter.progress(cell, p.fraction, p.note);
        },
        warn: (m) => st.reporter.warn(m),
        signal,
      });
      const entry = await restoreCell(project, cell, d.parts, d.inputs, d.fp, st.lock.cells[cell.id], st.reporter);
      if (!entry) throw new StrataError("CACHE", `${cell.id}: the outputs of worker ${worker} could not be restored`);
      return { ...(await commitEntry(st, d, entry, "ran")), worker };
    }
    const entry = await executeCell(project, cell, d.parts, d.inputs, d.fp, {
      tmpDir: join(st.tmpRoot, cell.dir),
      upstream: upstreamOf(project, cell, st.lock),
      previous: st.lock.cells[cell.id],
      signal,
      reporter: st.reporter,
    });
    if (st.remote && st.push) {
      // Shared for the next machine; a failed send is a warning (the result here is whole).
      const remote = st.remote;
      const sent = await push(project.cache, remote, [
        { id: cell.id, fingerprint: d.fp, outputs: entry.outputs },
      ]).catch((e) => {
        if (st.push)
          st.reporter.warn(
            `cannot send to ${remote.describe} (${errorMessage(e)}); not sending for the rest of this run`,
          );
        st.push = false;
        return { missing: [] };
      });
      if (sent.missing.length) st.reporter.warn(`${cell.id}: not sent to ${remote.describe}: ${sent.missing[0].why}`);
    }
    return await commitEntry(st, d, entry, "ran");
  } catch (e) {
    if (opts.signal?.aborted) return { ...base, status: "cancelled", cause: "run interrupted", duration_s: elapsed() };
    const where = projectFrames(e, project.root);
    return {
      ...base,
      status: "failed",
      cause: d.cause,
      error: errorMessage(e),
      ...(where.length ? { where } : {}),
      duration_s: elapsed(),
    };
  }
}

/** Put a restored or executed cell's entry in the lock (written at once), queue its trial, and say so. */
async function commitEntry(
  st: RunState,
  d: DecidedCell,
  entry: LockEntry,
  status: "restored" | "ran",
): Promise<CellResult> {
  if (d.trialsNow) entry.trials = d.trialsNow;
  st.lock.cells[d.cell.id] = entry;
  await st.persistLock();
  st.trials.queue(d.cell, d.probe.trial, entry);
  return {
    id: d.cell.id,
    stage: d.cell.stage,
    status,
    cause: d.cause,
    duration_s: (performance.now() - d.started) / 1000,
    metrics: entry.metrics,
    ...withWarnings(entry),
  };
}

/**
 * Plan time: every params, matrix or module problem of the selection is reported now, all at
 * once, before anything runs and before the lock is touched.
 */
function assertPreparable(cells: readonly Cell[], probes: Map<string, CellProbe>): void {
  const problems = new Map<string, { error: string; code?: string }>();
  for (const cell of cells) {
    const parts = probes.get(cell.id)!.parts;
    if ("error" in parts && !problems.has(cell.stage)) problems.set(cell.stage, parts);
  }
  if (problems.size === 0) return;
  const list = [...problems.values()];
  const usage = list.every((p) => p.code === "PARAMS" || p.code === "SPEC");
  throw new StrataError(
    usage ? "PARAMS" : "STAGE",
    `nothing was ` +
      `run: ${problems.size === 1 ? "a stage cannot be prepared" : `${problems.size} stages cannot be prepared`}\n${list.map((p) => p.error).join("\n")}`,
  );
}

/** Durations, host and time belong to the run log, never to the lock. */
async function logRun(
  project: Project,
  opts: RunOptions,
  runId: string,
  startedAt: Date,
  jobs: number,
  summary: RunSummary,
  reporter: Reporter,
): Promise<void> {
  const list = summary.results;
  await appendRunLog(opts.runLogDir ?? project.stateDir, {
    run: runId,
    pipeline: relative(project.root, project.specFile),
    command: opts.command ?? "pipeline run",
    source: opts.source ?? "main",
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    wall_s: round3(summary.wall_s),
    host: hostName(),
    pid: process.pid,
    runtime: runtimeIdentity(),
    jobs,
    ok: summary.ok,
    cells: list.map((r) => ({
      id: r.id,
      status: r.status,
      cause: r.cause,
      duration_s: round3(r.duration_s),
      ...(r.error ? { error: r.error.split("\n")[0] } : {}),
    })),
  }).catch((e) => reporter.warn(`could not append to the run log: ${errorMessage(e)}`));
}

/** Upstream artifacts a cell may read: every output of every wired upstream cell. */
export function upstreamOf(project: Project, cell: Cell, lock: LockFile): UpstreamArtifact[] {
  const out: UpstreamArtifact[] = [];
  for (const d of cell.deps) {
    const dep = project.graph.byId.get(d)!;
    for (const [name, o] of Object.entries(lock.cells[d].outputs)) {
      out.push({
        stage: dep.stage,
        cellId: d,
        cell: dep.values,
        output: name,
        path: join(project.root, o.path),
        kind: kindOf(name, o.path),
        hash: o.hash,
        ...(o.rows !== undefined ? { rows: o.rows } : {}),
      });
    }
  }
  return out;
}

export function kindOf(name: string, path: string): UpstreamArtifact["kind"] {
  if (path.endsWith(`/${name}.parquet`)) return "table";
  if (path.endsWith(`/${name}.json`)) return "json";
  return "file";
}

interface ExecEnv {
  /** Private temp folder of the cell: <run tmp>/<cell.dir>, unique per cell. */
  tmpDir: string;
  upstream: UpstreamArtifact[];
  previous: LockEntry | undefined;
  signal: AbortSignal;
  reporter: Reporter;
  /** Set on a worker of a queue run: ctx.map's tasks go to the queue instead of running here. */
  tasks?: (name: string, inputs: readonly unknown[]) => Promise<unknown[]>;
}

/** What a stage's run left in its temp folder, and what it said. */
interface StageRun {
  files: Array<{ name: string; file: string; abs: string; rows?: number }>;
  metrics: Record<string, unknown>;
  warnings: string[];
  duration_s: number;
}

/** Run a stage into a temp folder and return the written files (not yet cached). */
export function executeStage(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  env: Omit<ExecEnv, "previous"> & { previous?: LockEntry },
): Promise<StageRun> {
  return withStageContext(project, cell, parts, env, async ({ ctx, def, stage, rec, warnings, t0 }) => {
    await def.run(ctx);
    if (env.signal.aborted) throw new StrataError("ABORTED", `${cell.id}: interrupted`);
    await checkOutputFolder(cell, stage.uses, def.outputs, rec.written, env.tmpDir);
    const files = [...rec.written.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((w) => ({ name: w.name, file: w.file, abs: join(env.tmpDir, w.file), rows: w.rows }));
    return {
      files,
      metrics: { ...rec.metrics },
      warnings: warnings.list(),
      duration_s: (performance.now() - t0) / 1000,
    };
  });
}

/** Run one of a stage's tasks (ctx.map) for a cell, with a context of that cell; returns its JSON result. */
export function executeTask(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  env: Omit<ExecEnv, "previous">,
  name: string,
  input: unknown,
): Promise<unknown> {
  return withStageContext(project, cell, parts, env, ({ ctx, def }) => runTask(def, cell, ctx, name, input));
}

/** A task through JSON both ways, with a context that writes no outputs: the same result here as on any worker. */
async function runTask(def: StageDefinition, cell: Cell, ctx: StageContext<unknown>, name: string, input: unknown) {
  const task = def.tasks?.[name];
  if (!task) {
    throw new StrataError("STAGE", `stage '${cell.stage}' has no task '${name}' (ctx.map)`, {
      hint: `declare it under tasks in defineStage; it has: ${Object.keys(def.tasks ?? {}).join(", ") || "none"}`,
    });
  }
  const noWrite = (): never => {
    throw new StrataError("STAGE", `${cell.id}: task '${name}' may not write outputs or metrics; return its result`);
  };
  const taskCtx = { ...ctx, writeTable: noWrite, writeJson: noWrite, writeFile: noWrite, metric: noWrite };
  const json = JSON.stringify((await task(taskCtx, JSON.parse(JSON.stringify(input ?? null)))) ?? null);
  return JSON.parse(json);
}

interface StageScope {
  ctx: StageContext<unknown>;
  def: StageDefinition;
  stage: ReturnType<typeof stageSpec>;
  rec: CellRecorder;
  warnings: ReturnType<typeof warningCollector>;
  t0: number;
}

/** Loads the stage, opens the cell's DuckDB and context (views over its upstream), runs `use`, closes. */
async function withStageContext<T>(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  env: Omit<ExecEnv, "previous"> & { previous?: LockEntry },
  use: (scope: StageScope) => Promise<T>,
): Promise<T> {
  const stage = stageSpec(project, cell.stage);
  const def = await loadStageModule(stage);
  const previous = def.incremental ? offerPrevious(project, cell, parts, env) : null;
  // Every validated param, `inherit`ed ones included (parts.params is only what the fingerprint records for this cell).
  const params = await stageParams(project, cell.stage);
  // DuckDB loads only when a cell executes: a no-op run never pays for it. Each cell has its
  // own in-memory instance, so concurrent cells share no catalog and no thread settings.
  const [{ createContext }, { createDatabase, SMALL_INPUT_ROWS }] = await Promise.all([
    import("./context.ts"),
    import("../store/database.ts"),
  ]);
  await rm(env.tmpDir, { recursive: true, force: true });
  await mkdir(env.tmpDir, { recursive: true });
  // A cell whose upstream tables are all small runs DuckDB on one thread: its parallel window
  // operator can fail on small inputs (see SMALL_INPUT_ROWS), and one thread costs nothing there.
  const db = await createDatabase(allTablesSmall(env.upstream, SMALL_INPUT_ROWS) ? { threads: 1 } : {});
  const conn = await db.connect();
  const onAbort = () => conn.interrupt();
  env.signal.addEventListener("abort", onAbort);
  const t0 = performance.now();
  try {
    const rec = createContext({
      root: project.root,
      cell,
      params,
      seed: parts.seed,
      outputs: def.outputs,
      files: stage.files,
      upstream: env.upstream,
      db: conn,
      outDir: env.tmpDir,
      signal: env.signal,
      onLog: (m) => env.reporter.log(cell, m),
      onProgress: (f, n) => env.reporter.progress(cell, f, n),
      trials: def.readsTrials ? (s) => readTrials(project.registryFile, s) : undefined,
    });
    await rec.registerViews();
    // upstream(), warn() and map() are added to the context here, beside the other run-time wiring.
    const upstream = upstreamInfo(env.upstream);
    const warnings = warningCollector(cell, env.reporter);
    const ctx: StageContext<unknown> = {
      ...rec.ctx,
      upstream: () => upstream.map((u) => ({ ...u, cell: { ...u.cell } })),
      warn: warnings.warn,
      previous,
      map: async <R>(name: string, inputs: readonly unknown[]): Promise<R[]> => {
        if (!def.tasks?.[name]) await runTask(def, cell, ctx, name, null); // the error naming the tasks
        if (env.tasks) return (await env.tasks(name, inputs)) as R[];
        const out: R[] = [];
        for (const input of inputs) out.push((await runTask(def, cell, ctx, name, input)) as R);
        return out;
      },
    };
    return await use({ ctx, def, stage, rec, warnings, t0 });
  } finally {
    env.signal.removeEventListener("abort", onAbort);
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * An incremental stage's previous run (see previous-run.ts), or null with the reason logged.
 * `pipeline verify` passes no lock entry: it always recomputes in full.
 */
function offerPrevious(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  env: Omit<ExecEnv, "previous"> & { previous?: LockEntry },
): PreviousRun | null {
  if (!env.previous) return null;
  const got = previousRun({
    entry: env.previous,
    parts,
    upstream: env.upstream,
    objectPath: (hash) => (project.cache.has(hash) ? project.cache.pathOf(hash) : undefined),
    cellId: cell.id,
  });
  if ("reason" in got) {
    env.reporter.log(cell, `in full: ${got.reason}`);
    return null;
  }
  return got.run;
}

/** Whether the cell reads tables and every one has fewer than `limit` recorded rows. */
function allTablesSmall(upstream: readonly UpstreamArtifact[], limit: number): boolean {
  const tables = upstream.filter((u) => u.kind === "table");
  return tables.length > 0 && tables.every((u) => u.rows !== undefined && u.rows < limit);
}

/** What ctx.upstream() lists: every upstream artifact, sorted by cell id then output. */
function upstreamInfo(upstream: readonly UpstreamArtifact[]): UpstreamInfo[] {
  return [...upstream]
    .sort((a, b) =>
      a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : a.output < b.output ? -1 : a.output > b.output ? 1 : 0,
    )
    .map((u) => ({
      stage: u.stage,
      cellId: u.cellId,
      cell: { ...u.cell },
      output: u.output,
      kind: u.kind,
      path: u.path,
      hash: u.hash,
    }));
}

/**
 * ctx.warn() of one cell: each distinct sentence reported as it comes, at most
 * MAX_CELL_WARNINGS kept; `list()` (after the run) adds how many more there were.
 */
function warningCollector(cell: Cell, reporter: Reporter): { warn(message: string): void; list(): string[] } {
  const warnings: string[] = [];
  let dropped = 0;
  return {
    warn: (message: string): void => {
      const text = String(message).trim();
      if (!text || warnings.includes(text)) return;
      if (warnings.length >= MAX_CELL_WARNINGS) {
        dropped++;
        return;
      }
      warnings.push(text);
      if (reporter.cellWarning) reporter.cellWarning(cell, text);
      else reporter.warn(`${cell.id}: ${text}`);
    },
    list: (): string[] => {
      if (dropped) warnings.push(`… and ${dropped} more warning(s) not kept (at most ${MAX_CELL_WARNINGS} per cell)`);
      return warnings;
    },
  };
}

/** Every declared output was written, and only files written through ctx are in the folder: no strays, no symlinks. */
async function checkOutputFolder(
  cell: Cell,
  uses: string,
  outputs: readonly string[],
  written: CellRecorder["written"],
  tmpDir: string,
): Promise<void> {
  const missing = outputs.filter((o) => !written.has(o));
  if (missing.length > 0) {
    throw new StrataError(
      "OUTPUT",
      `stage '${cell.stage}' (cell ${cell.id}) finished without writing ${missing.map((m) => `'${m}'`).join(", ")}`,
      {
        hint: `write every declared output (ctx.writeTable/writeJson/writeFile), or remove it from outputs in ${uses}`,
      },
    );
  }
  const claimed = new Set([...written.values()].map((w) => w.file));
  for (const f of await readdir(tmpDir)) {
    const st = await lstat(join(tmpDir, f));
    if (!claimed.has(f) || !st.isFile()) {
      throw new StrataError(
        "OUTPUT",
        `stage '${cell.stage}' (cell ${cell.id}) left '${f}' in its output folder outside ` +
          `ctx${st.isSymbolicLink() ? " (a symlink)" : ""}`,
        {
          hint: "write outputs only with ctx.writeTable / ctx.writeJson / ctx.writeFile",
        },
      );
    }
  }
}

async function executeCell(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  inputs: Record<string, string>,
  fp: string,
  env: ExecEnv,
): Promise<LockEntry> {
  const res = await executeStage(project, cell, parts, env);
  const outputs: LockEntry["outputs"] = {};
  for (const f of res.files) {
    const { hash, bytes } = await project.cache.put(f.abs, { move: true });
    outputs[f.name] = { path: `${cell.dir}/${f.file}`, hash, bytes, ...(f.rows !== undefined ? { rows: f.rows } : {}) };
  }
  const duration_s = round3(res.duration_s);
  await project.cache.putRun(fp, {
    outputs,
    metrics: res.metrics as LockEntry["metrics"],
    duration_s,
    engine: parts.engine,
    ...(res.warnings.length ? { warnings: res.warnings } : {}),
  });
  await materialize(project, outputs, env.previous, { verify: false });
  await rm(env.tmpDir, { recursive: true, force: true });
  return lockEntry(project, cell, parts, inputs, fp, outputs, res.metrics as LockEntry["metrics"], res.warnings);
}

/** Restore a cell from the run-cache (or, for damaged files, from the lock's own hashes). */
async function restoreCell(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  inputs: Record<string, string>,
  fp: string,
  previous: LockEntry | undefined,
  reporter: Reporter,
): Promise<LockEntry | undefined> {
  const run =
    project.cache.getRun(fp) ??
    (previous && previous.fingerprint === fp
      ? {
          outputs: previous.outputs,
          metrics: previous.metrics,
          duration_s: 0,
          engine: previous.engine,
          ...(previous.warnings ? { warnings: previous.warnings } : {}),
        }
      : undefined);
  if (!run) return undefined;
  const outputs: LockEntry["outputs"] = {};
  for (const [name, o] of Object.entries(run.outputs)) {
    const file = o.path.slice(o.path.lastIndexOf("/") + 1);
    outputs[name] = { ...o, path: `${cell.dir}/${file}` };
  }
  for (const o of Object.values(outputs)) {
    if (!project.cache.has(o.hash)) {
      reporter.warn(`${cell.id}: cache object for ${o.path} is missing`);
      return undefined;
    }
  }
  try {
    await materialize(project, outputs, previous, { verify: true, warn: (m) => reporter.warn(`${cell.id}: ${m}`) });
  } catch (e) {
    reporter.warn(`${cell.id}: restore failed (${errorMessage(e)})`);
    return undefined;
  }
  return lockEntry(project, cell, parts, inputs, fp, outputs, run.metrics, run.warnings);
}

/**
 * Put outputs in place under data/: each file copied from the cache to a temp sibling and
 * renamed over the old one. Outputs the previous entry had and the new one lacks are removed.
 */
async function materialize(
  project: Project,
  outputs: LockEntry["outputs"],
  previous: LockEntry | undefined,
  opts: { verify: boolean; warn?: (m: string) => void },
): Promise<void> {
  for (const o of Object.values(outputs)) {
    const dest = join(project.root, o.path);
    if (await project.stat.matches(dest, o.hash)) continue;
    if (opts.verify) {
      // Restoring an old result: check the object before trusting it (corrupt → miss).
      const ok = await project.cache.restore(o.hash, dest, opts.warn);
      if (!ok)
        throw new StrataError("CACHE", `cache object ${o.hash.slice(0, 12)} for ${o.path} is missing or corrupt`);
    } else {
      // Just hashed by cache.put in this run: a plain atomic copy.
      await mkdir(dirname(dest), { recursive: true });
      await copyFileAtomic(project.cache.pathOf(o.hash), dest);
    }
    await project.stat.remember(dest, o.hash);
  }
  if (previous) {
    const keep = new Set(Object.values(outputs).map((o) => o.path));
    for (const o of Object.values(previous.outputs)) {
      if (keep.has(o.path)) continue;
      await rm(join(project.root, o.path), { force: true });
      // A folder of an older layout (`a=1,b=x/`) left empty goes too; a folder still holding
      // anything (another cell's outputs, a user's file) stays.
      await rmdir(dirname(join(project.root, o.path))).catch(() => {});
    }
  }
}

function lockEntry(
  project: Project,
  cell: Cell,
  parts: StaticParts,
  inputs: Record<string, string>,
  fp: string,
  outputs: LockEntry["outputs"],
  metrics: LockEntry["metrics"],
  warnings: readonly string[] = [],
): LockEntry {
  return {
    stage: cell.stage,
    matrix: cell.values,
    fingerprint: fp,
    uses: stageSpec(project, cell.stage).uses,
    code: parts.code,
    packages: parts.packages,
    params: parts.params,
    inputs,
    files: parts.files,
    seed: parts.seed,
    outputs,
    metrics,
    engine: parts.engine,
    ...(warnings.length ? { warnings: [...warnings] } : {}),
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Output hashes of a run-cache entry whose objects are all present, for planning. */
export function runHashes(project: Project, fp: string): Record<string, string> | undefined {
  const hashes = lockHashes(project.cache.getRun(fp));
  return hashes && Object.values(hashes).every((h) => project.cache.has(h)) ? hashes : undefined;
}
