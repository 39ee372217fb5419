/**
 * Multi-objective selection: Pareto dominance, non-dominated sorting and crowding distance from
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan, "A fast and elitist multiobjective genetic
 * algorithm: NSGA-II", IEEE Trans. Evolutionary Computation 6(2), 2002, §III), and the choice
 * of one point from a front by the user's weights.
 *
 * Every objective is MAXIMIZED. A NaN objective counts as −∞ (worse than any number), so a
 * failed evaluation is dominated by every one that produced numbers. Two equal vectors do not
 * dominate each other: they sit in the same front.
 */
import { StrataError } from "../../../core/errors.ts";

/** NaN → −∞, so comparisons put failed evaluations last. */
const val = (x: number): number => (x === x ? x : -Infinity);

/** a dominates b: a ≥ b in every objective and a > b in at least one (all maximized). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let m = 0; m < a.length; m++) {
    const x = val(a[m]),
      y = val(b[m]);
    if (x < y) return false;
    if (x > y) strictly = true;
  }
  return strictly;
}

/**
 * Fronts of indices into `objectives`: front 0 is the non-dominated set, front 1 is
 * non-dominated once front 0 is removed, … Each front is in ascending index order.
 * Deb et al.'s "fast non-dominated sort" (§III-A): O(M·N²) comparisons, O(N²) memory, meant
 * for a population, not a whole archive (use `paretoFront` for the first front of many points).
 */
export function nonDominatedSort(objectives: readonly (readonly number[])[]): number[][] {
  const n = objectives.length;
  const dominated: number[][] = Array.from({ length: n }, () => []); // S_p: the points p dominates
  const count = new Array<number>(n).fill(0); // n_p: how many points dominate p
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (dominates(objectives[p], objectives[q])) {
        dominated[p].push(q);
        count[q]++;
      } else if (dominates(objectives[q], objectives[p])) {
        dominated[q].push(p);
        count[p]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = count.flatMap((c, p) => (c === 0 ? [p] : []));
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const p of current) {
      for (const q of dominated[p]) if (--count[q] === 0) next.push(q);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * The first front only, in ascending index order: O(N log N + N·F·M) for F points on the front.
 * Points are visited best-first in lexicographic order, so a point can only be dominated by an
 * earlier one, and then (by transitivity) by a front point already found.
 */
export function paretoFront(objectives: readonly (readonly number[])[]): number[] {
  if (objectives.length > 0 && objectives.every((o) => o.length === 1)) {
    // One objective: every point tied at the maximum, in O(N) (a flat objective would make the
    // general loop below quadratic).
    const top = objectives.reduce((t, o) => Math.max(t, val(o[0])), -Infinity);
    return objectives.flatMap((o, i) => (val(o[0]) === top ? [i] : []));
  }
  const order = objectives.map((_, i) => i).sort((a, b) => lexDescending(objectives[a], objectives[b]) || a - b);
  const front: number[] = [];
  for (const i of order) {
    if (!front.some((f) => dominates(objectives[f], objectives[i]))) front.push(i);
  }
  return front.sort((a, b) => a - b);
}

function lexDescending(a: readonly number[], b: readonly number[]): number {
  for (let m = 0; m < a.length; m++) {
    const d = val(b[m]) - val(a[m]);
    if (d !== 0 && d === d) return d; // −∞ − (−∞) is NaN: equal, look at the next objective
  }
  return 0;
}

/**
 * Crowding distance of each point of one front (in the order given), Deb et al. §III-B: per
 * objective, sort the front by value (ties by position), give the two boundary points ∞ and
 * each inner point (f[next] − f[prev]) / (f_max − f_min); sum over objectives.
 * An objective whose range over the front is 0 separates nothing and contributes nothing, not
 * even boundaries (as pymoo's `calc_crowding_distance`); a front of one or two points is all ∞.
 * An inner difference that is not a number (−∞ − (−∞) from NaN objectives) counts as 0.
 */
export function crowdingDistance(front: readonly (readonly number[])[]): number[] {
  const n = front.length;
  const d = new Array<number>(n).fill(0);
  if (n <= 2) return d.fill(Infinity);
  const nObj = front[0].length;
  for (let m = 0; m < nObj; m++) {
    const order = front.map((_, i) => i).sort((a, b) => val(front[a][m]) - val(front[b][m]) || a - b);
    const lo = val(front[order[0]][m]),
      hi = val(front[order[n - 1]][m]);
    if (!(hi > lo)) continue;
    d[order[0]] = Infinity;
    d[order[n - 1]] = Infinity;
    const range = hi - lo;
    for (let r = 1; r < n - 1; r++) {
      const step = (val(front[order[r + 1]][m]) - val(front[order[r - 1]][m])) / range;
      if (step === step) d[order[r]] += step;
    }
  }
  return d;
}

/** Front rank (0 = non-dominated) and crowding distance within its front, for every point. */
export function rankAndCrowding(objectives: readonly (readonly number[])[]): { rank: number[]; crowding: number[] } {
  const rank = new Array<number>(objectives.length).fill(0);
  const crowding = new Array<number>(objectives.length).fill(0);
  nonDominatedSort(objectives).forEach((front, r) => {
    const cd = crowdingDistance(front.map((i) => objectives[i]));
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = cd[k];
    });
  });
  return { rank, crowding };
}

