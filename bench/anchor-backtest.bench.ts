/**
 * The backtest engine against the NumPy anchor (`../shared/anchors/backtest_numpy.py`: a
 * portfolio of T days × N assets, target weights rebalanced every 5th day, drift between
 * rebalances, 3 bp on turnover), on the anchor's own bytes, in the same invocation.
 *
 * How: Python runs the anchor unmodified (runpy, with its own argv), so its printed figure is
 * its own median of 5 runs; the wrapper then writes the anchor's returns R, weights W and
 * rebalance days as raw little-endian files, calls the anchor's `run()` once more for its
 * outputs, prints both, and stays up to time `run()` on request. Ours runs `backtest` (src/quant/backtest) on those bytes, with
 * the anchor's semantics: the weights of day t are set before day t's returns (a zero-return
 * row is put first and each target trades at the close of the row before its day, lag 0),
 * 3 bp per side on traded notional, no matrices (the anchor keeps none). The two are timed in
 * 11 interleaved rounds — one run of ours, then one of the anchor's `run()`, timed with
 * perf_counter as the anchor times itself — and each side's figure is its median, so a slow
 * moment of the host falls on both (the anchor's own median of 5, printed before, is kept as
 * `anchor_backtest_numpy_own_median_s`). Both sides are single-threaded (BLAS threads pinned to
 * 1 for the anchor's dot products).
 *
 * Same work, checked: Σ net return and Σ turnover must agree with the anchor's to 1e-9
 * relative, or the bench throws. (The per-row series are one row apart — the anchor charges a
 * day's costs on that day, ours at the close where it trades — so only sums are compared.)
 *
 * Figures: anchor_backtest_speedup = anchor median / our median (goal ≥ 3, issue 19), and both
 * throughputs in asset-days per second.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { backtest, type TargetRow } from "../src/quant/backtest/index.ts";

const PYTHON = "/usr/bin/python3";
const REPO = resolve(import.meta.dirname, "..");
/** The anchors live beside the repository (the workplace's shared folder), or where STRATA_ANCHORS says. */
export const ANCHORS = process.env.STRATA_ANCHORS ?? resolve(REPO, "../shared/anchors");

/** Runs the anchor as is, then exports its data and outputs (see the header). */
const WRAPPER = `
import contextlib, io, json, runpy, sys
import numpy as np
anchor, out, n, t = sys.argv[1:5]
sys.argv = [anchor, n, t]
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    g = runpy.run_path(anchor, run_name="__main__")
own = json.loads(buf.getvalue().strip().splitlines()[-1])
np.ascontiguousarray(g["R"], dtype="<f8").tofile(out + "/R.f64")
np.ascontiguousarray(g["W"], dtype="<f8").tofile(out + "/W.f64")
np.flatnonzero(g["reb"]).astype("<i4").tofile(out + "/reb.i32")
o, to = g["run"]()
print(json.dumps(dict(own=own, cost=float(g["cost"]), sum_net=float(o.sum()), sum_turnover=float(to.sum()),
                      numpy_version=np.__version__, python_version=sys.version.split()[0])), flush=True)
import time
for line in sys.stdin:
    if line.strip() != "run":
        break
    t0 = time.perf_counter(); g["run"](); dt = time.perf_counter() - t0
    print(json.dumps(dict(seconds=dt)), flush=True)
`;

/** Interleaved timed runs of each side (the anchor's own figure is its median of 5, also kept). */
const ROUNDS = 11;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r = (x: number, d = 3) => Number(x.toPrecision(d + 3));

