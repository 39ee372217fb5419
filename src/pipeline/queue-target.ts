/**
 * The executor setting (`executor:` in pipeline.yaml, `--executor`) and the shapes a queue job
 * carries. Kept apart from queue.ts so a local run never loads the Redis client.
 */
import { StrataError } from "../core/errors.ts";
import { redactUrl } from "./remote.ts";
import type { FingerprintParts } from "./fingerprint.ts";
import type { LockEntry } from "./lock.ts";

/** Where the queue lives, parsed from `redis://[user:password@]host:port/db?queue=name`. */
export interface QueueTarget {
  /** The URL without credentials, for messages. */
  describe: string;
  queue: string;
  connection: {
    host: string;
    port: number;
    db: number;
    username?: string;
    password?: string;
    tls?: Record<string, never>;
    maxRetriesPerRequest: null;
  };
}

const EXECUTOR_HINT = "write the executor as local or redis://host:port/db (optionally ?queue=name)";

/**
 * The executor setting: undefined for local execution, else the queue. `where` says where the
 * value came from. A password may come in the URL only on the command line (pipeline.yaml is
 * committed); STRATA_REDIS_PASSWORD is read otherwise.
 */
export function parseExecutor(value: string | undefined, where: string): QueueTarget | undefined {
  if (value === undefined || value === "local") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StrataError("ARGUMENT", `${where}: '${redactUrl(value)}' is not a URL`, { hint: EXECUTOR_HINT });
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new StrataError("ARGUMENT", `${where}: unsupported executor '${redactUrl(value)}'`, {
      hint: EXECUTOR_HINT,
    });
  }
  const dbText = url.pathname.replace(/^\//, "") || "0";
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new StrataError("ARGUMENT", `${where}: Redis database '${dbText}' is not a number`, { hint: EXECUTOR_HINT });
  }
  const queue = url.searchParams.get("queue") ?? "strata";
  if (!/^[A-Za-z0-9_.-]+$/.test(queue)) {
    throw new StrataError("ARGUMENT", `${where}: queue name '${queue}' may hold only letters, digits, _ . -`);
  }
  const password = url.password ? decodeURIComponent(url.password) : process.env.STRATA_REDIS_PASSWORD;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  return {
    describe: `${url.protocol}//${url.hostname}:${url.port || 6379}/${db}${queue === "strata" ? "" : `?queue=${queue}`}`,
    queue,
    connection: {
      host: url.hostname || "127.0.0.1",
      port: Number(url.port || 6379),
      db,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
    },
  };
}

/** One cell to execute, as a job's data. */
export interface CellJob {
  /** The cell's id in the study. */
  cell: string;
  fingerprint: string;
  /** What the coordinator's fingerprint is made of (the worker recomputes and compares). */
  parts: FingerprintParts;
  /** Each upstream cell's outputs (paths relative to the project, hashes, sizes, rows). */
  upstream: Array<{ cellId: string; outputs: LockEntry["outputs"] }>;
  /** The trial registry file, as a remote object, when the stage reads trials. */
  trials?: { hash: string; bytes: number };
  /** The remote cache the coordinator uses (a worker may name its own mount of it). */
  remote: string;
  /** host:pid of the coordinator, for the worker's log. */
  coordinator: string;
}

/** One task of a cell's stage (ctx.map on a worker): the cell's job plus the task's name and input. */
export interface TaskJob extends CellJob {
  task: string;
  input: unknown;
}

/** The queue of a study's tasks, beside its cells' (a cell waiting for its tasks never holds the slots they need). */
export function tasksTarget(t: QueueTarget): QueueTarget {
  return { ...t, queue: `${t.queue}-tasks`, describe: `${t.describe} (tasks)` };
}

/** A job's result: what the worker executed and pushed. */
export interface CellJobResult {
  outputs: LockEntry["outputs"];
  metrics: LockEntry["metrics"];
  warnings?: string[];
  duration_s: number;
  engine: string;
  worker: string;
}

/** Progress a worker reports while it executes a job. */
export interface JobProgress {
  worker: string;
  fraction?: number;
  note?: string;
  log?: string;
}

/** Key prefix of every Redis key Strata writes (BullMQ's default is "bull"). */
export const PREFIX = "strata";
