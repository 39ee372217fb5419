/** `pipeline audit leakage [STAGE]`: prove outputs dated ≤ cutoff do not depend on later prices. */
import { StrataError } from "../../core/errors.ts";
import { openProject } from "../../pipeline/project.ts";
import { auditLeakage, type LeakageReport } from "../../audit/leakage.ts";
import { createReporter } from "../reporter.ts";
import { color, fmtSeconds, printJson } from "../output.ts";

export interface AuditLeakageFlags {
  file?: string;
  cutoff?: string;
  seed?: string;
  allow?: string[];
  json?: boolean;
}

export async function auditLeakageCommand(stage: string | undefined, flags: AuditLeakageFlags): Promise<void> {
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!Number.isInteger(seed) || seed < 0) {
      throw new StrataError("ARGUMENT", `--seed must be a non-negative integer, got '${flags.seed}'`, {
        hint: "e.g. --seed 7",
      });
    }
  }
  const project = await openProject({ file: flags.file });
  const reporter = createReporter({ live: !flags.json && !!process.stderr.isTTY && !process.env.CI, quiet: true });
  let report: LeakageReport;
  try {
    report = await auditLeakage(project, { stage, cutoff: flags.cutoff, seed, allow: flags.allow, reporter });
  } finally {
    reporter.close();
  }
  if (flags.json) printJson(report);
  else process.stdout.write(formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

function formatReport(r: LeakageReport): string {
  const lines = [
    `audit leakage: ${r.stage}, cutoff ${r.cutoff}${r.defaultCutoff ? " (default: 70% of the date range)" : ""}, ` +
      `${r.perturbedRows} price rows perturbed after it (seed ${r.seed}); re-executed ${r.cells.join(", ")} ` +
      `in ${fmtSeconds(r.duration_s)}`,
  ];
  for (const t of r.tables) {
    const mark = t.status === "identical" ? color.green("✓") : t.status === "leak" ? color.red("✗") : color.dim("-");
    const what = t.status === "identical" ? `identical on ${t.rows} rows dated ≤ ${r.cutoff}` : t.status;
    lines.push(`  ${mark} ${t.cell}/${t.output}  ${color.dim(what)}`);
  }
  if (r.leak) {
    const l = r.leak;
    lines.push(
      color.red(
        `LEAK: ${l.cell}/${l.output} column '${l.column}' ` +
          `on ${l.date ?? "?"}${l.symbol ? ` symbol ${l.symbol}` : ""} (row ${l.row}): ` +
          `${l.original ?? "NULL"} originally, ${l.perturbed ?? "NULL"} with prices after ${r.cutoff} perturbed`,
      ),
    );
    lines.push(
      `  → a value dated ${l.date} reads data from after ${r.cutoff}: find the lead(), forward window or future join ` +
        `behind '${l.column}'`,
    );
  } else {
    lines.push(color.green(`PASS: no output dated ≤ ${r.cutoff} changed when the prices after it were perturbed.`));
  }
  return lines.join("\n") + "\n";
}
