/** Random search (Bergstra & Bengio, JMLR 13, 2012): every parameter drawn from its prior. */
import type { Rng } from "../../../core/rng.ts";
import { samplePrior, type ParamValues, type SearchSpace } from "./space.ts";

/** One parameter set drawn independently from each parameter's prior (names in sorted order). */
export function sampleRandom(space: SearchSpace, rng: Rng): ParamValues {
  const out: ParamValues = {};
  for (const name of Object.keys(space).sort()) out[name] = samplePrior(space[name], rng);
  return out;
}
