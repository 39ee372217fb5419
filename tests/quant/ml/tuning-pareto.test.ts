import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { StrataError } from "../../../src/core/errors.ts";
import {
  crowdingDistance,
  dominates,
  nonDominatedSort,
  nsga2Select,
  paretoFront,
  pickFromFront,
  rankAndCrowding,
} from "../../../src/quant/ml/tuning/index.ts";

// Eight points drawn by hand, both objectives maximized (y up, x right):
//
//   9 A                      A (1,9)  B (3,7)  C (5,5)  D (9,1)   front 0: nothing is up-and-right of them
//   7   B                    E (2,5)  F (4,3)  G (6,1)            front 1: E < B, F < C, G < D (x 6 < 9, y 1 = 1)
//   5  E  C                  H (2,2)                              front 2: H < E (x 2 = 2, y 2 < 5) and H < F
//   3     F
//   2  H
//   1        G   D
//      1 2 3 4 5 6 7 8 9
//
// listed shuffled, index: 0 C, 1 H, 2 A, 3 F, 4 D, 5 E, 6 B, 7 G.
const P = [
  [5, 5],
  [2, 2],
  [1, 9],
  [4, 3],
  [9, 1],
  [2, 5],
  [3, 7],
  [6, 1],
];

describe("non-dominated sorting and crowding (Deb et al. 2002, §III-A/B)", () => {
  it("sorts the hand-drawn points into three fronts", () => {
    expect(nonDominatedSort(P)).toEqual([
      [0, 2, 4, 6], // C A D B
      [3, 5, 7], // F E G
      [1], // H
    ]);
    expect(paretoFront(P)).toEqual([0, 2, 4, 6]);
    expect(dominates([2, 5], [2, 2])).toBe(true);
    expect(dominates([2, 5], [2, 5])).toBe(false);
  });

  it("crowding distance of the hand-drawn fronts", () => {
    // Front 0 as given (C, A, D, B). x: sorted A 1, B 3, C 5, D 9, range 8 → A, D ∞;
    // B (5 − 1)/8 = 0.5; C (9 − 3)/8 = 0.75. y: sorted D 1, C 5, B 7, A 9, range 8 → D, A ∞;
    // C (7 − 1)/8 = 0.75; B (9 − 5)/8 = 0.5. Sums: C 1.5, A ∞, D ∞, B 1.
    expect(crowdingDistance([P[0], P[2], P[4], P[6]])).toEqual([1.5, Infinity, Infinity, 1]);
    // Front 1 (F, E, G). x: E 2, F 4, G 6, range 4 → F (6 − 2)/4 = 1; y: G 1, F 3, E 5 → F (5 − 1)/4 = 1.
    expect(crowdingDistance([P[3], P[5], P[7]])).toEqual([2, Infinity, Infinity]);
    expect(crowdingDistance([P[1]])).toEqual([Infinity]);
    const { rank, crowding } = rankAndCrowding(P);
    expect(rank).toEqual([0, 2, 0, 1, 0, 1, 0, 1]);
    expect(crowding).toEqual([1.5, Infinity, Infinity, 2, Infinity, Infinity, 1, Infinity]);
  });

  it("equal vectors are mutually non-dominating; a zero-range objective adds nothing", () => {
    expect(
      nonDominatedSort([
        [1, 1],
        [1, 1],
        [0, 0],
        [1, 1],
      ]),
    ).toEqual([[0, 1, 3], [2]]);
    expect(
      paretoFront([
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    ).toEqual([0, 1]);
    // y is 4 for all three: only x counts: sorted 0, 1, 3 → ends ∞, middle (3 − 0)/3 = 1.
    expect(
      crowdingDistance([
        [3, 4],
        [0, 4],
        [1, 4],
      ]),
    ).toEqual([Infinity, Infinity, 1]);
    expect(
      crowdingDistance([
        [2, 2],
        [2, 2],
        [2, 2],
      ]),
    ).toEqual([0, 0, 0]);
  });

  it("NaN objectives count as −∞: dominated by any number", () => {
    expect(
      nonDominatedSort([
        [NaN, 1],
        [0, 1],
        [NaN, NaN],
      ]),
    ).toEqual([[1], [0], [2]]);
  });

  it("NSGA-II selection keeps whole fronts, then the least crowded of the last one", () => {
    // n = 5: front 0 (4 points) fits; one more from front 1 = F 2, E ∞, G ∞: E and G tie at ∞,
    // E comes first in the front → E (index 5). n = 6 adds G (7); n = 8 takes everything.
    expect(nsga2Select(P, 5)).toEqual([0, 2, 4, 5, 6]);
    expect(nsga2Select(P, 6)).toEqual([0, 2, 4, 5, 6, 7]);
    expect(nsga2Select(P, 4)).toEqual([0, 2, 4, 6]);
    expect(nsga2Select(P, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("paretoFront agrees with the first front of nonDominatedSort on random integer sets", () => {
    const rng = createRng(7);
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.int(30),
        m = 1 + rng.int(3);
      const pts = Array.from({ length: n }, () => Array.from({ length: m }, () => rng.int(5)));
      expect(paretoFront(pts)).toEqual(nonDominatedSort(pts)[0]);
    }
  });
});

describe("pickFromFront", () => {
  it("normalizes each objective over the front and breaks ties by the lowest index", () => {
    // Front 0 in x order A (1,9), B (3,7), C (5,5), D (9,1): x → (x − 1)/8 = 0, .25, .5, 1;
    // y → (y − 1)/8 = 1, .75, .5, 0. Weights (1, 1): every score is 1 → A (index 0).
    // (2, 1): 1, 1.25, 1.5, 2 → D. (1, 3): 3, 2.5, 2, 1 → A.
    const front = [
      [1, 9],
      [3, 7],
      [5, 5],
      [9, 1],
    ];
    expect(pickFromFront(front, [1, 1])).toBe(0);
    expect(pickFromFront(front, [2, 1])).toBe(3);
    expect(pickFromFront(front, [1, 3])).toBe(0);
    // A bulging front (0,10), (6,8), (9,3), (10,0): normalized (0,1), (.6,.8), (.9,.3), (1,0).
    // (1, 1): 1, 1.4, 1.2, 1 → index 1. (3, 1): 1, 2.6, 3.0, 3 → indices 2 and 3 tie → 2.
    const bulge = [
      [0, 10],
      [6, 8],
      [9, 3],
      [10, 0],
    ];
    expect(pickFromFront(bulge, [1, 1])).toBe(1);
    expect(pickFromFront(bulge, [3, 1])).toBe(2);
    expect(pickFromFront(bulge, [0, 1])).toBe(0);
    expect(pickFromFront([[5]], [1])).toBe(0);
  });

  it("rejects bad weights and an empty front", () => {
    expect(() => pickFromFront([[1, 2]], [1])).toThrow(StrataError);
    expect(() => pickFromFront([[1, 2]], [0, 0])).toThrow(/weights \[0,0\], expected 2 finite number/);
    expect(() => pickFromFront([[1, 2]], [-1, 2])).toThrow(/weights \[-1,2\]/);
    expect(() => pickFromFront([], [1])).toThrow(/the front is empty/);
  });
});
