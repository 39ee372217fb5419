import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

process.env.TZ = "UTC";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // where most test files wait on CLI child processes and DuckDB I/O. Two workers there took
    // the suite from 1,190 s to 909 s (same commit, same machine), every test passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    env: { TZ: "UTC" },
  },
});
