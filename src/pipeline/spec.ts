/**
 * pipeline.yaml: parse, validate, report every problem with file:line:col.
 *
 * Three passes, each collecting problems rather than stopping at the first:
 *   1. YAML syntax (the `yaml` package) and duplicate keys (walked here, to name both lines);
 *   2. shape (zod), each stage validated on its own so one broken stage does not hide the others;
 *   3. meaning: names, `uses` and `files` paths, `needs` references and cycles, matrix axes.
 * Every problem carries a path into the document ("stages.train.needs[1]"); positions are found
 * by walking the YAML node tree along that path.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { z } from "zod";
import { StrataError } from "../core/errors.ts";
import { findCycles, formatCycle } from "./dag.ts";
import { closest, quoteList, suggestionHint } from "./suggest.ts";
import type { AxisValue, MatrixAxis, PipelineSpec, SourcePos, SpecProblem, StageSpec } from "./types.ts";

// ---------------------------------------------------------------- schema

export const TOP_LEVEL_KEYS = ["version", "seed", "stages"] as const;
export const STAGE_KEYS = ["uses", "needs", "params", "matrix", "files", "description"] as const;
const AXIS_FROM_KEYS = ["from"] as const;

export const DEFAULT_SEED = 42;
export const STAGE_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const AXIS_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const AXIS_VALUE_RE = /^[A-Za-z0-9_.+-]+$/;
export const STAGE_MODULE_EXTENSIONS = [".ts", ".js", ".mjs"] as const;
/** data/raw holds the pipeline's inputs, so no stage may write there. */
const RESERVED_STAGE_NAMES = ["raw"];

const axisValueSchema = z.union([z.string(), z.number(), z.boolean()]);
const axisSchema = z.union([z.array(axisValueSchema).min(1), z.object({ from: z.string() })]);

