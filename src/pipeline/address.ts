/**
 * Cell addresses on the command line: `stage` or `stage[axis=value,...]`. A filter may name only
 * some axes (`backtest[model=gbdt]` is every optimizer for that model). Values are compared as
 * text, so `lr=0.1` matches the number 0.1.
 */
import * as nodePath from "node:path";
import { StrataError } from "../core/errors.ts";
import { suggestionHint } from "../core/suggest.ts";
import type { Cell, CellGraph } from "./types.ts";

export interface Target {
  /** The address as written. */
  text: string;
  stage: string;
  /** Axis filters in the order written. */
  where: Array<[axis: string, value: string]>;
}

const TARGET_FORM_HINT =
  "write a stage, optionally with a filter: backtest or 'backtest[model=gbdt,optimizer=hrp]' (quote it in the shell)";
const NAME_CHAR = /[A-Za-z0-9_-]/;
const AXIS_CHAR = /[A-Za-z0-9_]/;
const VALUE_CHAR = /[A-Za-z0-9_.+-]/;

/** Parse one address; throws StrataError("TARGET") pointing at the offending column. */
export function parseTarget(text: string): Target {
  const s = new Scanner(text);
  s.skipSpaces();
  const stageCol = s.col;
  const stage = s.takeWhile(NAME_CHAR);
  if (stage === "") s.fail("expected a stage name");
  if (!/^[A-Za-z]/.test(stage)) s.fail(`'${stage}' is not a stage name (stage names start with a letter)`, stageCol);
  s.skipSpaces();
  const where: Array<[string, string]> = [];
  if (!s.done()) {
    s.expect("[");
    do {
      s.skipSpaces();
      const axisCol = s.col;
      const axis = s.takeWhile(AXIS_CHAR);
      if (axis === "") s.fail("expected an axis name");
      s.skipSpaces();
      s.expect("=");
      s.skipSpaces();
      const value = s.takeWhile(VALUE_CHAR);
      if (value === "") s.fail(`expected a value for axis '${axis}'`);
      if (where.some(([a]) => a === axis)) s.fail(`axis '${axis}' is given twice`, axisCol);
      where.push([axis, value]);
      s.skipSpaces();
    } while (s.accept(","));
    s.expect("]");
    s.skipSpaces();
    if (!s.done()) s.fail("unexpected text after ']'");
  }
  return { text, stage, where };
}

/**
 * Cells selected by the targets, in graph (topological) order; no targets selects every cell.
 * Throws StrataError("TARGET") naming each target that matches nothing and what would.
 */
export function selectCells(graph: CellGraph, targets: readonly string[]): Cell[] {
  if (targets.length === 0) return [...graph.cells];
  const chosen = new Set<string>();
  const failures: Array<{ message: string; hint: string }> = [];
  for (const text of targets) {
    const target = parseTarget(text);
    const matched = matchTarget(graph, target);
    if (matched.length === 0) failures.push(explainNoMatch(graph, target));
    for (const cell of matched) chosen.add(cell.id);
  }
  if (failures.length === 1) {
    throw new StrataError("TARGET", failures[0].message, { hint: failures[0].hint, details: { failures } });
  }
  if (failures.length > 1) {
    const text = failures.map((f) => `${f.message}\n  → ${f.hint}`).join("\n");
    throw new StrataError("TARGET", `${failures.length} targets match nothing:\n${text}`, { details: { failures } });
  }
  return graph.cells.filter((c) => chosen.has(c.id));
}

export function matchTarget(graph: CellGraph, target: Target): Cell[] {
  return (graph.byStage.get(target.stage) ?? []).filter((cell) =>
    target.where.every(([axis, value]) => axis in cell.values && String(cell.values[axis]) === value),
  );
}

