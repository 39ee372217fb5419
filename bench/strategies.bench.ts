/**
 * Rule-strategy benchmark: evaluateStrategies("ma_cross") on 500 symbols × 5,000 days for 1,000
 * parameter sets — fast 2 … 50 × slow 6, 11, …, 126 with fast < slow (exactly 1,000 pairs:
 * Σ_slow min(49, slow − 2)) — long-short, lag 1, 1 bp commission + 2 bp slippage. Prices are a
 * seeded geometric random walk (daily vol 1–3 % per symbol); 10 % of the symbols list late (NaN
 * before a random row in the first fifth) and 0.05 % of the bars are missing, so the NaN rules
 * are exercised.
 *
 * Figure: parameter-set·bars per second, a bar being one symbol-day (K × T × N / seconds), the
 * median of 3 full runs after a warm-up on 20 sets. Ours (src/quant/strategies) follows the 65 distinct
 * averages' sorted order and books only the crossings, each set as its difference from a
 * neighbouring set in exact arithmetic (evaluate.ts). The NumPy reference
 * (bench/strategies_numpy.py: the SMAs by cumulative sums, each distinct one once, then per
 * parameter set a few whole-array operations over T × N — the usual vectorized way, as vectorbt
 * does) runs the same work on the same bytes (closes and pairs written to a temp dir) in the same
 * invocation, once (it takes tens of seconds), when `python3 -c "import numpy"` works. Both
 * produce every metric of every set; the bench throws unless the total returns of sample sets
 * (every 97th and the last) agree to 1e-9 relative and their trade counts exactly.
 *
 * Goal: strategies_speedup_vs_numpy ≥ 3.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../src/core/rng.ts";
import { linearCostRate } from "../src/quant/backtest/costs.ts";
import { evaluateStrategies, type StrategyPanel } from "../src/quant/strategies/index.ts";

const PYTHON = "/usr/bin/python3";

interface Size {
  assets: number;
  days: number;
  runs: number;
}

function makePanel({ assets: N, days: T }: Size): StrategyPanel {
  const rng = createRng(20_240_611);
  const close = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    const vol = 0.01 + 0.02 * rng.next();
    const start = rng.next() < 0.1 ? Math.floor(rng.next() * (T / 5)) : 0;
    let p = 20 + 180 * rng.next();
    for (let t = 0; t < T; t++) {
      p *= Math.exp(0.0002 + vol * rng.normal());
      close[t * N + i] = t < start || rng.next() < 0.0005 ? NaN : p;
    }
  }
  return { nRows: T, nAssets: N, close };
}

/** fast 2 … 50 × slow 6, 11, …, 126, fast < slow: 1,000 pairs. */
export function benchPairs(): Array<{ fast: number; slow: number; long_only: false }> {
  const out: Array<{ fast: number; slow: number; long_only: false }> = [];
  for (let slow = 6; slow <= 126; slow += 5)
    for (let fast = 2; fast <= 50; fast++) if (fast < slow) out.push({ fast, slow, long_only: false });
  return out;
}

const r = (x: number, d = 3) => Number(x.toPrecision(d + 3));

export async function benchStrategies(
  size: Size = { assets: 500, days: 5000, runs: 3 },
): Promise<Record<string, number | string>> {
  const { assets: N, days: T, runs } = size;
  const panel = makePanel(size);
  const pairs = benchPairs();
  const K = pairs.length;
  if (K !== 1000) throw new Error(`strategies bench: ${K} pairs, expected 1,000`);
  const options = { lag: 1, commissionBps: 1, slippageBps: 2 };
  const work = K * T * N;

  evaluateStrategies("ma_cross", panel, pairs.slice(0, 20), options);
  const times: number[] = [];
  let res = [] as ReturnType<typeof evaluateStrategies<"ma_cross">>;
  const oursOnce = () => {
    const t0 = performance.now();
    res = evaluateStrategies("ma_cross", panel, pairs, options);
    times.push((performance.now() - t0) / 1000);
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out: Record<string, number | string> = {
    strategies_workload: `ma_cross, ${K} (fast, slow) pairs × ${N} symbols × ${T} days, long-short, lag 1, 3 bp`,
  };
  const finishOurs = () => {
    const seconds = median(times);
    const trades = res.reduce((a, e) => a + e.metrics.trades, 0);
    out.strategies_s = r(seconds);
    out.strategies_runs_s = times.map((x) => r(x)).join(" ");
    out.strategies_set_bars_per_s = Math.round(work / seconds);
    out.strategies_trades_per_set_bar = r(trades / work);
    return seconds;
  };

  const numpy = spawnSync(PYTHON, ["-c", "import numpy"], { encoding: "utf8" });
  if (numpy.status !== 0) {
    for (let k = 0; k < runs; k++) oursOnce();
    finishOurs();
    out.numpy_strategies_set_bars_per_s = "null";
    out.numpy_strategies_reason = "python3 -c 'import numpy' failed (apt-get install -y python3-numpy)";
    return out;
  }
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-strategies-"));
  try {
    const raw = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, "close.f64"), raw(panel.close));
    writeFileSync(join(dir, "pairs.i32"), raw(Int32Array.from(pairs.flatMap((p) => [p.fast, p.slow]))));
    const kappa = linearCostRate(options.commissionBps, options.slippageBps);
    const args = [join(import.meta.dirname, "strategies_numpy.py"), dir, T, N, K, kappa, options.lag, 0].map(String);
    type NumpyRun = { numpy_version: string; seconds: number; total_return: number[]; trades: number[] };
    const theirs: number[] = [];
    let np: NumpyRun | null = null;
    for (let k = 0; k < runs; k++) {
      oursOnce();
      const py = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 1 << 26 });
      if (py.status !== 0) {
        finishOurs();
        out.numpy_strategies_set_bars_per_s = "null";
        out.numpy_strategies_reason = (py.error?.message ?? py.stderr.trim().split("\n").pop() ?? "failed").slice(
          0,
          200,
        );
        return out;
      }
      np = JSON.parse(py.stdout.trim().split("\n").pop()!) as NumpyRun;
      theirs.push(np.seconds);
    }
    const oursSeconds = finishOurs();
    if (!np) throw new Error("strategies bench: no run");
    // Sample sets across the grid: the first, the last, and every 97th.
    let worst = 0;
    for (let k = 0; k < K; k += 97) {
      for (const s of [k, K - 1]) {
        const ours = res[s].metrics.totalReturn,
          theirs = np.total_return[s];
        const rel = Math.abs(ours - theirs) / Math.max(1e-300, Math.abs(theirs));
        worst = Math.max(worst, rel);
        if (!(rel <= 1e-9) || res[s].metrics.trades !== np.trades[s])
          throw new Error(
            `strategies bench: set ${s} (${JSON.stringify(pairs[s])}) differs from NumPy: total return ` +
              `${ours} vs ${theirs} (relative ${rel}), trades ${res[s].metrics.trades} vs ${np.trades[s]}`,
          );
      }
    }
    const npSeconds = median(theirs);
    out.numpy_version = np.numpy_version;
    out.numpy_strategies_s = r(npSeconds);
    out.numpy_strategies_runs_s = theirs.map((x) => r(x)).join(" ");
    out.numpy_strategies_set_bars_per_s = Math.round(work / npSeconds);
    out.strategies_numpy_max_rel_diff = Number(worst.toExponential(2));
    out.strategies_speedup_vs_numpy = r(npSeconds / oursSeconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchStrategies());
}