// Unknown keys are found by `unknownKeys` (with did-you-mean), so these objects are not strict.
const topSchema = z.object({
  version: z.literal(1),
  seed: z.number().int().default(DEFAULT_SEED),
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
  // Axes are validated one by one too (see parseAxes).
  matrix: z.record(z.string(), z.unknown()).default({}),
  files: z.array(z.string()).default([]),
  description: z.string().optional(),
};

type AxisData = z.output<typeof axisSchema>;
type StageData = Omit<z.output<z.ZodObject<typeof stageFields>>, "matrix"> & { matrix: Record<string, AxisData> };
/** The fields of a stage that passed validation. */
type StageFields = Partial<StageData>;
type Path = ReadonlyArray<string | number>;

// ---------------------------------------------------------------- public API

/**
 * Parse and validate the text of a pipeline.yaml. `file` is where the text came from (used in
 * positions); `root` is the project root that `uses` and `files` are resolved against.
 * Returns the spec only when there are no problems; otherwise every problem found.
 */
export function parsePipelineText(text: string, file: string, root: string): { spec?: PipelineSpec; problems: SpecProblem[] } {
  const absFile = nodePath.resolve(file);
  const absRoot = nodePath.resolve(root);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const r = new Reporter(doc, lineCounter, absFile);

  for (const err of doc.errors) r.atOffset(err.pos[0], "", `YAML syntax error: ${lowerFirst(err.message)}`, yamlErrorHint(err.code, err.message));
  checkDuplicateKeys(doc.contents, [], r);
  if (doc.errors.length > 0) return { problems: r.sorted() };

  const spec = validate(doc.toJS() as unknown, absFile, absRoot, r);
  const problems = r.sorted();
  return problems.length === 0 && spec ? { spec, problems } : { problems };
}

/**
 * Read, parse and validate a pipeline.yaml; the project root is the folder holding it.
 * Throws StrataError("SPEC") listing every problem, with `details.problems`.
 */
export async function loadPipeline(file: string): Promise<PipelineSpec> {
  const absFile = nodePath.resolve(file);
  let text: string;
  try {
    text = await readFile(absFile, "utf8");
  } catch (e) {
    throw missingFileError(absFile, e);
  }
  const { spec, problems } = parsePipelineText(text, absFile, nodePath.dirname(absFile));
  if (spec) return spec;
  const n = problems.length;
  const summary = `${n} problem${n === 1 ? "" : "s"} in ${nodePath.basename(absFile)}`;
  throw new StrataError("SPEC", `${formatProblems(problems)}\n\n${summary}`, { details: { problems } });
}

/**
 * Compiler-style listing, sorted by position: `pipeline.yaml:12:5: message` and, when there is
 * one, `  → hint` on the next line. Files are shown relative to the current directory.
 */
export function formatProblems(problems: readonly SpecProblem[]): string {
  return sortProblems(problems)
    .map((p) => {
      const head = `${displayPath(p.pos.file)}:${p.pos.line}:${p.pos.col}: ${p.message}`;
      return p.hint ? `${head}\n  → ${p.hint}` : head;
    })
    .join("\n");
}

export function sortProblems(problems: readonly SpecProblem[]): SpecProblem[] {
  return [...problems].sort(
    (a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
}

/** `stages.train.needs[1]` */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

function displayPath(file: string): string {
  const rel = nodePath.relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

function missingFileError(absFile: string, e: unknown): StrataError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new StrataError("SPEC", `no pipeline file at ${displayPath(absFile)}`, {
      cause: e,
      hint: "create it in the project root, e.g.\n      version: 1\n      stages:\n        data:\n          uses: stages/data.ts",
    });
  }
  if (code === "EISDIR") {
    return new StrataError("SPEC", `${displayPath(absFile)} is a folder, expected the pipeline.yaml file`, {
      cause: e,
      hint: `pass the file itself, e.g. ${nodePath.join(displayPath(absFile), "pipeline.yaml")}`,
    });
  }
  return new StrataError("SPEC", `cannot read ${displayPath(absFile)}: ${(e as Error).message}`, { cause: e });
}

// ---------------------------------------------------------------- positions

/** Collects problems, turning document paths into line:col through the YAML node tree. */
class Reporter {
  readonly problems: SpecProblem[] = [];
  /** Paths of missing keys already explained by a misspelt key next to them. */
  readonly explained = new Set<string>();
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  /** A problem about the value at `path` (or, with at="key", about the key naming it). */
  add(path: Path, message: string, hint?: string, at: "value" | "key" = "value"): void {
    this.problems.push({ pos: this.posOf(path, at), path: formatPath(path), message, ...(hint ? { hint } : {}) });
  }

  atOffset(offset: number, path: string, message: string, hint?: string): void {
    this.problems.push({ pos: this.posAtOffset(offset), path, message, ...(hint ? { hint } : {}) });
  }

  posOf(path: Path, at: "value" | "key" = "value"): SourcePos {
    const { node, key, complete } = locate(this.doc, path);
    const hasValue = node?.range && !(isScalar(node) && node.value === null && !node.source);
    const useKey = key?.range && (at === "key" || !complete || !hasValue);
    if (useKey) return this.posAtOffset(key.range![0]);
    if (node?.range) return this.posAtOffset(node.range[0]);
    return { file: this.file, line: 1, col: 1 };
  }

  sorted(): SpecProblem[] {
    return sortProblems(this.problems);
  }

  posAtOffset(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }
}

/**
 * Walk the node tree along `path`. Returns the deepest node reached, the key node that named it
 * (if it sits in a map) and whether the whole path was found. For a missing key the key of the
 * nearest existing parent is returned, so "missing 'uses'" points at the stage's name.
 */
function locate(doc: Document, path: Path): { node?: YamlNode; key?: YamlNode; complete: boolean } {
  let node = doc.contents as YamlNode | null | undefined;
  let key: YamlNode | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc) as YamlNode | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) return { node, key, complete: false };
      key = pair.key as YamlNode;
      node = pair.value as YamlNode | null;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg] as YamlNode;
      key = undefined;
    } else {
      return { node: node ?? undefined, key, complete: false };
    }
  }
  return { node: node ?? undefined, key, complete: true };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Duplicate keys are walked here rather than left to the parser, so both lines can be named. */
function checkDuplicateKeys(node: unknown, path: Array<string | number>, r: Reporter): void {
  if (isMap(node)) {
    const seen = new Map<string, YamlNode>();
    for (const pair of node.items) {
      const k = keyText(pair.key);
      const keyNode = pair.key as YamlNode;
      const first = seen.get(k);
      if (first?.range && keyNode.range) {
        const where = path.length === 0 ? "at the top level" : `in ${formatPath(path)}`;
        r.atOffset(
          keyNode.range[0],
          formatPath([...path, k]),
          `duplicate key '${k}' ${where} (first defined at line ${r.posAtOffset(first.range[0]).line})`,
          "remove or rename one of them; YAML would silently keep only the last",
        );
      } else if (!first) {
        seen.set(k, keyNode);
      }
      checkDuplicateKeys(pair.value, [...path, k], r);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => checkDuplicateKeys(item, [...path, i], r));
  }
}