/** Why a target matched nothing, with the closest valid stage, axis or value. */
function explainNoMatch(graph: CellGraph, target: Target): { message: string; hint: string } {
  const { stage, text } = target;
  const cells = graph.byStage.get(stage);
  if (!cells) {
    const stages = graph.spec.stages.map((s) => s.name);
    return {
      message: `target '${text}': no stage '${stage}' in ${nodePath.basename(graph.spec.file)}`,
      hint: suggestionHint(stage, stages, "stages"),
    };
  }
  const axes = graph.spec.stages.find((s) => s.name === stage)?.matrix.map(([a]) => a) ?? [];
  if (axes.length === 0) {
    return {
      message: `target '${text}': stage '${stage}' has no matrix, so it cannot be filtered`,
      hint: `address it as '${stage}'`,
    };
  }
  for (const [axis, value] of target.where) {
    if (!axes.includes(axis)) {
      return {
        message: `target '${text}': stage '${stage}' has no axis '${axis}'`,
        hint: suggestionHint(axis, axes, `axes of ${stage}`),
      };
    }
    const values = [...new Set(cells.map((c) => String(c.values[axis])))];
    if (!values.includes(value)) {
      return {
        message: `target '${text}': no cell of '${stage}' has ${axis}=${value}`,
        hint: suggestionHint(value, values, `values of ${axis}`),
      };
    }
  }
  return {
    message:
      `target '${text}': no cell of '${stage}' ` + `has all of ${target.where.map(([a, v]) => `${a}=${v}`).join(", ")}`,
    hint: `cells of ${stage}: ${cells.map((c) => c.id).join(", ")}`,
  };
}

/** The cells plus everything they read from, transitively, in graph (topological) order. */
export function withUpstream(graph: CellGraph, cells: readonly Cell[]): Cell[] {
  const keep = new Set<string>();
  const stack = cells.map((c) => c.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    const cell = graph.byId.get(id);
    if (!cell)
      throw new StrataError("ARGUMENT", `withUpstream: cell '${id}' is not in the graph`, {
        hint: "pass cells taken from the same CellGraph",
      });
    keep.add(id);
    stack.push(...cell.deps);
  }
  return graph.cells.filter((c) => keep.has(c.id));
}

/**
 * Ids of every cell that reads, directly or transitively, from any of `ids` (the given ids
 * themselves are not included unless one depends on another).
 */
export function downstreamOf(graph: CellGraph, ids: Iterable<string>): Set<string> {
  const sources = new Set(ids);
  const out = new Set<string>();
  // Cells are in topological order, so one pass sees every dependency before its dependents.
  for (const cell of graph.cells) {
    if (cell.deps.some((d) => sources.has(d) || out.has(d))) out.add(cell.id);
  }
  return out;
}

/** Left-to-right reader over a target's text that reports errors at 1-based columns. */
class Scanner {
  private i = 0;
  constructor(private readonly text: string) {}

  get col(): number {
    return this.i + 1;
  }

  done(): boolean {
    return this.i >= this.text.length;
  }

  skipSpaces(): void {
    while (this.text[this.i] === " ") this.i++;
  }

  takeWhile(re: RegExp): string {
    const start = this.i;
    while (this.i < this.text.length && re.test(this.text[this.i])) this.i++;
    return this.text.slice(start, this.i);
  }

  accept(ch: string): boolean {
    if (this.text[this.i] !== ch) return false;
    this.i++;
    return true;
  }

  expect(ch: string): void {
    if (!this.accept(ch)) this.fail(`expected '${ch}'`);
  }

  fail(what: string, col = this.col): never {
    const found = col - 1 < this.text.length ? `found '${this.text[col - 1]}'` : "found the end";
    const detail = what.startsWith("expected") ? `${what}, ${found}` : what;
    throw new StrataError(
      "TARGET",
      `malformed target '${this.text}': ${detail} at column ${col}\n    ${this.text}\n    ${" ".repeat(col - 1)}^`,
      {
        hint: TARGET_FORM_HINT,
        details: { target: this.text, column: col },
      },
    );
  }
}
