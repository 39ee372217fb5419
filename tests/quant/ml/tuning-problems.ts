/** Test problems shared by the grid and genetic search tests (not a test file itself). */
import type { ParamValues, SearchSpace } from "../../../src/quant/ml/tuning/index.ts";

/** The planted problem: 50 × 100 integer points. */
export const PLANTED: SearchSpace = { x: { type: "int", low: 0, high: 49 }, y: { type: "int", low: 0, high: 99 } };

/** One peak of height 1 at (13, 47): 1 / (1 + ((x − 13)/4)² + ((y − 47)/8)²), < 1 everywhere else. */
export const peak = (p: ParamValues): number =>
  1 / (1 + (((p.x as number) - 13) / 4) ** 2 + (((p.y as number) - 47) / 8) ** 2);

/** The peak plus a decoy of height 0.8 at (40, 85): max(peak, 0.8 / (1 + ((x − 40)/3)² + ((y − 85)/6)²)). */
export const peakWithDecoy = (p: ParamValues): number =>
  Math.max(peak(p), 0.8 / (1 + (((p.x as number) - 40) / 3) ** 2 + (((p.y as number) - 85) / 6) ** 2));
