/**
 * The coordinator's side of a queue run (`pipeline run --executor redis://…`): instead of
 * executing a cell here, put its inputs on the remote cache, enqueue it, wait for a worker, and
 * bring the worker's outputs back into the local cache — hashed before use, like any pull. The
 * runner then restores the cell from the local cache and writes the lock, as the only writer.
 */
import { existsSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { sha256File } from "../core/hash.ts";
import { StrataError } from "../core/errors.ts";
import type { FingerprintParts } from "./fingerprint.ts";
import type { LockFile } from "./lock.ts";
import type { Project } from "./project.ts";
import { CellQueue } from "./queue.ts";
import type { CellJob, JobProgress, QueueTarget } from "./queue-target.ts";
import type { RemoteStore } from "./remote.ts";
import { objectKey, pullRun } from "./sync.ts";
import { TRIALS_INPUT } from "./trials.ts";
import type { Cell } from "./types.ts";

export interface DispatchArgs {
  cell: Cell;
  parts: FingerprintParts;
  fp: string;
  /** The run's lock so far: the upstream cells' outputs. */
  lock: LockFile;
  onProgress(p: JobProgress): void;
  warn(message: string): void;
  signal: AbortSignal;
}

export interface Dispatcher {
  describe: string;
  /** Executes the cell on a worker; on return the local cache holds its run record and outputs. */
  execute(a: DispatchArgs): Promise<{ worker: string }>;
  close(interrupted: boolean): Promise<void>;
}

export async function openDispatcher(
  project: Project,
  target: QueueTarget,
  remote: RemoteStore,
  remoteUrl: string,
  command: string,
): Promise<Dispatcher> {
  const queue = await CellQueue.open(target);
  try {
    await queue.claim({ command, root: project.root });
  } catch (e) {
    await queue.close();
    throw e;
  }
  const tmp = join(project.stateDir, "tmp", `${process.pid}-dispatch`);
  let known: Promise<Set<string>> | undefined;
  /** Puts a local file on the remote under objectKey(hash) unless the remote lists it already. */
  const ensure = async (hash: string, file: string): Promise<void> => {
    known ??= remote.list("cache/");
    const keys = await known;
    const key = objectKey(hash);
    if (keys.has(key)) return;
    await remote.upload(file, key);
    keys.add(key);
  };

  const submit = async (a: DispatchArgs): Promise<{ worker: string }> => {
    const upstream: CellJob["upstream"] = [];
    for (const d of a.cell.deps) {
      const outputs = a.lock.cells[d].outputs;
      for (const o of Object.values(outputs)) {
        if (!project.cache.has(o.hash))
          throw new StrataError("CACHE", `${d}: output ${o.path} is not in the local cache, so no worker can read it`, {
            hint: "run `pipeline run` without --executor once, or `pipeline pull`",
          });
        await ensure(o.hash, project.cache.pathOf(o.hash));
      }
      upstream.push({ cellId: d, outputs });
    }
    let trials: CellJob["trials"];
    if (a.parts.inputs[TRIALS_INPUT] !== undefined) {
      let file = project.registryFile;
      if (!existsSync(file)) {
        // An empty registry travels as an empty file (it digests the same).
        await mkdir(tmp, { recursive: true });
        file = join(tmp, "empty-registry.jsonl");
        await writeFile(file, "");
      }
      trials = { hash: await sha256File(file), bytes: (await stat(file)).size };
      await ensure(trials.hash, file);
    }
    const job: CellJob = {
      cell: a.cell.id,
      fingerprint: a.fp,
      parts: a.parts,
      upstream,
      ...(trials ? { trials } : {}),
      remote: remoteUrl,
      coordinator: `${hostname()}:${process.pid}`,
    };
    const result = await abortable(queue.submit(job, a.onProgress), a.signal);
    return { worker: result.worker };
  };

  return {
    describe: target.describe,
    async execute(a) {
      // A worker's outputs that do not arrive intact are a miss: the job runs once more.
      for (let attempt = 1; ; attempt++) {
        const { worker } = await submit(a);
        if (await pullRun(project.cache, remote, a.fp, tmp, a.warn)) return { worker };
        if (attempt === 2)
          throw new StrataError(
            "CACHE",
            `${a.cell.id}: the outputs worker ${worker} pushed did not arrive intact from ${remote.describe}, twice`,
            { hint: "check the remote's storage (disk full, a proxy rewriting bodies), then run again" },
          );
        a.warn(
          `${a.cell.id}: outputs from worker ${worker} missing or corrupt on ${remote.describe}; running it again`,
        );
        await queue.forget(a.fp);
      }
    },
    close: (interrupted) => queue.close({ dropWaiting: interrupted }),
  };
}

/** `p`, or a rejection as soon as `signal` aborts (the job goes on; its result lands in the remote cache). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StrataError("ABORTED", "run interrupted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StrataError("ABORTED", "run interrupted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
