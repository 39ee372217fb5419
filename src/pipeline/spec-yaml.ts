/**
 * pipeline.yaml as a YAML document: syntax errors, duplicate keys, and the positions of
 * document paths.
 *
 * Every problem carries a path into the document ("stages.train.needs[1]"); its line:col is
 * found by walking the YAML node tree along that path, through a `LineCounter` filled while
 * parsing.
 */
import type { Document, LineCounter, Node as YamlNode } from "yaml";
import { yamlLib } from "./yaml-lib.ts";
import type { SourcePos, SpecProblem } from "./types.ts";

/** A path into the document: map keys and list indexes. */
export type Path = ReadonlyArray<string | number>;

/** `stages.train.needs[1]` */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

/** By file, then line, then column; problems at one position keep the order they were found in. */
export function sortProblems(problems: readonly SpecProblem[]): SpecProblem[] {
  return [...problems].sort(
    (a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
}

/**
 * Parse the text and report YAML syntax errors and duplicate keys. The returned reporter
 * collects the later passes' problems too. `file` must be absolute.
 */
export function parseYaml(text: string, file: string): { doc: Document; r: Reporter } {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const r = new Reporter(doc, lineCounter, file);
  for (const err of doc.errors)
    r.atOffset(err.pos[0], "", `YAML syntax error: ${lowerFirst(err.message)}`, yamlErrorHint(err.code, err.message));
  checkDuplicateKeys(doc.contents, [], r);
  return { doc, r };
}

/** Collects problems, turning document paths into line:col through the YAML node tree. */
export class Reporter {
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
    this.push(this.posOf(path, at), formatPath(path), message, hint);
  }

  atOffset(offset: number, path: string, message: string, hint?: string): void {
    this.push(this.posAtOffset(offset), path, message, hint);
  }

  posOf(path: Path, at: "value" | "key" = "value"): SourcePos {
    const { isScalar } = yamlLib();
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

  private push(pos: SourcePos, path: string, message: string, hint: string | undefined): void {
    this.problems.push({ pos, path, message, ...(hint ? { hint } : {}) });
  }
}

/**
 * Walk the node tree along `path`. Returns the deepest node reached, the key node that named it
 * (if it sits in a map) and whether the whole path was found. For a missing key the key of the
 * nearest existing parent is returned, so "missing 'uses'" points at the stage's name.
 */
function locate(doc: Document, path: Path): { node?: YamlNode; key?: YamlNode; complete: boolean } {
  const { isAlias, isMap, isSeq } = yamlLib();
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
  const { isScalar } = yamlLib();
  return isScalar(key) ? String(key.value) : String(key);
}

/** Duplicate keys are walked here rather than left to the parser, so both lines can be named. */
function checkDuplicateKeys(node: unknown, path: Array<string | number>, r: Reporter): void {
  const { isMap, isSeq } = yamlLib();
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
  if (unclosed)
    return (
      `a '${unclosed === "]" ? "[" : "{"}' opened above is not closed: add the missing '${unclosed}' (or indent ` +
      `its continuation lines)`
    );
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

/** Parser and zod messages start with a capital; ours continue a sentence. */
export function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}
