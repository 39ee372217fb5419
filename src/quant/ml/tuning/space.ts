/**
 * Search spaces for hyper-parameter tuning: numeric (uniform, log-uniform, integer) and
 * categorical parameters. Samplers work in an "internal" continuous coordinate per numeric
 * parameter — log(x) for log-scaled ones, and integers widened by ±0.5 so that every integer
 * gets the same mass — then map back with `fromInternal` (round + clamp for integers).
 */
import { StrataError } from "../../../core/errors.ts";
import type { Rng } from "../../../core/rng.ts";
import { exp, log } from "../../../core/math/index.ts";

export type Categorical = string | number | boolean;

export type ParamSpec =
  | { type: "float"; low: number; high: number; log?: boolean }
  | { type: "int"; low: number; high: number; log?: boolean }
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
  }
  if (problems.length) {
    throw new StrataError("ARGUMENT", `invalid search space:\n  - ${problems.join("\n  - ")}`, {
      hint:
        "numeric params: { type: 'float' | 'int', low, high, log? }; categorical: { type: 'categorical', " +
        "choices: [...] }",
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

/** Internal coordinate → parameter value (integers rounded and clamped to [low, high]). */
export function fromInternal(s: Exclude<ParamSpec, { type: "categorical" }>, u: number): number {
  let x = s.log ? exp(u) : u;
  if (s.type === "int") x = Math.round(x);
  return Math.min(s.high, Math.max(s.low, x));
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
