/**
 * `pipeline report` on the default study (the repository's own data/ and pipeline.lock, which
 * `npm run pipeline -- run` produces), through the real CLI, process start included: the
 * wall time and the largest page's weight. The site goes to bench/work/report, not reports/.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");

export async function benchReport(): Promise<Record<string, unknown>> {
  if (!existsSync(join(REPO, "pipeline.lock")))
    throw new Error("bench report: run the default study first (npm run pipeline -- run)");
  const out = join(REPO, "bench/work/report");
  const runs: number[] = [];
  let pages: Array<{ file: string; bytes: number }> = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(REPO, "bin/pipeline.js"), "report", "--json", "--out", out], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`pipeline report failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    pages = (JSON.parse(r.stdout) as { pages: Array<{ file: string; bytes: number }> }).pages;
    runs.push(s);
  }
  runs.sort((a, b) => a - b);
  const max = pages.reduce((m, p) => (p.bytes > m.bytes ? p : m), pages[0]);
  return {
    report_s: Math.round(runs[1] * 100) / 100,
    report_max_page_mb: Math.round((max.bytes / 1e6) * 1000) / 1000,
    report_max_page: max.file,
    report_total_mb: Math.round((pages.reduce((s, p) => s + p.bytes, 0) / 1e6) * 1000) / 1000,
    report_pages: Object.fromEntries(pages.map((p) => [p.file, p.bytes])),
  };
}
