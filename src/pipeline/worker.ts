/**
 * `pipeline worker`: takes cells from the queue and executes them, `concurrency` at a time, and
 * takes the tasks cells fan out (ctx.map, e.g. tuning trials) from the study's task queue.
 *
 * Each slot is a warm child process (`pipeline worker-child`) that opens the project once and
 * executes one job after another (worker-exec.ts). The parent only talks to Redis, so its
 * event loop stays free to renew the jobs' locks however long a stage computes; a stage that
 * crashes its process loses that one job (retried) and the slot is started again. Task slots
 * are separate processes, started on the first task: a cell waiting for its tasks holds its
 * own slot, never the ones its tasks need.
 */
import { createHash } from "node:crypto";
import { fork, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { StrataError, errorMessage } from "../core/errors.ts";
import { openProject } from "./project.ts";
import { CellQueue, refuse, startQueueWorker } from "./queue.ts";
import {
  parseExecutor,
  tasksTarget,
  type CellJob,
  type CellJobResult,
  type JobProgress,
  type QueueTarget,
  type TaskJob,
} from "./queue-target.ts";
import { openRemote, type RemoteStore } from "./remote.ts";
import { executeJob, executeTaskJob, JobRefused, StageFailed } from "./worker-exec.ts";

/** Parent → child. */
type ToChild = { type: "job"; id: number; data: CellJob } | { type: "task"; id: number; data: TaskJob };
/** Child → parent. */
type FromChild =
  | { type: "ready" }
  | { type: "progress"; id: number; fraction?: number; note?: string; log?: string }
  | { type: "done"; id: number; result: unknown }
  | { type: "error"; id: number; message: string; final: boolean };

export interface WorkerEvent {
  kind: "start" | "done" | "failed" | "refused";
  slot: string;
  cell: string;
  /** Set for a task of the cell (ctx.map). */
  task?: string;
  seconds?: number;
  message?: string;
}

export interface WorkerOptions {
  file?: string;
  target: QueueTarget;
  /** The executor URL as given (the slots reach the task queue with it; it may hold a password). */
  executorUrl: string;
  /** The worker's own URL of the remote (a different mount of the same folder); default the job's. */
  remote?: string;
  concurrency: number;
  onEvent(e: WorkerEvent): void;
  /** Called once every slot is started and the queue connection is up. */
  onReady?(): void;
  signal: AbortSignal;
}

interface Slot {
  name: string;
  child?: ChildProcess;
  ready?: Promise<void>;
  busy: boolean;
}

/** Runs until `signal` aborts: then finishes the jobs in hand and stops. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const base = `${hostname()}:${process.pid}`;
  const cellSlots: Slot[] = Array.from({ length: opts.concurrency }, (_, i) => ({
    name: `${base}#${i + 1}`,
    busy: false,
  }));
  const taskSlots: Slot[] = Array.from({ length: opts.concurrency }, (_, i) => ({
    name: `${base}#t${i + 1}`,
    busy: false,
  }));
  let seq = 0;
  const startChild = (slot: Slot): Promise<void> => {
    const args = [...(opts.file ? ["--file", opts.file] : []), "worker-child", "--name", slot.name];
    if (opts.remote) args.push("--remote", opts.remote);
    const child = fork(process.argv[1], args, {
      execArgv: process.execArgv,
      // The executor through the environment, not argv: a password in it stays out of `ps`.
      env: { ...process.env, STRATA_WORKER_EXECUTOR: opts.executorUrl },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    slot.child = child;
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromChild) => {
        if (m.type === "ready") {
          child.off("message", onMsg);
          resolve();
        }
      };
      child.on("message", onMsg);
      child.once("exit", (code, sig) =>
        reject(new StrataError("QUEUE", `worker slot ${slot.name} exited at start (${sig ?? code})`)),
      );
    });
    child.once("exit", () => {
      if (slot.child === child) slot.child = undefined;
    });
    return slot.ready;
  };
  // Start every cell slot now: a broken checkout fails here, not on the first job.
  await Promise.all(cellSlots.map(startChild));

  /** Sends one job to a free slot's process and waits for its answer. */
  const dispatch = async (
    slots: Slot[],
    msg: { type: "job"; data: CellJob } | { type: "task"; data: TaskJob },
    report: (p: JobProgress) => void,
  ): Promise<{ slot: string; result: unknown }> => {
    const slot = slots.find((s) => !s.busy);
    if (!slot) throw new StrataError("INTERNAL", "no free worker slot");
    slot.busy = true;
    const t0 = performance.now();
    const what = { slot: slot.name, cell: msg.data.cell, ...(msg.type === "task" ? { task: msg.data.task } : {}) };
    opts.onEvent({ kind: "start", ...what });
    if (msg.type === "job") report({ worker: slot.name, fraction: 0, note: "started" });
    try {
      if (!slot.child) await startChild(slot);
      await slot.ready;
      const child = slot.child!;
      const id = ++seq;
      const result = await new Promise<unknown>((resolve, reject) => {
        const onMsg = (m: FromChild) => {
          if (!("id" in m) || m.id !== id) return;
          if (m.type === "progress") report({ worker: slot.name, fraction: m.fraction, note: m.note, log: m.log });
          else {
            done();
            if (m.type === "done") resolve(m.result);
            // A refusal or a stage's own error is final; a fetch or send that failed may pass elsewhere.
            else reject(m.final ? refuse(m.message) : new Error(m.message));
          }
        };
        const onExit = (code: number | null, sig: string | null) => {
          done();
          reject(
            new Error(`worker slot ${slot.name} died while executing ${msg.data.cell} (${sig ?? `exit ${code}`})`),
          );
        };
        const done = () => {
          child.off("message", onMsg);
          child.off("exit", onExit);
        };
        child.on("message", onMsg);
        child.on("exit", onExit);
        child.send({ ...msg, id } as ToChild);
      });
      opts.onEvent({ kind: "done", ...what, seconds: (performance.now() - t0) / 1000 });
      return { slot: slot.name, result };
    } catch (e) {
      const refused = / refuses /.test(errorMessage(e));
      opts.onEvent({ kind: refused ? "refused" : "failed", ...what, message: errorMessage(e) });
      throw e;
    } finally {
      slot.busy = false;
    }
  };

  const cells = await startQueueWorker<CellJob, CellJobResult>(opts.target, opts.concurrency, async (data, report) => {
    const { slot, result } = await dispatch(cellSlots, { type: "job", data }, report);
    return { ...(result as Omit<CellJobResult, "worker">), worker: slot };
  });
  const tasks = await startQueueWorker<TaskJob, unknown>(tasksTarget(opts.target), opts.concurrency, async (data) => {
    return (await dispatch(taskSlots, { type: "task", data }, () => {})).result;
  });
  opts.onReady?.();
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.all([cells.close(), tasks.close()]);
  for (const s of [...cellSlots, ...taskSlots]) s.child?.kill();
}

