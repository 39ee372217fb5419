/**
 * The order in which parameter sets are booked. The book (book.ts) books each set as its
 * difference from the one before it, so the work shrinks when neighbours hold the same positions
 * most of the time — nearby parameters. The result does not depend on the order (the sums are
 * exact), only the speed does.
 *
 * Order: a "snake" over the parameters (a boustrophedon, as in a reflected Gray code): the param
 * with the fewest distinct values outermost, each inner param ascending within one value of the
 * params outside it and descending within the next, so consecutive sets differ by one step of one
 * param. Booleans count as 0 and 1; params that are absent or not numbers are left out.
 */

/** The sets' indices in booking order. */
export function chainOrder(sets: readonly unknown[]): Int32Array {
  const K = sets.length;
  const keys = [...new Set(sets.flatMap((p) => Object.keys(p as object)))].sort();
  const columns: Float64Array[] = [];
  const distinct: number[] = [];
  for (const key of keys) {
    const col = Float64Array.from(sets, (p) => {
      const v = (p as Record<string, unknown>)[key];
      return typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : NaN;
    });
    if (col.some((v) => v !== v)) continue;
    columns.push(col);
    distinct.push(new Set(col).size);
  }
  const levels = columns.map((_, c) => c).sort((a, b) => distinct[a] - distinct[b] || a - b);
  const out = Int32Array.from({ length: K }, (_, k) => k);
  const snake = (from: number, to: number, level: number, descending: boolean): void => {
    if (level === levels.length || to - from < 2) return;
    const col = columns[levels[level]];
    const part = Array.from(out.subarray(from, to)).sort(
      (a, b) => (descending ? col[b] - col[a] : col[a] - col[b]) || a - b,
    );
    out.set(part, from);
    // Runs of one value of this param, the next param alternating its direction run by run.
    for (let s = from, run = 0; s < to; run++) {
      let e = s + 1;
      while (e < to && col[out[e]] === col[out[s]]) e++;
      snake(s, e, level + 1, run % 2 === 1);
      s = e;
    }
  };
  snake(0, K, 0, false);
  return out;
}
