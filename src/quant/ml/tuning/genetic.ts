/**
 * Genetic search over a SearchSpace with a batch objective: each generation's new children are
 * scored in one call. One objective: a generational GA with elitism (Goldberg, "Genetic
 * Algorithms in Search, Optimization and Machine Learning", 1989, ch. 1–4; tournament selection
 * as Goldberg & Deb, FOGA 1991). Several objectives: NSGA-II (Deb et al. 2002, see pareto.ts) —
 * parents and children pooled and cut back by front rank then crowding distance, parents chosen
 * by crowded-comparison tournaments; `elite` is not used (the pooling is NSGA-II's elitism).
 *
 * Generation 0 draws `population` sets from the prior (space.ts; distinct ones preferred). Each
 * later generation breeds children (one objective: population − elite; several: population):
 * two parents by tournament (`tournament` draws with replacement, the better wins: higher
 * objective, or lower rank / larger crowding; ties to the earlier evaluation), uniform crossover
 * with probability `crossoverRate` (each gene from either parent with probability ½, the two
 * children complementary; otherwise copies), then each gene mutates with probability
 * `mutationRate`:
 *  - int: ± j lattice steps (1, or the param's `step`), P(j) ∝ 1/j for j = 1 … max(1,
 *    round(mutationScale · (lattice size − 1))), mostly small moves, sometimes far; clamped;
 *  - float: + N(0, (mutationScale · internal range)²) in the internal coordinate (log for
 *    log-scaled), clamped, snapped to the `step` lattice if any;
 *  - categorical: a different choice, uniformly.
 * Infeasible children (`constraint` false) are bred again from new parents up to `maxAttempts`
 * times, then drawn from the prior up to `maxAttempts` times, and failing that the child is a
 * copy of a tournament winner (always feasible): the population never holds an infeasible set.
 *
 * A parameter set is scored once: its canonical key (grid.ts `paramKey`) caches the objectives,
 * so children equal to an earlier set — or to each other — cost no evaluation. A generation
 * "improves" when one of its new evaluations is neither dominated by nor equal to a point of the
 * Pareto front of all earlier evaluations (one objective: beats the best so far); the search
 * stops after `generations` generations, or once `patience` generations in a row did not improve.
 *
 * Randomness: createRng(seed).fork("generation-g") for generation g only, so the same seed and
 * the same objective give the same result to the byte.
 */
import { StrataError } from "../../../core/errors.ts";
import { createRng, type Rng } from "../../../core/rng.ts";
import { evaluateBatch, paramKey, type BatchObjective, type Evaluation } from "./grid.ts";
import { checkWeights, dominates, frontAndBest, nsga2Select, paretoFront, rankAndCrowding } from "./pareto.ts";
import { sampleRandom } from "./random-search.ts";
import {
  fromInternal,
  internalBounds,
  latticeValue,
  stepCount,
  toInternal,
  validateSpace,
  type Categorical,
  type ParamSpec,
  type ParamValues,
  type SearchSpace,
} from "./space.ts";

export interface GeneticOptions {
  /** Seed of all randomness (createRng(seed) and its forks). */
  seed: number;
  /** Parameter sets per generation (integer ≥ 2, default 32). */
  population?: number;
  /** Generations including the initial random one (integer ≥ 1, default 30). */
  generations?: number;
  /** One objective: best distinct sets carried over unchanged (0 ≤ elite < population, default 1). */
  elite?: number;
  /** Contestants per tournament, drawn with replacement (1 = random parents; 1 … population, default 2). */
  tournament?: number;
  /** Probability that a pair of parents is crossed (uniform crossover) rather than copied ([0, 1], default 0.9). */
  crossoverRate?: number;
  /** Probability that each gene mutates ([0, 1], default 1 / number of params). */
  mutationRate?: number;
  /** Mutation size as a fraction of a param's range (> 0, ≤ 1, default 0.1); see the file comment. */
  mutationScale?: number;
  /** Stop after this many generations in a row without improvement (integer ≥ 1; default: never). */
  patience?: number;
  /** Only sets for which this is true are evaluated (see the file comment for how children are repaired). */
  constraint?: (params: ParamValues) => boolean;
  /** Tries per child before falling back (integer ≥ 1, default 20); generation 0 draws up to population × this. */
  maxAttempts?: number;
  /** Several objectives: weights choosing `best` from the front (pareto.ts `pickFromFront`; default equal). */
  weights?: number[];
  onGeneration?: (stats: GenerationStats) => void;
  signal?: AbortSignal;
}

