/**
 * The work queue: BullMQ on Redis. The only module that speaks to Redis.
 *
 * One queue per study (`?queue=` in the executor URL, default "strata"). A job is one cell to
 * execute; its id is the cell's fingerprint, so a cell enqueued twice (two waves, a retry, a
 * restarted coordinator) is one job and runs once. Fan-in follows the coordinator's own
 * ready-set (the runner enqueues a cell only when its upstream cells are done): the stage graph
 * is already known there, and BullMQ flows would duplicate it in Redis without adding a fact.
 *
 * The coordinator holds a lease key while it runs, so a second coordinator on the same queue
 * refuses with the holder's name instead of mixing two studies' cells.
 */
import { hostname } from "node:os";
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { StrataError } from "../core/errors.ts";
import { PREFIX, type CellJob, type CellJobResult, type JobProgress, type QueueTarget } from "./queue-target.ts";

export const JOB_NAME = "cell";

/** Seconds without a reachable Redis after which the coordinator gives up (STRATA_QUEUE_TIMEOUT_S). */
const queueTimeoutMs = () => 1000 * Number(process.env.STRATA_QUEUE_TIMEOUT_S ?? 120);
/** A worker's job lock: a worker silent this long has its job handed to another (STRATA_QUEUE_LOCK_MS). */
const lockMs = () => Number(process.env.STRATA_QUEUE_LOCK_MS ?? 30_000);

/** Waits for `p`, or fails after `ms` with a message naming the queue. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StrataError("QUEUE", what)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const unreachable = (t: QueueTarget, s: number) => `cannot reach Redis at ${t.describe} (no answer in ${s} s)`;
const REACH_HINT =
  "start redis-server there, check host, port and firewall, and set STRATA_REDIS_PASSWORD if it needs one";

interface Waiter {
  resolve(r: unknown): void;
  reject(e: Error): void;
  onProgress(p: JobProgress): void;
  id: string;
  data: object;
}

/** The coordinator's side: submit cells, hear their progress, get their results. */
export class CellQueue {
  private readonly waiters = new Map<string, Waiter>();
  private watchdog?: NodeJS.Timeout;
  private lease?: NodeJS.Timeout;
  private leaseValue?: string;
  private leaseClient?: Redis;
  private lastContact = Date.now();
  private closed = false;

  private constructor(
    readonly target: QueueTarget,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
  ) {}

