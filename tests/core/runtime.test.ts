import { expect, test } from "vitest";
import { runtimeIdentity } from "../../src/core/index.ts";

test("runtimeIdentity names the runtime family and its full version", () => {
  const id = runtimeIdentity();
  expect(id).toMatch(/^(node|deno|bun) \d+\.\d+\.\d+/);
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  if (deno) expect(id).toBe(`deno ${deno.version.deno}`);
  else expect(id).toBe(`node ${process.versions.node}`);
});

test("the runtime is the one the test command asked for (npm run test:deno sets STRATA_EXPECT_RUNTIME=deno)", () => {
  const want = process.env.STRATA_EXPECT_RUNTIME;
  if (want) expect(runtimeIdentity().split(" ")[0]).toBe(want);
});
