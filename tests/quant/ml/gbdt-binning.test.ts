/**
 * Quantile binning (src/quant/ml/gbdt/binning.ts): cuts from sorted values, Uint8 codes, the
 * missing-value code, and the guarantee that "code ≤ b" ⟺ "x ≤ cuts[b]" (fit-time and
 * predict-time routing agree).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { binMatrix, computeCuts } from "../../../src/quant/ml/gbdt/index.ts";

const f32 = (xs: number[]) => Float32Array.from(xs);

describe("computeCuts", () => {
  it("computeCuts(constant) has no cut: one bin", () => {
    expect(Array.from(computeCuts(f32([3, 3, 3, 3]), 256))).toEqual([]);
    const b = binMatrix([f32([3, 3, 3])], 3, 256);
    expect(b.nBins[0]).toBe(1);
    expect(Array.from(b.codes)).toEqual([0, 0, 0]);
  });

  it("computeCuts gives each distinct value its own bin when there are fewer than maxBins", () => {
    // Thresholds halfway between consecutive distinct values (1.5, 2.5, 5): hand computed.
    expect(Array.from(computeCuts(f32([4, 1, 2, 2, 6, 1, 2]), 256))).toEqual([1.5, 3, 5]);
  });

  it("computeCuts with more distinct values than bins puts equal counts in each bin", () => {
    const xs = f32(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000)); // a permutation of 0…999
    const cuts = computeCuts(xs, 4);
    // Upper ends at ranks ⌈k·1000/4⌉ − 1 = 249, 499, 749 → thresholds 249.5, 499.5, 749.5.
    expect(Array.from(cuts)).toEqual([249.5, 499.5, 749.5]);
  });

  it("computeCuts collapses heavy ties instead of making empty bins", () => {
    const xs = f32([...Array(90).fill(0), ...Array.from({ length: 10 }, (_, i) => i + 1)]);
    const cuts = computeCuts(xs, 4);
    // Ranks 24, 49, 74 are all the value 0 → a single cut above 0.
    expect(Array.from(cuts)).toEqual([0.5]);
  });

  it("computeCuts thresholds are float32 and strictly below the next value for adjacent floats", () => {
    const a = Math.fround(1),
      c = Math.fround(1 + 2 ** -23); // adjacent float32 values
    const cuts = computeCuts(f32([a, c]), 256);
    expect(cuts[0]).toBe(a);
  });
});

describe("binMatrix", () => {
  it("binMatrix gives NaN its own code after the value bins", () => {
    const b = binMatrix([f32([1, NaN, 2, NaN, 3])], 5, 256);
    expect(b.hasMissing[0]).toBe(1);
    expect(b.nBins[0]).toBe(3);
    expect(Array.from(b.codes)).toEqual([0, 3, 1, 3, 2]);
  });

  it("binMatrix reserves one of maxBins codes for NaN", () => {
    const xs = f32([...Array.from({ length: 300 }, (_, i) => i), NaN]);
    const b = binMatrix([xs], xs.length, 256);
    expect(b.nBins[0]).toBe(255);
    expect(Math.max(...b.codes)).toBe(255);
  });

  it("binMatrix of an all-NaN column has only the missing code", () => {
    const b = binMatrix([f32([NaN, NaN])], 2, 256);
    expect(b.nBins[0]).toBe(0);
    expect(Array.from(b.codes)).toEqual([0, 0]);
  });

  it("binMatrix codes satisfy code ≤ b ⟺ x ≤ cuts[b] (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noDefaultInfinity: false }), fc.constantFrom(0, -0, 1, 1, 1)), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 2, max: 16 }),
        (vals, maxBins) => {
          const xs = f32(vals);
          const b = binMatrix([xs], xs.length, maxBins);
          const cuts = b.cuts[0];
          for (let i = 0; i < xs.length; i++) {
            const x = xs[i],
              code = b.codes[i];
            if (Number.isNaN(x)) {
              if (code !== b.nBins[0]) return false;
              continue;
            }
            if (code >= b.nBins[0]) return false;
            for (let k = 0; k < cuts.length; k++) if (code <= k !== x <= cuts[k]) return false;
          }
          for (const c of cuts) if (Math.fround(c) !== c) return false;
          // The radix-sort path equals the reference sort-based computeCuts.
          const ref = computeCuts(xs, b.hasMissing[0] ? maxBins - 1 : maxBins);
          if (ref.length !== cuts.length || ref.some((v, k) => v !== cuts[k])) return false;
          return b.nBins[0] + b.hasMissing[0] <= maxBins;
        },
      ),
    );
  });

  it("binMatrix cuts do not depend on row order", () => {
    const xs = f32(Array.from({ length: 500 }, (_, i) => Math.sin(i) * 10));
    const ys = f32(Array.from(xs).reverse());
    expect(Array.from(binMatrix([xs], 500, 32).cuts[0])).toEqual(Array.from(binMatrix([ys], 500, 32).cuts[0]));
  });
});
