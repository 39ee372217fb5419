/**
 * A worker executing one queued cell (queue.ts) in its own checkout: the same stage code as a
 * local run, fed from and feeding the shared remote cache.
 *
 * 1. Identity: the worker finds the cell in its own pipeline.yaml and recomputes the cell's
 *    fingerprint from its own code, params, files, packages and engine with the coordinator's
 *    inputs. Any difference is a refusal naming what differs: a cell is never computed by code
 *    other than the code its fingerprint names.
 * 2. Inputs: each upstream output is fetched from the remote into the local cache (hashed
 *    before use) and materialized under the worker's data/, exactly where a local run has it.
 * 3. Execution through the runner's executeStage, into a private temp folder.
 * 4. Outputs into the local cache, then objects and the run record onto the remote (each upload
 *    atomic: a worker killed midway leaves no partial object, and an object is named by its hash,
 *    so a second execution writes the same bytes).
 */
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { StrataError } from "../core/errors.ts";
import { cellFingerprint, diffFingerprintParts } from "./fingerprint.ts";
import type { LockEntry, LockFile } from "./lock.ts";
import { probeCells, type Project } from "./project.ts";
import type { CellJob, CellJobResult, TaskJob } from "./queue-target.ts";
import type { RemoteStore } from "./remote.ts";
import { executeStage, executeTask, round3, silentReporter, upstreamOf, type Reporter } from "./runner.ts";
import type { UpstreamArtifact } from "./context.ts";
import type { StaticParts } from "./plan.ts";
import type { Cell } from "./types.ts";
import { objectKey, pullObject, runKey } from "./sync.ts";
import { TRIALS_INPUT, trialsDigest } from "./trials.ts";

/** The stage itself failed: deterministic, so not retried on another worker. */
export class StageFailed extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "StageFailed";
  }
}

/** The worker cannot take this cell, and no retry would change that. */
export class JobRefused extends StrataError {
  constructor(message: string, hint: string) {
    super("QUEUE", message, { hint });
  }
}

export interface JobHooks {
  /** This worker's name (host:pid#slot), for messages. */
  worker: string;
  progress(fraction: number, note?: string): void;
  log(message: string): void;
  warn(message: string): void;
  signal: AbortSignal;
  /** Where ctx.map's tasks go (the queue's task side); default: they run here. */
  tasks?: (name: string, inputs: readonly unknown[]) => Promise<unknown[]>;
}

const SAME_CHECKOUT =
  "run every worker from the same commit as the coordinator (git pull), then restart the worker (`pipeline worker`)";

/** What a job's cell needs before its stage runs: identity checked, inputs in place. */
interface Prepared {
  cell: Cell;
  parts: StaticParts;
  upstream: UpstreamArtifact[];
  registryFile: string;
  tmpRoot: string;
  reporter: Reporter;
}

