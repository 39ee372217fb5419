#!/usr/bin/env node
// Entry for the `pipeline` command.
//
// Start-up time matters (a no-op `pipeline status` should feel instant), so the CLI runs from
// an esbuild bundle of src/ cached under node_modules/.cache/strata/, keyed by the paths, sizes
// and mtimes of the sources: any edit of src/ rebuilds it (~0.2 s, once). The TypeScript
// loader (tsx) is registered only when a stage module has to be imported. If the bundle cannot
// be built or written, the CLI runs straight from the TypeScript sources through tsx.
//
// Under Deno (`deno run -A bin/pipeline.js`, `deno task pipeline`) the same bundle runs; stage
// modules are imported as TypeScript natively (src/core/ts-loader.ts registers nothing there).
// The fallback imports src/cli/main.ts directly: tsx's loader hooks must never be registered
// under Deno (they make it load the DuckDB addon, duckdb.node, as JavaScript).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const isDeno = typeof globalThis.Deno !== "undefined";
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(repo, "src");

function sourceKey() {
  const h = createHash("sha1");
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|json)$/.test(e.name)) {
        const s = statSync(p);
        h.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(src);
  h.update(isDeno ? `deno ${globalThis.Deno.version.deno}` : process.version);
  return h.digest("hex").slice(0, 16);
}

async function bundled() {
  if (process.env.STRATA_NO_BUNDLE) return null;
  const cacheDir = join(repo, "node_modules", ".cache", "strata");
  const dir = join(cacheDir, `cli-${sourceKey()}`);
  const entry = join(dir, "main.js");
  if (existsSync(entry)) {
    utimesSync(dir, new Date(), new Date()); // mark as in use (see the clean-up below)
  } else {
    const esbuild = await import("esbuild");
    const tmp = `${dir}.tmp-${process.pid}`;
    mkdirSync(cacheDir, { recursive: true });
    await esbuild.build({
      entryPoints: { main: join(src, "cli/main.ts") },
      outdir: tmp,
      bundle: true,
      splitting: true, // keep lazily imported commands (and DuckDB) lazy
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
    // Drop bundles unused for a day: a long run started from an older bundle still loads its
    // lazy chunks from it, so a fresh rebuild must not pull them away.
    const dayAgo = Date.now() - 86_400_000;
    for (const old of readdirSync(cacheDir)) {
      const p = join(cacheDir, old);
      if (old.startsWith("cli-") && p !== dir && statSync(p).mtimeMs < dayAgo) rmSync(p, { recursive: true, force: true });
    }
  }
  return pathToFileURL(entry).href;
}

let url = null;
try {
  url = await bundled();
} catch {
  url = null;
}
if (url) {
  await import(url);
} else {
  if (!isDeno) {
    const { register } = await import("tsx/esm/api");
    register();
  }
  await import(pathToFileURL(join(src, "cli/main.ts")).href);
}
