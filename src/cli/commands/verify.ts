import { basename } from "node:path";
import { openProject } from "../../pipeline/project.ts";
import { verifyProject } from "../../pipeline/verify.ts";
import { createReporter } from "../reporter.ts";
import { color, fmtSeconds, printJson } from "../output.ts";

export async function verifyCommand(targets: string[], flags: { file?: string; json?: boolean }): Promise<void> {
  const project = await openProject({ file: flags.file });
  const reporter = createReporter({ live: !flags.json && !!process.stderr.isTTY && !process.env.CI, quiet: true });
  let results;
  try {
    results = await verifyProject(project, { targets, reporter });
  } finally {
    reporter.close();
  }
  const bad = results.filter((r) => !r.ok);
  if (flags.json) {
    printJson({ ok: bad.length === 0, cells: results });
  } else {
    for (const r of results) {
      const mark = r.ok ? color.green("✓") : color.red("✗");
      process.stdout.write(`${mark} ${r.cell} ${color.dim(`${r.status} ${fmtSeconds(r.duration_s)}`)}\n`);
      for (const d of r.detail) process.stdout.write(`    ${d}\n`);
    }
    process.stdout.write(
      bad.length === 0
        ? `${results.length} cells verified: outputs are byte-identical to ${basename(project.lockFile)}.\n`
        : color.red(`${bad.length} of ${results.length} cells failed verification.\n`),
    );
  }
  process.exitCode = bad.length === 0 ? 0 : 1;
}
