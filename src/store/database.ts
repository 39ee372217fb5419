/**
 * DuckDB instances and the one global setting Strata toggles: the worker thread count.
 *
 * Environment: STRATA_DUCKDB_THREADS (a positive integer) sets the thread count of every
 * instance opened without an explicit `threads`, e.g. `STRATA_DUCKDB_THREADS=1 pipeline run`.
 * Outputs must not depend on it (the determinism tests and bench:determinism run with 1 and
 * with DuckDB's default); it exists to prove that, and to bound DuckDB on a shared machine.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";

export interface CreateDatabaseOptions {
  /** Database file; default ":memory:". */
  path?: string;
  /** DuckDB worker threads; default STRATA_DUCKDB_THREADS if set, else DuckDB's own (the number of cores). */
  threads?: number;
}

/** The thread count STRATA_DUCKDB_THREADS asks for, or undefined when it is unset or empty. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.STRATA_DUCKDB_THREADS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new StrataError("ARGUMENT", `STRATA_DUCKDB_THREADS is '${raw}': expected a positive integer`, {
      hint: "set it to e.g. 1 or 2, or unset it to let DuckDB use every core",
    });
  }
  return n;
}

/** Open a DuckDB instance. Connect with `await db.connect()`. */
export async function createDatabase(opts: CreateDatabaseOptions = {}): Promise<DuckDBInstance> {
  const config: Record<string, string> = {};
  const threads = opts.threads ?? threadsFromEnv();
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new StrataError("ARGUMENT", `createDatabase: threads must be a positive integer, got ${threads}`);
    }
    config.threads = String(threads);
  }
  try {
    return await DuckDBInstance.create(opts.path ?? ":memory:", config);
  } catch (cause) {
    throw new StrataError("CACHE", `could not open DuckDB database ${opts.path ?? ":memory:"}`, {
      cause,
      hint: "check that the path is writable and not opened by another process",
    });
  }
}

// `threads` is a global DuckDB setting (visible to every connection of an instance), so the
// single-threaded sections below are serialized process-wide: two of them interleaving would
// restore each other's saved value wrongly.
let singleThreadQueue: Promise<unknown> = Promise.resolve();

/**
 * Run `fn` with DuckDB limited to one worker thread, then restore the previous count.
 *
 * Why: parallel execution makes some query results depend on thread scheduling — floating
 * point sums combine partial aggregates in varying order and sorts break ties arbitrarily —
 * so the same query can yield different bytes run to run. One thread executes the same plan
 * in the same order every time. Other connections of the instance run single-threaded too
 * while `fn` runs (slower, never wrong).
 */
export function withSingleThread<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const reader = await conn.runAndReadAll("SELECT current_setting('threads')::INTEGER AS t");
    const previous = Number(reader.getRows()[0]?.[0] ?? 1);
    if (previous === 1) return fn();
    await conn.run("SET threads = 1");
    try {
      return await fn();
    } finally {
      await conn.run(`SET threads = ${previous}`);
    }
  };
  const result = singleThreadQueue.then(run, run);
  singleThreadQueue = result.catch(() => undefined);
  return result;
}

/**
 * Inputs smaller than this many rows run their window queries single-threaded.
 *
 * Why: DuckDB 1.5.5's parallel window operator can fail on small inputs, where some worker
 * threads receive no rows ("INTERNAL Error: Attempted to access index 0 within vector of size
 * 0" in WindowLocalSourceState::Finalize). It is rare (about 1 query in 200 on a two-row table
 * while other processes load the CPU) but kills the run. One thread never hits it and costs
 * nothing at this size; large inputs keep every thread busy and the parallel speed.
 *
 * Applied where the input size is known: the runner gives a cell whose upstream tables are all
 * smaller one thread (so every stage, ours or a user's, is covered); file validation and the
 * leakage audit's comparison use `withThreadsForInput`.
 */
export const SMALL_INPUT_ROWS = 250_000;

/** `fn` single-threaded when `rows` < SMALL_INPUT_ROWS, else on all threads. */
export function withThreadsForInput<T>(conn: DuckDBConnection, rows: number, fn: () => Promise<T>): Promise<T> {
  return rows < SMALL_INPUT_ROWS ? withSingleThread(conn, fn) : fn();
}
