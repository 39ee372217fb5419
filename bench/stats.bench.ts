/**
 * The statistics stage (stages/stats.ts) through the real CLI, on the scale of the default
 * study: 30 backtest cells (5 models × 6 optimizers) of 3,000 business days each, 2,000
 * stationary-bootstrap resamples for the confidence intervals, 2,000 Monte Carlo paths, then
 * the Reality Check, the SPA test (2,000 resamples each) and the PBO across the cells.
 *
 * A temp project under bench/work/stats carries copies of src/ and stages/ and two small stages
 * written here in place of the real backtest and baselines (those need the data → train chain,
 * minutes of work that says nothing about this stage): `backtest`, a matrix stage whose cells
 * write seeded synthetic daily returns (mean and volatility vary by cell; a regime label from
 * day 127 on) and declare themselves trials as the real backtest does, and `baselines`, the
 * 1/N benchmark's returns over the same dates. They run first, untimed; then
 * `pipeline run stats --force` is timed: the stage as a user runs it, process start included.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");
const MODELS = ["m1", "m2", "m3", "m4", "m5"];
const OPTIMIZERS = ["o1", "o2", "o3", "o4", "o5", "o6"];
const DAYS = 3000;

/** Business days (Mon–Fri) from 2013-01-01, as DuckDB DATE day numbers; shared by both stages. */
const CALENDAR_SRC = `export function businessDays(n: number): Int32Array {
  const out = new Int32Array(n);
  // Day 0 (1970-01-01) was a Thursday: weekday = (day + 4) mod 7, 0 = Sunday.
  for (let d = Date.UTC(2013, 0, 1) / 86_400_000, t = 0; t < n; d++) {
    const weekday = (d + 4) % 7;
    if (weekday !== 0 && weekday !== 6) out[t++] = d;
  }
  return out;
}
`;

const BACKTEST_SRC =
  `import { defineStage, z } from "../src/index.ts";
import { businessDays } from "./fake-calendar.ts";

const REGIMES = ["risk-off", "normal", "risk-on"];

// Stand-in for the backtest matrix: each cell writes seeded synthetic daily net returns.
export default defineStage({
  description: "Synthetic backtest cells: seeded daily returns, mean and volatility by cell",
  params: z.object({ days: z.number().int().min(130) }).strict(),
  outputs: ["returns"],
  trial: { sharpe: "sharpe", observations: "observations", returns: "returns" },
  async run(ctx) {
    const n = ctx.params.days;
    const m = Number(String(ctx.cell.model).slice(1)), o = Number(String(ctx.cell.optimizer).slice(1));
    const mu = 0.00005 * m + 0.00002 * o, sd = 0.005 + 0.001 * o + 0.0005 * m;
    const net = new Float64Array(n);
    for (let t = 0; t < n; t++) net[t] = mu + sd * ctx.rng.normal();
    // No regime over the first 126 days (a trailing window's warm-up), then 63-day spells.
    const regime = Array.from({ length: n }, (_, t) => (t < 126 ? null : REGIMES[Math.floor((t - 126) / 63) % 3]));
    await ctx.writeTable("returns", { columns: { date: businessDays(n), net, regime }, types: { date: "DATE", ` +
  `regime: "VARCHAR" } }, { orderBy: ["date"] });
    let s = 0, ss = 0;
    for (let t = 0; t < n; t++) s += net[t];
    const mean = s / n;
    for (let t = 0; t < n; t++) ss += (net[t] - mean) ** 2;
    ctx.metric("sharpe", Math.round((mean / Math.sqrt(ss / (n - 1))) * Math.sqrt(252) * 1e8) / 1e8);
    ctx.metric("observations", n);
  },
});
`;

const BASELINES_SRC =
  `import { defineStage, z } from "../src/index.ts";
import { businessDays } from "./fake-calendar.ts";

// Stand-in for the baselines stage: the 1/N benchmark's daily net returns over the same dates.
export default defineStage({
  description: "Synthetic equal-weight baseline returns",
  params: z.object({ days: z.number().int().min(130) }).strict(),
  outputs: ["returns"],
  async run(ctx) {
    const n = ctx.params.days;
    const net = new Float64Array(n);
    for (let t = 0; t < n; t++) net[t] = 0.0003 + 0.009 * ctx.rng.normal();
    const strategy = new Array<string>(n).fill("equal_weight");
    await ctx.writeTable("returns", { columns: { strategy, date: businessDays(n), net }, types: { date: "DATE" } }, ` +
  `{ orderBy: ["strategy", "date"] });
  },
});
`;

const PIPELINE_YAML = `version: 1
seed: 42
stages:
  backtest:
    uses: stages/fake-backtest.ts
    matrix:
      model: [${MODELS.join(", ")}]
      optimizer: [${OPTIMIZERS.join(", ")}]
    params: { days: ${DAYS} }
  baselines:
    uses: stages/fake-baselines.ts
    params: { days: ${DAYS} }
  stats:
    uses: stages/stats.ts
    needs: [backtest, baselines]
    params:
      bootstrap: { resamples: 2000 }
      monte_carlo: { paths: 2000 }
`;

function setup(dir: string): void {
  // A fresh project each time: the trial registry then holds exactly this matrix's 30 cells.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ["src", "stages"]) cpSync(join(REPO, d), join(dir, d), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-stats", type: "module", private: true }));
  writeFileSync(join(dir, "stages/fake-calendar.ts"), CALENDAR_SRC);
  writeFileSync(join(dir, "stages/fake-backtest.ts"), BACKTEST_SRC);
  writeFileSync(join(dir, "stages/fake-baselines.ts"), BASELINES_SRC);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE_YAML);
}

function run(dir: string, args: string[]): { s: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
    maxBuffer: 1 << 26,
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`bench stats: pipeline ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { s, out: r.stdout };
}

export async function benchStats(): Promise<Record<string, number>> {
  const dir = join(REPO, "bench/work/stats");
  setup(dir);
  process.stderr.write(
    `  ${MODELS.length * OPTIMIZERS.length} synthetic backtest cells × ${DAYS} days + baseline, untimed…\n`,
  );
  const upstream = run(dir, ["run", "backtest", "baselines", "--json"]);
  const backtests = (JSON.parse(upstream.out).cells as { id: string }[]).filter((c) =>
    c.id.startsWith("backtest["),
  ).length;
  if (backtests !== MODELS.length * OPTIMIZERS.length)
    throw new Error(
      `bench stats: expected ${MODELS.length * OPTIMIZERS.length} backtest cells, the run listed ${backtests}`,
    );
  const timed = run(dir, ["run", "stats", "--force", "--json"]);
  const ran = (JSON.parse(timed.out).cells as { id: string; status: string }[]).filter(
    (c) => c.id === "stats" && c.status === "ran",
  ).length;
  if (ran !== 1) throw new Error(`bench stats: the stats stage did not run:\n${timed.out}`);
  return { stats_cells: backtests, stats_s: Math.round(timed.s * 100) / 100 };
}
