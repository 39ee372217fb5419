/**
 * Warnings in one shape for `run --json`, `status --json` and the report: the plan-time
 * warnings of stages' `checks` (placed in pipeline.yaml) and the run-time `ctx.warn()`
 * sentences each cell's lock entry records (so a fresh or restored cell still shows them).
 */
import type { PlanWarning } from "../pipeline/plan.ts";

export interface WarningRecord {
  /** "plan": a stage's checks on its params; "run": the stage said it while computing the cell. */
  source: "plan" | "run";
  stage: string;
  /** The cell (run-time warnings). */
  cell?: string;
  /** The param (plan-time warnings that name one), dotted. */
  param?: string;
  /** "pipeline.yaml:40:7" (plan-time warnings). */
  where?: string;
  message: string;
  hint?: string;
}

/** Plan warnings first (in stage order), then every cell's warnings (in the given order). */
export function collectWarnings(
  plan: readonly PlanWarning[],
  cells: ReadonlyArray<{ id: string; stage: string; warnings?: readonly string[] }>,
): WarningRecord[] {
  const out: WarningRecord[] = plan.map((w) => ({
    source: "plan",
    stage: w.stage,
    ...(w.param ? { param: w.param } : {}),
    where: w.where,
    message: w.message,
    ...(w.hint ? { hint: w.hint } : {}),
  }));
  for (const c of cells)
    for (const m of c.warnings ?? []) out.push({ source: "run", stage: c.stage, cell: c.id, message: m });
  return out;
}
