/**
 * The previous run an incremental stage may extend. A stage that declares `incremental` gets,
 * when its cell reruns only because inputs changed (same code, params, files, packages, matrix,
 * seed and engine as its lock entry), that entry's outputs and the inputs it read, as read-only
 * objects of the cache. What "extend" means (append dates, say) is the stage's business: the
 * engine knows artifacts and hashes, never their contents. The contract for the stage: its
 * result must be the bytes a full run would write; `pipeline verify` always runs in full and
 * compares, so it proves it.
 *
 * Not offered (the cell runs in full, and the reason is logged) when anything but inputs
 * changed, when the cell has no lock entry, or when an object it needs is no longer cached
 * (`pipeline gc` removed it).
 */
import { StrataError } from "../core/errors.ts";
import { diffFingerprintParts } from "./fingerprint.ts";
import type { LockEntry } from "./lock.ts";
import type { StaticParts } from "./plan.ts";
import type { UpstreamArtifact } from "./context.ts";
import type { PreviousRun } from "./types.ts";

export interface PreviousRunInit {
  entry: LockEntry | undefined;
  parts: StaticParts;
  /** The current upstream artifacts (their input keys name the previous run's inputs). */
  upstream: readonly UpstreamArtifact[];
  /** Cache lookup: the object's path, or undefined when it is not cached. */
  objectPath: (hash: string) => string | undefined;
  cellId: string;
}

/** The previous run, or why it cannot be offered. */
export function previousRun(init: PreviousRunInit): { run: PreviousRun } | { reason: string } {
  const { entry, parts, cellId } = init;
  if (!entry) return { reason: "no previous run recorded" };
  const { changes } = diffFingerprintParts({ ...entryParts(entry), inputs: {} }, { ...parts, inputs: {} });
  if (changes.length) return { reason: `not only inputs changed (${changes[0]})` };
  const outputs: Record<string, string> = {};
  for (const [name, o] of Object.entries(entry.outputs)) {
    const path = init.objectPath(o.hash);
    if (!path) return { reason: `its output ${name} is no longer in the cache` };
    outputs[name] = path;
  }
  const inputs: Record<string, string> = {};
  for (const [key, hash] of Object.entries(entry.inputs)) {
    const path = init.objectPath(hash);
    if (path) inputs[key] = path;
  }
  const changed = Object.keys(entry.inputs)
    .filter((k) => entry.inputs[k] !== currentHash(init.upstream, k))
    .sort();
  return { run: makeRun(cellId, outputs, inputs, changed) };
}

function entryParts(e: LockEntry): StaticParts {
  return {
    code: e.code,
    packages: e.packages,
    params: e.params,
    files: e.files,
    matrix: e.matrix,
    seed: e.seed,
    engine: e.engine,
  };
}

/** The lock's input key of an upstream artifact: "stage/output" or "stage[cell]/output". */
export function inputKey(u: Pick<UpstreamArtifact, "cellId" | "output">): string {
  return `${u.cellId}/${u.output}`;
}

function currentHash(upstream: readonly UpstreamArtifact[], key: string): string | undefined {
  return upstream.find((u) => inputKey(u) === key)?.hash;
}

const sqlPath = (p: string) => `read_parquet('${p.replaceAll("'", "''")}')`;

function makeRun(
  cellId: string,
  outputs: Record<string, string>,
  inputs: Record<string, string>,
  changed: string[],
): PreviousRun {
  const inputPath = (stage: string, output: string): string => {
    const keys = Object.keys(inputs).filter(
      (k) => k.endsWith(`/${output}`) && (k === `${stage}/${output}` || k.startsWith(`${stage}[`)),
    );
    if (keys.length !== 1) {
      throw new StrataError(
        "STAGE",
        `${cellId}: the previous run has ${keys.length === 0 ? "no cached input" : "several inputs"} ` +
          `'${stage}/${output}'`,
        { hint: "check ctx.previous.inputs before reading it, and run in full when it is absent" },
      );
    }
    return inputs[keys[0]];
  };
  const outputPath = (name: string): string => {
    const path = outputs[name];
    if (!path) {
      throw new StrataError("STAGE", `${cellId}: the previous run has no output '${name}'`, {
        hint: `its outputs are: ${Object.keys(outputs).join(", ") || "none"}`,
      });
    }
    return path;
  };
  return {
    changed,
    outputs: { ...outputs },
    inputs: { ...inputs },
    output: (name) => sqlPath(outputPath(name)),
    outputPath,
    input: (stage, output) => sqlPath(inputPath(stage, output)),
    inputPath,
  };
}
