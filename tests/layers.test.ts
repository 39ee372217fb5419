/**
 * Import boundaries of each layer (DESIGN.md "Layers"): dependencies point one way, down.
 * Scans the import specifiers of every file under src/ and fails naming file and import.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** folder → local folders it may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  quant: ["core"],
  store: ["core"],
  data: ["core", "store", "quant"],
  pipeline: ["core", "store"],
  report: ["core", "store", "quant"],
  paper: ["core", "store", "quant", "data"],
  monitor: ["core", "store", "quant"],
  audit: ["core", "store", "quant", "data", "pipeline"],
  cli: ["core", "store", "quant", "data", "pipeline", "report", "paper", "monitor", "audit"],
};
/** External packages a layer must not import (quant is pure numerics, no I/O). */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  // worker_threads is allowed: learners train in parallel threads (no I/O).
  quant: /^(node:)?(fs|fs\/promises|child_process|net|http|https)$|^@duckdb\/|^commander$|^yaml$|^esbuild$/,
  core: /^@duckdb\/|^commander$|^esbuild$/,
};

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|js|mjs)$/.test(f) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2]);
  return out;
}

describe("layer boundaries", () => {
  for (const layer of Object.keys(ALLOWED)) {
    it(`src/${layer} imports only ${ALLOWED[layer].join(", ") || "itself"}`, () => {
      const violations: string[] = [];
      for (const f of files(join(SRC, layer))) {
        for (const spec of imports(f)) {
          if (spec.startsWith(".")) {
            const target = relative(SRC, resolve(dirname(f), spec)).split("/")[0];
            if (target !== layer && !ALLOWED[layer].includes(target)) {
              violations.push(`${relative(SRC, f)} imports ${spec}`);
            }
          } else if (FORBIDDEN_PACKAGES[layer]?.test(spec)) {
            violations.push(`${relative(SRC, f)} imports package ${spec}`);
          }
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it("src/index.ts (the stages' API) imports only core and the engine's public modules", () => {
    const allowed = new Set(["core", "pipeline"]);
    const bad = imports(join(SRC, "index.ts")).filter(
      (spec) => spec.startsWith(".") && !allowed.has(relative(SRC, resolve(SRC, spec)).split("/")[0]),
    );
    expect(bad).toEqual([]);
  });

  it("stages/ reach the engine only through src/index.ts, and never the CLI, monitor or audit layers", () => {
    // Stage code may use the libraries (core, quant, store, data; paper and report for the
    // paper and report stages) and its own stages/lib; the engine's internals and the layers
    // above it are not a stage's business.
    const STAGE_ALLOWED = new Set(["core", "quant", "store", "data", "paper", "report", "index.ts"]);
    const STAGES = resolve(SRC, "../stages");
    const violations: string[] = [];
    for (const f of files(STAGES)) {
      for (const spec of imports(f)) {
        if (!spec.startsWith(".")) continue;
        const abs = resolve(dirname(f), spec);
        if (abs.startsWith(STAGES)) continue; // stages/lib
        const top = relative(SRC, abs).split("/")[0];
        if (!STAGE_ALLOWED.has(top)) violations.push(`${relative(STAGES, f)} imports ${spec}`);
      }
    }
    expect(files(STAGES).length).toBeGreaterThan(5);
    expect(violations).toEqual([]);
  });

  it("the scanner sees relative imports (so the checks above can fail)", () => {
    expect(imports(join(SRC, "pipeline/runner.ts")).some((s) => s.startsWith("./"))).toBe(true);
  });
});
