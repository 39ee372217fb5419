/**
 * `pipeline report` on the default study (the repository's own data/ and pipeline.lock, which
 * `npm run pipeline -- run` produces), through the real CLI, process start included; the site
 * goes to bench/work/report, not reports/. Two figures, each the median of 3 runs:
 * - `report_cold_s`: the first build — an empty output folder and no kept drawings
 *   (.pipeline/report-cache removed), so every page and subpage is drawn and every download
 *   written;
 * - `report_s`: a rebuild of the unchanged study, the daily case — the subpages' drawings and
 *   the downloads of the build before are kept (docs/reports.md).
 * And the largest page's weight.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");

type Page = { file: string; bytes: number; reused?: boolean };

function report(out: string): { seconds: number; pages: Page[] } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(REPO, "bin/pipeline.js"), "report", "--json", "--out", out], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC" },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`pipeline report failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { seconds, pages: (JSON.parse(r.stdout) as { pages: Page[] }).pages };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchReport(): Promise<Record<string, unknown>> {
  if (!existsSync(join(REPO, "pipeline.lock")))
    throw new Error("bench report: run the default study first (npm run pipeline -- run)");
  const out = join(REPO, "bench/work/report");
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    rmSync(out, { recursive: true, force: true });
    rmSync(join(REPO, ".pipeline/report-cache"), { recursive: true, force: true });
    cold.push(report(out).seconds);
  }
  const warm: number[] = [];
  let pages: Page[] = [];
  for (let i = 0; i < 3; i++) {
    const r = report(out);
    warm.push(r.seconds);
    pages = r.pages;
    const drawn = r.pages.filter((p) => p.file.startsWith("tearsheets-") && !p.reused);
    if (drawn.length) throw new Error(`bench report: a rebuild drew ${drawn.length} subpages again (${drawn[0].file})`);
  }
  const max = pages.reduce((m, p) => (p.bytes > m.bytes ? p : m), pages[0]);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    report_s: r2(median(warm)),
    report_cold_s: r2(median(cold)),
    report_runs_s: { cold: cold.map(r2), rebuild: warm.map(r2) },
    report_max_page_mb: Math.round((max.bytes / 1e6) * 1000) / 1000,
    report_max_page: max.file,
    report_total_mb: Math.round((pages.reduce((s, p) => s + p.bytes, 0) / 1e6) * 1000) / 1000,
    report_pages: Object.fromEntries(pages.map((p) => [p.file, p.bytes])),
  };
}
