/**
 * The GBDT against the XGBoost anchor (`../shared/anchors/gbdt_xgb.py`: XGBoost `hist`, 200
 * trees of depth 6, learning rate 0.1, 256 bins, λ = 1, min child weight 1, 2 threads, on its
 * own 1,000,000 × 30 float32 regression set, first 80 % to train), on the anchor's own bytes.
 *
 * How: the anchor runs unmodified, 3 times (it trains once per invocation and writes X and y as
 * raw float32, which are the same bytes every time: its generator is seeded); its figure is the
 * median of its own `train_seconds` (xgb.train only, DMatrix construction outside, as it
 * measures). Ours trains on those bytes (features as float32 columns, labels widened to
 * float64) with the same hyper-parameters and the same thread count (2), timed as `fitGbdt`
 * only (the float32 columns are built before the clock starts, as the anchor builds its
 * DMatrix before), median of 3, after a 2-tree warm-up fit that starts the worker pool (the
 * anchor's OpenMP threads start in DMatrix construction) and a full GC.
 *
 * Runs in a child process loaded with tsx's ESM hooks only, like bench/gbdt.bench.ts (its
 * header says why).
 *
 * Figures: anchor_gbdt_time_ratio = our median / the anchor's (goal ≤ 1.15, issue 19), and the
 * validation MSE of both (goal: ours within 0.2 %).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { featureMatrix } from "../src/quant/ml/types.ts";
import { closeGbdtPools, fitGbdt, predictGbdt } from "../src/quant/ml/gbdt/index.ts";
import { ANCHORS } from "./anchor-backtest.bench.ts";

const PYTHON = "/usr/bin/python3";
const THREADS = 2;
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r = (x: number, d = 3) => Number(x.toPrecision(d + 3));

export async function benchAnchorGbdt(): Promise<Record<string, number | string>> {
  if (process.env.GBDT_ANCHOR_CHILD) return here();
  const res = spawnSync(process.execPath, ["--import", "tsx/esm", fileURLToPath(import.meta.url)], {
    env: { ...process.env, GBDT_ANCHOR_CHILD: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  if (res.status !== 0) throw new Error(`anchor gbdt child failed (status ${res.status}): ${res.error?.message ?? ""}`);
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as Record<string, number | string>;
}

async function here(): Promise<Record<string, number | string>> {
  const anchor = join(ANCHORS, "gbdt_xgb.py");
  if (!existsSync(anchor)) return { anchor_gbdt_reason: `no anchor at ${anchor} (set STRATA_ANCHORS)` };
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-anchor-gbdt-"));
  try {
    type Xgb = { rows: number; features: number; train_rows: number; train_seconds: number; valid_mse: number };
    const xgbRuns: Xgb[] = [];
    let xgbVersion = "";
    for (let k = 0; k < RUNS; k++) {
      // GBDT_ANCHOR_ROWS shrinks the run for development (figures then differ).
      const rows = process.env.GBDT_ANCHOR_ROWS ? [process.env.GBDT_ANCHOR_ROWS] : [];
      const py = spawnSync(PYTHON, [anchor, dir, ...rows], { encoding: "utf8" });
      if (py.status !== 0)
        return {
          anchor_gbdt_reason: (py.error?.message ?? py.stderr.trim().split("\n").pop() ?? "failed").slice(0, 200),
        };
      xgbRuns.push(JSON.parse(py.stdout.trim().split("\n").pop()!) as Xgb);
    }
    const v = spawnSync(PYTHON, ["-c", "import xgboost; print(xgboost.__version__)"], { encoding: "utf8" });
    xgbVersion = v.stdout.trim();
    const { rows: n, features: f, train_rows: ntr } = xgbRuns[0];

    // The anchor's bytes: X row-major float32 (n × f), y float32.
    const xb = readFileSync(join(dir, "X.f32")),
      yb = readFileSync(join(dir, "y.f32"));
    const X32 = new Float32Array(xb.buffer, xb.byteOffset, n * f),
      y32 = new Float32Array(yb.buffer, yb.byteOffset, n);
    const columns = (from: number, to: number) =>
      Array.from({ length: f }, (_, j) => {
        const c = new Float32Array(to - from);
        for (let i = from; i < to; i++) c[i - from] = X32[i * f + j];
        return c;
      });
    const names = Array.from({ length: f }, (_, j) => `x${j}`);
    const Xtr = featureMatrix(names, columns(0, ntr)),
      Xva = featureMatrix(names, columns(ntr, n));
    const ytr = Float64Array.from(y32.subarray(0, ntr)),
      yva = Float64Array.from(y32.subarray(ntr));
    const params = { nTrees: 200, maxDepth: 6, learningRate: 0.1, maxBins: 256, lambda: 1, minChildWeight: 1 };

    await fitGbdt(
      featureMatrix(names, columns(0, 4096)),
      ytr.subarray(0, 4096),
      { ...params, nTrees: 2 },
      { threads: THREADS },
    );
    const times: number[] = [];
    let mse = 0;
    for (let k = 0; k < RUNS; k++) {
      setFlagsFromString("--expose-gc");
      (runInNewContext("gc") as () => void)();
      const t0 = performance.now();
      const model = await fitGbdt(Xtr, ytr, params, { threads: THREADS });
      times.push((performance.now() - t0) / 1000);
      const pred = predictGbdt(model, Xva);
      let s = 0;
      for (let i = 0; i < pred.length; i++) s += (pred[i] - yva[i]) ** 2;
      mse = s / pred.length;
    }
    await closeGbdtPools();
    const ours = median(times),
      theirs = median(xgbRuns.map((x) => x.train_seconds)),
      theirMse = xgbRuns[0].valid_mse;
    return {
      anchor_gbdt_workload: `${n} × ${f} float32, ${ntr} to train, 200 trees, depth 6, 256 bins, ${THREADS} threads each`,
      anchor_gbdt_file_sha256: createHash("sha256").update(readFileSync(anchor)).digest("hex").slice(0, 16),
      anchor_gbdt_xgb_version: xgbVersion,
      anchor_gbdt_threads: THREADS,
      anchor_gbdt_xgb_train_s: r(theirs),
      anchor_gbdt_xgb_runs_s: xgbRuns.map((x) => x.train_seconds).join(" "),
      anchor_gbdt_ours_train_s: r(ours),
      anchor_gbdt_ours_runs_s: times.map((x) => r(x)).join(" "),
      anchor_gbdt_xgb_valid_mse: r(theirMse, 6),
      anchor_gbdt_ours_valid_mse: r(mse, 6),
      anchor_gbdt_mse_rel_diff_pct: r((100 * (mse - theirMse)) / theirMse),
      anchor_gbdt_time_ratio: r(ours / theirs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const res = await benchAnchorGbdt();
  console.log(process.env.GBDT_ANCHOR_CHILD ? JSON.stringify(res) : res);
}
