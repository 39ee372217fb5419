/**
 * The work queue (BullMQ on a real redis-server, loopback): per-job overhead, and how a study
 * of CPU-bound cells scales with worker processes.
 *
 * - Overhead: enqueue → done of a job whose handler does nothing, through the coordinator's
 *   CellQueue and the worker's queue loop (median of 200, one at a time); then the whole
 *   per-cell cost of an empty cell on the queue (remote cache upload/download, restore, lock)
 *   against the same study run locally, from `pipeline run` wall times.
 * - Scaling: 64 cells of ~1 s of arithmetic each, run by 1, 2, 4 and 8 `pipeline worker`
 *   processes (each in its own checkout, concurrency 1), beside the local `-j 2` run. On a
 *   machine with C cores the ideal time with k workers is T1 / min(k, C): efficiency is
 *   T1 / (Tk · min(k, C)).
 * - Study (suite queue-study): the default study cold, on 2 workers vs locally with -j 2.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startRedis, type RedisServer } from "../tests/e2e/redis-server.ts";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");
const CELLS = 64;

const BUSY_STAGE = `import { defineStage, z } from "../src/index.ts";
// ~1 s of arithmetic (n iterations), the same work in every cell.
export default defineStage({
  params: z.object({ n: z.number().int().nonnegative() }),
  outputs: ["out"],
  async run(ctx) {
    let x = 0;
    const off = Number(ctx.cell.i ?? 0);
    for (let k = 0; k < ctx.params.n; k++) x += Math.sqrt(k + off);
    await ctx.writeJson("out", { x, cell: ctx.cell });
  },
});
`;

function project(dir: string, spec: string, stages: Record<string, string>): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "stages"), { recursive: true });
  cpSync(join(REPO, "src"), join(dir, "src"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-queue", type: "module", private: true }));
  writeFileSync(join(dir, "pipeline.yaml"), spec);
  for (const [name, text] of Object.entries(stages)) writeFileSync(join(dir, "stages", name), text);
  return dir;
}

const env = () => ({ ...process.env, CI: "true", NO_COLOR: "1", TZ: "UTC" });

/** `pipeline ARGS` in `cwd`; resolves with its wall time in seconds (rejects on a non-zero exit). */
function cli(cwd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: env(), stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr!.on("data", (d) => (err += d));
    p.on("exit", (code) =>
      code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`pipeline ${args.join(" ")}: ${err}`)),
    );
  });
}

