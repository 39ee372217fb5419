import { rm } from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { openProject } from "../../pipeline/project.ts";
import { acquireProjectLock } from "../../pipeline/project-lock.ts";
import { readLock, writeLockIfChanged, type LockEntry } from "../../pipeline/lock.ts";
import { color, printJson } from "../output.ts";

export async function gcCommand(flags: {
  file?: string;
  json?: boolean;
  dryRun?: boolean;
  keepRuns?: boolean;
}): Promise<void> {
  const project = await openProject({ file: flags.file });
  const held = await acquireProjectLock(project.root, { command: "pipeline gc" });
  try {
    // A run may have finished since the project was opened: collect against the newest lock.
    project.lock = await readLock(project.lockFile);
    // Lock entries of cells the pipeline file no longer has are kept by `run` (so putting a
    // matrix value back restores); gc prunes them.
    const pruned = Object.keys(project.lock.cells)
      .filter((id) => !project.graph.byId.has(id))
      .sort();
    const kept = {
      version: project.lock.version,
      cells: Object.fromEntries(Object.entries(project.lock.cells).filter(([id]) => project.graph.byId.has(id))),
    };
    if (!flags.dryRun && pruned.length) await writeLockIfChanged(project.lockFile, kept);
    const keepHashes = new Set<string>();
    const keepRuns = new Set<string>();
    const keepEntry = (e: LockEntry) => {
      keepRuns.add(e.fingerprint);
      for (const o of Object.values(e.outputs)) keepHashes.add(o.hash);
    };
    for (const e of Object.values(kept.cells)) keepEntry(e);
    // The cache is shared by every pipeline file of the folder and by experiments: what their
    // locks reference stays.
    for (const other of await otherLocks(project.root, project.stateDir, project.lockFile)) {
      const lock = await readLock(other).catch(() => null);
      if (lock) for (const e of Object.values(lock.cells)) keepEntry(e);
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
      printJson({
        ok: true,
        dryRun: !!flags.dryRun,
        removed: res.removed,
        bytes: res.bytes,
        files: res.files,
        prunedCells: pruned,
      });
      return;
    }
    for (const id of pruned)
      process.stdout.write(
        `${flags.dryRun ? "would prune" : "pruned"} lock entry ${id} (not in ${basename(project.specFile)})\n`,
      );
    if (flags.dryRun) for (const f of res.files) process.stdout.write(`would remove ${f}\n`);
    const mb = (res.bytes / 1e6).toFixed(1);
    process.stdout.write(
      res.removed === 0
        ? "Nothing to collect.\n"
        : `${flags.dryRun ? "Would remove" : "Removed"} ${res.removed} files, ${color.bold(mb + " MB")}.` +
            (flags.keepRuns ? "" : " Earlier results can no longer be restored without running.") +
            "\n",
    );
  } finally {
    await held.release();
  }
}

/** The other lock files sharing this cache: `*.lock` beside the pipeline file, and experiments'. */
async function otherLocks(root: string, stateDir: string, own: string): Promise<string[]> {
  const out: string[] = [];
  const locksIn = async (dir: string) => {
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (name.endsWith(".lock") && join(dir, name) !== own) out.push(join(dir, name));
  };
  await locksIn(root);
  const exp = join(stateDir, "exp");
  for (const ws of await readdir(exp).catch(() => [] as string[])) await locksIn(join(exp, ws));
  return out;
}
