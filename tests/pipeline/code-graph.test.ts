import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { statSync } from "node:fs";
import { mkdtemp, mkdir, rm, writeFile, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeGraph, normalizeCode } from "../../src/pipeline/code-graph.ts";
import { StatCache } from "../../src/pipeline/stat-cache.ts";
import { packageNameOf, packageVersions } from "../../src/pipeline/packages.ts";

let root: string;

async function put(rel: string, text: string): Promise<string> {
  const p = join(root, rel);
  await mkdir(join(p, ".."), { recursive: true });
  await writeFile(p, text);
  // Age the file so stat-cache entries are trusted (not "racy") in the reuse tests.
  const t = new Date(Date.now() - 60_000);
  await utimes(p, t, t);
  return p;
}

const STAGE = `// Stage: momentum features
import { z } from "zod";
import { helper } from "../src/lib/helper.ts";
export const params = z.object({ n: z.number() });
export function run(x: number): number {
  return helper(x) + 1; // plus one
}
`;
const HELPER = `/** Doubles. */
export function helper(a: number): number {
  return a * 2 + "  two  spaces ".length;
}
`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "strata-cg-"));
  await put("stages/features.ts", STAGE);
  await put("src/lib/helper.ts", HELPER);
  await put("node_modules/zod/package.json", JSON.stringify({ name: "zod", version: "4.1.0" }));
  await put("node_modules/@scope/lib/package.json", JSON.stringify({ name: "@scope/lib", version: "0.3.1" }));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const graphOf = (cache = StatCache.memory()) => codeGraph(join(root, "stages/features.ts"), root, cache);

describe("codeGraph", () => {
  it("codeGraph(entry) lists the entry and its local imports, sorted, and the packages", async () => {
    const g = await graphOf();
    expect(Object.keys(g.files)).toEqual(["src/lib/helper.ts", "stages/features.ts"]);
    expect(g.packages).toEqual(["zod"]);
    for (const h of Object.values(g.files)) expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a comment-only edit gives the same hashes", async () => {
    const before = await graphOf();
    await put(
      "stages/features.ts",
      STAGE.replace("// plus one", "/* add one, see notes */").replace("// Stage:", "// The stage:"),
    );
    await put(
      "src/lib/helper.ts",
      "// leading\n" + HELPER.replace("/** Doubles. */", "/** Twice the input. @see x */"),
    );
    expect(await graphOf()).toEqual(before);
  });

  it("a whitespace-only edit gives the same hashes", async () => {
    const before = await graphOf();
    await put(
      "src/lib/helper.ts",
      HELPER.replace("return a * 2", "return   a*2").replace(/\n/g, "\n\n").replace(/^ {2}/gm, "\t"),
    );
    expect((await graphOf()).files).toEqual(before.files);
  });

  it("a changed constant, identifier or string content gives a different hash", async () => {
    const before = await graphOf();
    await put("src/lib/helper.ts", HELPER.replace("a * 2", "a * 3"));
    const afterConst = await graphOf();
    expect(afterConst.files["src/lib/helper.ts"]).not.toBe(before.files["src/lib/helper.ts"]);
    expect(afterConst.files["stages/features.ts"]).toBe(before.files["stages/features.ts"]);
    await put("src/lib/helper.ts", HELPER.replace("  two  spaces ", " two spaces "));
    expect((await graphOf()).files["src/lib/helper.ts"]).not.toBe(before.files["src/lib/helper.ts"]);
  });

  it("a type-only edit does not change the hash (types are erased; documented)", async () => {
    const before = await graphOf();
    await put("src/lib/helper.ts", HELPER.replace("(a: number): number", "(a: number | bigint): number"));
    expect(await graphOf()).toEqual(before);
  });

  it("a new import adds a file to the graph; a package import is listed with its version", async () => {
    await put(
      "src/lib/extra.ts",
      `import { thing } from "@scope/lib/sub/path";\nimport { readFileSync } from "node:fs";\nimport path from ` +
        `"path";\nexport const extra = [thing, readFileSync, path];\n`,
    );
    await put("stages/features.ts", `import { extra } from "../src/lib/extra.ts";\nconsole.log(extra);\n` + STAGE);
    const g = await graphOf();
    expect(Object.keys(g.files)).toEqual(["src/lib/extra.ts", "src/lib/helper.ts", "stages/features.ts"]);
    expect(g.packages).toEqual(["@scope/lib", "zod"]);
    expect(packageVersions(g.packages, root)).toEqual({ "@scope/lib": "0.3.1", zod: "4.1.0" });
  });

  it("an unused value import counts when the project's tsconfig keeps it (verbatimModuleSyntax)", async () => {
    await put("src/lib/side.ts", "globalThis.x = 1;\nexport const unused = 1;\n");
    await put("stages/features.ts", `import { unused } from "../src/lib/side.ts";\n` + STAGE);
    await put("tsconfig.json", JSON.stringify({ compilerOptions: { verbatimModuleSyntax: true } }));
    expect(Object.keys((await graphOf()).files)).toContain("src/lib/side.ts");
  });

  it("type-only imports are not part of the graph", async () => {
    await put("src/lib/types.ts", "export interface Row { a: number }\n");
    await put("stages/features.ts", `import type { Row } from "../src/lib/types.ts";\n` + STAGE);
    expect(Object.keys((await graphOf()).files)).toEqual(["src/lib/helper.ts", "stages/features.ts"]);
  });

  it("reuses the cached graph without calling esbuild while no file changed", async () => {
    const cache = await StatCache.load(root);
    const first = await graphOf(cache);
    await cache.save();
    const warm = await StatCache.load(root);
    expect(await graphOf(warm)).toEqual(first);
    expect(warm.dirty).toBe(false); // no file re-hashed, no graph recomputed
    // Same size, mtime put back, unparsable: the stat cache sees the edit (ctime) and the
    // graph is rebuilt, so esbuild reports it.
    const entry = join(root, "stages/features.ts");
    const { mtime } = statSync(entry);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(entry, "}".repeat(STAGE.length));
    await utimes(entry, mtime, mtime);
    await expect(graphOf(await StatCache.load(root))).rejects.toMatchObject({ code: "STAGE" });
    await put("stages/features.ts", STAGE);
    // Touching a file (same bytes) re-hashes it but still needs no esbuild call.
    const t = Date.now() / 1000 - 30;
    await utimes(join(root, "src/lib/helper.ts"), t, t);
    expect(await graphOf(warm)).toEqual(first);
    // A real edit is noticed.
    await put("stages/features.ts", STAGE.replace("+ 1", "+ 2"));
    expect((await graphOf(warm)).files["stages/features.ts"]).not.toBe(first.files["stages/features.ts"]);
  });

  it("an unresolvable import is a STAGE error naming file and line", async () => {
    await put("stages/features.ts", `import { x } from "../src/nope.ts";\nexport default x;\n`);
    await expect(graphOf()).rejects.toMatchObject({
      code: "STAGE",
      message: expect.stringMatching(/stages\/features\.ts:1:\d+: Could not resolve/),
    });
  });

  it("a missing stage module is a STAGE error", async () => {
    await expect(codeGraph(join(root, "stages/nope.ts"), root, StatCache.memory())).rejects.toMatchObject({
      code: "STAGE",
    });
  });
});

