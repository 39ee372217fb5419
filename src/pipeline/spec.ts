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
import { closest, didYouMean, quoteList, suggestionHint } from "./suggest.ts";
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

const stageSchema = z.object({
  uses: z.string(),
  needs: z.array(z.string()).default([]),
  params: z.record(z.string(), z.unknown()).default({}),
  matrix: z.record(z.string(), axisSchema).default({}),
  files: z.array(z.string()).default([]),
  description: z.string().optional(),
});

type StageData = z.output<typeof stageSchema>;
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

  for (const err of doc.errors) r.atOffset(err.pos[0], "", `YAML syntax error: ${lowerFirst(err.message)}`, yamlErrorHint(err.code));
  checkDuplicateKeys(doc.contents, [], r);
  if (doc.errors.length > 0) return { problems: r.sorted() };

  const spec = validate(doc.toJS({ maxAliasCount: 1000 }) as unknown, absFile, absRoot, r);
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

function yamlErrorHint(code: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "indent with spaces; YAML does not allow tabs for indentation";
    case "MULTIPLE_DOCS":
      return "keep a single document: remove the '---' separator";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation and the closing bracket or quote on this line";
    default:
      return "check the indentation and quoting near this position";
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}