export interface GeneticEvaluation extends Evaluation {
  /** Generation that first produced this set. */
  generation: number;
}

export interface GenerationStats {
  generation: number;
  /** Highest value of each objective over all evaluations so far (one objective: the best so far). */
  best: number[];
  /** Mean of each objective over this generation's population (NaN values left out). */
  mean: number[];
  /** Distinct parameter sets evaluated so far. */
  evaluations: number;
  improved: boolean;
}

export interface GeneticResult {
  /** Every distinct parameter set evaluated, in order of evaluation (`index` = that order). */
  evaluations: GeneticEvaluation[];
  /** Non-dominated evaluations in order of evaluation (one objective: every one tied at the best). */
  front: GeneticEvaluation[];
  /** One objective: the highest, first evaluated on ties; several: `pickFromFront(front, weights)`. */
  best: GeneticEvaluation;
  /** Evaluation indices of the last generation's population. */
  population: number[];
  history: GenerationStats[];
  distinctEvaluations: number;
  nObjectives: number;
  stopReason: "generations" | "patience";
}

type Settings = Required<Omit<GeneticOptions, "patience" | "constraint" | "weights" | "onGeneration" | "signal">> &
  Pick<GeneticOptions, "patience" | "weights">;

/** Options with their defaults; throws one StrataError naming every invalid option. */
export function resolveGeneticOptions(opts: GeneticOptions, nParams: number): Settings {
  const s: Settings = {
    seed: opts.seed,
    population: opts.population ?? 32,
    generations: opts.generations ?? 30,
    elite: opts.elite ?? 1,
    tournament: opts.tournament ?? 2,
    crossoverRate: opts.crossoverRate ?? 0.9,
    mutationRate: opts.mutationRate ?? 1 / Math.max(1, nParams),
    mutationScale: opts.mutationScale ?? 0.1,
    maxAttempts: opts.maxAttempts ?? 20,
    patience: opts.patience,
    weights: opts.weights,
  };
  const problems: string[] = [];
  const int = (name: keyof Settings, v: unknown, lo: number, hi: number, expect: string) => {
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi)
      problems.push(`${name} is ${v}, expected ${expect}`);
  };
  if (typeof s.seed !== "number" || !Number.isFinite(s.seed))
    problems.push(`seed is ${s.seed}, expected a finite number`);
  int("population", s.population, 2, Infinity, "an integer ≥ 2");
  int("generations", s.generations, 1, Infinity, "an integer ≥ 1");
  int("elite", s.elite, 0, s.population - 1, `an integer with 0 ≤ elite < population (${s.population})`);
  int("tournament", s.tournament, 1, s.population, `an integer from 1 to population (${s.population})`);
  int("maxAttempts", s.maxAttempts, 1, Infinity, "an integer ≥ 1");
  if (s.patience !== undefined) int("patience", s.patience, 1, Infinity, "an integer ≥ 1 (or leave it out)");
  for (const name of ["crossoverRate", "mutationRate"] as const) {
    if (!(s[name] >= 0 && s[name] <= 1)) problems.push(`${name} is ${s[name]}, expected a probability in [0, 1]`);
  }
  if (!(s.mutationScale > 0 && s.mutationScale <= 1))
    problems.push(`mutationScale is ${s.mutationScale}, expected a fraction of the range in (0, 1]`);
  if (problems.length)
    throw new StrataError("ARGUMENT", `geneticSearch: invalid options:\n  - ${problems.join("\n  - ")}`, {
      hint: "e.g. { seed: 1, population: 32, generations: 30, elite: 1, tournament: 2, crossoverRate: 0.9 }",
    });
  if (s.weights) checkWeights(s.weights, undefined, "geneticSearch");
  return s;
}

/** One mutated gene (see the file comment). */
export function mutateGene(s: ParamSpec, x: number | Categorical, scale: number, rng: Rng): number | Categorical {
  if (s.type === "categorical") {
    const n = s.choices.length;
    if (n < 2) return x;
    const at = s.choices.indexOf(x);
    if (at < 0) return s.choices[rng.int(n)];
    const j = rng.int(n - 1);
    return s.choices[j >= at ? j + 1 : j];
  }
  if (s.type === "int") {
    const step = s.step ?? 1;
    const n = stepCount(s, step);
    if (n < 2) return x;
    const size = Math.max(1, Math.round(scale * (n - 1)));
    let total = 0;
    for (let j = 1; j <= size; j++) total += 1 / j;
    let u = rng.next() * total,
      j = 1;
    while (j < size && u >= 1 / j) {
      u -= 1 / j;
      j++;
    }
    const k = Math.round(((x as number) - s.low) / step) + (rng.next() < 0.5 ? -j : j);
    return latticeValue(s, step, Math.min(n - 1, Math.max(0, k)));
  }
  const [lo, hi] = internalBounds(s);
  if (!(hi > lo)) return s.low;
  const u = toInternal(s, x as number) + scale * (hi - lo) * rng.normal();
  return fromInternal(s, Math.min(hi, Math.max(lo, u)));
}

