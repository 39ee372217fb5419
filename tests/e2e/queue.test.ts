/**
 * Cells on a work queue: a real redis-server (loopback, random port, own folder), real
 * `pipeline worker` processes (each in its own checkout, as on another machine), a shared
 * folder as the remote cache, and the coordinator `pipeline run --executor redis://…`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ChildProcess } from "node:child_process";
import { createTempProject, exitOf, repoStages, type TempProject, waitForOutput } from "./helpers.ts";
import { startRedis, type RedisServer } from "./redis-server.ts";

// A stage that sleeps `ms` (to be caught mid-cell), then writes a JSON and a table that depend
// on its params, its cell and its upstream hashes.
const STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ v: z.number().default(1), ms: z.number().default(0), fail: z.boolean().default(false) }),
  outputs: ["out", "table"],
  async run(ctx) {
    if (ctx.params.fail) throw new Error("planted failure in " + JSON.stringify(ctx.cell));
    if (ctx.params.ms) await new Promise((r) => setTimeout(r, ctx.params.ms));
    const up = ctx.upstream().map((u) => u.cellId + ":" + u.hash.slice(0, 8));
    await ctx.writeJson("out", { v: ctx.params.v, cell: ctx.cell, up });
    await ctx.writeTable("table", { columns: { k: [1, 2, 3], x: [ctx.params.v, 2 * ctx.params.v, up.length] } });
  },
});
`;

const SPEC = (o: { remote?: string; executor?: string; slowMs?: number; fail?: boolean } = {}) => `version: 1
${o.remote ? `remote: ${o.remote}\n` : ""}${o.executor ? `executor: ${o.executor}\n` : ""}stages:
  src:
    uses: stages/s.ts
    params: { ms: ${o.slowMs ?? 0}${o.fail ? ", fail: true" : ""} }
  fit:
    uses: stages/s.ts
    needs: [src]
    matrix: { model: [ridge, gbdt, lasso, tree, knn, svm] }
    params: { ms: 300 }
  agg:
    uses: stages/s.ts
    needs: [fit]
`;

// A tuning study in batches of 4 whose trials are the stage's tasks (ctx.map).
const TUNE_STAGE = `import { defineStage, z } from "../src/index.ts";
import { evaluateTrial, runStudy } from "../src/quant/ml/tuning/index.ts";
const space = { x: { type: "float", low: -3, high: 3 } };
const objective = (ctx) => (p, fold, trial) => -((p.x - 1) ** 2) + 0.01 * ctx.rng.fork("t" + trial + "-" + fold).next();
const opts = { nFolds: 2, pruner: { nWarmupTrials: 2 } };
export default defineStage({
  params: z.object({ trials: z.number().default(12), batch: z.number().default(4) }),
  outputs: ["best"],
  tasks: {
    async trial(ctx, task) {
      await new Promise((r) => setTimeout(r, 150));
      return evaluateTrial(objective(ctx), task, opts);
    },
  },
  async run(ctx) {
    const r = await runStudy(objective(ctx), {
      space, nTrials: ctx.params.trials, ...opts, rng: ctx.rng.fork("study"), batch: ctx.params.batch,
      evaluateBatch: (tasks) => ctx.map("trial", tasks),
    });
    await ctx.writeJson("best", { best: r.best, trials: r.trials });
  },
});
`;
const TUNE_SPEC = (o: { remote?: string; executor?: string } = {}) => `version: 1
${o.remote ? `remote: ${o.remote}\n` : ""}${o.executor ? `executor: ${o.executor}\n` : ""}stages:
  tune:
    uses: stages/s.ts
`;

// The train stage's tuned model on a small synthetic study, trials in batches of 2.
const STUDY = (o: { remote?: string; executor?: string } = {}) => `version: 1
${o.remote ? `remote: ${o.remote}\n` : ""}${o.executor ? `executor: ${o.executor}\n` : ""}stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 16, start: "2019-01-02", end: "2020-12-31", sectors: 2 }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [gbdt_tuned] }
    params:
      folds: 2
      minTrainDates: 60
      horizon: 5
      lag: 1
      gbdt: { nTrees: 10, maxDepth: 3, minChildWeight: 20, maxBins: 32 }
      trials: 4
      startupTrials: 2
      tuneFolds: 2
      tuneBatch: 2
`;

interface Cell {
  id: string;
  status: string;
  cause: string;
  error?: string;
  worker?: string;
}

/** Outputs with equal bytes (the fit cells' tables) are one object. */
const distinctHashes = (lock: string) => new Set([...lock.matchAll(/hash: ([0-9a-f]{64})/g)].map((m) => m[1])).size;

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Every object in the remote folder hashes to its key; no temp file is left. */
function checkRemote(dir: string): number {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  const files = walk(join(dir, "cache"));
  for (const f of files) {
    expect(f.split("/").pop()!.startsWith(".")).toBe(false);
    const key = f.slice(join(dir, "cache").length + 1).replace("/", "");
    expect(sha(f)).toBe(key);
  }
  return files.length;
}

