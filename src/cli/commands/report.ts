import { basename } from "node:path";
/**
 * `pipeline report [--out DIR] [--json]`: the static report site of the project — an overview
 * and a page per kind of stage output — written into reports/ (or DIR).
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { openProject } from "../../pipeline/project.ts";
import { formatBytes } from "../../report/format.ts";
import { buildCatalog } from "../catalog.ts";
import { color, fmtSeconds, printJson } from "../output.ts";

export async function reportCommand(flags: { file?: string; out?: string; json?: boolean }): Promise<void> {
  const t0 = performance.now();
  const project = await openProject({ file: flags.file });
  if (!existsSync(project.lockFile)) {
    throw new StrataError(
      "DATA",
      `no ${basename(project.lockFile)} in ${project.root}: nothing has run yet, so there is nothing to report`,
      {
        hint: "run `pipeline run` first",
      },
    );
  }
  const outDir = resolve(process.cwd(), flags.out ?? resolve(project.root, "reports"));
  const [{ buildSite, SubpageCache }, { createDatabase }] = await Promise.all([
    import("../../report/site/index.ts"),
    import("../../store/database.ts"),
  ]);
  const catalog = await buildCatalog(project);
  const db = await createDatabase();
  const conn = await db.connect();
  // The pages' slow reads, started ahead on a connection of their own (PageBuilder.prefetch).
  const prefetchConn = await db.connect();
  // The tables' downloads are written while later pages render, on a database of their own with
  // one thread: each is a small COPY, which a second thread only slows (270 of them: 0.30 s on
  // one thread, 0.44 s on two) while it takes a core from the pages' queries.
  const downloadDb = await createDatabase({ threads: 1 });
  const downloadConn = await downloadDb.connect();
  try {
    const { bookAttribution } = await import("../../paper/attribution.ts");
    const site = await buildSite(catalog, {
      outDir,
      conn,
      downloadConn,
      prefetchConn,
      subpageCache: SubpageCache.open(project.root),
      provenance: "lock",
      attributeBook: (book, prices) => bookAttribution(book, conn, prices),
    });
    const seconds = Math.round(((performance.now() - t0) / 1000) * 1000) / 1000;
    if (flags.json) {
      printJson({
        ok: true,
        outDir,
        pages: site.pages.map((p) => ({
          file: p.file,
          bytes: p.bytes,
          figures: p.figures,
          seconds: Math.round(p.seconds * 1000) / 1000,
          ...(p.reused ? { reused: true } : {}),
        })),
        seconds,
      });
      return;
    }
    const w = Math.max(...site.pages.map((p) => p.file.length));
    for (const p of site.pages) {
      process.stdout.write(
        `${p.file.padEnd(w)}  ${formatBytes(p.bytes).padStart(9)}  ${String(p.figures).padStart(2)} ` +
          `figure${p.figures === 1 ? " " : "s"}\n`,
      );
    }
    const total = site.pages.reduce((s, p) => s + p.bytes, 0);
    const stale = catalog.cells.filter((c) => c.state !== "fresh").length;
    process.stdout.write(
      `${color.green("wrote")} ${site.pages.length} pages (${formatBytes(total)}) ` +
        `to ${relative(process.cwd(), outDir) || "."}/ ` +
        `in ${fmtSeconds(seconds)}${stale ? color.yellow(` — ${stale} cell${stale === 1 ? " is" : "s are"} not fresh (shown as such; run \`pipeline status\`)`) : ""}\n`,
    );
    process.stdout.write(`open ${relative(process.cwd(), resolve(outDir, "index.html"))}\n`);
  } finally {
    downloadConn.closeSync();
    downloadDb.closeSync();
    prefetchConn.closeSync();
    conn.closeSync();
    db.closeSync();
  }
}
