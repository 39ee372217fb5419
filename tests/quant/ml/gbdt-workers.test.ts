/**
 * The worker pool runs wherever Strata code runs: in vitest (this file), under the tsx loader
 * (`node --import tsx/esm`, the `tsx` CLI, and `register()` from "tsx/esm/api" in-process, as
 * the pipeline CLI loads stages), and in plain node on an esbuild bundle (minified, so local
 * names are mangled). Each child fits on 2 threads, must exit by itself (an idle pool never
 * holds the process), and must produce the very same model as this process.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { closeGbdtPools, fitGbdt, gbdtPoolInfo } from "../../../src/quant/ml/gbdt/index.ts";
import { createRng } from "../../../src/core/rng.ts";
import { featureMatrix } from "../../../src/quant/ml/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(join(ROOT, "package.json"));
const dir = mkdtempSync(join(tmpdir(), "strata-gbdt-workers-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeGbdtPools();
});

// Absolute paths (not file: URLs) so that node, tsx and esbuild all resolve them.
const gbdtUrl = join(ROOT, "src/quant/ml/gbdt/index.ts");
const rngUrl = join(ROOT, "src/core/rng.ts");
const typesUrl = join(ROOT, "src/quant/ml/types.ts");
const TSX = dirname(require.resolve("tsx/package.json"));

// Same data and fit in the children and here.
async function fitHere() {
  const rng = createRng(42);
  const cols = Array.from({ length: 6 }, () => Float32Array.from({ length: 3000 }, () => rng.normal()));
  const y = Float64Array.from(
    { length: 3000 },
    (_, i) => Math.sin(cols[0][i]) + cols[1][i] * cols[2][i] + 0.1 * rng.normal(),
  );
  return fitGbdt(
    featureMatrix(
      cols.map((_, j) => `x${j}`),
      cols,
    ),
    y,
    { nTrees: 10, maxDepth: 4, subsample: 0.9 },
    { rng: createRng(1), threads: 2 },
  );
}
const SCRIPT =
  `
import { createHash } from "node:crypto";
import { fitGbdt, gbdtPoolInfo } from ${JSON.stringify(gbdtUrl)};
import { createRng } from ${JSON.stringify(rngUrl)};
import { featureMatrix } from ${JSON.stringify(typesUrl)};
const rng = createRng(42);
const cols = Array.from({ length: 6 }, () => Float32Array.from({ length: 3000 }, () => rng.normal()));
const y = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(cols[0][i]) + cols[1][i] * cols[2][i] + 0.1 * ` +
  `rng.normal());
const m = await fitGbdt(featureMatrix(cols.map((_, j) => "x" + j), cols), y, { nTrees: 10, maxDepth: 4, subsample: ` +
  `0.9 }, { rng: createRng(1), threads: 2 });
console.log(JSON.stringify({ hash: createHash("sha256").update(JSON.stringify(m)).digest("hex"), workers: ` +
  `gbdtPoolInfo().idleWorkers }));
`;
const script = join(dir, "fit.ts");
writeFileSync(script, SCRIPT);
writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));

function run(cmd: string, args: string[]): { hash: string; workers: number } {
  const res = spawnSync(cmd, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  expect(res.error, `${cmd} ${args.join(" ")}: ${res.error?.message}`).toBeUndefined();
  expect(res.stderr).not.toMatch(/worker threads unavailable/);
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split("\n").pop()!);
}

describe("gbdt worker pool across runtimes", async () => {
  const here = await fitHere();
  const hash = createHash("sha256").update(JSON.stringify(here)).digest("hex");

  it("fitGbdt uses worker threads inside vitest", () => {
    expect(gbdtPoolInfo().idleWorkers).toBeGreaterThanOrEqual(1);
  });

  it("fitGbdt works under node --import tsx/esm and exits", () => {
    expect(run(process.execPath, ["--import", pathToFileURL(join(TSX, "dist/esm/index.mjs")).href, script])).toEqual({
      hash,
      workers: 1,
    });
  });

  it("fitGbdt works under the tsx CLI and exits", () => {
    expect(run(process.execPath, [join(TSX, "dist/cli.mjs"), script])).toEqual({ hash, workers: 1 });
  });

  it("fitGbdt works when loaded through register() from tsx/esm/api", () => {
    const entry = join(dir, "register.mjs");
    writeFileSync(
      entry,
      `import { register } ` +
        `from ${JSON.stringify(pathToFileURL(join(TSX, "dist/esm/api/index.mjs")).href)};\nregister();\nawait ` +
        `import(${JSON.stringify(pathToFileURL(script).href)});\n`,
    );
    expect(run(process.execPath, [entry])).toEqual({ hash, workers: 1 });
  });

  it("fitGbdt works in plain node on a minified esbuild bundle", async () => {
    const out = join(dir, "bundle.mjs");
    await build({
      entryPoints: [script],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      outfile: out,
      logLevel: "silent",
    });
    expect(run(process.execPath, [out])).toEqual({ hash, workers: 1 });
  });
});
