/**
 * `pipeline worker`: executes queued cells (src/pipeline/worker.ts) until Ctrl-C / SIGTERM,
 * which finishes the cells in hand first. One line per cell started and finished (JSON lines
 * with --json).
 */
import { relative } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { findSpecFile } from "../../pipeline/project.ts";
import { loadPipeline } from "../../pipeline/spec-load.ts";
import { parseExecutor } from "../../pipeline/queue-target.ts";
import { runWorker, type WorkerEvent } from "../../pipeline/worker.ts";
import { color } from "../output.ts";

export interface WorkerFlags {
  file?: string;
  executor?: string;
  remote?: string;
  concurrency?: number;
  json?: boolean;
}

export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const spec = await loadPipeline(specFile);
  const where = flags.executor !== undefined ? "--executor" : `${relative(process.cwd(), specFile)}: executor`;
  const target = parseExecutor(flags.executor ?? spec.executor, where);
  if (!target) {
    throw new StrataError("ARGUMENT", "pipeline worker: no queue to take cells from", {
      hint: "pass --executor redis://host:port/db (the coordinator's), or set `executor:` in pipeline.yaml",
    });
  }
  const concurrency = flags.concurrency ?? 1;
  const controller = new AbortController();
  const stop = (sig: string) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${sig}: finishing the cells in hand, then stopping (again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  const say = (e: WorkerEvent) => {
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...e, at: new Date().toISOString() })}\n`);
      return;
    }
    const what = e.task ? `${e.cell} task ${e.task}` : e.cell;
    const line =
      e.kind === "start"
        ? `${color.dim("▶")} ${what} ${color.dim(`on ${e.slot}`)}`
        : e.kind === "done"
          ? `${color.green("✓")} ${what} ${color.dim(`${e.seconds!.toFixed(1)} s on ${e.slot}`)}`
          : `${color.red(e.kind === "refused" ? "refused" : "✗")} ${what}: ${e.message}`;
    process.stdout.write(`${line}\n`);
  };
  await runWorker({
    file: flags.file,
    target,
    executorUrl: (flags.executor ?? spec.executor)!,
    remote: flags.remote,
    concurrency,
    onEvent: say,
    signal: controller.signal,
    onReady: () => {
      if (flags.json)
        process.stdout.write(`${JSON.stringify({ kind: "ready", queue: target.describe, concurrency })}\n`);
      else
        process.stdout.write(
          `Worker ready: taking cells from ${target.describe}, ${concurrency} at a time (Ctrl-C stops after the cells in hand).\n`,
        );
    },
  });
}