/** Starts `pipeline worker` in `cwd`; resolves once it is ready. */
function worker(cwd: string, executor: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [BIN, "worker", "--executor", executor], {
    cwd,
    env: env(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((res, rej) => {
    let out = "";
    p.stdout!.on("data", (d) => {
      out += d;
      if (/Worker ready/.test(out)) res(p);
    });
    p.on("exit", (code) => rej(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
}

const stopAll = async (ps: ChildProcess[]) => {
  await Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null) return r();
          p.removeAllListeners("exit");
          p.on("exit", () => r());
          p.kill("SIGTERM");
        }),
    ),
  );
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Iterations of the busy loop that take about one second here. */
function calibrate(): number {
  const n = 20_000_000;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let x = 0;
    for (let k = 0; k < n; k++) x += Math.sqrt(k + r);
    if (x < 0) throw new Error("unreachable");
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round((n * 1000) / best);
}

async function jobOverhead(redis: RedisServer): Promise<number[]> {
  const { CellQueue, startQueueWorker } = await import("../src/pipeline/queue.ts");
  const { parseExecutor } = await import("../src/pipeline/queue-target.ts");
  const target = parseExecutor(`${redis.url}?queue=overhead`, "bench")!;
  const w = await startQueueWorker(target, 1, async () => ({
    outputs: {},
    metrics: {},
    duration_s: 0,
    engine: "bench",
    worker: "bench",
  }));
  const q = await CellQueue.open(target);
  const times: number[] = [];
  try {
    for (let i = 0; i < 220; i++) {
      const fp = createHash("sha256").update(`job ${i} ${Date.now()}`).digest("hex");
      const t0 = performance.now();
      await q.submit(
        {
          cell: `c${i}`,
          fingerprint: fp,
          parts: { code: {}, packages: {}, params: {}, inputs: {}, files: {}, matrix: {}, seed: 0, engine: "bench" },
          upstream: [],
          remote: "file:///nowhere",
          coordinator: "bench",
        },
        () => {},
      );
      if (i >= 20) times.push(performance.now() - t0); // the first 20 warm the connections
    }
  } finally {
    await q.close();
    await w.close();
  }
  return times;
}

export async function benchQueue(): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  const root = mkdtempSync(join(tmpdir(), "strata-bench-queue-"));
  const procs: ChildProcess[] = [];
  try {
    const overhead = await jobOverhead(redis);

    // Empty cells: the whole per-cell cost of going through the queue and the remote cache.
    const emptySpec = (extra: string) =>
      `version: 1\n${extra}stages:\n  e:\n    uses: stages/busy.ts\n    params: { n: 0 }\n    matrix: { i: [${Array.from({ length: 32 }, (_, i) => i + 1).join(", ")}] }\n`;
    const remoteE = pathToFileURL(join(root, "remote-empty")).href;
    const execE = `${redis.url}?queue=empty`;
    const le = project(join(root, "empty-local"), emptySpec(""), { "busy.ts": BUSY_STAGE });
    const localEmpty = await cli(le, ["run", "-j", "1"]);
    const we = project(join(root, "empty-worker"), emptySpec(`remote: ${remoteE}\nexecutor: ${execE}\n`), {
      "busy.ts": BUSY_STAGE,
    });
    const ce = project(join(root, "empty-coord"), emptySpec(`remote: ${remoteE}\nexecutor: ${execE}\n`), {
      "busy.ts": BUSY_STAGE,
    });
    const w1 = await worker(we, execE);
    procs.push(w1);
    const queueEmpty = await cli(ce, ["run"]);
    await stopAll([w1]);

    // 64 cells of ~1 s.
    const n = calibrate();
    const busySpec = (extra: string) =>
      `version: 1\n${extra}stages:\n  busy:\n    uses: stages/busy.ts\n    params: { n: ${n} }\n    matrix: { i: [${Array.from({ length: CELLS }, (_, i) => i + 1).join(", ")}] }\n`;
    const local2 = await cli(project(join(root, "busy-local"), busySpec(""), { "busy.ts": BUSY_STAGE }), [
      "run",
      "-j",
      "2",
    ]);
    const workersDirs: string[] = [];
    const walls: Record<number, number> = {};
    for (const k of [1, 2, 4, 8]) {
      const exec = `${redis.url}?queue=busy${k}`;
      const spec = busySpec(`remote: ${pathToFileURL(join(root, `remote-busy${k}`)).href}\nexecutor: ${exec}\n`);
      while (workersDirs.length < k) workersDirs.push(join(root, `w${workersDirs.length}`));
      const ws = await Promise.all(
        workersDirs.slice(0, k).map((d) => worker(project(d, spec, { "busy.ts": BUSY_STAGE }), exec)),
      );
      procs.push(...ws);
      walls[k] = await cli(project(join(root, `busy-coord${k}`), spec, { "busy.ts": BUSY_STAGE }), ["run"]);
      await stopAll(ws);
      process.stderr.write(`  ${k} worker(s): ${walls[k].toFixed(1)} s\n`);
    }
    const cores = availableParallelism();
    const eff = (k: number) => r3(walls[1] / (walls[k] * Math.min(k, cores)));
    return {
      queue_job_overhead_ms_median: r3(median(overhead)),
      queue_job_overhead_ms_p90: r3([...overhead].sort((a, b) => a - b)[Math.floor(overhead.length * 0.9)]),
      queue_empty_cell_local_ms: r3((localEmpty * 1000) / 32),
      queue_empty_cell_queue_ms: r3((queueEmpty * 1000) / 32),
      queue_scaling_workload: `${CELLS} cells × ~1 s (${n} sqrt iterations each), worker processes of concurrency 1, ${cores} cores`,
      queue_local_j2_s: r3(local2),
      queue_workers_1_s: r3(walls[1]),
      queue_workers_2_s: r3(walls[2]),
      queue_workers_4_s: r3(walls[4]),
      queue_workers_8_s: r3(walls[8]),
      queue_efficiency_2: eff(2),
      queue_efficiency_4: eff(4),
      queue_efficiency_8: eff(8),
      queue_2_workers_vs_local_j2: r3(walls[2] / local2),
    };
  } finally {
    await stopAll(procs);
    await redis.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The default study cold: 2 workers on the queue vs a local run with -j 2 (same machine). */
export async function benchQueueStudy(): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  const root = mkdtempSync(join(tmpdir(), "strata-bench-qstudy-"));
  const procs: ChildProcess[] = [];
  // A clean checkout: the committed files only (no outputs, no cache).
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  const copy = (dir: string, extra: string) => {
    for (const f of tracked) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(REPO, f), join(dir, f));
    }
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
    if (extra)
      writeFileSync(join(dir, "pipeline.yaml"), `${extra}${readFileSync(join(REPO, "pipeline.yaml"), "utf8")}`);
    return dir;
  };
  try {
    const local = await cli(copy(join(root, "local"), ""), ["run", "-j", "2"]);
    const exec = `${redis.url}?queue=study`;
    const extra = `remote: ${pathToFileURL(join(root, "remote")).href}\nexecutor: ${exec}\n`;
    const ws = await Promise.all([0, 1].map((i) => worker(copy(join(root, `w${i}`), extra), exec)));
    procs.push(...ws);
    const queued = await cli(copy(join(root, "coord"), extra), ["run"]);
    return {
      queue_study_local_j2_s: r3(local),
      queue_study_2_workers_s: r3(queued),
      queue_study_ratio: r3(queued / local),
    };
  } finally {
    await stopAll(procs);
    await redis.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}
