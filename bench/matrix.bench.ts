/**
 * The default study's backtest matrix, wall time through the real CLI: 5 models × 6 optimizers
 * + the baselines, each re-evaluated at 3 cost levels, 200 symbols × 13 years, weekly
 * rebalancing, 2 jobs. The upstream stages (data, features, labels, train) run first, untimed
 * (≈ 2 min the first time; the work folder is kept, so later bench runs reuse them), then
 * `pipeline run baselines backtest --force` is timed.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");

function sync(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const d of ["src", "stages"]) {
    rmSync(join(dir, d), { recursive: true, force: true });
    cpSync(join(REPO, d), join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, "pipeline.yaml"), readFileSync(join(REPO, "pipeline.yaml")));
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-matrix", type: "module", private: true }));
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
    throw new Error(`bench matrix: pipeline ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { s, out: r.stdout };
}

export async function benchMatrix(): Promise<Record<string, number>> {
  const dir = join(REPO, "bench/work/matrix");
  sync(dir);
  process.stderr.write("  upstream stages (data → train), untimed…\n");
  run(dir, ["run", "train", "--jobs", "2"]);
  const timed = run(dir, ["run", "baselines", "backtest", "--force", "--jobs", "2", "--json"]);
  const cells = (JSON.parse(timed.out).cells as { id: string; status: string }[]).filter((c) => c.status === "ran");
  const backtests = cells.filter((c) => c.id.startsWith("backtest[")).length;
  if (backtests !== 30) throw new Error(`bench matrix: expected 30 backtest cells to run, ${backtests} did`);
  return { matrix_cells: cells.length, matrix_s: Math.round(timed.s * 100) / 100 };
}
