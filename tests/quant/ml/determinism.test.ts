/**
 * Tree learners and the ensemble give byte-identical models whatever the scheduling: 1, 2 or 3
 * threads, repeated fits reusing the worker pool, two fits interleaved in one process (as two
 * pipeline cells under `-j 2`), all while another process keeps a core busy so that the worker
 * threads finish their shares in varying order. The sums are exact fixed-point integers and
 * every reduction runs in a fixed order (docs/gbdt.md, "Determinism"), so the JSON must match
 * to the byte.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { purgedKFold } from "../../../src/quant/ml/cv.ts";
import { fitEnsemble } from "../../../src/quant/ml/ensemble.ts";
import { closeGbdtPools, fitGbdt, fitRandomForest } from "../../../src/quant/ml/gbdt/index.ts";
import { featureMatrix, type FeatureMatrix } from "../../../src/quant/ml/types.ts";

/** 12k rows × 9 features (a partial 32-bit code word), NaNs in one column, a nonlinear target. */
function data(n = 12_000, F = 9): { X: FeatureMatrix; y: Float64Array; dates: Int32Array } {
  const rng = createRng(2024);
  const cols = Array.from({ length: F }, () => Float32Array.from({ length: n }, () => rng.normal()));
  for (let i = 0; i < n; i += 11) cols[4][i] = NaN;
  const y = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(cols[0][i]) + cols[1][i] * cols[2][i] + 0.5 * rng.normal(),
  );
  const dates = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 40));
  return {
    X: featureMatrix(
      cols.map((_, j) => `x${j}`),
      cols,
    ),
    y,
    dates,
  };
}

const { X, y, dates } = data();
const json = (m: unknown) => JSON.stringify(m);

let burner: ChildProcess | undefined;
beforeAll(() => {
  burner = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
});
afterAll(async () => {
  burner?.kill();
  await closeGbdtPools();
});

/** JSON of `fit(threads)` for threads 1, 2, 3, twice each. */
async function fitsAcrossThreads(fit: (threads: number) => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  for (let rep = 0; rep < 2; rep++) for (const t of [1, 2, 3]) out.push(json(await fit(t)));
  return out;
}

describe("tree learners are byte-identical under any scheduling (CPU burner running)", () => {
  it("fitGbdt without sampling (root built by rows on every thread, gradients quantized in that pass)", async () => {
    const fits = await fitsAcrossThreads((threads) => fitGbdt(X, y, { nTrees: 12, maxDepth: 6 }, { threads }));
    for (const f of fits) expect(f).toBe(fits[0]);
  });

  it("fitGbdt with row and column sampling, and with sample weights", async () => {
    const p = { nTrees: 12, maxDepth: 4, subsample: 0.7, colsample: 0.8, minChildWeight: 20 };
    const w = Float64Array.from({ length: y.length }, (_, i) => 0.5 + (i % 4) / 4);
    const fits = await fitsAcrossThreads((threads) => fitGbdt(X, y, p, { threads, rng: createRng(5), weights: w }));
    for (const f of fits) expect(f).toBe(fits[0]);
  });

  it("fitGbdt leafwise", async () => {
    const p = { nTrees: 10, growth: "leafwise" as const, maxLeaves: 24, maxDepth: 0 };
    const fits = await fitsAcrossThreads((threads) => fitGbdt(X, y, p, { threads }));
    for (const f of fits) expect(f).toBe(fits[0]);
  });

  it("fitRandomForest with bootstrap and with subsampling", async () => {
    const boot = await fitsAcrossThreads((threads) =>
      fitRandomForest(X, y, { nTrees: 8, maxDepth: 7 }, { threads, rng: createRng(9) }),
    );
    for (const f of boot) expect(f).toBe(boot[0]);
    const sub = await fitsAcrossThreads((threads) =>
      fitRandomForest(
        X,
        y,
        { nTrees: 8, maxDepth: 6, bootstrap: false, sampleFraction: 0.25, minChildWeight: 50 },
        { threads, rng: createRng(9) },
      ),
    );
    for (const f of sub) expect(f).toBe(sub[0]);
  });

  it("two fits interleaved in one process (as two cells under -j 2) give the models fitted alone", async () => {
    const gp = { nTrees: 10, maxDepth: 5, subsample: 0.8 };
    const rp = { nTrees: 8, maxDepth: 6 };
    const aloneG = json(await fitGbdt(X, y, gp, { threads: 1, rng: createRng(3) }));
    const aloneR = json(await fitRandomForest(X, y, rp, { threads: 1, rng: createRng(4) }));
    for (let rep = 0; rep < 2; rep++) {
      const [g, r, g2] = await Promise.all([
        fitGbdt(X, y, gp, { threads: 2, rng: createRng(3) }),
        fitRandomForest(X, y, rp, { threads: 2, rng: createRng(4) }),
        fitGbdt(X, y, gp, { threads: 3, rng: createRng(3) }),
      ]);
      expect(json(g)).toBe(aloneG);
      expect(json(g2)).toBe(aloneG);
      expect(json(r)).toBe(aloneR);
    }
  });

  it("fitEnsemble (stacking on purged out-of-fold predictions)", async () => {
    const folds = purgedKFold(dates, { lag: 1, labelHorizon: 5, embargo: 5, k: 3 });
    const members = [
      { kind: "ridge" as const, params: { alpha: 10 } },
      { kind: "gbdt" as const, params: { nTrees: 8, maxDepth: 3, subsample: 0.7, colsample: 0.8 } },
      { kind: "random_forest" as const, params: { nTrees: 5, maxDepth: 5 } },
    ];
    const fits: string[] = [];
    for (const t of [1, 2, 3, 2])
      fits.push(json(await fitEnsemble(X, y, { members }, { threads: t, rng: createRng(13), folds })));
    for (const f of fits) expect(f).toBe(fits[0]);
  });
});
