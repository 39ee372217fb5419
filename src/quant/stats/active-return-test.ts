/**
 * Does a challenger beat the champion it ran beside? A paired test on the daily active return
 * a_t = r_challenger,t − r_champion,t (same days, same prices): the champion–challenger
 * comparison of a shadow period.
 *
 * The mean active return ā is bootstrapped with the stationary bootstrap of Politis & Romano
 * (1994), "The Stationary Bootstrap", JASA 89(428), which keeps the serial dependence of daily
 * returns by resampling blocks of geometric mean length `blockLength` (default: Politis & White's
 * automatic choice, optimalBlockLength, at least 1). The pairs are resampled together — the
 * active series is resampled, never the two legs apart — so what the two books share (the
 * market on the same days) cancels before resampling. One-sided test of H0: E[a] ≤ 0:
 *
 *   p = (1 + #{b : ā*_b − ā ≥ ā}) / (B + 1)
 *
 * the share of resamples whose centred mean is at least the observed one (the centred
 * bootstrap distribution approximates ā's under H0; the +1 terms keep p > 0, the convention of
 * Davison & Hinkley 1997, §4.4). `confidence` = 1 − p. Deterministic given `rng`.
 */
import { StrataError } from "../../core/errors.ts";
import { hashString32, type Rng } from "../../core/rng.ts";
import { stationaryBootstrapIndices } from "./block-bootstrap.ts";
import { optimalBlockLength } from "./optimal-block-length.ts";

export interface ActiveReturnTestOptions {
  /** The seeded random stream. Required. */
  rng: Rng;
  /** Bootstrap resamples B (default 2,000). */
  resamples?: number;
  /** Mean block length; default the automatic choice (at least 1). */
  blockLength?: number;
  /** Periods per year, for the annualized figures (default 252). */
  periodsPerYear?: number;
}

export interface ActiveReturnTest {
  /** Number of paired periods. */
  n: number;
  /** Mean daily active return ā, and annualized (ā × periodsPerYear, simple). */
  meanActive: number;
  annualActive: number;
  /** One-sided bootstrap p-value of H0: E[a] ≤ 0, and 1 − p. */
  p: number;
  confidence: number;
  blockLength: number;
  resamples: number;
}

/**
 * The seed of one champion–challenger comparison: both models' fingerprints and the last shared
 * day. The promotion rule (src/paper/shadow.ts) and the report page that shows its test
 * (src/report/site/paper-shadow.ts) both draw from it, so they resample the same way.
 */
export function activeReturnSeed(champion: string, challenger: string, lastDay: string): number {
  return hashString32(`${champion}:${challenger}:${lastDay}`);
}

export function activeReturnTest(
  challenger: ArrayLike<number>,
  champion: ArrayLike<number>,
  opts: ActiveReturnTestOptions,
): ActiveReturnTest {
  const n = challenger.length;
  if (champion.length !== n) {
    throw new StrataError(
      "ARGUMENT",
      `activeReturnTest: challenger has ${n} returns, champion ${champion.length}; expected the same days`,
      { hint: "align the two return series on their dates first (inner join)" },
    );
  }
  if (n < 10) {
    throw new StrataError("ARGUMENT", `activeReturnTest: ${n} paired days; expected at least 10`, {
      hint: "run the challenger in shadow for longer before testing it",
    });
  }
  const a = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    a[t] = challenger[t] - champion[t];
    if (!Number.isFinite(a[t])) {
      throw new StrataError("ARGUMENT", `activeReturnTest: day ${t} has a non-finite return`, {
        hint: "pass daily returns with no NaN (a day either book did not trade counts as 0)",
      });
    }
  }
  const B = opts.resamples ?? 2000;
  const block = opts.blockLength ?? Math.max(1, optimalBlockLength(a).stationary);
  const mean = meanOf(a);
  const idx = new Int32Array(n);
  let atLeast = 0;
  for (let b = 0; b < B; b++) {
    stationaryBootstrapIndices(n, block, { rng: opts.rng, out: idx });
    let s = 0;
    for (let t = 0; t < n; t++) s += a[idx[t]];
    if (s / n - mean >= mean) atLeast++;
  }
  const p = (1 + atLeast) / (B + 1);
  return {
    n,
    meanActive: mean,
    annualActive: mean * (opts.periodsPerYear ?? 252),
    p,
    confidence: 1 - p,
    blockLength: block,
    resamples: B,
  };
}

function meanOf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
