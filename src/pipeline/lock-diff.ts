/**
 * What differs between two locks, cell by cell: recorded metrics and recorded params (nested
 * params flattened to dotted keys, `gbdt.nTrees`). Pure: the locks come from anywhere (a git
 * revision, the working tree, an experiment's workspace); the engine never interprets a value.
 */
import type { LockFile } from "./lock.ts";

export type Value = string | number | boolean | null;

export interface ValueChange {
  /** The cell (metrics) or the cells sharing the change (params: the stage's name when it is all of them). */
  where: string;
  stage: string;
  key: string;
  /** undefined: absent on that side (cell or key added or removed). */
  a: Value | undefined;
  b: Value | undefined;
  /** b − a for two numbers, else null. */
  delta: number | null;
  /** delta / |a| for two numbers with a ≠ 0, else null. */
  relative: number | null;
  changed: boolean;
}

const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Nested plain data flattened to dotted keys; arrays and scalars are leaves (arrays as JSON). */
export function flatten(value: unknown, prefix = "", out: Record<string, Value> = {}): Record<string, Value> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] =
      value === undefined
        ? null
        : Array.isArray(value) || typeof value === "object"
          ? JSON.stringify(value)
          : (value as Value);
  }
  return out;
}

function change(where: string, stage: string, key: string, a: Value | undefined, b: Value | undefined): ValueChange {
  const numbers = typeof a === "number" && typeof b === "number";
  const delta = numbers ? (b as number) - (a as number) : null;
  return {
    where,
    stage,
    key,
    a,
    b,
    delta,
    relative: numbers && a !== 0 ? (delta as number) / Math.abs(a as number) : null,
    // NaN is stored as null in a lock; two nulls are equal.
    changed: JSON.stringify(a) !== JSON.stringify(b),
  };
}

/** Every metric of every cell in either lock, sorted by cell then metric; `changed` marks the differences. */
export function diffMetrics(a: LockFile, b: LockFile): ValueChange[] {
  const out: ValueChange[] = [];
  for (const id of [...new Set([...Object.keys(a.cells), ...Object.keys(b.cells)])].sort(byText)) {
    const ea = a.cells[id];
    const eb = b.cells[id];
    const ma = flatten(ea?.metrics ?? {});
    const mb = flatten(eb?.metrics ?? {});
    for (const key of [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort(byText))
      out.push(change(id, (ea ?? eb)!.stage, key, ea ? ma[key] : undefined, eb ? mb[key] : undefined));
  }
  return out;
}

/**
 * Every recorded param (and matrix value) that differs, one row per stage, key and change: the
 * row names the stage when every cell of the stage in either lock shares the change, else the
 * cells. Sorted by stage, key, then the cells.
 */
export function diffParams(a: LockFile, b: LockFile): ValueChange[] {
  const groups = new Map<
    string,
    { stage: string; key: string; a: Value | undefined; b: Value | undefined; cells: string[] }
  >();
  const cellsOf = new Map<string, Set<string>>();
  const ids = [...new Set([...Object.keys(a.cells), ...Object.keys(b.cells)])].sort(byText);
  for (const id of ids) {
    const ea = a.cells[id];
    const eb = b.cells[id];
    const stage = (ea ?? eb)!.stage;
    if (!cellsOf.has(stage)) cellsOf.set(stage, new Set());
    cellsOf.get(stage)!.add(id);
    const pa = ea ? flatten({ ...flattenMatrix(ea.matrix), ...((ea.params as object) ?? {}) }) : {};
    const pb = eb ? flatten({ ...flattenMatrix(eb.matrix), ...((eb.params as object) ?? {}) }) : {};
    for (const key of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
      const va = ea ? pa[key] : undefined;
      const vb = eb ? pb[key] : undefined;
      if (JSON.stringify(va) === JSON.stringify(vb)) continue;
      const g = `${stage}\0${key}\0${JSON.stringify(va)}\0${JSON.stringify(vb)}`;
      if (!groups.has(g)) groups.set(g, { stage, key, a: va, b: vb, cells: [] });
      groups.get(g)!.cells.push(id);
    }
  }
  const rows = [...groups.values()].map((g) => {
    const all = g.cells.length === cellsOf.get(g.stage)!.size;
    const where = all
      ? g.stage
      : g.cells.length <= 3
        ? g.cells.join(", ")
        : `${g.cells.slice(0, 3).join(", ")} +${g.cells.length - 3}`;
    return change(where, g.stage, g.key, g.a, g.b);
  });
  return rows.sort((x, y) => byText(x.stage, y.stage) || byText(x.key, y.key) || byText(x.where, y.where));
}

/** Matrix values as `matrix.<axis>` params, so a changed axis value shows like a param. */
function flattenMatrix(matrix: Record<string, unknown> | undefined): Record<string, unknown> {
  return matrix && Object.keys(matrix).length ? { matrix } : {};
}
