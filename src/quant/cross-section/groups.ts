/**
 * Contiguous groups of a key column (e.g. the dates of a table sorted by (date, symbol)):
 * `starts[g]` is the first row of group g and `starts[G]` = the row count, so group g spans
 * rows starts[g] … starts[g+1] − 1. A new group starts wherever the key changes.
 */
export function groupStarts(keys: ArrayLike<number>): Int32Array {
  const n = keys.length;
  let groups = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (keys[i] !== keys[i - 1]) groups++;
  const starts = new Int32Array(groups + 1);
  let g = 0;
  if (n > 0) starts[g++] = 0;
  for (let i = 1; i < n; i++) if (keys[i] !== keys[i - 1]) starts[g++] = i;
  starts[groups] = n;
  return starts;
}
