/**
 * Runs a set of cells in dependency order: a cell starts when every upstream cell in the set
 * has a result; at most `jobs` at once. A cell whose upstream is outside the set never starts
 * and is handed to `unreachable` (cannot happen with a closed selection, but never hang).
 * Among ready cells, the one with the highest `priority` starts first (critical-path.ts), ties
 * in the order of `cells`.
 */
import type { Cell } from "./types.ts";

export function runScheduled<R>(
  cells: readonly Cell[],
  jobs: number,
  run: (cell: Cell) => Promise<R>,
  onResult: (cell: Cell, result: R) => void,
  unreachable: (cell: Cell) => void,
  done: (id: string) => boolean,
  priority?: ReadonlyMap<string, number>,
): Promise<void> {
  return new Promise<void>((resolveAll) => {
    const rank = (c: Cell) => priority?.get(c.id) ?? 0;
    // Stable: equal priorities keep the order of `cells`.
    const waiting = priority ? [...cells].sort((a, b) => rank(b) - rank(a)) : [...cells];
    let running = 0;
    const pump = () => {
      for (let i = 0; i < waiting.length && running < jobs; ) {
        const cell = waiting[i];
        if (!cell.deps.every(done)) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        running++;
        run(cell).then((r) => {
          onResult(cell, r);
          running--;
          pump();
        });
      }
      if (running === 0 && waiting.length === 0) resolveAll();
      else if (running === 0) {
        for (const c of waiting.splice(0)) unreachable(c);
        resolveAll();
      }
    };
    pump();
  });
}
