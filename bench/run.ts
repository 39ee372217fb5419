/**
 * `npm run bench`: runs every benchmark and writes bench/results.json with the machine, the
 * Node version, each figure, and the goals it is measured against.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

interface Goal {
  metric: string;
  /** The figure must be below max (times, ratios) or at least min (throughputs, speed-ups). */
  max?: number;
  min?: number;
  unit: string;
}

const GOALS: Goal[] = [
  { metric: "noop_status_s", max: 0.5, unit: "s" },
  { metric: "noop_run_s", max: 0.5, unit: "s" },
  // The same on the default study (41 cells, a 105 kB lock), issue 19.
  { metric: "noop_status_default_s", max: 0.15, unit: "s" },
  { metric: "noop_run_default_s", max: 0.15, unit: "s" },
  { metric: "generate_s", max: 3, unit: "s" },
  { metric: "features_s", max: 10, unit: "s" },
  // GBDT vs XGBoost 1.7 hist (2 threads) on the same bytes, same run: time ratio and MSE gap.
  { metric: "gbdt_train_time_ratio", max: 1.5, unit: "×" },
  { metric: "gbdt_mse_rel_diff_pct", max: 0.5, unit: "%" },
  // The anchors (../shared/anchors), run unmodified on their own bytes beside ours, equal threads.
  { metric: "anchor_backtest_speedup", min: 3, unit: "×" },
  { metric: "anchor_gbdt_time_ratio", max: 1.15, unit: "×" },
  { metric: "anchor_gbdt_mse_rel_diff_pct", max: 0.2, unit: "%" },
  // Backtest engine vs a vectorized NumPy per-day loop doing the same work, same run.
  { metric: "backtest_speedup_vs_numpy", min: 3, unit: "×" },
  // Rule strategies: 1,000 MA-crossover sets × 500 symbols × 5,000 days vs NumPy per set, same run.
  { metric: "strategies_speedup_vs_numpy", min: 3, unit: "×" },
  // The default matrix: 5 models × 6 optimizers + baselines, 3 cost levels, 2 cores.
  { metric: "matrix_s", max: 60, unit: "s" },
  // The stats stage: 30 cells × 3,000 days, 2,000 bootstrap resamples and Monte Carlo paths, 2 cores.
  { metric: "stats_s", max: 10, unit: "s" },
  // Re-render of an unchanged example notebook on the default study (cells from the cache).
  { metric: "notebook_rerender_s", max: 0.5, unit: "s" },
  // pipeline report on the default study (CLI, process start included; medians of 3): a rebuild of
  // the unchanged study, and the first build (empty folder, no kept drawings); its largest page.
  { metric: "report_s", max: 5, unit: "s" },
  { metric: "report_cold_s", max: 5, unit: "s" },
  { metric: "report_max_page_mb", max: 1, unit: "MB" },
  // One paper-trading cycle for 500 symbols with cached features (CLI, process start included; median of 3).
  { metric: "paper_cycle_s", max: 10, unit: "s" },
  { metric: "paper_cycle_peak_mb", max: 1024, unit: "MB" },
  // One new day on the default data: data update + run of data, features, labels (CLI; median of 3).
  { metric: "incremental_update_s", max: 5, unit: "s" },
  // The work queue on a loopback redis-server: enqueue → done of an empty job (median of 200);
  // 64 cells of ~1 s on k worker processes, efficiency T1 / (Tk · min(k, cores)); the default
  // study cold on 2 workers against a local -j 2 run.
  { metric: "queue_job_overhead_ms_median", max: 20, unit: "ms" },
  { metric: "queue_efficiency_2", min: 0.9, unit: "" },
  { metric: "queue_efficiency_4", min: 0.9, unit: "" },
  { metric: "queue_efficiency_8", min: 0.9, unit: "" },
  { metric: "queue_study_ratio", max: 1.1, unit: "×" },
  // The default study cold on 2 cores, a fresh clone and one with the run log's durations (issue 19).
  { metric: "study_cold_s", max: 90, unit: "s" },
  { metric: "study_cold_peak_mb", max: 1024, unit: "MB" },
  { metric: "study_cold_known_durations_s", max: 90, unit: "s" },
  // Scaling curves (bench/scaling.bench.ts): features on 500 symbols × 20 years, one cold run in
  // a fresh process; the growth exponents of wall time (log–log slope, 1 = linear).
  { metric: "scaling_features_500x20y_s", max: 10, unit: "s" },
  { metric: "scaling_symbols_exponent", max: 1.15, unit: "" },
  { metric: "scaling_years_exponent", max: 1.15, unit: "" },
  { metric: "scaling_cells_exponent", max: 1.15, unit: "" },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  // Suites load lazily, pure-numerics ones first. Run this file with `node --import tsx/esm`
  // (npm run bench), not the tsx CLI: tsx's CommonJS hook detaches an ArrayBuffer on the main
  // thread while loading large CommonJS files, which slows every typed-array loop in the process
  // for good (docs/gbdt.md, "Process").
  const suites: Array<[string, () => Promise<Record<string, unknown>>]> = [
    ["sha256", async () => (await import("./pipeline.bench.ts")).benchSha256()],
    ["gbdt", async () => (await import("./gbdt.bench.ts")).benchGbdt()],
    ["anchor-backtest", async () => (await import("./anchor-backtest.bench.ts")).benchAnchorBacktest()],
    ["anchor-gbdt", async () => (await import("./anchor-gbdt.bench.ts")).benchAnchorGbdt()],
    ["backtest", async () => (await import("./backtest.bench.ts")).benchBacktest()],
    ["strategies", async () => (await import("./strategies.bench.ts")).benchStrategies()],
    ["search", async () => (await import("./search.bench.ts")).benchSearch()],
    ["data", async () => (await import("./data.bench.ts")).benchData()],
    ["features", async () => (await import("./features.bench.ts")).benchFeatures()],
    ["pipeline", async () => (await import("./pipeline.bench.ts")).benchPipeline()],
    ["matrix", async () => (await import("./matrix.bench.ts")).benchMatrix()],
    ["stats", async () => (await import("./stats.bench.ts")).benchStats()],
    ["report", async () => (await import("./report.bench.ts")).benchReport()],
    ["notebook", async () => (await import("./notebook.bench.ts")).benchNotebook()],
    ["paper", async () => (await import("./paper.bench.ts")).benchPaper()],
    ["incremental", async () => (await import("./incremental.bench.ts")).benchIncremental()],
    ["queue", async () => (await import("./queue.bench.ts")).benchQueue()],
    ["queue-study", async () => (await import("./queue.bench.ts")).benchQueueStudy()],
    ["study", async () => (await import("./study.bench.ts")).benchStudy()],
    ["scaling", async () => (await import("./scaling.bench.ts")).benchScaling()],
  ];

  // A run of some suites (`npm run bench -- gbdt`) updates their figures and keeps the others.
  const file = join(import.meta.dirname, "results.json");
  const prior = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const previous = only.length ? ((prior.figures as Record<string, unknown> | undefined) ?? {}) : {};
  const figures: Record<string, unknown> = { ...previous };
  // Which figures each suite wrote: a suite run again replaces all of its own (a figure it no
  // longer writes — a reason the anchor was missing last time — does not linger).
  const suiteKeys: Record<string, string[]> = only.length
    ? { ...((prior.suite_figures as Record<string, string[]> | undefined) ?? {}) }
    : {};
  // When and under what load each suite ran: a figure from a busy machine shows as such.
  const conditions: Record<string, unknown> = only.length
    ? { ...((prior.suite_conditions as Record<string, unknown> | undefined) ?? {}) }
    : {};
  for (const [name, fn] of suites) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench ${name}…\n`);
    const started = new Date().toISOString(),
      load = loadavg()[0],
      t0 = performance.now();
    const r = await fn();
    conditions[name] = {
      started,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      load_avg_1m_before: Math.round(load * 100) / 100,
      load_avg_1m_after: Math.round(loadavg()[0] * 100) / 100,
    };
    for (const k of suiteKeys[name] ?? []) delete figures[k];
    suiteKeys[name] = Object.keys(r);
    Object.assign(figures, r);
    process.stderr.write(`  ${JSON.stringify(r)}\n`);
  }
  const goals = GOALS.filter((g) => typeof figures[g.metric] === "number").map((g) => ({
    ...g,
    value: figures[g.metric] as number,
    met:
      g.max !== undefined
        ? (figures[g.metric] as number) <= g.max
        : (figures[g.metric] as number) >= (g.min ?? -Infinity),
  }));
  // Read again: a suite may have written its own section during this run (bench/scaling.bench.ts).
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const results = {
    // Sections written by other scripts (bench/determinism.ts) or suites are kept.
    ...Object.fromEntries(
      Object.entries(current).filter(
        ([k]) => !["machine", "node", "figures", "goals", "suite_figures", "suite_conditions"].includes(k),
      ),
    ),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? "unknown",
      memory_gb: Math.round(totalmem() / 2 ** 30),
      platform: process.platform,
    },
    node: process.version,
    figures,
    goals,
    suite_figures: suiteKeys,
    suite_conditions: conditions,
  };
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  for (const g of goals) {
    const goal = g.max !== undefined ? `< ${g.max}${g.unit}` : `≥ ${g.min}${g.unit}`;
    process.stderr.write(`${g.met ? "✓" : "✗"} ${g.metric} = ${g.value}${g.unit} (goal ${goal})\n`);
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + "\n");
  process.exit(1);
});
