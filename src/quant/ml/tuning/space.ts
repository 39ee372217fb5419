/**
 * Search spaces for hyper-parameter tuning: numeric (uniform, log-uniform, integer) and
 * categorical parameters. Samplers work in an "internal" continuous coordinate per numeric
 * parameter — log(x) for log-scaled ones, and integers widened by ±0.5 so that every integer
 * gets the same mass — then map back with `fromInternal` (round + clamp for integers).
 *
 * An optional `step` puts a numeric parameter on the lattice low, low + step, low + 2·step, …
 * (≤ high, in the parameter's own units even when it is log-scaled): `fromInternal` snaps to
 * the nearest lattice value, so every sampler and the grid and genetic searchers see the same
 * values. Without a step nothing changes. (With a step, the two end values of an int lattice
 * get a little less prior mass than the inner ones: the ±0.5 widening is per integer.)
 */
import { StrataError } from "../../../core/errors.ts";
import type { Rng } from "../../../core/rng.ts";
import { exp, log } from "../../../core/math/index.ts";

export type Categorical = string | number | boolean;

export type ParamSpec =
  | { type: "float"; low: number; high: number; log?: boolean; step?: number }
  | { type: "int"; low: number; high: number; log?: boolean; step?: number }
  | { type: "categorical"; choices: Categorical[] };

export type SearchSpace = Record<string, ParamSpec>;
export type ParamValues = Record<string, number | Categorical>;

/** Throws a StrataError naming every invalid parameter at once. */
export function validateSpace(space: SearchSpace): void {
  const problems: string[] = [];
  const names = Object.keys(space);
  if (names.length === 0) problems.push("the space has no parameters");
  for (const name of names) {
    const s = space[name];
    if (s.type === "categorical") {
      if (!Array.isArray(s.choices) || s.choices.length === 0)
        problems.push(`${name}: categorical needs at least one choice`);
      continue;
    }
    if (s.type !== "float" && s.type !== "int") {
      problems.push(
        `${name}: unknown type ${JSON.stringify((s as { type: unknown }).type)}, expected float, int or categorical`,
      );
      continue;
    }
    if (!Number.isFinite(s.low) || !Number.isFinite(s.high) || !(s.low <= s.high))
      problems.push(`${name}: low ${s.low} / high ${s.high}, expected finite low ≤ high`);
    if (s.type === "int" && (!Number.isInteger(s.low) || !Number.isInteger(s.high)))
      problems.push(`${name}: int bounds ${s.low}..${s.high} must be integers`);
    if (s.log && !(s.low > 0)) problems.push(`${name}: log scale needs low > 0, got ${s.low}`);
    if (
      s.step !== undefined &&
      !(Number.isFinite(s.step) && s.step > 0 && (s.type === "float" || Number.isInteger(s.step)))
    )
      problems.push(`${name}: step ${s.step}, expected ${s.type === "int" ? "an integer ≥ 1" : "a finite number > 0"}`);
  }
  if (problems.length) {
    throw new StrataError("ARGUMENT", `invalid search space:\n  - ${problems.join("\n  - ")}`, {
      hint:
        "numeric params: { type: 'float' | 'int', low, high, log?, step? }; " +
        "categorical: { type: 'categorical', choices: [...] }",
    });
  }
}

/** Internal-coordinate bounds [lo, hi] of a numeric parameter. */
export function internalBounds(s: Exclude<ParamSpec, { type: "categorical" }>): [number, number] {
  const lo = s.type === "int" ? s.low - 0.5 : s.low,
    hi = s.type === "int" ? s.high + 0.5 : s.high;
  // Log integers have low ≥ 1 (integer > 0), so the widened bound low − 0.5 stays positive.
  return s.log ? [log(lo), log(hi)] : [lo, hi];
}

/**
 * Internal coordinate → parameter value (integers rounded and clamped to [low, high]; with a
 * `step`, snapped to the nearest lattice value).
 */
export function fromInternal(s: Exclude<ParamSpec, { type: "categorical" }>, u: number): number {
  let x = s.log ? exp(u) : u;
  if (s.step !== undefined) return snapToStep(s, x);
  if (s.type === "int") x = Math.round(x);
  return Math.min(s.high, Math.max(s.low, x));
}

/** Number of lattice values of a parameter with a step: ⌊(high − low)/step⌋ + 1 (1e-9 slack for binary noise). */
export function stepCount(s: Exclude<ParamSpec, { type: "categorical" }>, step: number): number {
  return Math.floor((s.high - s.low) / step + 1e-9) + 1;
}

/**
 * The k-th lattice value low + k·step. Floats are rounded to 12 significant digits so that
 * 0 + 3 × 0.1 is 0.3 and not 0.30000000000000004 (toPrecision is exactly specified, so this
 * is the same on every engine), then clamped to [low, high]; k = 0 is low itself.
 */
export function latticeValue(s: Exclude<ParamSpec, { type: "categorical" }>, step: number, k: number): number {
  if (k === 0) return s.low;
  const x = s.low + k * step;
  return Math.min(s.high, Math.max(s.low, s.type === "int" ? x : Number(x.toPrecision(12))));
}

/** The lattice value nearest to x (a parameter with a `step`; without one, x clamped to [low, high]). */
export function snapToStep(s: Exclude<ParamSpec, { type: "categorical" }>, x: number): number {
  if (s.step === undefined) return Math.min(s.high, Math.max(s.low, x));
  const k = Math.round((x - s.low) / s.step);
  return latticeValue(s, s.step, Math.min(stepCount(s, s.step) - 1, Math.max(0, k)));
}

/** Parameter value → internal coordinate. */
export function toInternal(s: Exclude<ParamSpec, { type: "categorical" }>, x: number): number {
  return s.log ? log(x) : x;
}

/** One value drawn from the prior: uniform in the internal coordinate, uniform over choices. */
export function samplePrior(s: ParamSpec, rng: Rng): number | Categorical {
  if (s.type === "categorical") return s.choices[rng.int(s.choices.length)];
  const [lo, hi] = internalBounds(s);
  return fromInternal(s, lo + (hi - lo) * rng.next());
}
