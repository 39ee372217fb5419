import { relative } from "node:path";
import { readLock } from "../../pipeline/lock.ts";
import { openProject, type Project } from "../../pipeline/project.ts";
import { planProject, round3, runProject, type CellResult, type RunSummary } from "../../pipeline/runner.ts";
import { describeStep, formatPlanWarning } from "../../pipeline/plan.ts";
import { collectWarnings, type WarningRecord } from "../warnings.ts";
import { createReporter } from "../reporter.ts";
import { planRemote } from "../plan-remote.ts";
import { color, fmtSeconds, isQuiet, printJson } from "../output.ts";

export interface RunFlags {
  file?: string;
  force?: boolean;
  dryRun?: boolean;
  jobs?: number;
  keepGoing?: boolean;
  json?: boolean;
  remote?: string;
  pull?: boolean;
  push?: boolean;
  executor?: string;
}

export async function runCommand(targets: string[], flags: RunFlags): Promise<void> {
  const project = await openProject({ file: flags.file });
  if (flags.dryRun) {
    await dryRun(project, targets, flags);
    return;
  }
  const controller = stopOnSignals();
  const live = !flags.json && !!process.stderr.isTTY && !process.env.CI;
  const reporter = createReporter({ live });
  let summary;
  try {
    summary = await runProject(project, {
      targets,
      force: flags.force,
      jobs: flags.jobs,
      keepGoing: flags.keepGoing,
      remote: flags.remote,
      pull: flags.pull,
      push: flags.push,
      executor: flags.executor,
      reporter,
      signal: controller.signal,
      command: ["pipeline", "run", ...process.argv.slice(3)].join(" "),
    });
  } finally {
    reporter.close();
  }
  const count = (s: CellResult["status"]) => summary.results.filter((r) => r.status === s).length;
  const warnings = collectWarnings(summary.planWarnings, summary.results);
  if (flags.json) {
    printJson({
      ok: summary.ok,
      wall_s: round3(summary.wall_s),
      lockChanged: summary.lockChanged,
      counts: {
        ran: count("ran"),
        restored: count("restored"),
        fresh: count("fresh"),
        failed: count("failed"),
        skipped: count("skipped"),
        cancelled: count("cancelled"),
      },
      warnings,
      cells: summary.results,
    });
  } else printSummary(project, summary, warnings);
  // A new champion output joins the model registry (as challenger once a champion exists).
  if (summary.ok && !summary.cancelled) {
    // The lock as the engine reads it (from its index when unchanged): the registry need not parse it again.
    const { cells } = await readLock(project.lockFile);
    await (await import("./models.ts")).registerAfterRun(project.specFile, cells);
  }
  process.exitCode = summary.cancelled ? 130 : summary.ok ? 0 : 1;
}

/** `--dry-run`: the plan, what would change, nothing run. */
async function dryRun(project: Project, targets: string[], flags: RunFlags): Promise<void> {
  const remote = flags.pull === false ? undefined : await planRemote(project, flags.remote);
  const warn = (m: string) => process.stderr.write(`${color.yellow("warning")}: ${m}\n`);
  const { steps, warnings } = await planProject(project, { targets, force: flags.force, remote, warn }).finally(() =>
    remote?.close(),
  );
  if (flags.json) {
    printJson({
      ok: true,
      dryRun: true,
      warnings: collectWarnings(warnings, []),
      steps: steps.map((s) => ({
        cell: s.cell.id,
        action: s.action,
        ...(s.remote ? { from: "remote" } : {}),
        cause: s.cause,
        reasons: s.reasons,
        upstream: s.upstream,
      })),
    });
    return;
  }
  for (const w of warnings) process.stderr.write(`${color.yellow("warning")}: ${formatPlanWarning(w)}\n`);
  const todo = steps.filter((s) => s.action !== "skip");
  for (const s of todo) process.stdout.write(describeStep(s) + "\n");
  process.stdout.write(
    todo.length === 0 ? "Everything is up to date.\n" : `${todo.length} of ${steps.length} cells would change.\n`,
  );
}

/** Ctrl-C (or SIGTERM) stops the run after the running cells; a second one quits at once. */
function stopOnSignals(): AbortController {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping — finished cells are kept; press Ctrl-C again to quit at once\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller;
}

/** The run for humans: counts and time, every warning, and a recap of each failure (only that with --quiet). */
function printSummary(project: Project, summary: RunSummary, warnings: WarningRecord[]): void {
  if (isQuiet()) {
    for (const r of summary.results.filter((x) => x.status === "failed"))
      process.stderr.write(`${color.red("failed")} ${r.id}: ${(r.error ?? "").split("\n")[0]}\n`);
    return;
  }
  const count = (s: CellResult["status"]) => summary.results.filter((r) => r.status === s).length;
  const parts = [
    `${count("ran")} ran`,
    `${count("restored")} restored`,
    `${count("fresh")} fresh`,
    count("failed") ? color.red(`${count("failed")} failed`) : "",
    count("skipped") ? color.yellow(`${count("skipped")} skipped`) : "",
    count("cancelled") ? color.yellow(`${count("cancelled")} cancelled`) : "",
  ].filter(Boolean);
  const nothing = count("ran") + count("restored") === 0 && summary.ok;
  process.stderr.write(
    (nothing ? "Everything is up to date. " : "") +
      `${parts.join(", ")} in ${fmtSeconds(summary.wall_s)}` +
      (summary.lockChanged ? `; ${relative(process.cwd(), project.lockFile) || project.lockFile} updated` : "") +
      "\n",
  );
  // Every warning of the selection, also those of fresh and restored cells (from the lock):
  // a result that means something other than its name says so on every run.
  if (warnings.length) {
    process.stderr.write(color.yellow(`${warnings.length} warning${warnings.length === 1 ? "" : "s"}:`) + "\n");
    for (const w of warnings)
      process.stderr.write(`  ${w.cell ?? w.stage}: ${w.message}${w.hint ? color.dim(` → ${w.hint}`) : ""}\n`);
  }
  // Full errors were printed as each cell failed; recap the first line of each.
  for (const r of summary.results.filter((x) => x.status === "failed")) {
    process.stderr.write(`${color.red("failed")} ${r.id}: ${(r.error ?? "").split("\n")[0]}\n`);
  }
}