  static async open(target: QueueTarget): Promise<CellQueue> {
    const opts = { connection: target.connection, prefix: PREFIX };
    const queue = new Queue(target.queue, opts);
    const events = new QueueEvents(target.queue, opts);
    // Connection errors are retried by the client; the watchdog decides when to give up.
    queue.on("error", () => {});
    events.on("error", () => {});
    const s = Math.round(Math.min(queueTimeoutMs(), 20_000) / 1000);
    try {
      await within(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), s * 1000, unreachable(target, s));
    } catch (e) {
      await Promise.allSettled([queue.close(), events.close()]);
      throw e instanceof StrataError ? new StrataError("QUEUE", e.message, { hint: REACH_HINT }) : e;
    }
    const q = new CellQueue(target, queue, events);
    q.listen();
    return q;
  }

  /**
   * Claims the queue for this coordinator (a lease renewed while it runs). A second coordinator
   * is refused with the holder's name; a killed holder's lease expires within 30 s.
   */
  async claim(holder: { command: string; root: string }): Promise<void> {
    // The lease is a plain key beside the queue's, on a connection of its own.
    const client = new Redis(this.target.connection);
    client.on("error", () => {});
    this.leaseClient = client;
    const key = `${PREFIX}:${this.target.queue}:coordinator`;
    const value = JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString(), ...holder });
    const ttl = 30_000;
    const ok = await client.set(key, value, "PX", ttl, "NX");
    if (ok !== "OK") {
      const held = await client.get(key);
      let who = "another coordinator";
      try {
        const h = JSON.parse(held ?? "{}") as {
          host?: string;
          pid?: number;
          command?: string;
          root?: string;
          since?: string;
        };
        who = `${h.host}:${h.pid} (${h.command} in ${h.root}, since ${h.since})`;
      } catch {
        /* an unreadable value: say so generally */
      }
      throw new StrataError("LOCKED", `the queue '${this.target.queue}' on ${this.target.describe} is held by ${who}`, {
        hint: "wait for that run to finish (or stop it), or give this study its own queue with ?queue=NAME in the executor URL; a killed coordinator's hold expires within 30 s",
      });
    }
    this.leaseValue = value;
    this.lease = setInterval(() => {
      // Renew only our own lease (compare and extend in one step).
      client
        .eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
          1,
          key,
          value,
          String(ttl),
        )
        .catch(() => {});
    }, ttl / 3);
    this.lease.unref();
  }

  /** Enqueues a cell (once per fingerprint) and resolves with the worker's result. */
  submit(job: CellJob, onProgress: (p: JobProgress) => void): Promise<CellJobResult> {
    return this.submitAs(job.fingerprint, job, onProgress) as Promise<CellJobResult>;
  }

  /** Enqueues `data` under the job id `id` (once per id) and resolves with the worker's return value. */
  submitAs(id: string, data: object, onProgress: (p: JobProgress) => void = () => {}): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject, onProgress, id, data });
      this.enqueue(id, data).catch((e) => this.settle(id, undefined, e as Error));
    });
  }

  /** Adds the job unless one with its id exists; a failed one from an earlier try is removed first. */
  private async enqueue(id: string, data: object): Promise<void> {
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === "completed") {
        this.settle(id, parseResult(existing.returnvalue));
        return;
      }
      if (state === "failed") await existing.remove();
      else return; // waiting or active: the running job's result is ours too
    }
    await this.queue.add(JOB_NAME, data, {
      jobId: id,
      // A worker dying mid-job (kill -9, lost machine) is retried elsewhere; a stage's own error is not retried.
      attempts: 3,
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  /** Drops a finished job so the next submit of its fingerprint runs it again (its outputs proved unusable). */
  async forget(fp: string): Promise<void> {
    const job = await this.queue.getJob(fp);
    if (job) await job.remove().catch(() => {});
  }

  private settle(fp: string, result: unknown, error?: Error): void {
    const w = this.waiters.get(fp);
    if (!w) return;
    this.waiters.delete(fp);
    if (error) w.reject(error);
    else w.resolve(result!);
  }

  private listen(): void {
    this.events.on("completed", ({ jobId, returnvalue }) => {
      this.lastContact = Date.now();
      this.settle(jobId, parseResult(returnvalue));
    });
    this.events.on("failed", ({ jobId, failedReason }) => {
      this.lastContact = Date.now();
      // A retryable failure (attempts left) is followed by another try: only the last one counts.
      void this.queue.getJob(jobId).then(async (job) => {
        if (job && (await job.getState()) === "failed") this.settle(jobId, undefined, jobFailure(failedReason));
      });
    });
    this.events.on("progress", ({ jobId, data }) => {
      this.lastContact = Date.now();
      const w = this.waiters.get(jobId);
      if (w && typeof data === "object" && data !== null) w.onProgress(data as JobProgress);
    });
    // Events can be missed (a reconnect, a Redis restart that lost the queue): every few
    // seconds, ask for each pending job's state; re-add a job Redis no longer knows.
    this.watchdog = setInterval(() => void this.check(), 2000);
    this.watchdog.unref();
  }

  private checking = false;
  private async check(): Promise<void> {
    if (this.closed) return;
    // Judged first: while Redis is away, a question to it waits for the reconnection.
    if (Date.now() - this.lastContact > queueTimeoutMs()) {
      const s = Math.round(queueTimeoutMs() / 1000);
      for (const fp of [...this.waiters.keys()])
        this.settle(
          fp,
          undefined,
          new StrataError("QUEUE", `lost Redis at ${this.target.describe} for ${s} s`, { hint: REACH_HINT }),
        );
      return;
    }
    if (this.checking) return;
    this.checking = true;
    try {
      if (this.waiters.size === 0) await this.queue.getJobCountByTypes("active");
      for (const [fp, w] of [...this.waiters]) {
        const job = await this.queue.getJob(fp);
        if (!job) {
          await this.enqueue(w.id, w.data);
          continue;
        }
        const state = await job.getState();
        if (state === "completed") this.settle(fp, parseResult(job.returnvalue));
        else if (state === "failed") this.settle(fp, undefined, jobFailure(job.failedReason));
      }
      this.lastContact = Date.now();
    } catch {
      /* Redis unreachable: judged on the next round */
    } finally {
      this.checking = false;
    }
  }

  /** Removes jobs nobody started (after an interrupted run), releases the lease, closes connections. */
  async close(opts: { dropWaiting?: boolean } = {}): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    clearInterval(this.lease);
    const tidy = async () => {
      if (opts.dropWaiting) {
        for (const fp of this.waiters.keys()) {
          const job = await this.queue.getJob(fp);
          if (job && (await job.getState()) === "waiting") await job.remove().catch(() => {});
        }
      }
      if (this.leaseValue && this.leaseClient) {
        await this.leaseClient.eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
          1,
          `${PREFIX}:${this.target.queue}:coordinator`,
          this.leaseValue,
        );
      }
    };
    await within(tidy(), 3000, "closing").catch(() => {}); // Redis gone: the lease expires by itself
    // With Redis gone, a polite close would wait for it: give it a moment, then cut the connections.
    const closing = Promise.allSettled([this.events.close(), this.queue.close(), this.leaseClient?.quit()]);
    const cut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 3000)),
    ]);
    if (cut) {
      // Not awaited: a disconnect from a server that is gone may never settle.
      this.leaseClient?.disconnect();
      this.events.disconnect().catch(() => {});
      this.queue.disconnect().catch(() => {});
    }
  }
}

