/**
 * Validation of parsed model JSON. Models are plain data: `JSON.parse(JSON.stringify(model))`
 * is already a model (JSON round-trips doubles exactly, so predictions are bit-identical);
 * these functions check the shape and version of untrusted input and report every issue with
 * its path, zod-style.
 */
import { StrataError } from "../../../core/errors.ts";
import type { ForestModel } from "../random-forest.ts";
import type { GbdtModel } from "./gbdt.ts";
import { FOREST_DEFAULTS, GBDT_DEFAULTS, resolveForestParams, resolveGbdtParams } from "./params.ts";
import type { Tree } from "./tree.ts";

type Issues = string[];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkEnvelope(v: unknown, kind: string, issues: Issues): v is Record<string, unknown> {
  if (!isObj(v)) {
    issues.push(`(root): expected an object, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
    return false;
  }
  if (v.format !== "strata-model") issues.push(`format: expected "strata-model", got ${JSON.stringify(v.format)}`);
  if (v.version !== 1)
    issues.push(`version: expected 1, got ${JSON.stringify(v.version)} (this build reads version 1)`);
  if (v.kind !== kind) issues.push(`kind: expected "${kind}", got ${JSON.stringify(v.kind)}`);
  return true;
}

function checkFeatures(v: Record<string, unknown>, issues: Issues): number {
  if (!Array.isArray(v.features) || v.features.some((f) => typeof f !== "string")) {
    issues.push("features: expected an array of strings");
    return -1;
  }
  return v.features.length;
}

const NUM_FIELDS = ["feature", "threshold", "left", "right", "value", "gain", "cover"] as const;

function checkTree(t: unknown, path: string, nFeatures: number, issues: Issues): void {
  if (!isObj(t)) {
    issues.push(`${path}: expected an object`);
    return;
  }
  const len = Array.isArray(t.feature) ? t.feature.length : -1;
  if (len < 1) {
    issues.push(`${path}.feature: expected a non-empty array`);
    return;
  }
  for (const k of NUM_FIELDS) {
    const a = t[k];
    if (!Array.isArray(a) || a.length !== len) {
      issues.push(`${path}.${k}: expected an array of ${len} numbers`);
      return;
    }
    for (let i = 0; i < len; i++) {
      if (typeof a[i] !== "number" || !Number.isFinite(a[i])) {
        issues.push(`${path}.${k}[${i}]: expected a finite number, got ${JSON.stringify(a[i])}`);
        return;
      }
    }
  }
  if (
    !Array.isArray(t.defaultLeft) ||
    t.defaultLeft.length !== len ||
    t.defaultLeft.some((b) => typeof b !== "boolean")
  ) {
    issues.push(`${path}.defaultLeft: expected an array of ${len} booleans`);
    return;
  }
  const tr = t as unknown as Tree;
  for (let i = 0; i < len; i++) {
    const f = tr.feature[i];
    if (f === -1) continue;
    if (!Number.isInteger(f) || f < 0 || (nFeatures >= 0 && f >= nFeatures)) {
      issues.push(`${path}.feature[${i}] = ${f}: expected −1 or a feature index < ${nFeatures}`);
      return;
    }
    // Children after their parent: guarantees every walk from the root ends at a leaf.
    for (const side of ["left", "right"] as const) {
      const c = tr[side][i];
      if (!Number.isInteger(c) || c <= i || c >= len) {
        issues.push(`${path}.${side}[${i}] = ${c}: expected a node index in ${i + 1}…${len - 1}`);
        return;
      }
    }
    if (Math.fround(tr.threshold[i]) !== tr.threshold[i])
      issues.push(`${path}.threshold[${i}] = ${tr.threshold[i]}: expected a float32 value`);
  }
}

function checkTrees(v: Record<string, unknown>, nFeatures: number, issues: Issues): void {
  if (!Array.isArray(v.trees)) {
    issues.push("trees: expected an array");
    return;
  }
  v.trees.forEach((t, i) => checkTree(t, `trees[${i}]`, nFeatures, issues));
}

function checkImportance(v: Record<string, unknown>, nFeatures: number, issues: Issues): void {
  if (
    !Array.isArray(v.importance) ||
    v.importance.some((x) => typeof x !== "number") ||
    (nFeatures >= 0 && v.importance.length !== nFeatures)
  ) {
    issues.push(`importance: expected an array of ${nFeatures} numbers`);
  }
}

function checkParams(
  v: Record<string, unknown>,
  resolve: (p: object) => unknown,
  defaults: object,
  issues: Issues,
): void {
  if (!isObj(v.params)) {
    issues.push("params: expected an object");
    return;
  }
  const missing = Object.keys(defaults).filter((k) => !(k in (v.params as object)));
  if (missing.length) issues.push(`params: missing ${missing.join(", ")}`);
  try {
    resolve(v.params);
  } catch (e) {
    issues.push(`params: ${(e as Error).message.split("\n  →")[0]}`);
  }
}

function fail(what: string, issues: Issues): never {
  throw new StrataError("ARGUMENT", `${what}: not a valid model:\n  - ${issues.join("\n  - ")}`, {
    hint: "pass the parsed JSON of a model saved by this version of Strata (re-train it if it came from elsewhere)",
    details: { issues },
  });
}

export function gbdtFromJson(value: unknown): GbdtModel {
  const issues: Issues = [];
  if (checkEnvelope(value, "gbdt", issues)) {
    const nf = checkFeatures(value, issues);
    if (typeof value.baseScore !== "number" || !Number.isFinite(value.baseScore))
      issues.push(`baseScore: expected a finite number, got ${JSON.stringify(value.baseScore)}`);
    checkParams(value, (p) => resolveGbdtParams(p as object), GBDT_DEFAULTS, issues);
    checkTrees(value, nf, issues);
    const nt = Array.isArray(value.trees) ? value.trees.length : 0;
    const bi = value.bestIteration;
    if (typeof bi !== "number" || !Number.isInteger(bi) || bi < 0 || bi >= nt) {
      issues.push(`bestIteration: expected an integer in 0…${nt - 1}, got ${JSON.stringify(bi)}`);
    }
    checkImportance(value, nf, issues);
  }
  if (issues.length) fail("gbdtFromJson", issues);
  return value as unknown as GbdtModel;
}

export function forestFromJson(value: unknown): ForestModel {
  const issues: Issues = [];
  if (checkEnvelope(value, "random_forest", issues)) {
    const nf = checkFeatures(value, issues);
    checkParams(value, (p) => resolveForestParams(p as object), FOREST_DEFAULTS, issues);
    checkTrees(value, nf, issues);
    checkImportance(value, nf, issues);
  }
  if (issues.length) fail("forestFromJson", issues);
  return value as unknown as ForestModel;
}
