/**
 * Seeded pseudo-random numbers. xoshiro128** (Blackman & Vigna, 2018,
 * https://prng.di.unimi.it/) seeded through splitmix32, so any 32-bit seed gives a
 * well-mixed state. All randomness in Strata enters through an `Rng`.
 */
import { log } from "./math/index.ts";
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** Standard normal (Marsaglia polar method, spare cached). */
  normal(): number;
  /** Student-t with `df` degrees of freedom, scaled to unit variance when df > 2. */
  studentT(df: number): number;
  /** A new independent stream derived from this seed and a label (does not advance this one). */
  fork(label: string | number): Rng;
  readonly seed: number;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a 32-bit hash of a string; used to derive seeds from labels. */
export function hashString32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministically combine a seed with a label into a new 32-bit seed. */
export function deriveSeed(seed: number, label: string | number): number {
  const sm = splitmix32((seed >>> 0) ^ hashString32(String(label)));
  sm();
  return sm();
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, got ${seed}`);
  const init = splitmix32(seed >>> 0);
  let s0 = init(),
    s1 = init(),
    s2 = init(),
    s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  let spare: number | null = null;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const next = (): number => nextU32() / 4294967296;
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * next() - 1;
      v = 2 * next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * log(s)) / s);
    spare = v * m;
    return u * m;
  };
  const rng: Rng = {
    seed: seed >>> 0,
    next,
    nextU32,
    int: (n: number) => Math.floor(next() * n),
    normal,
    studentT(df: number) {
      // t = Z / sqrt(chi2_df / df); chi2 via sum of squared normals for small integer df,
      // otherwise via the gamma-free Wilson–Hilferty is not exact, so keep df integer.
      const k = Math.max(1, Math.round(df));
      let chi = 0;
      for (let i = 0; i < k; i++) {
        const z = normal();
        chi += z * z;
      }
      const t = normal() / Math.sqrt(chi / k);
      return k > 2 ? t * Math.sqrt((k - 2) / k) : t;
    },
    fork: (label: string | number) => createRng(deriveSeed(seed, label)),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
