/**
 * `pipeline push [TARGET…]` and `pipeline pull [TARGET…]`: the selected cells' outputs and
 * run-cache entries, to or from the remote cache (src/pipeline/remote.ts, sync.ts). Without
 * targets, every cell of the lock. The remote is `--remote URL` or pipeline.yaml's `remote:`.
 */
import { join } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { selectCells } from "../../pipeline/address.ts";
import { openProject } from "../../pipeline/project.ts";
import { openRemote, type RemoteStore } from "../../pipeline/remote.ts";
import { push, pull, type SyncItem, type SyncResult } from "../../pipeline/sync.ts";
import { color, printJson } from "../output.ts";

export interface SyncFlags {
  file?: string;
  remote?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function syncCommand(direction: "push" | "pull", targets: string[], flags: SyncFlags): Promise<void> {
  const project = await openProject({ file: flags.file });
  const url = flags.remote ?? project.spec.remote;
  if (!url) {
    throw new StrataError("ARGUMENT", `pipeline ${direction}: no remote cache is set`, {
      hint: "add `remote: s3://bucket/prefix` (or file:///shared/folder) to pipeline.yaml, or pass --remote URL",
    });
  }
  const remote: RemoteStore = await openRemote(url, flags.remote ? "--remote" : `${project.spec.file}: remote`);
  try {
    const cells = selectCells(project.graph, targets);
    const items: SyncItem[] = [];
    const neverRun: string[] = [];
    for (const cell of cells) {
      const e = project.lock.cells[cell.id];
      if (!e) neverRun.push(cell.id);
      else items.push({ id: cell.id, fingerprint: e.fingerprint, outputs: e.outputs });
    }
    const progress =
      flags.json || flags.quiet || !process.stderr.isTTY
        ? undefined
        : (() => {
            let n = 0;
            return (what: string) =>
              process.stderr.write(`\r${direction === "push" ? "sent" : "fetched"} ${++n}: ${what}\x1b[K`);
          })();
    const res: SyncResult =
      direction === "push"
        ? await push(project.cache, remote, items, { onMoved: progress })
        : await pull(project.cache, remote, items, join(project.stateDir, "tmp", "pull"), { onMoved: progress });
    if (progress) process.stderr.write("\r\x1b[K");
    if (flags.json) {
      printJson({
        ok: res.missing.length === 0,
        direction,
        remote: remote.describe,
        cells: items.length,
        neverRun,
        ...res,
      });
    } else if (!flags.quiet) {
      const mb = (res.bytes / 1e6).toFixed(1);
      const verb = direction === "push" ? "Sent" : "Fetched";
      process.stdout.write(
        `${verb} ${res.moved} objects (${color.bold(mb + " MB")}) and ${res.runsMoved} run records ` +
          `${direction === "push" ? "to" : "from"} ${remote.describe}; ${res.present} objects were already there ` +
          `(${items.length} cells).\n`,
      );
      for (const id of neverRun) process.stdout.write(`  ${id}: not in the lock (never run), skipped\n`);
      for (const m of res.missing)
        process.stdout.write(color.yellow(`  ${m.cell} ${m.output} (${m.hash.slice(0, 12)}): ${m.why}\n`));
    }
    if (res.missing.length > 0) {
      process.exitCode = 1;
      if (!flags.json)
        process.stderr.write(
          direction === "push"
            ? "Some outputs are not in the local cache: `pipeline run` those cells (or pull them) first.\n"
            : "Some outputs could not be fetched: `pipeline run` recomputes them.\n",
        );
    }
  } finally {
    remote.close();
  }
}