/**
 * Deb et al.'s crowded-comparison operator ≺_n (§III-C), negative when point i is preferred:
 * lower rank, then larger crowding distance, then (our tie-break) the lower index.
 */
export function crowdedCompare(rank: readonly number[], crowding: readonly number[], i: number, j: number): number {
  if (rank[i] !== rank[j]) return rank[i] - rank[j];
  if (crowding[i] !== crowding[j]) return crowding[i] > crowding[j] ? -1 : 1;
  return i - j;
}

/**
 * NSGA-II environmental selection (§III-C, the main loop): whole fronts while they fit, then
 * the last front's points by crowded comparison until `n` are chosen. Indices in ascending order.
 */
export function nsga2Select(objectives: readonly (readonly number[])[], n: number): number[] {
  const chosen: number[] = [];
  for (const front of nonDominatedSort(objectives)) {
    if (chosen.length + front.length <= n) {
      chosen.push(...front);
      if (chosen.length === n) break;
      continue;
    }
    const cd = crowdingDistance(front.map((i) => objectives[i]));
    const order = front.map((_, k) => k).sort((a, b) => (cd[a] !== cd[b] ? (cd[a] > cd[b] ? -1 : 1) : a - b));
    for (const k of order.slice(0, n - chosen.length)) chosen.push(front[k]);
    break;
  }
  return chosen.sort((a, b) => a - b);
}

export interface PickOptions {
  /** Scores within this of the highest count as ties (default 1e-12; scores lie in [0, Σ weights]). */
  tolerance?: number;
}

/**
 * One point of a front chosen by weights: each objective is normalized to [0, 1] over the front
 * itself, (f − min) / (max − min) with min and max over the front's finite values (an objective
 * with zero range scores 0 for every point; NaN and −∞ score 0, +∞ scores 1), and the point
 * with the highest Σ w_m · normalized_m wins. Ties go to the lowest index, so pass the front in
 * a canonical order (the grid's order, or order of first evaluation) for a reproducible pick.
 * Weights: one per objective, finite, ≥ 0, not all 0; only their ratios matter.
 * Returns the index into `front`.
 */
export function pickFromFront(
  front: readonly (readonly number[])[],
  weights: readonly number[],
  opts: PickOptions = {},
): number {
  if (front.length === 0)
    throw new StrataError("ARGUMENT", "pickFromFront: the front is empty", { hint: "pass at least one point" });
  const nObj = front[0].length;
  checkWeights(weights, nObj, "pickFromFront");
  const tolerance = opts.tolerance ?? 1e-12;
  const lo = new Array<number>(nObj).fill(Infinity),
    hi = new Array<number>(nObj).fill(-Infinity);
  for (const f of front) {
    for (let m = 0; m < nObj; m++) {
      if (!Number.isFinite(f[m])) continue;
      lo[m] = Math.min(lo[m], f[m]);
      hi[m] = Math.max(hi[m], f[m]);
    }
  }
  const norm = (x: number, m: number): number => {
    if (x === Infinity) return 1;
    if (!Number.isFinite(x) || !(hi[m] > lo[m])) return 0;
    return (x - lo[m]) / (hi[m] - lo[m]);
  };
  const scores = front.map((f) => f.reduce((s, x, m) => s + weights[m] * norm(x, m), 0));
  const top = scores.reduce((t, x) => Math.max(t, x), -Infinity);
  return scores.findIndex((s) => s >= top - tolerance);
}

/** Throws a StrataError unless `weights` has one finite, non-negative entry per objective, not all 0. */
export function checkWeights(weights: readonly number[], nObjectives: number | undefined, who: string): void {
  const ok =
    Array.isArray(weights) &&
    (nObjectives === undefined || weights.length === nObjectives) &&
    weights.every((w) => Number.isFinite(w) && w >= 0) &&
    weights.some((w) => w > 0);
  if (!ok) {
    throw new StrataError(
      "ARGUMENT",
      `${who}: weights ${JSON.stringify(weights)}, expected ` +
        `${nObjectives === undefined ? "one" : nObjectives} finite number(s) ≥ 0 per objective, not all 0`,
      { hint: "weights say how much each objective counts after normalizing it to [0, 1] over the front" },
    );
  }
}

/**
 * The non-dominated items (in their given order) and the one `pickFromFront` chooses among them
 * (default: equal weights). With one objective the front is every item tied at the maximum and
 * the pick is the first of them.
 */
export function frontAndBest<T extends { objectives: number[] }>(
  items: readonly T[],
  weights?: readonly number[],
): { front: T[]; best: T } {
  const front = paretoFront(items.map((x) => x.objectives)).map((i) => items[i]);
  const w = weights ?? new Array<number>(items[0].objectives.length).fill(1);
  return {
    front,
    best: front[
      pickFromFront(
        front.map((x) => x.objectives),
        w,
      )
    ],
  };
}
