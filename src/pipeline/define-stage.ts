import type { z } from "zod";
import type { AxisValue, StageCheckContext, StageContext, StageDefinition, StageIssue } from "./types.ts";
import type { TrialSpec } from "./trials.ts";

/**
 * Declare a stage. The default export of a stage module must be the result of this call.
 *
 *   export default defineStage({ params: z.object({...}), outputs: ["features"], async run(ctx) {...} });
 */
export function defineStage<S extends z.ZodType>(def: {
  params: S;
  outputs: string[];
  description?: string;
  run(ctx: StageContext<z.output<S>>): Promise<void> | void;
  cellParams?(params: z.output<S>, cell: Record<string, AxisValue>): unknown;
  trial?: TrialSpec;
  readsTrials?: boolean;
  tasks?: Record<string, (ctx: StageContext<z.output<S>>, input: unknown) => Promise<unknown> | unknown>;
  incremental?: { by: string };
  inherit?: Record<string, string>;
  checks?(params: z.output<S>, ctx: StageCheckContext): StageIssue[];
}): StageDefinition<S> {
  return { kind: "strata-stage", ...def };
}

export function isStageDefinition(x: unknown): x is StageDefinition {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "strata-stage";
}