function parseResult(v: unknown): unknown {
  return typeof v === "string" ? JSON.parse(v) : v;
}

function jobFailure(reason: string | undefined): StrataError {
  return new StrataError("QUEUE", reason || "the job failed on a worker without a reason");
}

/** How a worker handles one job (executes it, or refuses with `refuse`). */
export type JobHandler<D = CellJob, R = CellJobResult> = (data: D, report: (p: JobProgress) => void) => Promise<R>;

/** A final failure: no other try would pass (the checkout differs, the stage itself failed). */
export function refuse(message: string): Error {
  return new UnrecoverableError(message);
}

/** The worker's side: takes jobs from the queue, `concurrency` at a time. */
export async function startQueueWorker<D = CellJob, R = CellJobResult>(
  target: QueueTarget,
  concurrency: number,
  handle: JobHandler<D, R>,
): Promise<{ close(): Promise<void> }> {
  const lock = lockMs();
  const worker = new Worker<D, R>(
    target.queue,
    (job: Job<D, R>) =>
      handle(job.data, (p) => {
        job.updateProgress(p).catch(() => {});
      }),
    {
      connection: target.connection,
      prefix: PREFIX,
      concurrency,
      lockDuration: lock,
      stalledInterval: lock,
      // A job whose worker vanished a second time is failed rather than handed around forever.
      maxStalledCount: 1,
    },
  );
  worker.on("error", () => {});
  const s = Math.round(Math.min(queueTimeoutMs(), 20_000) / 1000);
  try {
    await within(worker.waitUntilReady(), s * 1000, unreachable(target, s));
  } catch (e) {
    await worker.close(true).catch(() => {});
    throw e instanceof StrataError ? new StrataError("QUEUE", e.message, { hint: REACH_HINT }) : e;
  }
  return { close: () => worker.close() };
}
