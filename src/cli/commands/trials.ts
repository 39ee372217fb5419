/**
 * `pipeline trials [--stage S] [--json]`: the study's trial registry — every configuration it
 * has evaluated (trial cells of every run and experiment of this pipeline file), once each,
 * with its Sharpe ratio and where it came from.
 */
import { relative } from "node:path";
import { openProject } from "../../pipeline/project.ts";
import { readTrials } from "../../pipeline/trials.ts";
import { color, printJson } from "../output.ts";

export async function trialsCommand(flags: { file?: string; stage?: string; json?: boolean }): Promise<void> {
  const project = await openProject({ file: flags.file });
  const rows = await readTrials(project.registryFile, flags.stage);
  const sharpes = rows.map((r) => r.sharpe).filter((s): s is number => s !== null);
  const n = sharpes.length;
  const mean = n ? sharpes.reduce((a, b) => a + b, 0) / n : null;
  const variance = n > 1 ? sharpes.reduce((a, b) => a + (b - mean!) ** 2, 0) / (n - 1) : null;
  const sources: Record<string, number> = {};
  for (const r of rows) sources[r.source] = (sources[r.source] ?? 0) + 1;
  const study = relative(project.root, project.specFile);
  const registry = relative(project.root, project.registryFile);
  if (flags.json) {
    printJson({ ok: true, study, registry, trials: rows.length, sources, sharpe_mean: mean, sharpe_variance: variance, rows: rows.map((r) => ({ ...r, params: JSON.parse(r.params) })) });
    return;
  }
  process.stdout.write(`study ${study}, registry ${registry}\n`);
  if (rows.length === 0) {
    process.stdout.write(`No trials recorded yet${flags.stage ? ` for stage ${flags.stage}` : ""}. Cells of trial stages (the backtest) are recorded when they run.\n`);
    return;
  }
  const width = Math.max(4, ...rows.map((r) => r.cell.length));
  process.stdout.write(`${"cell".padEnd(width)}  ${"kind".padEnd(7)}  ${"sharpe".padStart(8)}  ${"metric".padStart(8)}  ${"obs".padStart(6)}  ${"source".padEnd(10)}  config\n`);
  const order = (r: (typeof rows)[number]) => (r.kind === "cell" ? 0 : 1);
  for (const r of [...rows].sort((a, b) => order(a) - order(b) || (b.sharpe ?? -Infinity) - (a.sharpe ?? -Infinity) || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : a.config_hash < b.config_hash ? -1 : 1))) {
    const s = r.sharpe === null ? "—" : r.sharpe.toFixed(3);
    const m = r.metric === null || r.metric === undefined ? "—" : r.metric.toFixed(4);
    process.stdout.write(`${r.cell.padEnd(width)}  ${(r.kind ?? "cell").padEnd(7)}  ${s.padStart(8)}  ${m.padStart(8)}  ${String(r.observations ?? "—").padStart(6)}  ${r.source.padEnd(10)}  ${color.dim(r.config_hash.slice(0, 12))}\n`);
  }
  const tuning = rows.filter((r) => r.kind === "tuning").length;
  const from = Object.entries(sources).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s, k]) => `${k} ${s}`).join(", ");
  process.stdout.write(`\nN = ${rows.length} trials (${from}); ${n} with a Sharpe ratio${tuning ? `, ${tuning} hyper-parameter trials` : ""}; annualized Sharpe mean ${mean?.toFixed(3) ?? "—"}, variance ${variance?.toFixed(4) ?? "—"} (what the deflated Sharpe ratio uses)\n`);
}
