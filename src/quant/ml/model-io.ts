/**
 * Models as data: save to stable JSON, load with validation, predict by kind.
 *
 * `saveModel` writes sorted keys, 2-space indent and a trailing newline (src/core/json.ts), so
 * equal models give byte-identical files. Numbers are written by JSON.stringify, whose output
 * is the shortest decimal that parses back to the same double (ECMA-262 Number::toString), so
 * a save → load round trip is bit-exact and predictions are identical. Typed arrays are written
 * as plain arrays (float32 values are exact doubles, so they round-trip too). Non-finite
 * numbers have no JSON form: saving one throws, naming its path.
 */
import { StrataError } from "../../core/errors.ts";
import { stableJson } from "../../core/json.ts";
import { ensembleFromJson, predictEnsemble, type EnsembleModel } from "./ensemble.ts";
import { LEARNER_KINDS, learnerOf, type LearnerModel } from "./learners.ts";
import type { FeatureMatrix, ModelKind } from "./types.ts";

export type Model = LearnerModel | EnsembleModel;

const KINDS: ModelKind[] = [...LEARNER_KINDS, "ensemble"];

/** Plain-JSON copy: typed arrays → arrays; throws on a non-finite number (with its path). */
function toPlain(v: unknown, path: string): unknown {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) {
      throw new StrataError("ARGUMENT", `saveModel: ${path} is ${v}, which JSON cannot represent`, {
        hint: "the learner produced a non-finite value; check the training data for infinities",
      });
    }
    return v;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x, i) => toPlain(x, `${path}[${i}]`));
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${path}[${i}]`));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toPlain(x, `${path}.${k}`);
    return out;
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** Stable JSON text of a model (sorted keys, trailing newline). */
export function saveModel(model: Model): string {
  checkEnvelope(model, "saveModel");
  return stableJson(toPlain(model, "model"));
}

function checkEnvelope(value: unknown, where: string): ModelKind {
  const v = value as { format?: unknown; version?: unknown; kind?: unknown } | null;
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw new StrataError(
      "ARGUMENT",
      `${where}: expected a model object, got ${Array.isArray(v) ? "an array" : JSON.stringify(v)}`,
      {
        hint: "pass the JSON of a model written by saveModel",
      },
    );
  }
  if (v.format !== "strata-model") {
    throw new StrataError("ARGUMENT", `${where}: format is ${JSON.stringify(v.format)}, expected "strata-model"`, {
      hint: "this is not a Strata model file (model.json written by the train stage)",
    });
  }
  if (v.version !== 1) {
    throw new StrataError(
      "ARGUMENT",
      `${where}: model format version ${JSON.stringify(v.version)} is not supported; this Strata reads version 1`,
      {
        hint: "retrain the model with this version of Strata",
      },
    );
  }
  if (!KINDS.includes(v.kind as ModelKind)) {
    throw new StrataError(
      "ARGUMENT",
      `${where}: model kind ${JSON.stringify(v.kind)} is unknown; expected one of ${KINDS.join(", ")}`,
      {
        hint: "the model file is corrupt or from a newer Strata",
      },
    );
  }
  return v.kind as ModelKind;
}

/** Parse and validate model JSON (envelope, then the kind's own validator). */
export function loadModel(text: string): Model {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StrataError("ARGUMENT", `loadModel: not valid JSON (${(cause as Error).message})`, {
      cause,
      hint: "the model file is truncated or corrupt; rerun the train stage",
    });
  }
  return modelFromJson(value);
}

/** Validate an already-parsed JSON value as a model. */
export function modelFromJson(value: unknown): Model {
  const kind = checkEnvelope(value, "loadModel");
  return kind === "ensemble" ? ensembleFromJson(value) : learnerOf(kind, "loadModel").fromJson(value);
}

/** Predictions of any model kind, one per row of X. */
export function predict(model: Model, X: FeatureMatrix): Float64Array {
  if (model.kind === "ensemble") return predictEnsemble(model, X);
  return learnerOf((model as { kind: unknown }).kind, "predict").predict(model, X);
}
