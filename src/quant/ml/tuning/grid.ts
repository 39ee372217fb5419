/**
 * Exhaustive grid search over a SearchSpace, evaluated in batches by a batch objective (a
 * whole batch of parameter sets at once, e.g. vectorized rule strategies), and the batch
 * objective contract the genetic searcher shares.
 *
 * The grid's canonical order: parameter names sorted (as `sampleRandom`), the first name
 * varying slowest and the last fastest (nested for-loops over the sorted names); numeric axes
 * ascending from low, categorical axes in `choices` order. Axes:
 *  - int: every integer low … high, or every `step` (low, low + step, … ≤ high);
 *  - float: every `step` from low (space.ts `latticeValue`), or `opts.points[name]` values
 *    evenly spaced in the internal coordinate including both ends (geometric for log scale;
 *    `points` wins over `step`); a float with neither is an error naming it;
 *  - categorical: every choice.
 * An optional `constraint` drops points (e.g. fast < slow); indices count the kept points.
 *
 *   const { best, evaluations } = await gridSearch(space, (batch) => batch.map((p) => [sharpe(p)]), {
 *     constraint: (p) => (p.fast as number) < (p.slow as number),
 *   });
 */
import { StrataError } from "../../../core/errors.ts";
import { canonicalJson } from "../../../core/json.ts";
import { exp } from "../../../core/math/index.ts";
import { didYouMean } from "../../../core/suggest.ts";
import { checkWeights, frontAndBest } from "./pareto.ts";
import {
  internalBounds,
  latticeValue,
  stepCount,
  validateSpace,
  type Categorical,
  type ParamSpec,
  type ParamValues,
  type SearchSpace,
} from "./space.ts";

/**
 * Scores a batch of parameter sets: one vector of objectives per set, in the batch's order,
 * every objective MAXIMIZED (negate a loss), all vectors of the same length (1 for a single
 * objective). NaN means the set could not be scored; it ranks below every number.
 */
export type BatchObjective = (batch: ParamValues[]) => number[][] | Promise<number[][]>;

/** One scored parameter set. `index`: its place in the grid's canonical order / order of evaluation. */
export interface Evaluation {
  index: number;
  params: ParamValues;
  objectives: number[];
}

/** Canonical key of a parameter set (compact JSON, sorted keys): equal sets, equal keys. */
export function paramKey(params: ParamValues): string {
  return canonicalJson(params);
}

/**
 * Calls the objective on one batch and checks its answer: an array of `batch.length` arrays of
 * numbers, each of length `nObjectives` (when known, else of the first vector's length ≥ 1).
 */
export async function evaluateBatch(
  objective: BatchObjective,
  batch: ParamValues[],
  nObjectives: number | undefined,
  who: string,
): Promise<number[][]> {
  const out = await objective(batch);
  const bad = (what: string) =>
    new StrataError("ARGUMENT", `${who}: the objective returned ${what}`, {
      hint:
        "a batch objective returns one array of objectives (all maximized) per parameter set, in order, " +
        "e.g. batch.map((p) => [sharpe(p)])",
    });
  if (!Array.isArray(out) || out.length !== batch.length)
    throw bad(`${Array.isArray(out) ? out.length + " results" : typeof out} for a batch of ${batch.length}`);
  const m = nObjectives ?? (Array.isArray(out[0]) ? out[0].length : 0);
  out.forEach((v, i) => {
    if (!Array.isArray(v) || v.length !== m || m < 1 || v.some((x) => typeof x !== "number"))
      throw bad(`${JSON.stringify(v)} for set ${i} of the batch, expected an array of ${m || "≥ 1"} number(s)`);
  });
  return out;
}

export interface GridOptions {
  /** Float params: number of evenly spaced values (integer ≥ 2), keyed by name; wins over `step`. */
  points?: Record<string, number>;
  /** Keep only the parameter sets for which this is true. */
  constraint?: (params: ParamValues) => boolean;
  /** Most points the grid may have after the constraint (default 10,000). */
  maxPoints?: number;
}

export interface GridAxis {
  name: string;
  values: (number | Categorical)[];
}

/** Most points enumerated to apply a constraint (a bigger product is refused before any call). */
const ENUMERATION_LIMIT = 1_000_000;

const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** The axes in canonical order (see the file comment); throws naming every param that has no grid. */
export function gridAxes(space: SearchSpace, opts: GridOptions = {}): GridAxis[] {
  validateSpace(space);
  const names = Object.keys(space).sort();
  const points = opts.points ?? {};
  const problems: string[] = [];
  for (const [name, n] of Object.entries(points)) {
    const s = space[name];
    if (!s) problems.push(`points.${name}: no such param${prefix(didYouMean(name, names))}`);
    else if (s.type !== "float")
      problems.push(`points.${name}: only float params take a point count (it is ${s.type})`);
    else if (!Number.isInteger(n) || n < 2) problems.push(`points.${name}: ${n}, expected an integer ≥ 2`);
  }
  const axes = names.map((name) => ({ name, values: axisValues(space[name], points[name]) }));
  axes.forEach((a) => {
    if (a.values.length === 0)
      problems.push(`${a.name}: a float param needs a step (in the space) or a point count (points.${a.name})`);
  });
  if (problems.length)
    throw new StrataError("ARGUMENT", `gridPoints: no grid for this space:\n  - ${problems.join("\n  - ")}`, {
      hint: "e.g. { type: 'float', low: 0, high: 1, step: 0.1 }, or gridPoints(space, { points: { x: 11 } })",
    });
  return axes;
}

