/**
 * `pipeline log [-n N] [--json]`: the run log (`.pipeline/runs.jsonl`) of this pipeline file —
 * when each run happened, where, how long it and each executed cell took. The lock holds none
 * of this: it records only what a rerun reproduces.
 */
import { findSpecFile } from "../../pipeline/project.ts";
import { loadPipeline } from "../../pipeline/spec-load.ts";
import { readRunLog } from "../../pipeline/run-log.ts";
import { color, fmtSeconds, printJson } from "../output.ts";
import { join, relative } from "node:path";

export async function logCommand(flags: {
  file?: string;
  limit?: number;
  json?: boolean;
  cells?: boolean;
}): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const spec = await loadPipeline(specFile);
  const pipeline = relative(spec.root, specFile);
  const all = await readRunLog(join(spec.root, ".pipeline"), { pipeline });
  const runs = all.slice(-(flags.limit ?? 10)).reverse();
  if (flags.json) {
    printJson({ ok: true, pipeline, runs });
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`No runs of ${pipeline} logged yet.\n`);
    return;
  }
  for (const r of runs) {
    const counts: Record<string, number> = {};
    for (const c of r.cells) counts[c.status] = (counts[c.status] ?? 0) + 1;
    const summary = Object.entries(counts)
      .map(([s, k]) => `${k} ${s}`)
      .join(", ");
    const mark = r.ok ? color.green("ok") : color.red("failed");
    process.stdout.write(
      `${r.started_at.replace("T", " ").slice(0, 19)}  ${mark}  ${fmtSeconds(r.wall_s)}  ${summary} ` +
        ` ${color.dim(`${r.source === "main" ? "" : `exp ${r.source}, `}${r.runtime}, ${r.host}, -j ${r.jobs}`)}\n`,
    );
    const shown = r.cells.filter(
      (c) => c.status === "ran" || c.status === "failed" || (flags.cells && c.status !== "fresh"),
    );
    for (const c of shown)
      process.stdout.write(
        `    ${c.status.padEnd(8)} ${c.id}  ${fmtSeconds(c.duration_s)}  ${color.dim(c.error ?? c.cause)}\n`,
      );
  }
}
