/**
 * Matrix expansion: a validated spec becomes a graph of cells. A stage without a matrix is one
 * cell; a stage with a matrix is one cell per combination of axis values (Cartesian product, the
 * first axis outermost). Wiring:
 *   - `axis: { from: S }` takes S's values for that axis (in S's order) and wires each cell only
 *     to the S cells with the same value;
 *   - any other need wires to every cell of the needed stage (fan-in; one cell for a plain stage).
 */
import { StrataError } from "../core/errors.ts";
import { topoOrder } from "./dag.ts";
import type { AxisValue, Cell, CellGraph, PipelineSpec, StageSpec } from "./types.ts";

/** An axis with its values resolved (a `from` axis takes the upstream stage's values). */
export interface ResolvedAxis {
  name: string;
  values: AxisValue[];
  /** The stage the values come from, for a `{ from: S }` axis. */
  from?: string;
}

/** "stage" or "stage[a=1,b=x]", axes in the order given. */
export function cellId(stage: string, values: Readonly<Record<string, AxisValue>>, axes: readonly string[]): string {
  return axes.length === 0 ? stage : `${stage}[${axisPairs(values, axes)}]`;
}

/**
 * "data/stage" or "data/stage/a=1/b=x", relative to the project root: one folder level per
 * axis, Hive-style, so DuckDB (`hive_partitioning`), Polars, pandas/pyarrow and Spark read a
 * stage's outputs as one table with the axes as columns.
 */
export function cellDir(
  stage: string,
  values: Readonly<Record<string, AxisValue>>,
  axes: readonly string[],
  outputRoot = "data",
): string {
  return axes.length === 0
    ? `${outputRoot}/${stage}`
    : `${outputRoot}/${stage}/${axes.map((a) => `${a}=${String(values[a])}`).join("/")}`;
}

/**
 * Where a pipeline file's outputs go: `data/` for `pipeline.yaml` (or .yml), `data/<name>/`
 * for any other file (`momentum.yaml` → `data/momentum/<stage>/…`), so two studies in one
 * folder never overwrite each other's outputs (each has its own lock too).
 */
export function outputRootFor(specFile: string): string {
  const name = specFile.split(/[\\/]/).pop() ?? "";
  const stem = name.replace(/\.ya?ml$/i, "");
  return stem === "pipeline" || stem === "" ? "data" : `data/${stem}`;
}

function axisPairs(values: Readonly<Record<string, AxisValue>>, axes: readonly string[]): string {
  return axes.map((a) => `${a}=${String(values[a])}`).join(",");
}

/** Expand every stage of a validated spec into cells, in topological order. */
export function expandCells(spec: PipelineSpec): CellGraph {
  const stages = new Map(spec.stages.map((s) => [s.name, s]));
  const axesOf = new Map<string, ResolvedAxis[]>();
  const cells: Cell[] = [];
  const byId = new Map<string, Cell>();
  const byStage = new Map<string, Cell[]>();
  const outputRoot = outputRootFor(spec.file);

  for (const name of topoOrder(spec.stages)) {
    const stage = stages.get(name)!;
    const axes = resolveAxes(stage, axesOf);
    axesOf.set(name, axes);
    const own = product(axes).map((values) => makeCell(stage, values, axes, byStage, outputRoot));
    byStage.set(name, own);
    for (const cell of own) {
      cells.push(cell);
      byId.set(cell.id, cell);
    }
  }
  return { spec, cells, byId, byStage };
}

/** Axes of a stage with `from` axes replaced by the upstream stage's (already resolved) values. */
export function resolveAxes(stage: StageSpec, resolved: ReadonlyMap<string, ResolvedAxis[]>): ResolvedAxis[] {
  return stage.matrix.map(([name, axis]) => {
    if (axis.kind === "values") return { name, values: [...axis.values] };
    const upstream = resolved.get(axis.stage)?.find((a) => a.name === name);
    if (!upstream) {
      throw new StrataError(
        "SPEC",
        `stage '${stage.name}' takes matrix axis '${name}' from '${axis.stage}', which has no such axis`,
        {
          hint: "load the spec with loadPipeline(), which reports this with its line and column",
        },
      );
    }
    return { name, values: [...upstream.values], from: axis.stage };
  });
}

/** Every combination of axis values, first axis outermost; one empty combination without axes. */
function product(axes: readonly ResolvedAxis[]): Array<Record<string, AxisValue>> {
  let combos: Array<Record<string, AxisValue>> = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => axis.values.map((v) => ({ ...combo, [axis.name]: v })));
  }
  return combos;
}

function makeCell(
  stage: StageSpec,
  values: Record<string, AxisValue>,
  axes: readonly ResolvedAxis[],
  byStage: ReadonlyMap<string, Cell[]>,
  outputRoot: string,
): Cell {
  const names = axes.map((a) => a.name);
  const deps = stage.needs.flatMap((need) => {
    const linked = axes.filter((a) => a.from === need).map((a) => a.name);
    return (byStage.get(need) ?? [])
      .filter((up) => linked.every((a) => String(up.values[a]) === String(values[a])))
      .map((up) => up.id);
  });
  return {
    id: cellId(stage.name, values, names),
    stage: stage.name,
    values,
    deps: [...new Set(deps)].sort(),
    dir: cellDir(stage.name, values, names, outputRoot),
  };
}
