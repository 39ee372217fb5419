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
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
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
  // The bundle holds some packages (INLINED): a changed install, or build options, rebuild it.
  for (const f of ["package.json", "package-lock.json", "bin/pipeline.js"]) {
    const s = statSync(join(repo, f), { throwIfNoEntry: false });
    if (s) h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  h.update(isDeno ? `deno ${globalThis.Deno.version.deno}` : process.version);
  return h.digest("hex").slice(0, 16);
}

/**
 * Packages bundled into the CLI rather than imported from node_modules at run time: pure
 * JavaScript spread over hundreds of small modules (Plot with d3, linkedom with its parser,
 * marked, commander), which load in about half the time as one file (Plot and linkedom: 0.31 s
 * → 0.15 s of every `pipeline report`). Every other package stays external: native addons
 * (DuckDB), packages loaded lazily or on demand (yaml, zod, esbuild, tsx, the AWS SDK), and
 * linkedom's optional `canvas`.
 */
const INLINED = ["@observablehq/plot", "linkedom", "marked", "commander"];

function externalPackages() {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !INLINED.includes(n));
  return [...names, "canvas"].flatMap((n) => [n, `${n}/*`]);
}

/**
 * linkedom gives every node a Map of listeners in a module-wide WeakMap when it is made; Plot
 * makes ~10⁶ nodes for a report and listens on none of them on the server, so the maps and
 * WeakMap entries (ephemerons, costly to the garbage collector) were 0.35 s of `pipeline
 * report`. Bundled, its EventTarget makes the map on the first addEventListener instead. The
 * rewrite applies only when the source is the one expected; any other linkedom is bundled as is.
 */
const lazyListeners = {
  name: "strata-lazy-listeners",
  setup(build) {
    build.onLoad({ filter: /linkedom[\\/]esm[\\/]interface[\\/]event-target\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const edits = [
        ["  constructor() {\n    wm.set(this, new Map);\n  }", "  constructor() {}"],
        [
          "  addEventListener(type, listener, options) {\n    const map = wm.get(this);",
          "  addEventListener(type, listener, options) {\n    if (!wm.has(this)) wm.set(this, new Map);\n    const map = wm.get(this);",
        ],
        [
          "  removeEventListener(type, listener) {\n    const map = wm.get(this);\n    if (map.has(type)) {",
          "  removeEventListener(type, listener) {\n    const map = wm.get(this);\n    if (map && map.has(type)) {",
        ],
      ];
      if (!edits.every(([from]) => text.split(from).length === 2)) return { contents: text, loader: "js" };
      return { contents: edits.reduce((t, [from, to]) => t.replace(from, to), text), loader: "js" };
    });
  },
};

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
      external: externalPackages(),
      plugins: [lazyListeners],
      // The inlined CommonJS packages (commander, linkedom's cssom) call require: give them one.
      banner: {
        js: 'import { createRequire as __strataRequire } from "node:module"; const require = __strataRequire(import.meta.url);',
      },
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
