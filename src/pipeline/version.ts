/** Engine identity recorded in the lock and mixed into fingerprints: bump to invalidate every cell. */
export const ENGINE_VERSION = "0.1.0";
export const ENGINE = `strata@${ENGINE_VERSION}`;

/**
 * The engine's contract with stages, as a number: what the engine itself puts into a cell's
 * outputs for the same stage calls — how `ctx.writeTable` / `writeJson` / `writeFile` encode
 * bytes, how seeds and `ctx.rng` streams are derived, what `ctx` hands a stage. Engine source
 * files (src/pipeline/) are not part of a stage's code fingerprint (project.ts, `ENGINE_SCOPE`):
 * a refactor, a new command or a fix of the planner leaves every cell fresh. Bump this when a
 * change of the engine changes what a stage's outputs would be; tests/pipeline/contract.test.ts
 * fails (naming this constant) when the bytes of its probe stage change without a bump.
 * 2: every table carries its column descriptions (key-value metadata `strata.columns`).
 */
export const ENGINE_CONTRACT = 2;
