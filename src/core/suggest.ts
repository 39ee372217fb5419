/**
 * "Did you mean …?" suggestions for misspelt names (stage names, keys, axes, values, column
 * headers). Shared by the pipeline spec checks and the data loaders, so it lives in core.
 */

/**
 * Edit distance between two strings: insertions, deletions and substitutions cost 1 (Levenshtein),
 * and so does swapping two adjacent characters ("optimal string alignment" variant), because
 * transpositions such as `trian` for `train` are the most common typing slip.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: two rows back are needed for transpositions.
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length];
}

/** Largest distance still worth suggesting: about one edit per three characters, at least one. */
function maxDistance(word: string): number {
  return Math.max(1, Math.floor((word.length + 1) / 3));
}

/**
 * The candidate closest to `word` (case-insensitive), or undefined when none is close enough.
 * Ties go to the earlier candidate, so suggestions follow declaration order.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = maxDistance(word) + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** "did you mean 'needs'?" or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean '${c}'?`;
}

/** Quoted, comma-separated list for messages: `'a', 'b', 'c'` (or "(none)"). */
export function quoteList(items: Iterable<string>): string {
  const list = [...items].map((s) => `'${s}'`);
  return list.length === 0 ? "(none)" : list.join(", ");
}

/** A hint that suggests the closest candidate if any, then lists all valid choices. */
export function suggestionHint(word: string, candidates: readonly string[], what: string): string {
  const dym = didYouMean(word, candidates);
  const list = `${what}: ${quoteList(candidates)}`;
  return dym ? `${dym} ${list}` : list;
}