async function prepare(project: Project, remote: RemoteStore, job: CellJob, hooks: JobHooks): Promise<Prepared> {
  const spec = relative(process.cwd(), project.specFile) || project.specFile;
  const cell = project.graph.byId.get(job.cell);
  if (!cell) {
    throw new JobRefused(`worker ${hooks.worker} refuses ${job.cell}: no such cell in its ${spec}`, SAME_CHECKOUT);
  }
  const probe = (await probeCells(project, [cell])).get(cell.id)!;
  if ("error" in probe.parts) {
    throw new JobRefused(`worker ${hooks.worker} cannot prepare ${cell.id}: ${probe.parts.error}`, SAME_CHECKOUT);
  }
  const parts = probe.parts;
  const mine = { ...parts, inputs: job.parts.inputs };
  if (cellFingerprint(mine) !== job.fingerprint) {
    const diff = diffFingerprintParts(job.parts, mine);
    throw new JobRefused(
      `worker ${hooks.worker} refuses ${cell.id}: its checkout differs from the coordinator's ` +
        `(${diff.changes.slice(0, 4).join("; ") || "fingerprint format"})`,
      SAME_CHECKOUT,
    );
  }

  const tmpRoot = join(project.stateDir, "tmp", `${process.pid}-worker`);
  const fetchTmp = join(tmpRoot, "fetch");
  // Inputs: every upstream output in the local cache, then under data/ where the stage reads it.
  const cells: LockFile["cells"] = {};
  for (const u of job.upstream) {
    for (const [name, o] of Object.entries(u.outputs)) {
      if (!project.cache.has(o.hash)) {
        const got = await pullObject(project.cache, remote, o, fetchTmp, hooks.warn);
        if (got !== "fetched") {
          throw new StrataError(
            "CACHE",
            `input ${u.cellId}/${name} (${o.hash.slice(0, 12)}) is ${got} on ${remote.describe}`,
          );
        }
      }
      const dest = join(project.root, o.path);
      if (!(await project.stat.matches(dest, o.hash)) && !(await project.cache.restore(o.hash, dest, hooks.warn)))
        throw new StrataError("CACHE", `input ${u.cellId}/${name} could not be placed at ${o.path}`);
    }
    cells[u.cellId] = { outputs: u.outputs } as LockEntry;
  }
  const upstream = upstreamOf(project, cell, { version: 2, cells });

  // The trial registry the coordinator's fingerprint names, not this checkout's own.
  let registryFile = project.registryFile;
  if (job.trials) {
    if (!project.cache.has(job.trials.hash)) {
      const got = await pullObject(project.cache, remote, job.trials, fetchTmp, hooks.warn);
      if (got !== "fetched")
        throw new StrataError(
          "CACHE",
          `the trial registry (${job.trials.hash.slice(0, 12)}) is ${got} on ${remote.describe}`,
        );
    }
    registryFile = project.cache.pathOf(job.trials.hash);
    if (trialsDigest(registryFile) !== job.parts.inputs[TRIALS_INPUT])
      throw new StrataError("CACHE", "the fetched trial registry does not match the coordinator's digest");
  }

  const reporter: Reporter = {
    ...silentReporter,
    log: (_c, m) => hooks.log(m),
    progress: (_c, f, note) => hooks.progress(f, note),
    warn: (m) => hooks.warn(m),
  };
  return { cell, parts, upstream, registryFile, tmpRoot, reporter };
}

/** A task of the job's cell (ctx.map fanned out): its JSON result. */
export async function executeTaskJob(
  project: Project,
  remote: RemoteStore,
  job: TaskJob,
  hooks: JobHooks,
): Promise<unknown> {
  const { cell, parts, upstream, registryFile, tmpRoot, reporter } = await prepare(project, remote, job, hooks);
  const tmpDir = join(
    tmpRoot,
    "tasks",
    `${cell.dir}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  );
  try {
    return await executeTask(
      { ...project, registryFile },
      cell,
      parts,
      { tmpDir, upstream, signal: hooks.signal, reporter },
      job.task,
      job.input,
    ).catch((e) => {
      throw new StageFailed(e);
    });
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

export async function executeJob(
  project: Project,
  remote: RemoteStore,
  job: CellJob,
  hooks: JobHooks,
): Promise<Omit<CellJobResult, "worker">> {
  const { cell, parts, upstream, registryFile, tmpRoot, reporter } = await prepare(project, remote, job, hooks);
  const run = await executeStage({ ...project, registryFile }, cell, parts, {
    tmpDir: join(tmpRoot, cell.dir),
    upstream,
    signal: hooks.signal,
    reporter,
    ...(hooks.tasks ? { tasks: hooks.tasks } : {}),
  }).catch((e) => {
    throw new StageFailed(e);
  });
  const outputs: LockEntry["outputs"] = {};
  for (const f of run.files) {
    const { hash, bytes } = await project.cache.put(f.abs, { move: true });
    outputs[f.name] = { path: `${cell.dir}/${f.file}`, hash, bytes, ...(f.rows !== undefined ? { rows: f.rows } : {}) };
    await remote.upload(project.cache.pathOf(hash), objectKey(hash));
  }
  const result = {
    outputs,
    metrics: run.metrics as LockEntry["metrics"],
    duration_s: round3(run.duration_s),
    engine: parts.engine,
    ...(run.warnings.length ? { warnings: run.warnings } : {}),
  };
  await project.cache.putRun(job.fingerprint, result);
  // The run record last: once it is on the remote, everything it names is there too.
  await remote.upload(project.cache.runPath(job.fingerprint), runKey(job.fingerprint));
  return result;
}
