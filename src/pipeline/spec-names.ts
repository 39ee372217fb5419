/**
 * The names pipeline.yaml is written with: its keys, the naming rules of stages and matrix
 * axes, stage module extensions, reserved stage names. Apart from the zod schemas
 * (spec-schema.ts), so that the modules that only need names (spec-paths.ts, and a `status`
 * that reads the spec from its index) do not load zod.
 */
export const TOP_LEVEL_KEYS = ["version", "seed", "remote", "executor", "stages"] as const;
export const STAGE_KEYS = ["uses", "needs", "params", "matrix", "files", "description"] as const;

export const DEFAULT_SEED = 42;
export const STAGE_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const AXIS_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const AXIS_VALUE_RE = /^[A-Za-z0-9_.+-]+$/;
export const STAGE_MODULE_EXTENSIONS = [".ts", ".js", ".mjs"] as const;
/** data/raw holds the pipeline's inputs, so no stage may write there. */
const RESERVED_STAGE_NAMES = ["raw"];

/** Whether `name` (compared ignoring case, like the folders it becomes) is reserved. */
export function isReservedStageName(name: string): boolean {
  return RESERVED_STAGE_NAMES.includes(name.toLowerCase());
}
