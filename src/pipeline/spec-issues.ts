/**
 * zod issues → pipeline.yaml problems: "expected X, found Y" with a hint, written for the
 * place in the document where the issue is rather than in zod's generic words.
 */
import type { z } from "zod";
import { formatPath, lowerFirst, type Path, type Reporter } from "./spec-yaml.ts";

/** A minimal pipeline.yaml, each line indented to sit under a hint's first line. */
export const STARTER_EXAMPLE = "\n      version: 1\n      stages:\n        data:\n          uses: stages/data.ts";
export const STARTER_HINT = `a pipeline.yaml starts like${STARTER_EXAMPLE}`;

/** Report each issue at `base` + its path; `rawBase` is the value that was validated at `base`. */
export function reportZodIssues(issues: readonly z.core.$ZodIssue[], base: Path, rawBase: unknown, r: Reporter): void {
  for (const issue of issues) {
    const rel = issue.path as Array<string | number>;
    const path = [...base, ...rel];
    const value = valueAt(rawBase, rel);
    switch (issue.code) {
      case "invalid_union": {
        const branch = acceptedBranch(issue.errors);
        if (branch) reportZodIssues(branch, path, value, r);
        else reportExpected(path, value, r);
        break;
      }
      case "invalid_type":
      case "invalid_value":
        if (value === undefined) reportMissing(path, r);
        else reportExpected(path, value, r);
        break;
      case "too_small":
        reportEmpty(path, r);
        break;
      default:
        r.add(path, `${formatPath(path)}: ${lowerFirst(issue.message)}`);
    }
  }
}

/** `stages.train.needs: expected a list of stage names, found the string 'data'` */
export function reportExpected(path: Path, value: unknown, r: Reporter): void {
  const { what, hint } = expectation(path, value);
  const where = path.length === 0 ? "the file" : formatPath(path);
  r.add(path, `${where}: expected ${what}, found ${describeValue(value)}`, hint);
}

/**
 * Of a union's branches, the one that accepted the value's type (its issues are all deeper or
 * are not type errors), so `model: [ridge, {a: 1}]` reports the bad item, not "invalid input".
 */
function acceptedBranch(branches: readonly z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const accepted = branches.filter((issues) =>
    issues.every((i) => i.path.length > 0 || (i.code !== "invalid_type" && i.code !== "invalid_union")),
  );
  return accepted.length === 1 ? accepted[0] : undefined;
}

function reportMissing(path: Path, r: Reporter): void {
  if (r.explained.has(formatPath(path))) return;
  const [top, stage, field, axis] = path;
  const key = String(path[path.length - 1]);
  if (path.length === 1) {
    const hint = top === "version" ? "add `version: 1` as the first line" : STARTER_HINT;
    r.add(path, `missing required top-level key '${key}'`, hint, "key");
  } else if (field === "uses") {
    r.add(path, `stage '${stage}' has no 'uses'`, `add the module that runs it, e.g. uses: stages/${stage}.ts`, "key");
  } else if (field === "matrix" && key === "from") {
    r.add(
      path,
      `matrix axis '${axis}' of stage '${stage}' has no 'from'`,
      `write ${axis}: { from: STAGE } or list the values: ${axis}: [a, b]`,
      "key",
    );
  } else {
    r.add(path, `missing required key '${key}' in ${formatPath(path.slice(0, -1))}`, undefined, "key");
  }
}

function reportEmpty(path: Path, r: Reporter): void {
  const [, stage, field, axis] = path;
  if (field === "matrix" && path.length === 4) {
    r.add(
      path,
      `matrix axis '${axis}' of stage '${stage}' has no values`,
      "list at least one value, or remove the axis",
    );
  } else {
    r.add(path, `${formatPath(path)} must not be empty`);
  }
}

/** What a position in the document should hold, for "expected X, found Y" messages. */
function expectation(path: Path, value: unknown): { what: string; hint?: string } {
  const [top, stage, field, axis, sub] = path;
  const s = String(stage);
  if (path.length === 0) return { what: "a map with 'version' and 'stages'", hint: STARTER_HINT };
  if (top === "version") return { what: "1 (the only version so far)", hint: "write version: 1" };
  if (top === "seed") return { what: "an integer", hint: "e.g. seed: 42 (every cell derives its own seed from it)" };
  if (path.length === 1) return { what: "a map from stage name to stage", hint: STARTER_HINT };
  if (path.length === 2) return { what: "a map with at least 'uses'", hint: `e.g. ${s}: { uses: stages/${s}.ts }` };
  const wrapHint = (key: string, example: string) =>
    typeof value === "string" ? `write ${key}: [${value}]` : `e.g. ${key}: ${example}`;
  switch (field) {
    case "uses":
      return { what: "a module path relative to the project root", hint: `e.g. uses: stages/${s}.ts` };
    case "needs":
      return path.length === 3
        ? { what: "a list of stage names", hint: wrapHint("needs", "[data, features]") }
        : { what: "a stage name" };
    case "files":
      return path.length === 3
        ? {
            what: "a list of file paths relative to the project root",
            hint: wrapHint("files", "[data/raw/prices.csv]"),
          }
        : { what: "a file path relative to the project root" };
    case "params":
      return { what: "a map of parameters", hint: "e.g. params: { window: 20 }" };
    case "description":
      return { what: "a string", hint: "quote the text" };
    case "matrix":
      if (path.length === 3)
        return { what: "a map from axis name to its values", hint: "e.g. matrix: { model: [ridge, gbdt] }" };
      if (path.length === 4)
        return {
          what: "a list of values or { from: STAGE }",
          hint: `e.g. ${String(axis)}: [a, b]  or  ${String(axis)}: { from: train }`,
        };
      if (sub === "from") return { what: "the name of a stage this one needs" };
      return { what: "a string, finite number or boolean", hint: "matrix values become folder names and cell ids" };
    default:
      return { what: "a different value" };
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "an empty value";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return `the string '${v.length > 40 ? `${v.slice(0, 37)}...` : v}'`;
  if (typeof v === "number") return `the number ${v}`;
  if (typeof v === "boolean") return `the boolean ${v}`;
  return String(v);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}
