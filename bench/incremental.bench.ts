/**
 * New days without a full recompute (docs/incremental.md), on the default study's data: 200
 * symbols, 2012–2024, features and labels as in pipeline.yaml. Through the real CLI (a fresh
 * process per command, as a user runs it), in one temp project:
 *   incremental  `pipeline data update --days 1` + `pipeline run data features labels`
 *                (data reruns, features and labels append the day)
 *   cold         `pipeline run --force data features labels` (the three recomputed in full)
 * Median of 3 each, alternating, so both see the same machine load. The ratio cold/incremental
 * is the speed-up; the goal on the incremental time is the (< 5 s).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");

const SPEC = `version: 1
seed: 42
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 200, start: "2012-01-03", end: "2024-12-31" }
  features:
    uses: stages/features.ts
    needs: [data]
    params:
      momentum: [5, 20, 60, 120, [252, 21]]
      volatility: [20, 60]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
`;

function setup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, "src"), join(dir, "src"), { recursive: true });
  cpSync(join(REPO, "stages"), join(dir, "stages"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "bench-incremental", type: "module", private: true }),
  );
  writeFileSync(join(dir, "pipeline.yaml"), SPEC);
}

function cli(dir: string, args: string[]): { s: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  const out = (r.stdout ?? "") + (r.stderr ?? "");
  if (r.status !== 0) throw new Error(`pipeline ${args.join(" ")} failed:\n${out}`);
  return { s: (performance.now() - t0) / 1000, out };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchIncremental(): Promise<Record<string, number | string>> {
  const dir = join(REPO, "bench/work/incremental");
  setup(dir);
  try {
    cli(dir, ["run"]);
    const incremental: number[] = [],
      cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const update = cli(dir, ["data", "update", "--days", "1"]);
      const run = cli(dir, ["run", "data", "features", "labels"]);
      if (!/features: appending 1 date/.test(run.out) || !/labels: appending 1 date/.test(run.out))
        throw new Error(`the update did not append:\n${run.out}`);
      incremental.push(update.s + run.s);
      cold.push(cli(dir, ["run", "--force", "data", "features", "labels"]).s);
    }
    const inc = median(incremental),
      full = median(cold);
    return {
      incremental_update_s: Number(inc.toFixed(2)),
      incremental_cold_s: Number(full.toFixed(2)),
      incremental_speedup_vs_cold: Number((full / inc).toFixed(2)),
      incremental_workload: "default data (200 symbols, 2012–2024) + 1 weekday; data, features, labels",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