function bytes(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export async function benchAnchorBacktest(
  size: { assets: number; days: number } = { assets: 500, days: 5000 },
): Promise<Record<string, number | string>> {
  const { assets: N, days: T } = size;
  const anchor = join(ANCHORS, "backtest_numpy.py");
  if (!existsSync(anchor)) return { anchor_backtest_reason: `no anchor at ${anchor} (set STRATA_ANCHORS)` };
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-anchor-backtest-"));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const py = spawn(PYTHON, ["-c", WRAPPER, anchor, dir, String(N), String(T)], { env });
  try {
    let stderr = "";
    py.stderr.on("data", (d) => {
      stderr += d;
    });
    const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
    const exited = new Promise<number | null>((resolve) => py.on("close", resolve));
    const nextLine = async (): Promise<string | null> => {
      const l = await lines.next();
      return l.done ? null : l.value;
    };
    const first = await nextLine();
    if (first === null)
      return {
        anchor_backtest_reason: (stderr.trim().split("\n").pop() || `python exited ${await exited}`).slice(0, 200),
      };
    const np = JSON.parse(first) as {
      own: { N: number; T: number; median_seconds: number; asset_days_per_second: number };
      cost: number;
      sum_net: number;
      sum_turnover: number;
      numpy_version: string;
      python_version: string;
    };
    if (np.own.N !== N || np.own.T !== T) throw new Error(`anchor ran ${np.own.N} × ${np.own.T}, asked ${N} × ${T}`);

    // The anchor's day t is our row t + 1; row 0 earns nothing. Each target trades at the
    // close of the row before its day (lag 0).
    const R = new Float64Array(bytes(join(dir, "R.f64"))),
      W = new Float64Array(bytes(join(dir, "W.f64")));
    const reb = new Int32Array(bytes(join(dir, "reb.i32")));
    const returns = new Float64Array((T + 1) * N);
    returns.set(R, N);
    const targets: TargetRow[] = Array.from(reb, (t) => ({ t, weights: W.subarray(t * N, (t + 1) * N) }));
    const options = { lag: 0, commissionBps: np.cost * 1e4, matrices: false };
    backtest(returns, targets, N, options);
    // Interleaved rounds: one run of ours, then one of the anchor's run() (timed by the wrapper
    // with perf_counter, as the anchor times itself), so both meet the same moments of the host.
    const times: number[] = [];
    const theirTimes: number[] = [];
    let res = backtest(returns, targets, N, options);
    for (let k = 0; k < ROUNDS; k++) {
      const t0 = performance.now();
      res = backtest(returns, targets, N, options);
      times.push((performance.now() - t0) / 1000);
      py.stdin.write("run\n");
      const line = await nextLine();
      if (line === null) throw new Error(`anchor backtest: the anchor's process ended: ${stderr.slice(-300)}`);
      theirTimes.push((JSON.parse(line) as { seconds: number }).seconds);
    }
    py.stdin.end("quit\n");
    await exited;
    let sumNet = 0,
      sumTurnover = 0;
    for (let t = 0; t <= T; t++) {
      sumNet += res.net[t];
      sumTurnover += res.turnover[t];
    }
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
    const diff = Math.max(rel(sumNet, np.sum_net), rel(sumTurnover, np.sum_turnover));
    if (!(diff <= 1e-9))
      throw new Error(
        `anchor backtest: ours differs from the anchor: Σ net ${sumNet} vs ${np.sum_net}, ` +
          `Σ turnover ${sumTurnover} vs ${np.sum_turnover}`,
      );
    const ours = median(times),
      theirs = median(theirTimes);
    return {
      anchor_backtest_workload: `${N} assets × ${T} days, rebalanced every 5th day, 3 bp, 1 thread each`,
      anchor_backtest_file_sha256: createHash("sha256").update(readFileSync(anchor)).digest("hex").slice(0, 16),
      anchor_backtest_numpy_version: np.numpy_version,
      anchor_backtest_python_version: np.python_version,
      anchor_backtest_rounds: ROUNDS,
      anchor_backtest_numpy_s: r(theirs),
      anchor_backtest_numpy_runs_s: theirTimes.map((x) => r(x)).join(" "),
      anchor_backtest_numpy_own_median_s: np.own.median_seconds,
      anchor_backtest_numpy_asset_days_per_s: Math.round((N * T) / theirs),
      anchor_backtest_ours_s: r(ours),
      anchor_backtest_ours_runs_s: times.map((x) => r(x)).join(" "),
      anchor_backtest_ours_asset_days_per_s: Math.round((N * T) / ours),
      anchor_backtest_max_rel_diff: Number(diff.toExponential(2)),
      anchor_backtest_speedup: r(theirs / ours),
    };
  } finally {
    // A failure on our side leaves the anchor waiting on its stdin: end it, or the bench hangs.
    if (py.exitCode === null) py.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchAnchorBacktest());
}
