/**
 * Which ready cell starts first: the one with the longest expected path to the end of the run —
 * its own expected duration plus the longest such path among the cells waiting on it (list
 * scheduling by critical path, "highest level first": T. C. Hu, "Parallel sequencing and
 * assembly line problems", Operations Research 9(6), 1961; the HLFET heuristic in Kwok & Ahmad,
 * "Static scheduling algorithms for allocating directed task graphs", ACM Computing Surveys
 * 31(4), 1999). A long chain (a tuned model, then its backtests) then starts at once instead of
 * after the short cells declared before it, and the run ends sooner on the same cores.
 *
 * Expected durations come from the run log (`.pipeline/runs.jsonl`): a cell's last computed
 * duration; a cell never computed counts the median of its stage's known cells, else 0. Only
 * the order in which cells start changes, never what a cell computes (outputs do not depend on
 * scheduling: tests/pipeline prove it for any order).
 */
import type { RunLogRecord } from "./run-log.ts";
import type { Cell } from "./types.ts";

/** Each cell's last computed duration (seconds) in the run log, oldest records first. */
export function lastDurations(records: readonly RunLogRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records)
    for (const c of r.cells ?? [])
      if (c.status === "ran" && typeof c.duration_s === "number" && c.duration_s >= 0) out.set(c.id, c.duration_s);
  return out;
}

/**
 * Every cell's priority: expected duration plus the longest priority among the cells of
 * `cells` that depend on it. A cell without a known duration counts its stage's median.
 */
export function pathPriorities(cells: readonly Cell[], known: ReadonlyMap<string, number>): Map<string, number> {
  const byStage = new Map<string, number[]>();
  for (const c of cells) {
    const d = known.get(c.id);
    if (d !== undefined) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), d]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const expected = (c: Cell) => known.get(c.id) ?? (byStage.has(c.stage) ? median(byStage.get(c.stage)!) : 0);
  const dependents = new Map<string, Cell[]>();
  for (const c of cells) for (const d of c.deps) dependents.set(d, [...(dependents.get(d) ?? []), c]);
  const priority = new Map<string, number>();
  const visit = (c: Cell, depth: number): number => {
    const done = priority.get(c.id);
    if (done !== undefined) return done;
    if (depth > cells.length) return 0; // a cycle cannot be planned; never recurse forever
    let longest = 0;
    for (const next of dependents.get(c.id) ?? []) longest = Math.max(longest, visit(next, depth + 1));
    const p = expected(c) + longest;
    priority.set(c.id, p);
    return p;
  };
  for (const c of cells) visit(c, 0);
  return priority;
}
