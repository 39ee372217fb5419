/**
 * Resampling indices of the two block bootstraps for dependent data, and the exact variance of
 * a stationary-bootstrap mean. Each resample keeps runs of consecutive observations (wrapping
 * from the last to the first), so short-range dependence survives the resampling.
 */
import { StrataError } from "../../core/errors.ts";
import type { Rng } from "../../core/rng.ts";
import { log, pow } from "../../core/math/index.ts";

export type BlockBootstrapMethod = "stationary" | "circular";

export interface BootstrapIndicesOptions {
  /** The seeded random stream (createRng / rng.fork). Required. */
  rng: Rng;
  /** Length of the resample. Default n (a Monte Carlo path may be longer or shorter). */
  length?: number;
  /** Reuse this buffer (length ≥ `length`) instead of allocating. */
  out?: Int32Array;
}

/**
 * Stationary bootstrap indices (Politis & Romano 1994, "The Stationary Bootstrap", JASA 89(428)):
 * the first index is uniform on 0…n−1; each next index is, with probability p = 1/blockLength,
 * a new uniform start, and otherwise the previous index + 1 (mod n). Block lengths are thus
 * geometric with mean `blockLength` (real, ≥ 1; 1 gives the i.i.d. bootstrap) and the resampled
 * series is stationary.
 */
export function stationaryBootstrapIndices(n: number, blockLength: number, opts: BootstrapIndicesOptions): Int32Array {
  const { rng, length, out } = checkArgs(n, blockLength, opts, "stationaryBootstrapIndices");
  const p = 1 / blockLength;
  let i = rng.int(n);
  out[0] = i;
  for (let t = 1; t < length; t++) {
    i = rng.next() < p ? rng.int(n) : i + 1 === n ? 0 : i + 1;
    out[t] = i;
  }
  return out;
}

/**
 * Circular block bootstrap indices (Politis & Romano 1992, "A Circular Block-Resampling
 * Procedure for Stationary Data"): blocks of exactly `blockLength` (an integer ≥ 1) consecutive
 * indices wrapping around the end, each starting uniformly on 0…n−1, concatenated and cut to
 * the resample length.
 */
export function circularBlockBootstrapIndices(
  n: number,
  blockLength: number,
  opts: BootstrapIndicesOptions,
): Int32Array {
  const { rng, length, out } = checkArgs(n, blockLength, opts, "circularBlockBootstrapIndices");
  if (!Number.isInteger(blockLength)) {
    throw new StrataError(
      "ARGUMENT",
      `circularBlockBootstrapIndices: blockLength must be an integer for the circular bootstrap, got ${blockLength}`,
      {
        hint: "round it (Math.round), or use the stationary bootstrap, whose mean block length may be fractional",
      },
    );
  }
  for (let t = 0; t < length; ) {
    let i = rng.int(n);
    for (let k = 0; k < blockLength && t < length; k++, t++) {
      out[t] = i;
      i = i + 1 === n ? 0 : i + 1;
    }
  }
  return out;
}

/** Indices of either bootstrap; the circular one rounds `blockLength` to the nearest integer ≥ 1. */
export function blockBootstrapIndices(
  method: BlockBootstrapMethod,
  n: number,
  blockLength: number,
  opts: BootstrapIndicesOptions,
): Int32Array {
  return method === "circular"
    ? circularBlockBootstrapIndices(n, Math.max(1, Math.round(blockLength)), opts)
    : stationaryBootstrapIndices(n, blockLength, opts);
}

/**
 * Variance of √n·(mean of a stationary-bootstrap resample), exactly, without resampling
 * (Politis & Romano 1994, Lemma 1; the estimator Hansen 2005 uses to studentize the SPA test):
 *   ω̂² = γ̂(0) + 2·Σ_{i=1}^{n−1} κ(i)·γ̂(i),   κ(i) = (1 − i/n)(1 − p)^i + (i/n)(1 − p)^(n−i),
 * p = 1/blockLength, γ̂(i) = (1/n)·Σ_{t=i}^{n−1} (x_t − x̄)(x_{t−i} − x̄). Lags whose two weights
 * are both below 1e-17 are skipped (they cannot change the sum in double precision).
 */
export function stationaryBootstrapVariance(values: ArrayLike<number>, blockLength: number): number {
  const n = values.length;
  if (!(blockLength >= 1) || !Number.isFinite(blockLength)) {
    throw new StrataError(
      "ARGUMENT",
      `stationaryBootstrapVariance: blockLength must be a number ≥ 1, got ${blockLength}`,
      {
        hint: "use optimalBlockLength(values).stationary, at least 1",
      },
    );
  }
  if (n < 2) return NaN;
  let m = 0;
  for (let t = 0; t < n; t++) m += values[t];
  m /= n;
  const e = new Float64Array(n);
  for (let t = 0; t < n; t++) e[t] = values[t] - m;
  const q = 1 - 1 / blockLength;
  // (1 − p)^i < 1e-17 once i > log(1e-17)/log(1 − p); only lags near 0 and near n matter.
  const reach = q === 0 ? 0 : Math.min(n - 1, Math.ceil(log(1e-17) / log(q)));
  let v = autocovariance(e, 0);
  for (let i = 1; i < n; i++) {
    if (i > reach && i < n - reach) {
      i = n - reach - 1;
      continue;
    }
    const k = (1 - i / n) * pow(q, i) + (i / n) * pow(q, n - i);
    v += 2 * k * autocovariance(e, i);
  }
  return v;
}

/** γ̂(k) = (1/n)·Σ_{t=k}^{n−1} e_t·e_{t−k} of a demeaned series e. */
export function autocovariance(e: ArrayLike<number>, k: number): number {
  const n = e.length;
  let s = 0;
  for (let t = k; t < n; t++) s += e[t] * e[t - k];
  return s / n;
}

function checkArgs(
  n: number,
  blockLength: number,
  opts: BootstrapIndicesOptions,
  fn: string,
): { rng: Rng; length: number; out: Int32Array } {
  if (!Number.isInteger(n) || n < 1) {
    throw new StrataError("ARGUMENT", `${fn}: n must be a positive integer (the series length), got ${n}`, {
      hint: "pass the number of observations to resample",
    });
  }
  if (!(blockLength >= 1) || !Number.isFinite(blockLength)) {
    throw new StrataError("ARGUMENT", `${fn}: blockLength must be a number ≥ 1, got ${blockLength}`, {
      hint: "use optimalBlockLength(values), at least 1; 1 is the i.i.d. bootstrap",
    });
  }
  if (!opts?.rng) {
    throw new StrataError("ARGUMENT", `${fn}: opts.rng is required`, {
      hint: "pass { rng: createRng(seed) } so the resampling is reproducible",
    });
  }
  const length = opts.length ?? n;
  if (!Number.isInteger(length) || length < 1) {
    throw new StrataError("ARGUMENT", `${fn}: length must be a positive integer, got ${length}`, {
      hint: "the number of resampled observations",
    });
  }
  const out = opts.out ?? new Int32Array(length);
  if (out.length < length) {
    throw new StrataError("ARGUMENT", `${fn}: out has ${out.length} slots but length is ${length}`, {
      hint: "pass a buffer at least as long as the resample",
    });
  }
  return { rng: opts.rng, length, out };
}
