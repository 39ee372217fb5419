/**
 * A long-lived pool of worker threads that run the tree kernels on shared memory.
 *
 * Workers are created from source text (`new Worker(source, { eval: true })`), built from the
 * self-contained `gbdtKernels` function, so they work the same under vitest, the tsx loader
 * (CLI or `register()`), and plain node on an esbuild bundle: no .ts worker file is resolved.
 *
 * Protocol: a fit opens a *session* (one message per worker carrying the shared buffers); inside
 * a session the main thread and the workers synchronize through Atomics on a small shared
 * control block (one generation bump per job, a done counter), so a job costs a few
 * microseconds instead of a message round trip. The main thread works as thread 0 and blocks
 * (Atomics.wait) only while a job runs. Between sessions workers idle in their event loop and
 * are unref'ed: an idle pool never keeps the process alive.
 *
 * A wake-up is not a job: both sides re-read the counter they wait on and sleep again unless
 * it moved (a notify can arrive late, after the waiter has already seen the change and moved
 * on), so every job runs exactly once on every thread (tests/quant/ml/gbdt-pool.test.ts).
 */
import { Worker } from "node:worker_threads";
import { binningKernels } from "./binning.ts";
import { gbdtKernels, type KernelState, type KernelStateInit, type Kernels } from "./kernels.ts";

const C_GEN = 0,
  C_DONE = 1,
  C_OP = 2,
  C_ERR = 3;
const OP_RUN = 1,
  OP_END = 2;
const ERR_BYTES = 2048;

/** Body of a worker; receives the kernels and node:worker_threads. Self-contained. */
function workerMain(K: Kernels, wt: typeof import("node:worker_threads"), BK: ReturnType<typeof binningKernels>): void {
  const port = wt.parentPort!;
  port.on(
    "message",
    (msg: {
      type: string;
      init: KernelStateInit;
      ctrl: SharedArrayBuffer;
      err: SharedArrayBuffer;
      index: number;
      threads: number;
      gen: number;
    }) => {
      if (msg.type !== "session") return;
      const S = K.attach(msg.init);
      S.binning = BK;
      const ctrl = new Int32Array(msg.ctrl);
      const errBytes = new Uint8Array(msg.err);
      let gen = msg.gen;
      port.postMessage({ type: "ready" });
      for (;;) {
        // Only a new generation is a new job. A wake-up alone is not: the notify of the job this
        // worker has just run can arrive after it parked again (the main thread descheduled
        // between the bump and the notify), and running that job twice corrupts its results.
        let now = Atomics.load(ctrl, 0);
        while (now === gen) {
          Atomics.wait(ctrl, 0, gen);
          now = Atomics.load(ctrl, 0);
        }
        gen = now;
        if (Atomics.load(ctrl, 2) === 2) break;
        try {
          K.runShare(S, msg.index, msg.threads);
        } catch (e) {
          const text = new TextEncoder().encode(String((e as Error)?.stack ?? e)).subarray(0, errBytes.length - 1);
          if (Atomics.compareExchange(ctrl, 3, 0, 1) === 0) errBytes.set(text);
        }
        Atomics.add(ctrl, 1, 1);
        Atomics.notify(ctrl, 1);
      }
      port.postMessage({ type: "ended" });
    },
  );
}

const WORKER_SOURCE =
  `"use strict";\nvar __name = (fn, _name) => fn;\n` +
  `const K = (${gbdtKernels.toString()})();\n` +
  `const BK = (${binningKernels.toString()})();\n` +
  `(${workerMain.toString()})(K, require("node:worker_threads"), BK);\n`;

/** Runs jobs on the main thread plus `workers.length` workers. */
export interface Executor {
  readonly threads: number;
  /** Main-thread view of the shared state (its own scratch). */
  readonly state: KernelState;
  /** Run the job currently described in state.task on every thread; blocks until all finish. */
  run(): void;
  /** End the session (the pool returns to the idle list). */
  close(): void;
  /**
   * Wake the workers without posting a job, as the notify of a job a worker has already run
   * can arrive late (the main thread descheduled between the generation bump and the notify).
   * A worker must go back to sleep; tests use this to prove that no job ever runs twice.
   */
  wakeWithoutJob(): void;
}

const K = gbdtKernels();
const BK = binningKernels();

export function inlineExecutor(init: KernelStateInit): Executor {
  const state = K.attach(init);
  state.binning = BK;
  return { threads: 1, state, run: () => K.runShare(state, 0, 1), close: () => {}, wakeWithoutJob: () => {} };
}

interface Pool {
  workers: Worker[];
  broken: boolean;
}

const idle: Pool[] = [];

