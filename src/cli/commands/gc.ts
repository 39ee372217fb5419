import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openProject } from "../../pipeline/project.ts";
import { acquireProjectLock } from "../../pipeline/project-lock.ts";
import { readLock } from "../../pipeline/lock.ts";
import { color, printJson } from "../output.ts";

export async function gcCommand(flags: { file?: string; json?: boolean; dryRun?: boolean; keepRuns?: boolean }): Promise<void> {
  const project = await openProject({ file: flags.file });
  const held = await acquireProjectLock(project.root, { command: "pipeline gc" });
  try {
    // A run may have finished since the project was opened: collect against the newest lock.
    project.lock = await readLock(project.lockFile);
    const keepHashes = new Set<string>();
    const keepRuns = new Set<string>();
    for (const e of Object.values(project.lock.cells)) {
      keepRuns.add(e.fingerprint);
      for (const o of Object.values(e.outputs)) keepHashes.add(o.hash);
    }
    if (flags.keepRuns) {
      for (const fp of project.cache.listRuns()) {
        const run = project.cache.getRun(fp);
        if (!run) continue;
        keepRuns.add(fp);
        for (const o of Object.values(run.outputs)) keepHashes.add(o.hash);
      }
    }
    const res = await project.cache.gc({ keepHashes, keepRuns, dryRun: !!flags.dryRun });
    if (!flags.dryRun) {
      // Temp folders of dead runs and verifies (we hold the project lock: none is live).
      await rm(join(project.stateDir, "tmp"), { recursive: true, force: true });
      await rm(join(project.stateDir, "verify"), { recursive: true, force: true });
    }
    if (flags.json) {
      printJson({ ok: true, dryRun: !!flags.dryRun, removed: res.removed, bytes: res.bytes, files: res.files });
      return;
    }
    if (flags.dryRun) for (const f of res.files) process.stdout.write(`would remove ${f}\n`);
    const mb = (res.bytes / 1e6).toFixed(1);
    process.stdout.write(
      res.removed === 0
        ? "Nothing to collect.\n"
        : `${flags.dryRun ? "Would remove" : "Removed"} ${res.removed} files, ${color.bold(mb + " MB")}.` +
            (flags.keepRuns ? "" : " Earlier results can no longer be restored without running.") + "\n",
    );
  } finally {
    await held.release();
  }
}