/** Uniform crossover: each gene swapped between the two children with probability ½. */
function crossover(a: ParamValues, b: ParamValues, names: string[], rng: Rng): [ParamValues, ParamValues] {
  const c: ParamValues = {},
    d: ParamValues = {};
  for (const name of names) {
    const swap = rng.next() < 0.5;
    c[name] = swap ? b[name] : a[name];
    d[name] = swap ? a[name] : b[name];
  }
  return [c, d];
}

/** NaN → −∞ for ranking. */
const val = (x: number): number => (x === x ? x : -Infinity);

/** The GA / NSGA-II described in the file comment. */
export async function geneticSearch(
  space: SearchSpace,
  objective: BatchObjective,
  opts: GeneticOptions,
): Promise<GeneticResult> {
  validateSpace(space);
  const names = Object.keys(space).sort();
  const o = resolveGeneticOptions(opts, names.length);
  const root = createRng(o.seed);
  const feasible = (p: ParamValues) => !opts.constraint || opts.constraint(p);
  const evaluations: GeneticEvaluation[] = [];
  const cache = new Map<string, number>();
  let nObjectives: number | undefined;

  /** Evaluation index of each set, scoring the new distinct ones in one batch. */
  const score = async (sets: ParamValues[], generation: number): Promise<number[]> => {
    const fresh: ParamValues[] = [];
    const pending = new Map<string, number>();
    const keys = sets.map((p) => {
      const key = paramKey(p);
      if (!cache.has(key) && !pending.has(key)) {
        pending.set(key, evaluations.length + fresh.length);
        fresh.push(p);
      }
      return key;
    });
    if (fresh.length > 0) {
      const scores = await evaluateBatch(objective, fresh, nObjectives, "geneticSearch");
      nObjectives ??= scores[0].length;
      fresh.forEach((params, k) => {
        evaluations.push({ index: evaluations.length, generation, params, objectives: scores[k] });
      });
      for (const [key, i] of pending) cache.set(key, i);
    }
    return keys.map((key) => cache.get(key)!);
  };

  let population = [...new Set(await score(initialSets(space, o, feasible, root.fork("generation-0")), 0))];
  const m = nObjectives!;
  if (o.weights) checkWeights(o.weights, m, "geneticSearch");
  const multi = m > 1;
  let front = paretoFront(evaluations.map((e) => e.objectives));
  const history: GenerationStats[] = [stats(0, population, evaluations, m, true)];
  opts.onGeneration?.(history[0]);
  let stall = 0;
  let stopReason: GeneticResult["stopReason"] = "generations";
  for (let g = 1; g < o.generations; g++) {
    if (opts.signal?.aborted) throw new StrataError("ABORTED", `geneticSearch: aborted after ${g} generations`);
    const rng = root.fork(`generation-${g}`);
    const before = evaluations.length;
    const prefer = preference(population, evaluations, multi);
    const nChildren = multi ? o.population : o.population - o.elite;
    const sets = breed(space, names, o, feasible, population, evaluations, prefer, nChildren, rng);
    const children = await score(sets, g);
    if (multi) {
      const pool = [...new Set([...population, ...children])];
      population = nsga2Select(
        pool.map((i) => evaluations[i].objectives),
        o.population,
      ).map((k) => pool[k]);
    } else population = [...eliteOf(population, evaluations, o.elite), ...children];
    const frontObjectives = front.map((i) => evaluations[i].objectives);
    const improved = evaluations.slice(before).some((e) => improves(e.objectives, frontObjectives));
    if (improved) front = paretoFront(evaluations.map((e) => e.objectives));
    history.push(stats(g, population, evaluations, m, improved));
    opts.onGeneration?.(history[history.length - 1]);
    stall = improved ? 0 : stall + 1;
    if (o.patience !== undefined && stall >= o.patience) {
      stopReason = "patience";
      break;
    }
  }
  return {
    evaluations,
    ...frontAndBest(evaluations, o.weights),
    population,
    history,
    distinctEvaluations: evaluations.length,
    nObjectives: m,
    stopReason,
  };
}