function yamlErrorHint(code: string, message: string): string {
  const unclosed = /end with an? ([\]}])/.exec(message)?.[1];
  if (unclosed) return `a '${unclosed === "]" ? "[" : "{"}' opened above is not closed: add the missing '${unclosed}' (or indent its continuation lines)`;
  switch (code) {
    case "TAB_AS_INDENT":
      return "indent with spaces; YAML does not allow tabs for indentation";
    case "MULTIPLE_DOCS":
      return "keep a single document: remove the '---' separator";
    case "BAD_INDENT":
      return "keys of one map must start at the same column; also check for a [, { or quote left open above";
    case "MISSING_CHAR":
      return "close the bracket or quote opened above this position";
    default:
      return "check the indentation and quoting near this position";
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}

// ---------------------------------------------------------------- shape (zod)

const STARTER_HINT = "a pipeline.yaml starts like\n      version: 1\n      stages:\n        data:\n          uses: stages/data.ts";

function validate(raw: unknown, file: string, root: string, r: Reporter): PipelineSpec | undefined {
  if (raw === null || raw === undefined) {
    r.add([], "the pipeline file is empty", STARTER_HINT);
    return undefined;
  }
  if (!isPlainObject(raw)) {
    reportExpected([], raw, r);
    return undefined;
  }
  unknownKeys(raw, [], TOP_LEVEL_KEYS, "at the top level", r);
  const top = topSchema.safeParse(raw);
  if (!top.success) reportZodIssues(top.error.issues, [], raw, r);
  const stagesRaw = isPlainObject(raw.stages) ? raw.stages : undefined;
  if (stagesRaw && Object.keys(stagesRaw).length === 0) {
    r.add(["stages"], "no stages declared", "add at least one stage, e.g.  data: { uses: stages/data.ts }");
  }
  const stages = stagesRaw ? validateStages(stagesRaw, root, r) : undefined;
  if (!top.success || !stages) return undefined;
  return { file, root, version: 1, seed: top.data.seed, stages };
}

function reportZodIssues(issues: readonly z.core.$ZodIssue[], base: Path, rawBase: unknown, r: Reporter): void {
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

function reportExpected(path: Path, value: unknown, r: Reporter): void {
  const { what, hint } = expectation(path, value);
  const where = path.length === 0 ? "the file" : formatPath(path);
  r.add(path, `${where}: expected ${what}, found ${describeValue(value)}`, hint);
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
    r.add(path, `matrix axis '${axis}' of stage '${stage}' has no 'from'`, `write ${axis}: { from: STAGE } or list the values: ${axis}: [a, b]`, "key");
  } else {
    r.add(path, `missing required key '${key}' in ${formatPath(path.slice(0, -1))}`, undefined, "key");
  }
}