describe("cells on a Redis work queue", () => {
  let redis: RedisServer;
  const cleanup: Array<() => unknown> = [];
  const children: ChildProcess[] = [];
  const remoteDir = () => {
    const d = mkdtempSync(join(tmpdir(), "strata-qremote-"));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };
  const project = (spec: string, stage = STAGE): TempProject => {
    const p = createTempProject({ "pipeline.yaml": spec, "stages/s.ts": stage });
    cleanup.push(() => p.dispose());
    return p;
  };
  /** A worker in a checkout of its own; resolves once it says it is ready. */
  const worker = async (spec: string, env: Record<string, string> = {}, stage = STAGE) => {
    const p = project(spec, stage);
    const child = p.spawnCli(["worker"], { env });
    children.push(child);
    await waitForOutput(child, /Worker ready/, 30_000);
    return child;
  };
  const runAsync = (p: TempProject, env: Record<string, string> = {}) => {
    const child = p.spawnCli(["run", "--json"], { env });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    return {
      child,
      done: exitOf(child).then((code) => ({ code, out, err, cells: parseCells(out) })),
    };
  };
  const parseCells = (out: string): Record<string, Cell> => {
    try {
      return Object.fromEntries((JSON.parse(out).cells as Cell[]).map((c) => [c.id, c]));
    } catch {
      return {};
    }
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    for (const f of cleanup) f();
    await redis?.dispose();
  });

  it("four workers give the lock and the bytes of a local run", async () => {
    const local = project(SPEC());
    expect(local.runJson().ok).toBe(true);

    const remote = pathToFileURL(remoteDir()).href;
    const spec = SPEC({ remote, executor: `${redis.url}?queue=eq` });
    const workers = await Promise.all([1, 2, 3, 4].map(() => worker(spec)));
    const coord = project(spec);
    const r = await runAsync(coord).done;
    expect(r.code, r.err).toBe(0);
    const cells = Object.values(r.cells);
    expect(cells).toHaveLength(8);
    expect(cells.every((c) => c.status === "ran" && /#\d+$/.test(c.worker ?? ""))).toBe(true);
    // The six fit cells were ready together: more than one worker took them.
    expect(new Set(cells.map((c) => c.worker!.replace(/#\d+$/, ""))).size).toBeGreaterThan(1);

    expect(coord.read("pipeline.lock")).toBe(local.read("pipeline.lock"));
    const lock = readFileSync(join(coord.root, "pipeline.lock"), "utf8");
    const paths = [...lock.matchAll(/path: ([^\s,}]+)/g)].map((m) => m[1]);
    expect(paths.length).toBe(16);
    for (const p of paths) expect(sha(join(coord.root, p))).toBe(sha(join(local.root, p)));
    expect(checkRemote(new URL(remote).pathname)).toBe(distinctHashes(lock));

    // Nothing left to do: a second coordinator run restores nothing, runs nothing.
    const again = await runAsync(coord).done;
    expect(Object.values(again.cells).every((c) => c.status === "fresh")).toBe(true);
    for (const w of workers) w.kill("SIGTERM");
  }, 120_000);

  it("a stage's tasks (a batched tuning study) fan out to the workers, with the local run's result", async () => {
    const local = project(TUNE_SPEC(), TUNE_STAGE);
    expect(local.runJson().ok).toBe(true);
    const spec = TUNE_SPEC({ remote: pathToFileURL(remoteDir()).href, executor: `${redis.url}?queue=tasks` });
    const ws = await Promise.all([1, 2].map(() => worker(spec, {}, TUNE_STAGE)));
    let seen = "";
    for (const w of ws) w.stdout!.on("data", (d) => (seen += d));
    const coord = project(spec, TUNE_STAGE);
    const r = await runAsync(coord).done;
    expect(r.code, r.err).toBe(0);
    expect(coord.read("pipeline.lock")).toBe(local.read("pipeline.lock"));
    expect(coord.read("data/tune/best.json")).toBe(local.read("data/tune/best.json"));
    // Every trial was evaluated by a task slot (#t…), not inside the cell.
    expect(seen.match(/✓ tune task trial [\d.]+ s on \S+#t\d/g)).toHaveLength(12);
    for (const w of ws) w.kill("SIGTERM");
  }, 120_000);

  it("train[model=gbdt_tuned] with tuneBatch 2: its trials fan out, its outputs are the local run's", async () => {
    const stages = repoStages("data.ts", "features.ts", "labels.ts", "train.ts");
    const local = createTempProject({ "pipeline.yaml": STUDY(), ...stages });
    cleanup.push(() => local.dispose());
    expect(local.runJson().ok).toBe(true);
    const spec = STUDY({ remote: pathToFileURL(remoteDir()).href, executor: `${redis.url}?queue=train` });
    const files = { "pipeline.yaml": spec, ...stages };
    const ws: ChildProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const w = createTempProject(files);
      cleanup.push(() => w.dispose());
      const child = w.spawnCli(["worker"]);
      children.push(child);
      await waitForOutput(child, /Worker ready/, 30_000);
      ws.push(child);
    }
    let seen = "";
    for (const w of ws) w.stdout!.on("data", (d) => (seen += d));
    const coord = createTempProject(files);
    cleanup.push(() => coord.dispose());
    const r = await runAsync(coord).done;
    expect(r.code, r.err).toBe(0);
    expect(coord.read("pipeline.lock")).toBe(local.read("pipeline.lock"));
    // 4 trials in 2 batches of 2, each one a task on a task slot.
    expect(seen.match(/✓ train\[model=gbdt_tuned\] task tuneTrial [\d.]+ s on \S+#t\d/g)).toHaveLength(4);
    for (const w of ws) w.kill("SIGTERM");
  }, 180_000);

  it("a worker whose checkout differs refuses, naming what differs", async () => {
    const remote = pathToFileURL(remoteDir()).href;
    const spec = SPEC({ remote, executor: `${redis.url}?queue=refuse` });
    await worker(spec, {}, STAGE.replace("v: z.number().default(1)", "v: z.number().default(2)"));
    const r = await runAsync(project(spec)).done;
    expect(r.code).toBe(1);
    expect(r.cells.src.status).toBe("failed");
    expect(r.cells.src.error).toMatch(
      /refuses src: its checkout differs from the coordinator's \(params\.v: 1 → 2; code: stages\/s\.ts changed\)/,
    );
    expect(r.cells.src.error).toMatch(/same commit/);
  }, 90_000);

  it("a stage that fails on a worker fails its cell once, with the stage's error", async () => {
    const spec = SPEC({ remote: pathToFileURL(remoteDir()).href, executor: `${redis.url}?queue=fail`, fail: true });
    const w = await worker(spec);
    let seen = "";
    w.stdout!.on("data", (d) => (seen += d));
    const r = await runAsync(project(spec)).done;
    expect(r.code).toBe(1);
    expect(r.cells.src.status).toBe("failed");
    expect(r.cells.src.error).toMatch(/planted failure in \{\}/);
    expect(r.cells.agg.status).toBe("skipped");
    await new Promise((res) => setTimeout(res, 1000));
    expect(seen.match(/▶ src/g)).toHaveLength(1); // deterministic: not retried
  }, 90_000);

  it("Ctrl-C on the coordinator takes its waiting cells off the queue", async () => {
    const spec = SPEC({ remote: pathToFileURL(remoteDir()).href, executor: `${redis.url}?queue=cancel` });
    const run = runAsync(project(spec)); // no worker: src waits on the queue
    await waitForOutput(run.child, /run src/, 30_000);
    await new Promise((res) => setTimeout(res, 1000));
    const { Redis } = await import("ioredis");
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    try {
      expect(await client.llen("strata:cancel:wait")).toBe(1);
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(r.code).toBe(130);
      expect(await client.llen("strata:cancel:wait")).toBe(0);
      expect(await client.exists("strata:cancel:coordinator")).toBe(0);
    } finally {
      client.disconnect();
    }
  }, 90_000);

  it("a worker killed mid-cell: another worker runs it, nothing partial is cached", async () => {
    const dir = remoteDir();
    const spec = SPEC({ remote: pathToFileURL(dir).href, executor: `${redis.url}?queue=kill`, slowMs: 4000 });
    const fast = { STRATA_QUEUE_LOCK_MS: "1000" };
    const w1 = await worker(spec, fast);
    const coord = project(spec);
    const run = runAsync(coord);
    await waitForOutput(w1, /▶ src/, 30_000);
    w1.kill("SIGKILL");
    await worker(spec, fast);
    const r = await run.done;
    expect(r.code, r.err).toBe(0);
    expect(r.cells.src.status).toBe("ran");
    expect(r.cells.src.worker).not.toMatch(new RegExp(`:${w1.pid}#`));
    expect(checkRemote(dir)).toBe(distinctHashes(coord.read("pipeline.lock")));
    // The same lock as a local run: the retried cell's outputs are the ones it always had.
    const local = project(SPEC({ slowMs: 4000 }));
    expect(local.runJson().ok).toBe(true);
    expect(coord.read("pipeline.lock")).toBe(local.read("pipeline.lock"));
  }, 120_000);

  it("Redis restarted mid-run: coordinator and worker reconnect and finish", async () => {
    const spec = SPEC({
      remote: pathToFileURL(remoteDir()).href,
      executor: `${redis.url}?queue=restart`,
      slowMs: 3000,
    });
    const w = await worker(spec);
    const run = runAsync(project(spec));
    await waitForOutput(w, /▶ src/, 30_000);
    await redis.restart(1000);
    const r = await run.done;
    expect(r.code, r.err).toBe(0);
    expect(Object.values(r.cells).every((c) => c.status === "ran")).toBe(true);
  }, 120_000);

  it("a second coordinator on the queue refuses, naming the first", async () => {
    const spec = SPEC({ remote: pathToFileURL(remoteDir()).href, executor: `${redis.url}?queue=two` });
    const first = runAsync(project(spec)); // no worker: it waits for one
    await waitForOutput(first.child, /run src/, 30_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 1500));
    const second = project(spec).cli(["run"]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(
      /the queue 'two' on redis:\/\/127\.0\.0\.1:\d+\/0\?queue=two is held by .*:\d+ \(pipeline run/,
    );
    first.child.kill("SIGTERM");
    await first.done;
  }, 90_000);

  it("Redis gone for good: the coordinator fails cleanly and keeps the lock", async () => {
    const own = await startRedis();
    cleanup.push(() => own.dispose());
    const spec = SPEC({ remote: pathToFileURL(remoteDir()).href, executor: own.url, slowMs: 3000 });
    const coord = project(spec);
    expect(coord.cli(["run", "--executor", "local", "src"]).code).toBe(0);
    const before = coord.read("pipeline.lock");
    const run = runAsync(coord, { STRATA_QUEUE_TIMEOUT_S: "4" }); // no worker: the fit cells wait
    await waitForOutput(run.child, /run fit/, 30_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 1000));
    await own.stop();
    const r = await run.done;
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.cells.src.status).toBe("fresh");
    expect(r.cells["fit[model=ridge]"].status).toBe("failed");
    expect(r.cells["fit[model=ridge]"].error).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+\/0 for 4 s/);
    expect(coord.read("pipeline.lock")).toBe(before);
  }, 90_000);
});
