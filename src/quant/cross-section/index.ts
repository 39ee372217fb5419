/** Per-group (per-date) cross-sectional transforms over typed columns. Pure numerics, no I/O. */
export { groupStarts } from "./groups.ts";
export { groupRanks } from "./rank.ts";
export { groupZScores } from "./zscore.ts";
