/**
 * Notebook rendering on the default study (run it first: `npm run pipeline -- run`):
 * - notebook_first_render_s: the three example notebooks executed from an empty cell cache;
 * - notebook_rerender_s: the slowest median re-render of an unchanged notebook (cache hits
 *   only: no cell runs, DuckDB and jsdom do not start), given the catalog — goal < 0.5 s;
 * - notebook_cli_rerender_s: `pipeline notebook render` of all three, cached, as a user runs it
 *   (process start, catalog and plan included).
 * Pages and cache go to bench/work/notebook/, leaving reports/ and .pipeline/ alone.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCatalog } from "../src/cli/catalog.ts";
import { renderNotebook } from "../src/report/notebook/render.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchNotebook(): Promise<Record<string, unknown>> {
  const work = join(REPO, "bench", "work", "notebook");
  rmSync(work, { recursive: true, force: true });
  const opts = { outDir: join(work, "pages"), cacheDir: join(work, "cache") };
  const catalog = await loadCatalog({ file: join(REPO, "pipeline.yaml") });
  const files = readdirSync(join(REPO, "notebooks"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => join(REPO, "notebooks", f));
  const t0 = performance.now();
  for (const f of files) {
    const r = await renderNotebook(f, catalog, opts);
    if (r.errors) throw new Error(`${r.file}: ${r.errors} failed cell(s); the examples must render cleanly`);
  }
  const first = (performance.now() - t0) / 1000;
  const rerender: Record<string, number> = {};
  for (const f of files) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await renderNotebook(f, catalog, opts);
      if (!r.cached) throw new Error(`${r.file} was not served from the cache on re-render`);
      times.push(r.ms / 1000);
    }
    rerender[f.split("/").pop()!.replace(/\.md$/, "")] = Number(median(times).toFixed(4));
  }
  // The CLI as a user runs it (its own cache in .pipeline/notebooks: warm it once, then time).
  const cli = () =>
    spawnSync(process.execPath, [join(REPO, "bin/pipeline.js"), "notebook", "render"], { cwd: REPO, encoding: "utf8" });
  cli();
  const cliTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = cli();
    if (r.status !== 0) throw new Error(`pipeline notebook render failed: ${r.stderr}`);
    cliTimes.push((performance.now() - t) / 1000);
  }
  return {
    notebook_first_render_s: Number(first.toFixed(3)),
    notebook_rerender_s: Math.max(...Object.values(rerender)),
    notebook_rerender_by_notebook_s: rerender,
    notebook_cli_rerender_s: Number(median(cliTimes).toFixed(3)),
  };
}
