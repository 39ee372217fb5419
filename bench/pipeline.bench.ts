/**
 * Engine benchmark: a 10-stage pipeline whose outputs total ≥ 1 GB. Measures the first run,
 * then no-op `pipeline status` and `pipeline run` wall time through the real CLI (a fresh
 * process each time, as a user runs it), and — when `snakemake` is installed — Snakemake's
 * dry run of the same DAG over the same files, side by side.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");
const STAGES = 10;
const MB_PER_STAGE = 110; // 10 × 110 MB ≈ 1.1 GB

const STAGE_SRC = `import { defineStage, z } from "../src/index.ts";
// Writes seeded pseudo-random bytes: a stand-in for a large Parquet output.
export default defineStage({
  params: z.object({ mb: z.number().int().positive(), tag: z.string() }),
  outputs: ["blob.bin"],
  async run(ctx) {
    const n = ctx.params.mb * 1024 * 1024;
    const buf = new Uint8Array(n);
    const words = new Uint32Array(buf.buffer);
    for (let i = 0; i < words.length; i++) words[i] = ctx.rng.nextU32();
    await ctx.writeFile("blob.bin", buf);
  },
});
`;

function setup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "stages"), { recursive: true });
  cpSync(join(REPO, "src"), join(dir, "src"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-project", type: "module", private: true }));
  writeFileSync(join(dir, "stages/blob.ts"), STAGE_SRC);
  // A DAG with chains and fan-in: s0 → s1..s4; s5..s8 each need two earlier stages; s9 needs all of s5..s8.
  const needs = (i: number): string[] =>
    i === 0 ? [] : i <= 4 ? ["s0"] : i <= 8 ? [`s${i - 4}`, `s${i - 3 > 4 ? 1 : i - 3}`] : ["s5", "s6", "s7", "s8"];
  const lines = ["version: 1", "seed: 1", "stages:"];
  for (let i = 0; i < STAGES; i++) {
    lines.push(`  s${i}:`, `    uses: stages/blob.ts`);
    const n = needs(i);
    if (n.length) lines.push(`    needs: [${[...new Set(n)].join(", ")}]`);
    lines.push(`    params: { mb: ${MB_PER_STAGE}, tag: s${i} }`);
  }
  writeFileSync(join(dir, "pipeline.yaml"), lines.join("\n") + "\n");
  // The same DAG for Snakemake, over the same output files.
  const rules = [
    "rule all:",
    `    input: ${Array.from({ length: STAGES }, (_, i) => `"data/s${i}/blob.bin"`).join(", ")}`,
    "",
  ];
  for (let i = 0; i < STAGES; i++) {
    const n = [...new Set(needs(i))];
    rules.push(`rule s${i}:`);
    if (n.length) rules.push(`    input: ${n.map((s) => `"data/${s}/blob.bin"`).join(", ")}`);
    rules.push(
      `    output: "data/s${i}/blob.bin"`,
      `    shell: "head -c ${MB_PER_STAGE * 1048576} /dev/urandom > {output}"`,
      "",
    );
  }
  writeFileSync(join(dir, "Snakefile"), rules.join("\n"));
}

function time(cmd: string, args: string[], cwd: string): { s: number; code: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { s: (performance.now() - t0) / 1000, code: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

function best(n: number, f: () => number): number {
  let b = Infinity;
  for (let i = 0; i < n; i++) b = Math.min(b, f());
  return b;
}

export async function benchPipeline(): Promise<Record<string, number | string | null>> {
  const dir = join(REPO, "bench/work/pipeline-10");
  setup(dir);
  const first = time(process.execPath, [BIN, "run", "--json"], dir);
  if (first.code !== 0) throw new Error(`bench pipeline first run failed:\n${first.out}`);
  const outBytes = STAGES * MB_PER_STAGE * 1048576;
  // One warm-up status fills the stat cache, as after any real run.
  time(process.execPath, [BIN, "status"], dir);
  const status = best(5, () => {
    const r = time(process.execPath, [BIN, "status"], dir);
    if (!r.out.includes("up to date")) throw new Error(`status not clean:\n${r.out}`);
    return r.s;
  });
  const run = best(5, () => {
    const r = time(process.execPath, [BIN, "run"], dir);
    if (!r.out.includes("up to date")) throw new Error(`run not a no-op:\n${r.out}`);
    return r.s;
  });
  const nodeStartup = best(5, () => time(process.execPath, ["-e", "0"], dir).s);
  let snakemake: number | null = null;
  let snakemakeVersion: string | null = null;
  const sv = spawnSync("snakemake", ["--version"], { encoding: "utf8" });
  if (sv.status === 0 && existsSync(join(dir, "data/s9/blob.bin"))) {
    snakemakeVersion = sv.stdout.trim();
    // Dry run against the files our run produced; it reports nothing to do when mtimes agree.
    snakemake = best(3, () => time("snakemake", ["-n", "--cores", "1", "--quiet"], dir).s);
  }
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  // The same on the default study (the repository's own pipeline.yaml, 41 cells), when it is
  // fresh: median of 5 after one warm-up, process start included.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const onStudy = (cmd: string): number | null => {
    if (time(process.execPath, [BIN, cmd], REPO).code !== 0) return null;
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = time(process.execPath, [BIN, cmd], REPO);
      if (!r.out.includes("up to date")) return null;
      xs.push(r.s);
    }
    return median(xs);
  };
  const studyStatus = onStudy("status"),
    studyRun = studyStatus === null ? null : onStudy("run");
  return {
    noop_status_default_s: studyStatus === null ? null : round(studyStatus),
    noop_run_default_s: studyRun === null ? null : round(studyRun),
    ...(studyStatus === null
      ? { noop_default_reason: "the default study is not fresh (npm run pipeline -- run)" }
      : {}),
    pipeline_stages: STAGES,
    pipeline_output_gb: Math.round((outBytes / 1e9) * 100) / 100,
    pipeline_first_run_s: round(first.s),
    noop_status_s: round(status),
    noop_run_s: round(run),
    node_startup_s: round(nodeStartup),
    snakemake_dry_run_s: snakemake === null ? null : round(snakemake),
    snakemake_version: snakemakeVersion,
  };
}

export async function benchSha256(): Promise<Record<string, number>> {
  const { createHash } = await import("node:crypto");
  const buf = new Uint8Array(256 * 1024 * 1024);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 255;
  const s = best(3, () => {
    const t0 = performance.now();
    createHash("sha256").update(buf).digest("hex");
    return (performance.now() - t0) / 1000;
  });
  return { sha256_mb_per_s: Math.round(256 / s) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
