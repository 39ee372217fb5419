/**
 * `pipeline worker`: takes cells from the queue and executes them, `concurrency` at a time.
 *
 * Each slot is a warm child process (`pipeline worker-child`) that opens the project once and
 * executes one job after another (worker-exec.ts). The parent only talks to Redis, so its
 * event loop stays free to renew the jobs' locks however long a stage computes; a stage that
 * crashes its process loses that one job (retried) and the slot is started again.
 */
import { fork, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { StrataError, errorMessage } from "../core/errors.ts";
import { openProject } from "./project.ts";
import { refuse, startQueueWorker } from "./queue.ts";
import type { CellJob, CellJobResult, JobProgress, QueueTarget } from "./queue-target.ts";
import { openRemote, type RemoteStore } from "./remote.ts";
import { executeJob, JobRefused, StageFailed } from "./worker-exec.ts";

/** Parent → child. */
type ToChild = { type: "job"; id: number; data: CellJob };
/** Child → parent. */
type FromChild =
  | { type: "ready" }
  | { type: "progress"; id: number; fraction?: number; note?: string; log?: string }
  | { type: "done"; id: number; result: Omit<CellJobResult, "worker"> }
  | { type: "error"; id: number; message: string; final: boolean };

export interface WorkerEvent {
  kind: "start" | "done" | "failed" | "refused";
  slot: string;
  cell: string;
  seconds?: number;
  message?: string;
}

export interface WorkerOptions {
  file?: string;
  target: QueueTarget;
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
  const slots: Slot[] = Array.from({ length: opts.concurrency }, (_, i) => ({ name: `${base}#${i + 1}`, busy: false }));
  let seq = 0;
  const startChild = (slot: Slot): Promise<void> => {
    const args = [...(opts.file ? ["--file", opts.file] : []), "worker-child", "--name", slot.name];
    if (opts.remote) args.push("--remote", opts.remote);
    const child = fork(process.argv[1], args, {
      execArgv: process.execArgv,
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
  // Start every slot now: a broken checkout fails here, not on the first job.
  await Promise.all(slots.map(startChild));

  const run = async (data: CellJob, report: (p: JobProgress) => void): Promise<CellJobResult> => {
    const slot = slots.find((s) => !s.busy);
    if (!slot) throw new StrataError("INTERNAL", "no free worker slot");
    slot.busy = true;
    const t0 = performance.now();
    opts.onEvent({ kind: "start", slot: slot.name, cell: data.cell });
    report({ worker: slot.name, fraction: 0, note: "started" });
    try {
      if (!slot.child) await startChild(slot);
      await slot.ready;
      const child = slot.child!;
      const id = ++seq;
      const result = await new Promise<Omit<CellJobResult, "worker">>((resolve, reject) => {
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
          reject(new Error(`worker slot ${slot.name} died while executing ${data.cell} (${sig ?? `exit ${code}`})`));
        };
        const done = () => {
          child.off("message", onMsg);
          child.off("exit", onExit);
        };
        child.on("message", onMsg);
        child.on("exit", onExit);
        child.send({ type: "job", id, data } satisfies ToChild);
      });
      opts.onEvent({ kind: "done", slot: slot.name, cell: data.cell, seconds: (performance.now() - t0) / 1000 });
      return { ...result, worker: slot.name };
    } catch (e) {
      const refused = (e as Error).name === "UnrecoverableError";
      opts.onEvent({
        kind: refused ? "refused" : "failed",
        slot: slot.name,
        cell: data.cell,
        message: errorMessage(e),
      });
      throw e;
    } finally {
      slot.busy = false;
    }
  };

  const worker = await startQueueWorker(opts.target, opts.concurrency, run);
  opts.onReady?.();
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await worker.close();
  for (const s of slots) s.child?.kill();
}

/** The child side: open the project once, execute jobs as they come, exit with the parent. */
export async function workerChildMain(opts: { file?: string; name: string; remote?: string }): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const project = await openProject({ file: opts.file });
  const remotes = new Map<string, Promise<RemoteStore>>();
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (m: ToChild) => {
    if (m.type !== "job") return;
    const ac = new AbortController();
    try {
      const url = opts.remote ?? m.data.remote;
      let remote = remotes.get(url);
      if (!remote) remotes.set(url, (remote = openRemote(url, opts.remote ? "--remote" : "the coordinator's remote")));
      const result = await executeJob(project, await remote, m.data, {
        worker: opts.name,
        progress: (fraction, note) => send({ type: "progress", id: m.id, fraction, note }),
        log: (message) => send({ type: "progress", id: m.id, log: message }),
        warn: (message) => send({ type: "progress", id: m.id, log: `warning: ${message}` }),
        signal: ac.signal,
      });
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