/** The child side: open the project once, execute jobs as they come, exit with the parent. */
export async function workerChildMain(opts: { file?: string; name: string; remote?: string }): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const project = await openProject({ file: opts.file });
  const remotes = new Map<string, Promise<RemoteStore>>();
  const remoteFor = (url: string) => {
    let r = remotes.get(url);
    if (!r) remotes.set(url, (r = openRemote(url, opts.remote ? "--remote" : "the coordinator's remote")));
    return r;
  };
  // The task queue, opened on the first ctx.map of a cell executed here.
  let taskQueue: Promise<CellQueue> | undefined;
  const fanOut = (job: CellJob) => async (name: string, inputs: readonly unknown[]) => {
    const target = parseExecutor(process.env.STRATA_WORKER_EXECUTOR, "the worker's executor");
    if (!target) throw new StrataError("INTERNAL", "worker slot started without an executor");
    taskQueue ??= CellQueue.open(tasksTarget(target));
    const q = await taskQueue;
    return Promise.all(
      inputs.map((input) => {
        const data: TaskJob = { ...job, task: name, input };
        // Same cell, task and input: the same job (a retried cell reuses its finished tasks).
        const id = createHash("sha256")
          .update(`${job.fingerprint}\0${name}\0${JSON.stringify(input)}`)
          .digest("hex");
        return q.submitAs(id, data);
      }),
    );
  };
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (m: ToChild) => {
    if (m.type !== "job" && m.type !== "task") return;
    const ac = new AbortController();
    try {
      const remote = await remoteFor(opts.remote ?? m.data.remote);
      const hooks = {
        worker: opts.name,
        progress: (fraction: number, note?: string) => send({ type: "progress", id: m.id, fraction, note }),
        log: (message: string) => send({ type: "progress", id: m.id, log: message }),
        warn: (message: string) => send({ type: "progress", id: m.id, log: `warning: ${message}` }),
        signal: ac.signal,
      };
      const result =
        m.type === "job"
          ? await executeJob(project, remote, m.data, { ...hooks, tasks: fanOut(m.data) })
          : await executeTaskJob(project, remote, m.data, hooks);
      await project.stat.save().catch(() => {});
      send({ type: "done", id: m.id, result });
    } catch (e) {
      send({
        type: "error",
        id: m.id,
        message: errorMessage(e),
        final: e instanceof JobRefused || e instanceof StageFailed,
      });
    }
  });
  send({ type: "ready" });
}