describe("normalizeCode", () => {
  it("keeps identifiers and strings, drops comments and formatting", async () => {
    const a = await normalizeCode(`const  x = "a  b"; // c\n/* d */ export { x };`, "m.ts");
    expect(a).toContain(`"a  b"`);
    expect(a).toContain("x");
    expect(a).not.toContain("//");
    expect(await normalizeCode(`{ "a": 1,\n  "b": [1, 2] }`, "d.json")).toBe(`{"a":1,"b":[1,2]}`);
  });
});

describe("packages", () => {
  it("packageNameOf(specifier) keeps scopes and drops built-ins and paths", () => {
    expect(packageNameOf("zod")).toBe("zod");
    expect(packageNameOf("zod/v4")).toBe("zod");
    expect(packageNameOf("@duckdb/node-api")).toBe("@duckdb/node-api");
    expect(packageNameOf("@duckdb/node-api/x")).toBe("@duckdb/node-api");
    expect(packageNameOf("node:fs")).toBeNull();
    expect(packageNameOf("fs")).toBeNull();
    expect(packageNameOf("fs/promises")).toBeNull();
    expect(packageNameOf("./x.ts")).toBeNull();
    expect(packageNameOf("#internal")).toBeNull();
  });

  it("packageVersions(names, root) walks up like Node and reports missing packages", async () => {
    const nested = join(root, "a", "b");
    await mkdir(nested, { recursive: true });
    expect(packageVersions(["zod", "not-installed", "@scope/lib"], nested)).toEqual({
      "@scope/lib": "0.3.1",
      "not-installed": "missing",
      zod: "4.1.0",
    });
  });
});