function spawn(n: number): Promise<Pool> {
  const pool: Pool = { workers: [], broken: false };
  const starts: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // Stays ref'ed while the fit that spawned it runs (the event loop must wait for "online").
    const w = new Worker(WORKER_SOURCE, { eval: true, name: `strata-gbdt-${i}` });
    pool.workers.push(w);
    starts.push(
      new Promise<void>((resolve, reject) => {
        w.once("online", () => resolve());
        w.once("error", reject);
      }),
    );
    w.on("error", () => {
      pool.broken = true;
    });
    w.on("exit", () => {
      pool.broken = true;
    });
  }
  return Promise.all(starts).then(
    () => pool,
    (e) => {
      for (const w of pool.workers) void w.terminate();
      throw e;
    },
  );
}

let warned = false;
function warnFallback(e: unknown): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `gbdt: worker threads unavailable (${(e as Error)?.message ?? e}); training on one thread (same model, slower)`,
  );
}

/**
 * An executor on `threads` threads (main + threads − 1 workers). Falls back to the inline
 * executor (same results, since sums are exact) when workers cannot start.
 */
export async function openExecutor(init: KernelStateInit, threads: number): Promise<Executor> {
  if (threads <= 1) return inlineExecutor(init);
  const nWorkers = threads - 1;
  let pool: Pool | undefined;
  const at = idle.findIndex((p) => p.workers.length === nWorkers && !p.broken);
  if (at >= 0) pool = idle.splice(at, 1)[0];
  else {
    try {
      pool = await spawn(nWorkers);
    } catch (e) {
      warnFallback(e);
      return inlineExecutor(init);
    }
  }
  const p = pool;
  for (const w of p.workers) w.ref();
  const ctrlBuf = new SharedArrayBuffer(16);
  const ctrl = new Int32Array(ctrlBuf);
  const errBuf = new SharedArrayBuffer(ERR_BYTES);
  try {
    await startSession(p, init, ctrlBuf, errBuf, threads);
  } catch (e) {
    p.broken = true;
    for (const w of p.workers) void w.terminate();
    warnFallback(e);
    return inlineExecutor(init);
  }
  return poolExecutor(p, init, ctrl, errBuf, threads);
}

/** Sends every worker of `p` the session (shared state, control and error buffers); resolves when all are ready. */
function startSession(
  p: Pool,
  init: KernelStateInit,
  ctrlBuf: SharedArrayBuffer,
  errBuf: SharedArrayBuffer,
  threads: number,
): Promise<unknown> {
  return Promise.all(
    p.workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          const onMsg = (m: { type: string }) => {
            if (m.type === "ready") {
              w.off("message", onMsg);
              w.off("error", reject);
              resolve();
            }
          };
          w.on("message", onMsg);
          w.once("error", reject);
          w.postMessage({ type: "session", init, ctrl: ctrlBuf, err: errBuf, index: i + 1, threads, gen: 0 });
        }),
    ),
  );
}

/**
 * The executor of a started session: `run` posts a job (generation counter, then notify) and
 * works its own share on this thread, then waits for every worker's done count.
 */
function poolExecutor(
  p: Pool,
  init: KernelStateInit,
  ctrl: Int32Array,
  errBuf: SharedArrayBuffer,
  threads: number,
): Executor {
  const nWorkers = threads - 1;
  const state = K.attach(init);
  state.binning = BK;
  let open = true;
  return {
    threads,
    state,
    run() {
      if (!open) throw new Error("gbdt executor: run after close");
      Atomics.store(ctrl, C_DONE, 0);
      Atomics.store(ctrl, C_OP, OP_RUN);
      Atomics.add(ctrl, C_GEN, 1);
      Atomics.notify(ctrl, C_GEN);
      let mainError: unknown;
      try {
        K.runShare(state, 0, threads);
      } catch (e) {
        mainError = e;
      }
      for (let d = Atomics.load(ctrl, C_DONE); d < nWorkers; d = Atomics.load(ctrl, C_DONE)) {
        Atomics.wait(ctrl, C_DONE, d, 10_000);
        if (p.broken) throw new Error("gbdt worker exited during a job");
      }
      if (mainError) throw mainError;
      if (Atomics.load(ctrl, C_ERR)) {
        const bytes = new Uint8Array(errBuf);
        const end = bytes.indexOf(0);
        throw new Error(
          `gbdt worker failed: ${new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end))}`,
        );
      }
    },
    wakeWithoutJob() {
      Atomics.notify(ctrl, C_GEN);
    },
    close() {
      if (!open) return;
      open = false;
      Atomics.store(ctrl, C_OP, OP_END);
      Atomics.add(ctrl, C_GEN, 1);
      Atomics.notify(ctrl, C_GEN);
      for (const w of p.workers) w.unref();
      if (!p.broken) idle.push(p);
    },
  };
}

/** Idle pools and their workers (diagnostics: shows that a fit really used worker threads). */
export function gbdtPoolInfo(): { idlePools: number; idleWorkers: number } {
  return { idlePools: idle.length, idleWorkers: idle.reduce((s, p) => s + p.workers.length, 0) };
}

/** Terminate idle pools (tests, or a host that wants threads gone now). */
export async function closeGbdtPools(): Promise<void> {
  const pools = idle.splice(0, idle.length);
  await Promise.all(pools.flatMap((p) => p.workers.map((w) => w.terminate())));
}