const prefix = (s: string | undefined) => (s ? `; ${s}` : "");

/** One axis; [] for a float with neither a step nor a point count (gridAxes reports it). */
function axisValues(s: ParamSpec, points: number | undefined): (number | Categorical)[] {
  if (s.type === "categorical") return [...s.choices];
  if (s.low === s.high) return [s.low];
  if (s.type === "float" && points !== undefined) {
    if (!Number.isInteger(points) || points < 2) return [s.low];
    const [lo, hi] = internalBounds(s);
    return Array.from({ length: points }, (_, k) => {
      if (k === 0) return s.low;
      if (k === points - 1) return s.high;
      const u = lo + (k * (hi - lo)) / (points - 1);
      return Math.min(s.high, Math.max(s.low, Number((s.log ? exp(u) : u).toPrecision(12))));
    });
  }
  const step = s.step ?? (s.type === "int" ? 1 : undefined);
  if (step === undefined) return [];
  return Array.from({ length: stepCount(s, step) }, (_, k) => latticeValue(s, step, k));
}

/**
 * Every point of the grid in canonical order (see the file comment), after the constraint.
 * Throws when more than `maxPoints` remain, and when none does.
 */
export function gridPoints(space: SearchSpace, opts: GridOptions = {}): ParamValues[] {
  const maxPoints = opts.maxPoints ?? 10_000;
  if (!Number.isInteger(maxPoints) || maxPoints < 1)
    throw new StrataError("ARGUMENT", `gridPoints: maxPoints is ${maxPoints}, expected an integer ≥ 1`);
  const axes = gridAxes(space, opts);
  const raw = axes.reduce((n, a) => n * a.values.length, 1);
  const tooMany = (what: string) =>
    new StrataError("ARGUMENT", `grid has ${what}, above maxPoints ${thousands(maxPoints)}`, {
      hint: "raise it or coarsen the steps",
      details: { rawPoints: raw, maxPoints },
    });
  if (!opts.constraint && raw > maxPoints) throw tooMany(`${thousands(raw)} points`);
  if (raw > Math.max(maxPoints, ENUMERATION_LIMIT))
    throw new StrataError(
      "ARGUMENT",
      `grid has ${thousands(raw)} points before the constraint, above the ${thousands(ENUMERATION_LIMIT)} ` +
        "that are enumerated to apply it",
      { hint: "coarsen the steps or narrow the ranges", details: { rawPoints: raw, maxPoints } },
    );
  const out: ParamValues[] = [];
  let kept = 0;
  const idx = new Array<number>(axes.length).fill(0);
  for (let visited = 0; visited < raw; visited++) {
    const p: ParamValues = {};
    axes.forEach((a, d) => {
      p[a.name] = a.values[idx[d]];
    });
    if (!opts.constraint || opts.constraint(p)) {
      kept++;
      if (kept <= maxPoints) out.push(p);
    }
    for (let d = axes.length - 1; d >= 0; d--) {
      if (++idx[d] < axes[d].values.length) break;
      idx[d] = 0;
    }
  }
  if (kept > maxPoints) throw tooMany(`${thousands(kept)} points satisfying the constraint (of ${thousands(raw)})`);
  if (kept === 0)
    throw new StrataError("ARGUMENT", `gridPoints: the constraint rejects all ${thousands(raw)} grid points`, {
      hint: "check the constraint against the params' ranges",
    });
  return out;
}

export interface GridSearchOptions extends GridOptions {
  /** Parameter sets per objective call (default 1,024; the last batch holds the rest). */
  batchSize?: number;
  /** Weights choosing `best` from the front when there are several objectives (default equal). */
  weights?: number[];
  /** Called after each batch with the number of sets evaluated so far and the total. */
  onBatch?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface GridSearchResult {
  /** Every grid point with its objectives, in canonical order (`index` = place in the grid). */
  evaluations: Evaluation[];
  /** The non-dominated evaluations in canonical order (one objective: every one tied at the maximum). */
  front: Evaluation[];
  /** One objective: the highest (first in grid order on ties); several: `pickFromFront(front, weights)`. */
  best: Evaluation;
  nObjectives: number;
}

/** Evaluates every grid point, `batchSize` at a time in canonical order. */
export async function gridSearch(
  space: SearchSpace,
  objective: BatchObjective,
  opts: GridSearchOptions = {},
): Promise<GridSearchResult> {
  const batchSize = opts.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new StrataError("ARGUMENT", `gridSearch: batchSize is ${batchSize}, expected an integer ≥ 1`);
  if (opts.weights) checkWeights(opts.weights, undefined, "gridSearch");
  const points = gridPoints(space, opts);
  const evaluations: Evaluation[] = [];
  let nObjectives: number | undefined;
  for (let start = 0; start < points.length; start += batchSize) {
    if (opts.signal?.aborted)
      throw new StrataError("ABORTED", `gridSearch: aborted after ${start} of ${points.length} points`);
    const batch = points.slice(start, start + batchSize);
    const scores = await evaluateBatch(objective, batch, nObjectives, "gridSearch");
    nObjectives ??= scores[0].length;
    batch.forEach((params, k) => {
      evaluations.push({ index: start + k, params, objectives: scores[k] });
    });
    opts.onBatch?.(evaluations.length, points.length);
  }
  const m = nObjectives ?? 1;
  if (opts.weights) checkWeights(opts.weights, m, "gridSearch");
  return { evaluations, ...frontAndBest(evaluations, opts.weights), nObjectives: m };
}
