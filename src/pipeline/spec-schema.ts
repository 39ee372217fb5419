/**
 * The shape of pipeline.yaml: its keys, naming rules and zod schemas, and the shape pass that
 * checks the top level and each stage.
 *
 * Each stage, and each of its fields and matrix axes, is validated on its own, so one broken
 * stage or field does not hide the problems of the others.
 */
import { z } from "zod";
import { closest, quoteList } from "../core/suggest.ts";
import { STARTER_HINT, reportExpected, reportZodIssues } from "./spec-issues.ts";
import { formatPath, type Path, type Reporter } from "./spec-yaml.ts";

import { DEFAULT_SEED, STAGE_KEYS, TOP_LEVEL_KEYS } from "./spec-names.ts";

const AXIS_FROM_KEYS = ["from"] as const;

const axisValueSchema = z.union([z.string(), z.number(), z.boolean()]);
const axisSchema = z.union([z.array(axisValueSchema).min(1), z.object({ from: z.string() })]);

// Unknown keys are found by `unknownKeys` (with did-you-mean), so these objects are not strict.
const topSchema = z.object({
  version: z.literal(1),
  seed: z.number().int().default(DEFAULT_SEED),
  // Where cache objects are shared (remote.ts); not part of any fingerprint.
  remote: z
    .string()
    .regex(
      /^(file|s3):\/\/[^@\s]+$/i,
      "must be file:///absolute/folder or s3://bucket/prefix (credentials come from the environment, never the URL)",
    )
    .optional(),
  // Where executing cells run (executor.ts): here, or on a Redis work queue; not part of any fingerprint.
  executor: z
    .string()
    .regex(
      /^(local|rediss?:\/\/[^\s]+)$/i,
      "must be local or redis://host:port/db (a password comes from STRATA_REDIS_PASSWORD, never the file)",
    )
    .refine((v) => !/^rediss?:\/\/[^/]*@/i.test(v), "must not hold credentials (set STRATA_REDIS_PASSWORD instead)")
    .optional(),
  stages: z.record(z.string(), z.unknown()),
});

/**
 * A stage's fields, validated one by one: a broken `matrix` should not stop `uses` and `needs`
 * from being checked too.
 */
const stageFields = {
  uses: z.string(),
  needs: z.array(z.string()).default([]),
  params: z.record(z.string(), z.unknown()).default({}),
  // Axes are validated one by one too (see parseStage).
  matrix: z.record(z.string(), z.unknown()).default({}),
  files: z.array(z.string()).default([]),
  description: z.string().optional(),
};

export type AxisData = z.output<typeof axisSchema>;
export type StageData = Omit<z.output<z.ZodObject<typeof stageFields>>, "matrix"> & {
  matrix: Record<string, AxisData>;
};
/** The fields of a stage that passed validation. */
export type StageFields = Partial<StageData>;

/**
 * Check the top level. `seed` is set only when the top level is valid; `stages` is the raw
 * stages map whenever there is one, so its stages are checked even if `version` is wrong.
 */
export function parseTopLevel(
  raw: unknown,
  r: Reporter,
): { seed?: number; remote?: string; executor?: string; stages?: Record<string, unknown> } {
  if (raw === null || raw === undefined) {
    r.add([], "the pipeline file is empty", STARTER_HINT);
    return {};
  }
  if (!isPlainObject(raw)) {
    reportExpected([], raw, r);
    return {};
  }
  unknownKeys(raw, [], TOP_LEVEL_KEYS, "at the top level", r);
  const top = topSchema.safeParse(raw);
  if (!top.success) reportZodIssues(top.error.issues, [], raw, r);
  const stages = isPlainObject(raw.stages) ? raw.stages : undefined;
  if (stages && Object.keys(stages).length === 0) {
    r.add(["stages"], "no stages declared", "add at least one stage, e.g.  data: { uses: stages/data.ts }");
  }
  return {
    ...(top.success ? { seed: top.data.seed, remote: top.data.remote, executor: top.data.executor } : {}),
    stages,
  };
}

/**
 * Validate a stage's fields (and matrix axes) one by one. Returns the fields that passed and
 * whether all did; undefined when the stage is not a map at all.
 */
export function parseStage(
  name: string,
  raw: unknown,
  r: Reporter,
): { fields: StageFields; complete: boolean } | undefined {
  const path = ["stages", name];
  if (!isPlainObject(raw)) {
    reportExpected(path, raw, r);
    return undefined;
  }
  checkStageKeys(name, raw, r);
  const fields = parseEach(
    Object.entries(stageFields).map(([key, schema]) => [key, schema as z.ZodType, raw[key]]),
    path,
    r,
  );
  let complete = fields.complete;
  if (fields.valid.matrix) {
    const matrix = fields.valid.matrix as Record<string, unknown>;
    const axes = parseEach(
      Object.entries(matrix).map(([axis, spec]) => [axis, axisSchema, spec]),
      [...path, "matrix"],
      r,
    );
    fields.valid.matrix = axes.valid;
    complete &&= axes.complete;
  }
  return { fields: fields.valid as StageFields, complete };
}

/**
 * Validate each `[key, schema, value]`, reporting failures at `base.key`. Returns the values
 * that passed (undefined ones left out) and whether all did.
 */
function parseEach(
  entries: ReadonlyArray<readonly [string, z.ZodType, unknown]>,
  base: Path,
  r: Reporter,
): { valid: Record<string, unknown>; complete: boolean } {
  const valid: Record<string, unknown> = {};
  let complete = true;
  for (const [key, schema, raw] of entries) {
    const res = schema.safeParse(raw);
    if (!res.success) {
      reportZodIssues(res.error.issues, [...base, key], raw, r);
      complete = false;
    } else if (res.data !== undefined) {
      valid[key] = res.data;
    }
  }
  return { valid, complete };
}

function checkStageKeys(name: string, raw: Record<string, unknown>, r: Reporter): void {
  unknownKeys(raw, ["stages", name], STAGE_KEYS, `in stage '${name}'`, r);
  if (!isPlainObject(raw.matrix)) return;
  for (const [axis, spec] of Object.entries(raw.matrix)) {
    if (isPlainObject(spec)) {
      unknownKeys(
        spec,
        ["stages", name, "matrix", axis],
        AXIS_FROM_KEYS,
        `in matrix axis '${axis}' of stage '${name}'`,
        r,
      );
    }
  }
}

/**
 * Report keys not in `allowed`. When an unknown key is a likely misspelling of a required key
 * (`use:` for `uses:`), the "missing key" problem for the latter is suppressed: one typo, one problem.
 */
function unknownKeys(
  obj: Record<string, unknown>,
  path: Path,
  allowed: readonly string[],
  where: string,
  r: Reporter,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const match = closest(key, allowed);
    if (match !== undefined && !(match in obj)) r.explained.add(formatPath([...path, match]));
    const list = `allowed: ${quoteList(allowed)}`;
    const extra = allowed === STAGE_KEYS && match === undefined ? "; stage parameters go under params:" : "";
    r.add(
      [...path, key],
      `unknown key '${key}' ${where}`,
      `${match === undefined ? "" : `did you mean '${match}'? `}${list}${extra}`,
      "key",
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
