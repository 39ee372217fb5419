/**
 * The matrix-cell sweep of bench/scaling.bench.ts: how the engine's cost grows with the number of
 * cells when each cell does almost nothing, so what is measured is the per-cell overhead —
 * planning, fingerprints, the DuckDB connection and upstream views of each cell, output hashing
 * and caching, the run log and the lock written as cells complete.
 *
 * A project under bench/work/scaling-cells with a copy of src/ (what a stage imports) and one
 * stage module: `base` writes a 1,000-row table, and `cell` — a matrix over one axis `k` with C
 * values — reads it through `ctx.input` and writes 1,000 rows of its own (a ~10 kB Parquet file)
 * and one metric. For each C: data/, .pipeline/ and pipeline.lock are removed, then timed
 * through the real CLI (bin/pipeline.js, a fresh process, `--jobs 2`):
 *
 * - `pipeline run` cold, wall time and peak RSS (/usr/bin/time -v "Maximum resident set size",
 *   the process and the children it waited for);
 * - `pipeline status` afterwards, which must report everything up to date: best of 3 after one
 *   warm-up (the stat cache filled, as after any real run).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../..");
const BIN = join(REPO, "bin/pipeline.js");

const STAGE_SRC = `import { defineStage, z } from "../src/index.ts";
// bench/scaling/cells.ts: a cell that does almost nothing, so a run measures the engine.
export default defineStage({
  description: "A small table: the upstream's rows, scaled by the cell's k",
  params: z.object({ rows: z.number().int().positive().default(1000) }).strict(),
  outputs: ["points"],
  async run(ctx) {
    const k = ctx.cell.k === undefined ? 1 : Number(ctx.cell.k);
    if (ctx.cell.k === undefined) {
      const n = ctx.params.rows;
      const i = Int32Array.from({ length: n }, (_, j) => j);
      const x = Float64Array.from({ length: n }, () => ctx.rng.next());
      await ctx.writeTable("points", { columns: { i, x } }, { orderBy: ["i"] });
    } else {
      const sql = \`SELECT i, x * \${k} AS x FROM \${ctx.input("base", "points")}\`;
      await ctx.writeTable("points", sql, { orderBy: ["i"] });
    }
    ctx.metric("k", k);
  },
});
`;

function spec(cells: number): string {
  const ks = Array.from({ length: cells }, (_, j) => j + 1).join(", ");
  return [
    "version: 1",
    "seed: 1",
    "stages:",
    "  base:",
    "    uses: stages/points.ts",
    "  cell:",
    "    uses: stages/points.ts",
    "    needs: [base]",
    `    matrix: { k: [${ks}] }`,
    "",
  ].join("\n");
}

export interface CellsPoint {
  cells: number;
  /** Cells the run executed (C matrix cells + base). */
  ran: number;
  run_s: number;
  run_peak_mb: number;
  status_s: number;
}

function cli(dir: string, args: string[], timed: boolean): { s: number; stdout: string; stderr: string } {
  const cmd = timed ? "/usr/bin/time" : process.execPath;
  const argv = timed ? ["-v", process.execPath, BIN, ...args] : [BIN, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true", TZ: "UTC" },
    maxBuffer: 1 << 26,
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`bench scaling: pipeline ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { s, stdout: r.stdout, stderr: r.stderr };
}

/** The project folder with src/ copied once; each point resets its state. */
export function setupCellsProject(): string {
  const dir = join(REPO, "bench/work/scaling-cells");
  mkdirSync(join(dir, "stages"), { recursive: true });
  rmSync(join(dir, "src"), { recursive: true, force: true });
  cpSync(join(REPO, "src"), join(dir, "src"), { recursive: true });
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "bench-scaling-cells", type: "module", private: true }),
  );
  writeFileSync(join(dir, "stages/points.ts"), STAGE_SRC);
  // Builds the CLI bundle if src/ changed since it was last built: not a cost of the first point.
  cli(dir, ["--version"], false);
  return dir;
}

export function runCellsPoint(dir: string, cells: number): CellsPoint {
  // Cold: no outputs, no cache, no lock (nor its index), no trial registry or run log.
  const state = readdirSync(dir).filter((n) => n === "data" || n === ".pipeline" || /^pipeline\.(?!yaml$)/.test(n));
  for (const p of state) rmSync(join(dir, p), { recursive: true, force: true });
  writeFileSync(join(dir, "pipeline.yaml"), spec(cells));
  const run = cli(dir, ["run", "--jobs", "2", "--json"], true);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  if (!rss) throw new Error(`bench scaling: no peak RSS in /usr/bin/time's output:\n${run.stderr}`);
  const ran = (JSON.parse(run.stdout).cells as { status: string }[]).filter((c) => c.status === "ran").length;
  if (ran !== cells + 1) throw new Error(`bench scaling: expected ${cells + 1} cells to run, ${ran} did`);
  cli(dir, ["status"], false);
  let status = Infinity;
  for (let i = 0; i < 3; i++) {
    const r = cli(dir, ["status"], false);
    if (!r.stdout.includes("up to date"))
      throw new Error(`bench scaling: status not clean after the run:\n${r.stdout}`);
    status = Math.min(status, r.s);
  }
  return { cells, ran, run_s: run.s, run_peak_mb: Math.round(Number(rss[1]) / 1024), status_s: status };
}
