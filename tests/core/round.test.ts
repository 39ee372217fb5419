/**
 * src/core/round.ts: the one rounding rule of stored numbers. The helpers must give exactly
 * the bits of the inline expressions they replaced (`Math.round(v * 1e8) / 1e8` and its 1e6,
 * 1e10 and 1e4 variants), so outputs stay byte-identical.
 */
import { describe, expect, test } from "vitest";
import { createRng } from "../../src/core/rng.ts";
import { EXACT_DECIMALS, RESULT_DECIMALS, SHARE_DECIMALS, roundDecimals, roundOrNull } from "../../src/core/round.ts";

const inline: Record<number, (v: number) => number> = {
  4: (v) => Math.round(v * 1e4) / 1e4,
  6: (v) => Math.round(v * 1e6) / 1e6,
  8: (v) => Math.round(v * 1e8) / 1e8,
  10: (v) => Math.round(v * 1e10) / 1e10,
};

describe("roundDecimals", () => {
  test("bit-identical to the inline Math.round(v * 1eD) / 1eD it replaced", () => {
    const rng = createRng(14);
    const values: number[] = [
      0,
      -0,
      0.5,
      -0.5,
      1.5e-9,
      -1.5e-9,
      0.123456785,
      1e9 + 0.5,
      -3.000000005,
      2 ** 52,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ];
    for (let i = 0; i < 20_000; i++) values.push((rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 16 - 8));
    for (const d of [4, 6, 8, 10]) {
      for (const v of values) expect(Object.is(roundDecimals(v, d), inline[d](v)), `${v} at ${d}`).toBe(true);
    }
  });

  test("half rounds toward +∞ (Math.round); non-finite values pass through", () => {
    expect(roundDecimals(0.125, 2)).toBe(0.13);
    expect(roundDecimals(-0.125, 2)).toBe(-0.12);
    expect(roundDecimals(NaN, 8)).toBeNaN();
    expect(roundDecimals(Infinity, 8)).toBe(Infinity);
    expect(roundDecimals(-Infinity, 10)).toBe(-Infinity);
    expect(`${roundDecimals(NaN, EXACT_DECIMALS)}`).toBe("NaN"); // as a note's text shows it
  });

  test("decimals outside 0..15 or not an integer are refused", () => {
    expect(() => roundDecimals(1, 16)).toThrow(/0\.\.15/);
    expect(() => roundDecimals(1, -1)).toThrow(/0\.\.15/);
    expect(() => roundDecimals(1, 2.5)).toThrow(/0\.\.15/);
    expect(roundDecimals(2.5, 0)).toBe(3);
  });
});

describe("roundOrNull", () => {
  test("defaults to RESULT_DECIMALS (8) and matches the inline rule on finite values", () => {
    expect(RESULT_DECIMALS).toBe(8);
    expect(SHARE_DECIMALS).toBe(6);
    expect(EXACT_DECIMALS).toBe(10);
    for (const v of [0.962493994999, -0.186710734, 35.468808344, 1 / 3]) {
      expect(roundOrNull(v)).toBe(inline[8](v));
      expect(roundOrNull(v, SHARE_DECIMALS)).toBe(inline[6](v));
    }
  });

  test("missing or non-finite → null (the JSON and lock spelling)", () => {
    for (const v of [NaN, Infinity, -Infinity, null, undefined]) expect(roundOrNull(v)).toBeNull();
    // JSON writes NaN as null too: replacing a NaN-returning helper changes no byte.
    expect(JSON.stringify({ a: roundOrNull(NaN) })).toBe(JSON.stringify({ a: NaN }));
  });
});
