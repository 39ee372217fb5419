/**
 * Code fingerprint of a stage: its module plus every local module it imports transitively
 * (esbuild's import graph), each hashed after normalization, plus the external packages it
 * imports.
 *
 * Normalization = esbuild `transform` with minifyWhitespace and legalComments "none": comments
 * and formatting vanish, identifiers and string contents stay. TypeScript types are erased by
 * the transform, and type-only imports are not part of esbuild's graph, so **type-only edits
 * (annotations, interfaces, `import type`) do not make a stage stale** — they cannot change
 * what the code computes. Enums, decorators and other TS constructs with runtime effect do count.
 * JSON modules are normalized by parse + stringify; other files are hashed raw.
 *
 * Not tracked: imports whose specifier is computed at run time (`import(name)`), and files
 * read with fs (declare those under `files:` in pipeline.yaml).
 *
 * Caching: the graph of each entry is kept in the stat cache. When every file of the previous
 * graph still has the same content (by stat, else by re-hash) and the project's tsconfig.json
 * and package.json are unchanged, the graph is reused without calling esbuild. A new file that
 * would change how an *extensionless* import resolves is not noticed until some file of the
 * graph changes; imports with explicit extensions (our convention) are immune.
 */
import type * as Esbuild from "esbuild";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { StrataError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { packageNameOf } from "./packages.ts";
import type { StatCache } from "./stat-cache.ts";

// esbuild loads only when a graph must be (re)built: a no-op status reuses the stored graph
// and checks the version from esbuild's package.json instead of loading the module.
let esbuildModule: Promise<typeof Esbuild> | undefined;
const loadEsbuild = (): Promise<typeof Esbuild> => (esbuildModule ??= import("esbuild"));
const ESBUILD_VERSION: string = (createRequire(import.meta.url)("esbuild/package.json") as { version: string }).version;

export interface CodeGraph {
  /** Project-relative path (forward slashes, sorted) → sha256 of the normalized code. */
  files: Record<string, string>;
  /** External package names imported anywhere in the graph, sorted (no Node built-ins). */
  packages: string[];
}

interface GraphRecord {
  esbuild: string;
  /** rel path → [raw sha256, normalized sha256] */
  files: Record<string, [string, string]>;
  packages: string[];
  /** Files that steer resolution (tsconfig.json, package.json) → raw hash or null if absent. */
  resolution: Record<string, string | null>;
}

const RESOLUTION_FILES = ["tsconfig.json", "package.json"];
const GRAPH_NS = "code-graph:";
const NORM_NS = "code-norm:";

const toPosix = (p: string): string => (sep === "/" ? p : p.split(sep).join("/"));

async function rawHashOrNull(abs: string, statCache: StatCache): Promise<string | null> {
  try {
    return await statCache.hashFile(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}

function loaderFor(path: string): Esbuild.Loader | "json" | null {
  switch (extname(path).toLowerCase()) {
    case ".ts":
    case ".mts":
    case ".cts":
      return "ts";
    case ".tsx":
      return "tsx";
    case ".js":
    case ".mjs":
    case ".cjs":
      return "js";
    case ".jsx":
      return "jsx";
    case ".json":
      return "json";
    default:
      return null;
  }
}

/** The code of a module with comments and whitespace removed (types erased for TS). */
export async function normalizeCode(source: string, path: string): Promise<string> {
  const loader = loaderFor(path);
  if (loader === null) return source;
  if (loader === "json") {
    try {
      return JSON.stringify(JSON.parse(source));
    } catch {
      return source;
    }
  }
  const out = await (await loadEsbuild()).transform(source, {
    loader,
    minifyWhitespace: true,
    legalComments: "none",
    // Keep value imports even when unused: a side-effect import is behaviour.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    logLevel: "silent",
  });
  return out.code;
}

async function normalizedHash(abs: string, raw: string, statCache: StatCache): Promise<string> {
  const key = `${ESBUILD_VERSION}:${extname(abs).toLowerCase()}:${raw}`;
  const hit = statCache.memoGet<string>(NORM_NS + key);
  if (hit) return hit;
  const source = await readFile(abs, "utf8");
  const h = sha256(await normalizeCode(source, abs));
  statCache.memoSet(NORM_NS + key, h);
  return h;
}

function buildError(entryAbs: string, root: string, e: unknown): StrataError {
  const failure = e as Partial<Esbuild.BuildFailure>;
  const rel = toPosix(relative(root, entryAbs));
  if (Array.isArray(failure.errors) && failure.errors.length > 0) {
    const lines = failure.errors.map((m) => {
      const loc = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : "";
      return `  ${loc}${m.text}`;
    });
    return new StrataError("STAGE", `cannot read the import graph of ${rel}:\n${lines.join("\n")}`, {
      hint: "fix the import or syntax error above (local imports need a path that exists, e.g. '../src/x.ts')",
      cause: e,
    });
  }
  return new StrataError("STAGE", `cannot read the import graph of ${rel}: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
  });
}

/** Marks relative imports that resolve inside one of the boundary folders as external (not followed, not hashed). */
function boundaryPlugin(rootAbs: string, boundary: readonly string[]): Esbuild.Plugin {
  return {
    name: "strata-boundary",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer) return undefined;
        const rel = toPosix(relative(rootAbs, resolve(args.resolveDir, args.path)));
        return boundary.some((b) => rel.startsWith(b)) ? { path: args.path, external: true } : undefined;
      });
    },
  };
}

async function reuse(rec: GraphRecord, root: string, statCache: StatCache): Promise<boolean> {
  if (rec.esbuild !== ESBUILD_VERSION) return false;
  for (const [rel, want] of Object.entries(rec.resolution)) {
    if ((await rawHashOrNull(join(root, rel), statCache)) !== want) return false;
  }
  for (const [rel, [raw]] of Object.entries(rec.files)) {
    if ((await rawHashOrNull(resolve(root, rel), statCache)) !== raw) return false;
  }
  return true;
}

/**
 * The code graph of a module: `entryAbs` and every local module it imports, with normalized
 * hashes, and the external packages imported. Throws StrataError("STAGE") when the module or
 * one of its imports cannot be parsed or resolved.
 */
export interface CodeGraphOptions {
  /**
   * Project-relative folders (forward slashes, ending in "/") whose modules are not part of the
   * graph: an import that resolves into one is left out, with what it imports. A stage's graph
   * stops at the engine (src/pipeline/), whose effect on outputs is versioned by
   * ENGINE_CONTRACT instead of its source.
   */
  boundary?: readonly string[];
}

export async function codeGraph(
  entryAbs: string,
  root: string,
  statCache: StatCache,
  opts: CodeGraphOptions = {},
): Promise<CodeGraph> {
  const rootAbs = resolve(root);
  const entry = resolve(rootAbs, entryAbs);
  const boundary = [...(opts.boundary ?? [])].sort();
  const key = `${rootAbs}\u0000${entry}${boundary.length ? `\u0000${boundary.join("\u0000")}` : ""}`;
  const prev = statCache.memoGet<GraphRecord>(GRAPH_NS + key);
  if (prev && (await reuse(prev, rootAbs, statCache))) {
    return {
      files: Object.fromEntries(Object.entries(prev.files).map(([p, [, n]]) => [p, n])),
      packages: [...prev.packages],
    };
  }

  if ((await rawHashOrNull(entry, statCache)) === null) {
    throw new StrataError("STAGE", `stage module ${toPosix(relative(rootAbs, entry))} does not exist`, {
      hint: "check the `uses:` path in pipeline.yaml (relative to the project root)",
    });
  }

  let meta: Esbuild.Metafile;
  try {
    const result = await (await loadEsbuild()).build({
      entryPoints: [entry],
      absWorkingDir: rootAbs,
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      packages: "external",
      outdir: join(rootAbs, ".pipeline", "tmp", "code-graph"),
      logLevel: "silent",
      plugins: boundary.length ? [boundaryPlugin(rootAbs, boundary)] : [],
      // Make unknown file types part of the graph instead of failing the build.
      loader: { ".txt": "text", ".sql": "text", ".csv": "text", ".md": "text" },
    });
    meta = result.metafile!;
  } catch (e) {
    throw buildError(entry, rootAbs, e);
  }

  const packages = new Set<string>();
  const localFiles: string[] = [];
  for (const [inputPath, input] of Object.entries(meta.inputs)) {
    // Inputs outside the file namespace look like "ns:path" (e.g. "(disabled):fs").
    if (/^[a-z-]+:/i.test(inputPath) || inputPath.startsWith("(")) continue;
    localFiles.push(inputPath);
    for (const imp of input.imports) {
      if (!imp.external) continue;
      const name = packageNameOf(imp.path);
      if (name) packages.add(name);
    }
  }

  const files: Record<string, [string, string]> = {};
  for (const inputPath of localFiles.sort()) {
    const abs = isAbsolute(inputPath) ? inputPath : resolve(rootAbs, inputPath);
    const rel = toPosix(relative(rootAbs, abs));
    const raw = await statCache.hashFile(abs);
    files[rel] = [raw, await normalizedHash(abs, raw, statCache)];
  }
  const sortedFiles = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const resolution: Record<string, string | null> = {};
  for (const f of RESOLUTION_FILES) resolution[f] = await rawHashOrNull(join(rootAbs, f), statCache);

  const rec: GraphRecord = { esbuild: ESBUILD_VERSION, files: sortedFiles, packages: [...packages].sort(), resolution };
  statCache.memoSet(GRAPH_NS + key, rec);
  return { files: Object.fromEntries(Object.entries(sortedFiles).map(([p, [, n]]) => [p, n])), packages: rec.packages };
}