/**
 * Generation 0: up to population × maxAttempts prior draws, keeping feasible sets not drawn
 * before until `population` are found; too few distinct ones are repeated in turn (a tiny
 * space), none at all is an error.
 */
function initialSets(space: SearchSpace, o: Settings, feasible: (p: ParamValues) => boolean, rng: Rng): ParamValues[] {
  const found = new Map<string, ParamValues>();
  for (let draw = 0; draw < o.population * o.maxAttempts && found.size < o.population; draw++) {
    const p = sampleRandom(space, rng);
    const key = paramKey(p);
    if (!found.has(key) && feasible(p)) found.set(key, p);
  }
  const sets = [...found.values()];
  if (sets.length === 0)
    throw new StrataError(
      "ARGUMENT",
      `geneticSearch: the constraint rejected all ${o.population * o.maxAttempts} random parameter sets`,
      { hint: "check the constraint against the params' ranges, or raise maxAttempts" },
    );
  return Array.from({ length: o.population }, (_, i) => sets[i % sets.length]);
}

/** prefer(a, b): population member at position a wins a tournament against position b. */
function preference(
  population: number[],
  evaluations: GeneticEvaluation[],
  multi: boolean,
): (a: number, b: number) => boolean {
  if (!multi) {
    return (a, b) => {
      const x = val(evaluations[population[a]].objectives[0]),
        y = val(evaluations[population[b]].objectives[0]);
      return x > y || (x === y && population[a] < population[b]);
    };
  }
  const { rank, crowding } = rankAndCrowding(population.map((i) => evaluations[i].objectives));
  return (a, b) =>
    rank[a] !== rank[b]
      ? rank[a] < rank[b]
      : crowding[a] !== crowding[b]
        ? crowding[a] > crowding[b]
        : population[a] < population[b];
}

/** `nChildren` feasible children (see the file comment for selection, variation and repair). */
function breed(
  space: SearchSpace,
  names: string[],
  o: Settings,
  feasible: (p: ParamValues) => boolean,
  population: number[],
  evaluations: GeneticEvaluation[],
  prefer: (a: number, b: number) => boolean,
  nChildren: number,
  rng: Rng,
): ParamValues[] {
  const tournament = (): ParamValues => {
    let w = rng.int(population.length);
    for (let t = 1; t < o.tournament; t++) {
      const c = rng.int(population.length);
      if (prefer(c, w)) w = c;
    }
    return evaluations[population[w]].params;
  };
  const mutate = (p: ParamValues): ParamValues => {
    const out: ParamValues = {};
    for (const name of names)
      out[name] = rng.next() < o.mutationRate ? mutateGene(space[name], p[name], o.mutationScale, rng) : p[name];
    return out;
  };
  const children: ParamValues[] = [];
  while (children.length < nChildren) {
    let got: ParamValues[] = [];
    for (let attempt = 0; attempt < o.maxAttempts && got.length === 0; attempt++) {
      const a = tournament(),
        b = tournament();
      const [c, d] = rng.next() < o.crossoverRate ? crossover(a, b, names, rng) : [a, b];
      got = [mutate(c), mutate(d)].filter(feasible);
    }
    for (let attempt = 0; attempt < o.maxAttempts && got.length === 0; attempt++) {
      const p = sampleRandom(space, rng);
      if (feasible(p)) got = [p];
    }
    if (got.length === 0) got = [{ ...tournament() }];
    children.push(...got.slice(0, nChildren - children.length));
  }
  return children;
}

/** The `elite` best distinct members (highest objective, earlier evaluation on ties). */
function eliteOf(population: number[], evaluations: GeneticEvaluation[], elite: number): number[] {
  return [...new Set(population)]
    .sort((a, b) => val(evaluations[b].objectives[0]) - val(evaluations[a].objectives[0]) || a - b)
    .slice(0, elite);
}

/** Neither dominated by nor equal to any point of the front. */
function improves(x: number[], front: number[][]): boolean {
  return !front.some((f) => dominates(f, x) || f.every((v, m) => val(v) === val(x[m])));
}

function stats(
  generation: number,
  population: number[],
  evaluations: GeneticEvaluation[],
  m: number,
  improved: boolean,
): GenerationStats {
  const best: number[] = [],
    mean: number[] = [];
  for (let k = 0; k < m; k++) {
    best.push(evaluations.reduce((b, e) => Math.max(b, val(e.objectives[k])), -Infinity));
    const vals = population.map((i) => evaluations[i].objectives[k]).filter((v) => v === v);
    mean.push(vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN);
  }
  return { generation, best, mean, evaluations: evaluations.length, improved };
}
