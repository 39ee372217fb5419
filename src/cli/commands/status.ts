import { openProject } from "../../pipeline/project.ts";
import { planProject } from "../../pipeline/runner.ts";
import { planRemote } from "../plan-remote.ts";
import type { PlanStep } from "../../pipeline/plan.ts";
import { color, printJson } from "../output.ts";
import { collectWarnings } from "../warnings.ts";

const WORD: Record<PlanStep["action"], string> = {
  skip: "fresh",
  restore: "restore",
  run: "run",
  wait: "cascade",
  blocked: "blocked",
};

export async function statusCommand(
  targets: string[],
  flags: { file?: string; json?: boolean; checksum?: boolean; remote?: string | false; exitCode?: boolean },
): Promise<void> {
  const project = await openProject({ file: flags.file });
  // --checksum: re-hash every output and source file instead of trusting the stat cache.
  if (flags.checksum) project.stat.checksum = true;
  const remote = await planRemote(project, flags.remote);
  const warn = (m: string) => process.stderr.write(`${color.yellow("warning")}: ${m}\n`);
  const { steps, warnings: planWarnings } = await planProject(project, { targets, remote, warn }).finally(() =>
    remote?.close(),
  );
  await project.stat.save();
  const stale = steps.filter((s) => s.action !== "skip");
  // --exit-code: scripts ask "is it fresh?" (1 when anything would change, like `git diff --exit-code`).
  if (flags.exitCode && stale.length > 0) process.exitCode = 1;
  // Run-time warnings as the lock records them for each cell's current outputs.
  const cellWarnings = (id: string): string[] => project.lock.cells[id]?.warnings ?? [];
  const warnings = collectWarnings(
    planWarnings,
    steps.map((s) => ({ id: s.cell.id, stage: s.cell.stage, warnings: cellWarnings(s.cell.id) })),
  );
  if (flags.json) {
    printJson({
      ok: true,
      upToDate: stale.length === 0,
      warnings,
      cells: steps.map((s) => ({
        cell: s.cell.id,
        stage: s.cell.stage,
        action: s.action,
        ...(s.remote ? { from: "remote" } : {}),
        stale: s.action !== "skip",
        cause: s.cause,
        reasons: s.reasons,
        upstream: s.upstream,
        ...(cellWarnings(s.cell.id).length ? { warnings: cellWarnings(s.cell.id) } : {}),
      })),
    });
    return;
  }
  const printWarnings = () => {
    if (!warnings.length) return;
    process.stdout.write(color.yellow(`${warnings.length} warning${warnings.length === 1 ? "" : "s"}:`) + "\n");
    for (const w of warnings)
      process.stdout.write(
        `  ${w.cell ?? `${w.where} ${w.stage}`}: ${w.message}${w.hint ? color.dim(` → ${w.hint}`) : ""}\n`,
      );
  };
  if (stale.length === 0) {
    process.stdout.write(`Everything is up to date (${steps.length} cells).\n`);
    printWarnings();
    return;
  }
  const width = Math.max(...stale.map((s) => s.cell.id.length));
  const wordOf = (s: PlanStep) => (s.remote ? "restore (remote)" : WORD[s.action]);
  const wordWidth = Math.max(8, ...stale.map((s) => wordOf(s).length + 1));
  for (const s of stale) {
    const word = wordOf(s).padEnd(wordWidth);
    const painted =
      s.action === "run"
        ? color.yellow(word)
        : s.action === "restore"
          ? color.green(word)
          : s.action === "blocked"
            ? color.red(word)
            : color.dim(word);
    const more =
      s.reasons.length > 1
        ? color.dim(
            ` (+${s.reasons.length - 1} more: ${s.reasons.slice(1, 4).join("; ")}${s.reasons.length > 4 ? "; …" : ""})`,
          )
        : "";
    process.stdout.write(`${painted}${s.cell.id.padEnd(width)}  ${s.cause}${more}\n`);
  }
  const n = (a: PlanStep["action"]) => stale.filter((s) => s.action === a).length;
  process.stdout.write(
    color.dim(
      `\n${stale.length} of ${steps.length} cells stale: ${n("run")} to run, ${n("restore")} to restore from cache` +
        `${stale.some((s) => s.remote) ? ` (${stale.filter((s) => s.remote).length} from the remote)` : ""}, ` +
        `${n("wait")} downstream (decided once upstream outputs are ` +
        `known)${n("blocked") ? `, ${n("blocked")} blocked` : ""}.\n`,
    ),
  );
  printWarnings();
}
