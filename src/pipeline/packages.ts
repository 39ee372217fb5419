/**
 * Versions of the external packages a stage's code imports, read from
 * node_modules/<name>/package.json the way Node resolves them: the project root first, then
 * each parent folder. A package that is not installed reports "missing".
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";

const cache = new Map<string, string>();
const builtins = new Set(builtinModules.filter((m) => !m.startsWith("_")));

/**
 * The package a bare import specifier belongs to: "zod/v4" → "zod", "@duckdb/node-api/x" →
 * "@duckdb/node-api". Returns null for relative/absolute paths, `node:`/other URL schemes,
 * Node built-ins ("fs", "fs/promises") and subpath imports ("#internal").
 */
export function packageNameOf(specifier: string): string | null {
  if (!specifier || specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("#")) return null;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier)) return null; // node:, data:, file:, https:
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? (parts.length >= 2 ? `${parts[0]}/${parts[1]}` : null) : parts[0];
  if (!name) return null;
  if (builtins.has(name) || builtins.has(specifier)) return null;
  return name;
}

function versionOf(name: string, root: string): string {
  let dir = resolve(root);
  for (;;) {
    const file = join(dir, "node_modules", name, "package.json");
    try {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
      return typeof pkg.version === "string" ? pkg.version : "unknown";
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return "unreadable";
    }
    const parent = dirname(dir);
    if (parent === dir) return "missing";
    dir = parent;
  }
}

/**
 * name → installed version for each package name (sorted keys). Cached per process (one CLI
 * command), keyed by project root and name.
 */
export function packageVersions(names: Iterable<string>, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) {
    const key = `${resolve(root)}\u0000${name}`;
    let v = cache.get(key);
    if (v === undefined) {
      v = versionOf(name, root);
      cache.set(key, v);
    }
    out[name] = v;
  }
  return out;
}
