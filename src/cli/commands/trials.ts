/**
 * `pipeline trials [--stage S] [--json]`: the study's trial registry — every configuration it
 * has evaluated (trial cells of every run and experiment of this pipeline file), once each,
 * with the values its stage recorded and where it came from; and the N and Sharpe variance the
 * stats stage used, read from its output.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { sha256 } from "../../core/hash.ts";
import { openProject } from "../../pipeline/project.ts";
import { readTrials } from "../../pipeline/trials.ts";
import type { Project } from "../../pipeline/project.ts";
import { color, printJson } from "../output.ts";

export async function trialsCommand(flags: { file?: string; stage?: string; json?: boolean }): Promise<void> {
  const project = await openProject({ file: flags.file });
  const rows = await readTrials(project.registryFile, flags.stage);
  // N and V[SR] are computed once, by the stage that deflates (stats): shown from its output.
  const used = deflations(project, flags.stage);
  const sources: Record<string, number> = {};
  for (const r of rows) sources[r.source] = (sources[r.source] ?? 0) + 1;
  const study = relative(project.root, project.specFile);
  const registry = relative(project.root, project.registryFile);
  if (flags.json) {
    printJson({
      ok: true,
      study,
      registry,
      trials: rows.length,
      sources,
      deflation: used,
      rows: rows.map((r) => ({ ...r, params: JSON.parse(r.params) })),
    });
    return;
  }
  process.stdout.write(`study ${study}, registry ${registry}\n`);
  if (rows.length === 0) {
    process.stdout.write(
      `No trials recorded yet${flags.stage ? ` for stage ${flags.stage}` : ""}. Cells of trial stages (the backtest) ` +
        `are recorded when they run.\n`,
    );
    return;
  }
  const width = Math.max(4, ...rows.map((r) => r.cell.length));
  const kinds = Math.max(4, ...rows.map((r) => r.kind.length));
  const fmt = (v: number | null) => (v === null ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(4));
  process.stdout.write(
    `${"cell".padEnd(width)}  ${"kind".padEnd(kinds)}  ${"source".padEnd(10)}  ${"config".padEnd(12)}  recorded ` +
      `values\n`,
  );
  const order = (r: (typeof rows)[number]) => (r.kind === "cell" ? 0 : 1);
  for (const r of [...rows].sort(
    (a, b) =>
      order(a) - order(b) || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : a.config_hash < b.config_hash ? -1 : 1),
  )) {
    const values = Object.entries(r.metrics)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ");
    process.stdout.write(
      `${r.cell.padEnd(width)}  ${r.kind.padEnd(kinds)}  ${r.source.padEnd(10)} ` +
        ` ${color.dim(r.config_hash.slice(0, 12))}  ${values}\n`,
    );
  }
  const byKind: Record<string, number> = {};
  for (const r of rows) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const from = Object.entries(sources)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([s, k]) => `${k} ${s}`)
    .join(", ");
  const kindsLine = Object.entries(byKind)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, c]) => `${c} ${k}`)
    .join(", ");
  process.stdout.write(`\n${rows.length} configurations recorded (${from}; ${kindsLine})\n`);
  if (used.length === 0)
    process.stdout.write(
      "No stats output yet: run the stats stage to see the N and Sharpe variance its deflated Sharpe ratios use.\n",
    );
  for (const u of used) {
    const t = u.trials;
    process.stdout.write(
      `${u.cell}${u.current ? "" : color.dim(" (output changed since the lock; rerun)")}: deflates by N = ${t.count} ` +
        `effective trials ` +
        `(${t.raw ?? t.count} raw: ${t.return_series} return series, ${t.tuning} hyper-parameter trials; the ` +
        `matrix's ${t.matrix_series ?? "?"} series in ${t.matrix_clusters ?? "?"} clusters at correlation ` +
        `≥ ${t.min_correlation ?? "?"}); ` +
        `annualized Sharpe variance ${typeof t.sharpe_variance === "number" ? t.sharpe_variance.toFixed(4) : "—"}, ` +
        `E[max Sharpe] ${typeof t.expected_max_sharpe === "number" ? t.expected_max_sharpe.toFixed(3) : "—"}\n`,
    );
  }
}

interface Deflation {
  cell: string;
  /** The output's bytes are those the lock records. */
  current: boolean;
  trials: {
    count: number;
    raw?: number;
    return_series: number;
    tuning: number;
    matrix_series?: number;
    matrix_clusters?: number;
    min_correlation?: number;
    sharpe_variance: number;
    expected_max_sharpe: number | null;
    stage: string;
  };
}

/** The trial counts written by every locked cell with a `matrix` output holding `trials` (the stats stage). */
function deflations(project: Project, stage?: string): Deflation[] {
  const out: Deflation[] = [];
  for (const [cell, e] of Object.entries(project.lock.cells).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const o = e.outputs.matrix;
    const file = o && join(project.root, o.path);
    if (!file || !existsSync(file)) continue;
    const bytes = readFileSync(file);
    let doc: { trials?: Deflation["trials"] };
    try {
      doc = JSON.parse(bytes.toString("utf8"));
    } catch {
      continue;
    }
    if (!doc.trials || (stage && doc.trials.stage !== stage)) continue;
    out.push({ cell, current: sha256(bytes) === o.hash, trials: doc.trials });
  }
  return out;
}