function reportEmpty(path: Path, r: Reporter): void {
  const [, stage, field, axis] = path;
  if (field === "matrix" && path.length === 4) {
    r.add(path, `matrix axis '${axis}' of stage '${stage}' has no values`, "list at least one value, or remove the axis");
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
  const wrapHint = (key: string, example: string) => (typeof value === "string" ? `write ${key}: [${value}]` : `e.g. ${key}: ${example}`);
  switch (field) {
    case "uses":
      return { what: "a module path relative to the project root", hint: `e.g. uses: stages/${s}.ts` };
    case "needs":
      return path.length === 3 ? { what: "a list of stage names", hint: wrapHint("needs", "[data, features]") } : { what: "a stage name" };
    case "files":
      return path.length === 3
        ? { what: "a list of file paths relative to the project root", hint: wrapHint("files", "[data/raw/prices.csv]") }
        : { what: "a file path relative to the project root" };
    case "params":
      return { what: "a map of parameters", hint: "e.g. params: { window: 20 }" };
    case "description":
      return { what: "a string", hint: "quote the text" };
    case "matrix":
      if (path.length === 3) return { what: "a map from axis name to its values", hint: "e.g. matrix: { model: [ridge, gbdt] }" };
      if (path.length === 4) return { what: "a list of values or { from: STAGE }", hint: `e.g. ${String(axis)}: [a, b]  or  ${String(axis)}: { from: train }` };
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Report keys not in `allowed`. When an unknown key is a likely misspelling of a required key
 * (`use:` for `uses:`), the "missing key" problem for the latter is suppressed: one typo, one problem.
 */
function unknownKeys(obj: Record<string, unknown>, path: Path, allowed: readonly string[], where: string, r: Reporter): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const match = closest(key, allowed);
    if (match !== undefined && !(match in obj)) r.explained.add(formatPath([...path, match]));
    const list = `allowed: ${quoteList(allowed)}`;
    const extra = allowed === STAGE_KEYS && match === undefined ? "; stage parameters go under params:" : "";
    r.add([...path, key], `unknown key '${key}' ${where}`, `${match === undefined ? "" : `did you mean '${match}'? `}${list}${extra}`, "key");
  }
}

// ---------------------------------------------------------------- meaning

interface StageCheck {
  root: string;
  /** The root with symlinks resolved, to catch links that lead out of the project. */
  realRoot: string;
  /** Every declared stage name, including stages whose shape is invalid. */
  names: string[];
  /** The valid fields of every stage that is a map, in declaration order. */
  parsed: Map<string, StageFields>;
  r: Reporter;
}

function validateStages(stagesRaw: Record<string, unknown>, root: string, r: Reporter): StageSpec[] | undefined {
  const names = Object.keys(stagesRaw);
  const parsed = new Map<string, StageFields>();
  let allValid = true;
  for (const name of names) {
    checkStageName(name, r);
    const stage = parseStage(name, stagesRaw[name], r);
    if (stage) parsed.set(name, stage.fields);
    allValid &&= stage?.complete === true;
  }
  checkCaseCollisions(names, r);

  const ctx: StageCheck = { root, realRoot: safeRealpath(root), names, parsed, r };
  const resolved = new Map<string, { usesPath?: string; files: string[] }>();
  for (const [name, data] of parsed) {
    const usesPath = data.uses === undefined ? undefined : checkUses(name, data.uses, ctx);
    if (data.needs) checkNeeds(name, data.needs, ctx);
    if (data.matrix) checkMatrix(name, data.matrix, data.needs, ctx);
    resolved.set(name, { usesPath, files: data.files ? checkFiles(name, data.files, ctx) : [] });
  }
  checkCycles(ctx);

  if (!allValid) return undefined;
  return [...parsed].map(([name, data]) => toStageSpec(name, data as StageData, resolved.get(name)!, r));
}

/**
 * Validate a stage's fields (and matrix axes) one by one. Returns the fields that passed and
 * whether all did; undefined when the stage is not a map at all.
 */
function parseStage(name: string, raw: unknown, r: Reporter): { fields: StageFields; complete: boolean } | undefined {
  const path = ["stages", name];
  if (!isPlainObject(raw)) {
    reportExpected(path, raw, r);
    return undefined;
  }
  checkStageKeys(name, raw, r);
  const fields: Record<string, unknown> = {};
  let complete = true;
  for (const [key, schema] of Object.entries(stageFields)) {
    const res = (schema as z.ZodType).safeParse(raw[key]);
    if (!res.success) {
      reportZodIssues(res.error.issues, [...path, key], raw[key], r);
      complete = false;
    } else if (res.data !== undefined) {
      fields[key] = res.data;
    }
  }
  if (fields.matrix) {
    const axes = parseAxes(name, fields.matrix as Record<string, unknown>, r);
    fields.matrix = axes.valid;
    complete &&= axes.complete;
  }
  return { fields: fields as StageFields, complete };
}

function parseAxes(name: string, matrix: Record<string, unknown>, r: Reporter): { valid: Record<string, AxisData>; complete: boolean } {
  const valid: Record<string, AxisData> = {};
  let complete = true;
  for (const [axis, raw] of Object.entries(matrix)) {
    const res = axisSchema.safeParse(raw);
    if (res.success) valid[axis] = res.data;
    else reportZodIssues(res.error.issues, ["stages", name, "matrix", axis], raw, r);
    complete &&= res.success;
  }
  return { valid, complete };
}

function toStageSpec(name: string, data: StageData, resolved: { usesPath?: string; files: string[] }, r: Reporter): StageSpec {
  const matrix = Object.entries(data.matrix).map(([axis, spec]): [string, MatrixAxis] => {
    const pos = r.posOf(["stages", name, "matrix", axis], "key");
    return Array.isArray(spec) ? [axis, { kind: "values", values: spec, pos }] : [axis, { kind: "from", stage: spec.from, pos }];
  });
  return {
    name,
    uses: data.uses,
    usesPath: resolved.usesPath ?? "",
    needs: data.needs,
    params: data.params,
    matrix,
    files: resolved.files,
    pos: r.posOf(["stages", name], "key"),
    ...(data.description === undefined ? {} : { description: data.description }),
  };
}

function checkStageKeys(name: string, raw: Record<string, unknown>, r: Reporter): void {
  unknownKeys(raw, ["stages", name], STAGE_KEYS, `in stage '${name}'`, r);
  if (!isPlainObject(raw.matrix)) return;
  for (const [axis, spec] of Object.entries(raw.matrix)) {
    if (isPlainObject(spec)) {
      unknownKeys(spec, ["stages", name, "matrix", axis], AXIS_FROM_KEYS, `in matrix axis '${axis}' of stage '${name}'`, r);
    }
  }
}

function checkStageName(name: string, r: Reporter): void {
  const path = ["stages", name];
  if (!STAGE_NAME_RE.test(name)) {
    r.add(path, `stage name '${name}' is not valid: it becomes the folder data/${name} and part of cell ids`,
      "start with a letter, then use letters, digits, '_' and '-'", "key");
  } else if (RESERVED_STAGE_NAMES.includes(name.toLowerCase())) {
    r.add(path, `stage name '${name}' is reserved: data/raw holds the pipeline's inputs`,
      "rename the stage, e.g. 'ingest'", "key");
  }
}

/** data/Train and data/train are the same folder on case-insensitive file systems. */
function checkCaseCollisions(names: readonly string[], r: Reporter): void {
  const first = new Map<string, string>();
  for (const name of names) {
    const prev = first.get(name.toLowerCase());
    if (prev === undefined) {
      first.set(name.toLowerCase(), name);
      continue;
    }
    const line = r.posOf(["stages", prev], "key").line;
    r.add(["stages", name], `duplicate output folder data/${prev}: stage '${name}' differs from stage '${prev}' (line ${line}) only in letter case`,
      "rename one of them; on macOS and Windows both would write to the same folder", "key");
  }
}

/** Returns the module's absolute path, or undefined after reporting why it is unusable. */
function checkUses(name: string, uses: string, ctx: StageCheck): string | undefined {
  const resolved = resolveModule(uses, ctx);
  if ("abs" in resolved) return resolved.abs;
  ctx.r.add(["stages", name, "uses"], resolved.message, resolved.hint);
  return undefined;
}

function resolveModule(uses: string, ctx: StageCheck): { abs: string } | PathProblem {
  const lexical = resolveLexically(uses, "uses", ctx);
  if ("message" in lexical) return lexical;
  if (!(STAGE_MODULE_EXTENSIONS as readonly string[]).includes(nodePath.extname(lexical.abs))) {
    const withExt = STAGE_MODULE_EXTENSIONS.map((e) => `${uses}${e}`).find((p) => existsSync(nodePath.join(ctx.root, p)));
    return { message: `uses '${uses}' is not a stage module: expected a .ts, .js or .mjs file`,
      hint: withExt ? `did you mean '${withExt}'?` : "point uses at the module whose default export is defineStage({...})" };
  }
  const notFoundHint = `create ${lexical.rel} with \`export default defineStage({...})\`, or fix the path (relative to the project root)`;
  return checkOnDisk(lexical.abs, uses, "uses", ctx, notFoundHint) ?? { abs: lexical.abs };
}

function checkNeeds(name: string, needs: readonly string[], ctx: StageCheck): void {
  const seen = new Set<string>();
  needs.forEach((need, i) => {
    const path = ["stages", name, "needs", i];
    if (need === name) {
      ctx.r.add(path, `stage '${name}' needs itself`, "remove it from needs");
    } else if (!ctx.names.includes(need)) {
      const hint = need === "raw"
        ? "data/raw is not a stage: list the input files the stage reads under files:"
        : suggestionHint(need, ctx.names.filter((n) => n !== name), "stages");
      ctx.r.add(path, `stage '${name}' needs '${need}', which is not a stage in this pipeline`, hint);
    } else if (seen.has(need)) {
      ctx.r.add(path, `stage '${name}' lists '${need}' twice in needs`, "remove the repeat");
    }
    seen.add(need);
  });
}

/** One problem per cycle, placed on the need that leaves its earliest-declared stage. */
function checkCycles(ctx: StageCheck): void {
  const nodes = [...ctx.parsed].map(([name, data]) => ({ name, needs: data.needs ?? [] }));
  for (const cycle of findCycles(nodes)) {
    const [from, to] = [cycle[0], cycle[1 % cycle.length]];
    const index = ctx.parsed.get(from)!.needs!.indexOf(to);
    ctx.r.add(["stages", from, "needs", index], `needs form a cycle: ${formatCycle(cycle)}`,
      "each arrow reads 'needs'; a stage cannot depend on its own outputs, so remove one of these needs");
  }
}

function checkMatrix(name: string, matrix: StageData["matrix"], needs: readonly string[] | undefined, ctx: StageCheck): void {
  for (const [axis, spec] of Object.entries(matrix)) {
    const path = ["stages", name, "matrix", axis];
    if (!AXIS_NAME_RE.test(axis)) {
      ctx.r.add(path, `matrix axis name '${axis}' in stage '${name}' is not valid`,
        "start with a letter or '_', then use letters, digits and '_' (axes appear in cell ids like train[model=gbdt])", "key");
    }
    if (Array.isArray(spec)) checkAxisValues(name, axis, spec, ctx);
    else checkAxisFrom(name, axis, spec.from, needs, ctx);
  }
}

function checkAxisValues(name: string, axis: string, values: readonly AxisValue[], ctx: StageCheck): void {
  const firstIndex = new Map<string, number>();
  values.forEach((v, i) => {
    const path = ["stages", name, "matrix", axis, i];
    const text = String(v);
    if (typeof v === "string" && (!AXIS_VALUE_RE.test(v) || v === "." || v === "..")) {
      ctx.r.add(path, `matrix value '${v}' of axis '${axis}' in stage '${name}' cannot be a folder name or part of a cell id`,
        "use only letters, digits and _ . + - (and not '.' or '..' alone)");
    }
    const j = firstIndex.get(text);
    if (j === undefined) {
      firstIndex.set(text, i);
      return;
    }
    const first = ctx.r.posOf(["stages", name, "matrix", axis, j]);
    ctx.r.add(path, `duplicate value '${text}' in matrix axis '${axis}' of stage '${name}' (first at line ${first.line}, column ${first.col})`,
      "each value makes one cell (and one folder); remove the repeat");
  });
}

/** `needs` is undefined when the stage's needs are themselves invalid (already reported). */
function checkAxisFrom(name: string, axis: string, from: string, needs: readonly string[] | undefined, ctx: StageCheck): void {
  const path = ["stages", name, "matrix", axis, "from"];
  if (from === name) {
    ctx.r.add(path, `matrix axis '${axis}' of stage '${name}' takes its values from the stage itself`, `list the values instead, e.g. ${axis}: [a, b]`);
    return;
  }
  if (!ctx.names.includes(from)) {
    ctx.r.add(path, `matrix axis '${axis}' of stage '${name}' takes its values from '${from}', which is not a stage`,
      suggestionHint(from, ctx.names.filter((n) => n !== name), "stages"));
    return;
  }
  if (needs && !needs.includes(from)) {
    ctx.r.add(path, `stage '${name}' takes matrix axis '${axis}' from '${from}' but does not need it`,
      `add '${from}' to ${name}.needs; each ${name} cell is then wired to the ${from} cells with the same ${axis}`);
  }
  const upstream = ctx.parsed.get(from)?.matrix;
  if (!upstream || axis in upstream) return;
  const axes = Object.keys(upstream);
  ctx.r.add(path, `stage '${from}' has no matrix axis '${axis}' for stage '${name}' to take`,
    axes.length === 0
      ? `declare matrix: { ${axis}: [...] } on '${from}', or list the values here`
      : `the axis name must match one of '${from}': ${suggestionHint(axis, axes, "axes")}`);
}

/** Checks each `files` entry; returns the usable ones normalized (posix, relative to the root). */
function checkFiles(name: string, files: readonly string[], ctx: StageCheck): string[] {
  const out: string[] = [];
  files.forEach((file, i) => {
    const resolved = resolveInputFile(name, file, ctx);
    if ("message" in resolved) ctx.r.add(["stages", name, "files", i], resolved.message, resolved.hint);
    else if (out.includes(resolved.rel)) ctx.r.add(["stages", name, "files", i], `stage '${name}' lists '${file}' twice under files`, "remove the repeat");
    else out.push(resolved.rel);
  });
  return out;
}

function resolveInputFile(name: string, file: string, ctx: StageCheck): { rel: string } | PathProblem {
  const lexical = resolveLexically(file, "file", ctx);
  if ("message" in lexical) return lexical;
  // Checked before existence: another stage's output may not have been written yet.
  const owner = outputOwner(lexical.rel, ctx.names);
  if (owner !== undefined) {
    return { message: `stage '${name}' lists '${file}' under files, but it is inside data/${owner}/, the output folder of stage '${owner}'`,
      hint: owner === name
        ? "a stage cannot read its own outputs; keep inputs under data/raw/"
        : `read it through needs: add '${owner}' to ${name}.needs and use ctx.input('${owner}', ...) or ctx.inputPath(...)` };
  }
  const notFoundHint = "check the path: it is relative to the project root (the folder holding pipeline.yaml)";
  return checkOnDisk(lexical.abs, file, "file", ctx, notFoundHint) ?? { rel: lexical.rel };
}

// ---------------------------------------------------------------- project paths

type PathProblem = { message: string; hint?: string };

/** Reject empty, absolute and `../`-escaping paths; otherwise the absolute and posix-relative forms. */
function resolveLexically(written: string, what: string, ctx: StageCheck): { abs: string; rel: string } | PathProblem {
  if (written.trim() === "") return { message: `${what} is empty`, hint: "give a path relative to the project root" };
  if (nodePath.isAbsolute(written) || nodePath.win32.isAbsolute(written)) {
    const inside = isInside(ctx.root, written) ? `write '${toPosix(nodePath.relative(ctx.root, written))}'` : "move it into the project";
    return { message: `${what} '${written}' is an absolute path; paths must be relative to the project root`,
      hint: `${inside} so the project can be moved and fingerprints stay the same` };
  }
  const abs = nodePath.resolve(ctx.root, written);
  if (!isInside(ctx.root, abs)) {
    return { message: `${what} '${written}' points outside the project root (${ctx.root})`,
      hint: "stages and the files they read must live inside the project so fingerprints cover them; move it in" };
  }
  return { abs, rel: toPosix(nodePath.relative(ctx.root, abs)) };
}

/** The file must exist, be a regular file, and its real path (symlinks resolved) must stay inside the root. */
function checkOnDisk(abs: string, written: string, what: string, ctx: StageCheck, notFoundHint: string): PathProblem | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    return { message: `${what} '${written}' does not exist`, hint: siblingSuggestion(abs, ctx.root) ?? notFoundHint };
  }
  const real = safeRealpath(abs);
  if (!isInside(ctx.realRoot, real)) {
    return { message: `${what} '${written}' is a symlink that resolves to ${real}, outside the project root`,
      hint: "copy the file into the project instead of linking to it, so fingerprints and the lock cover it" };
  }
  if (!isFile) return { message: `${what} '${written}' is a folder, expected a file`, hint: "list the files themselves" };
  return undefined;
}

function siblingSuggestion(abs: string, root: string): string | undefined {
  const dir = nodePath.dirname(abs);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const match = closest(nodePath.basename(abs), entries);
  return match === undefined ? undefined : `did you mean '${toPosix(nodePath.relative(root, nodePath.join(dir, match)))}'?`;
}

/** The stage whose output folder data/<stage>/ contains `rel`, compared ignoring case. */
function outputOwner(rel: string, stageNames: readonly string[]): string | undefined {
  const [top, folder] = rel.split("/");
  if (top !== "data" || folder === undefined || RESERVED_STAGE_NAMES.includes(folder.toLowerCase())) return undefined;
  return stageNames.find((n) => n.toLowerCase() === folder.toLowerCase());
}

function isInside(parent: string, child: string): boolean {
  const rel = nodePath.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(rel));
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function toPosix(p: string): string {
  return p.split(nodePath.sep).join("/");
}
