/**
 * Purged walk-forward, purged k-fold and CPCV: hand-worked splits, AFML's path count, and
 * property tests over random date sets and options checking — with date positions recomputed
 * here independently — that no training label window overlaps a test label window, that the
 * embargo holds, that nothing more than purge + embargo is removed, and that walk-forward
 * never trains on or after its test block.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  combinatorialPurgedCv,
  cpcvGroupOf,
  cpcvPaths,
  purgedKFold,
  purgedWalkForward,
  type Fold,
} from "../../../src/quant/ml/cv.ts";

/** One row per date position 0..T−1, dates 1000, 1001, … */
const days = (T: number): Int32Array => Int32Array.from({ length: T }, (_, i) => 1000 + i);
/** Date positions of a fold's rows when rows = positions (as with `days`). */
const pos = (rows: Int32Array): number[] => Array.from(rows);

describe("purgedKFold by hand", () => {
  it("10 dates, k = 5, lag 1, labelHorizon 2, embargo 1: fold 2 tests 4–5, purges 2–3 and 6–7, embargoes 8", () => {
    // Windows [d+1, d+3]. Test {4,5} spans [5, 8]. Overlapping: d ∈ [2, 7]. Embargo: training
    // resumes embargo = 1 bar after the purge, at 5 + 2 + 1 + 1 = 9.
    const folds = purgedKFold(days(10), { lag: 1, labelHorizon: 2, embargo: 1, k: 5 });
    expect(folds).toHaveLength(5);
    expect(pos(folds[2].test)).toEqual([4, 5]);
    expect(pos(folds[2].train)).toEqual([0, 1, 9]);
    expect([folds[2].testStart, folds[2].testEnd]).toEqual([1004, 1005]);
    // First fold: nothing before; after: purge 2–3, embargo 4.
    expect(pos(folds[0].train)).toEqual([5, 6, 7, 8, 9]);
    // Last fold: purge 6–7 before; no embargo needed.
    expect(pos(folds[4].train)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("block sizes follow scikit-learn's KFold: 11 dates, k = 3 → 4, 4, 3", () => {
    const folds = purgedKFold(days(11), { lag: 1, labelHorizon: 0, embargo: 0, k: 3 });
    expect(folds.map((f) => pos(f.test))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10],
    ]);
    // labelHorizon 0: windows are single bars, nothing to purge.
    expect(pos(folds[1].train)).toEqual([0, 1, 2, 3, 8, 9, 10]);
  });

  it("keeps all rows of a date together, in any row order", () => {
    const dates = Int32Array.of(7, 3, 5, 3, 7, 1, 5, 1, 9, 9);
    const folds = purgedKFold(dates, { lag: 1, labelHorizon: 0, embargo: 0, k: 5 });
    // distinct dates 1,3,5,7,9 → one per fold; fold 1 tests date 3 = rows 1 and 3
    expect(pos(folds[1].test)).toEqual([1, 3]);
    expect(pos(folds[1].train)).toEqual([0, 2, 4, 5, 6, 7, 8, 9]);
  });

  it("throws naming the fold when purge and embargo leave no training dates", () => {
    expect(() => purgedKFold(days(4), { lag: 1, labelHorizon: 3, embargo: 0, k: 2 })).toThrow(
      /fold 0 \(test 1972-09-27 … 1972-09-28\) has no training dates left after purging 3/,
    );
  });
});

describe("purgedWalkForward by hand", () => {
  // 12 dates, nFolds 3 → 4 blocks of 3; tests [3–5], [6–8], [9–11]. lag 1, h 2: training must
  // end at a − h − 1 = a − 3.
  const opts = { lag: 1, labelHorizon: 2, embargo: 0, nFolds: 3 };

  it("expanding: trains on 0 … a − 3", () => {
    const folds = purgedWalkForward(days(12), opts);
    expect(folds.map((f) => pos(f.test))).toEqual([
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
    expect(folds.map((f) => pos(f.train))).toEqual([[0], [0, 1, 2, 3], [0, 1, 2, 3, 4, 5, 6]]);
    expect(folds.map((f) => f.index)).toEqual([0, 1, 2]);
  });

  it("rolling with trainDates 2: the 2 dates ending at a − 3", () => {
    const folds = purgedWalkForward(days(12), { ...opts, mode: "rolling", trainDates: 2 });
    expect(folds.map((f) => pos(f.train))).toEqual([[0], [2, 3], [5, 6]]);
  });

  it("drops folds below minTrainDates and renumbers the rest", () => {
    const folds = purgedWalkForward(days(12), { ...opts, minTrainDates: 2 });
    expect(folds.map((f) => [f.index, f.testStart])).toEqual([
      [0, 1006],
      [1, 1009],
    ]);
  });

  it("lag 3 requires the training label to be realized by the first test date: a − h − 3", () => {
    // gap h + lag = 5: block [3–5] keeps nothing (dropped), [6–8] trains on 0–1, [9–11] on 0–4
    const folds = purgedWalkForward(days(12), { ...opts, lag: 3 });
    expect(folds.map((f) => pos(f.train))).toEqual([
      [0, 1],
      [0, 1, 2, 3, 4],
    ]);
    expect(folds.map((f) => f.testStart)).toEqual([1006, 1009]);
  });

  it("throws when no fold keeps minTrainDates, and rejects inconsistent options", () => {
    expect(() => purgedWalkForward(days(12), { ...opts, minTrainDates: 50 })).toThrow(
      /every fold has fewer than minTrainDates = 50 training dates \(at most 7: 12 dates, test blocks of 3, 3 dates purged/,
    );
    expect(() => purgedWalkForward(days(12), { ...opts, mode: "rolling" })).toThrow(
      /trainDates is undefined; expected an integer ≥ 1/,
    );
    expect(() => purgedWalkForward(days(12), { ...opts, trainDates: 5 })).toThrow(/only used by mode "rolling"/);
    expect(() => purgedWalkForward(days(3), { ...opts })).toThrow(/3 distinct dates cannot make 3 test blocks/);
    expect(() => purgedWalkForward(days(12), { ...opts, lag: -1 })).toThrow(/lag is -1; expected an integer ≥ 0/);
  });
});

describe("combinatorialPurgedCv and cpcvPaths", () => {
  it("N = 6, k = 2 gives C(6,2) = 15 folds and φ = 5 paths (AFML §12.4, Fig. 12.1)", () => {
    const folds = combinatorialPurgedCv(days(60), { lag: 1, labelHorizon: 2, embargo: 1, nGroups: 6, nTestGroups: 2 });
    expect(folds).toHaveLength(15);
    expect(folds[0].testGroups).toEqual([0, 1]);
    expect(folds[14].testGroups).toEqual([4, 5]);
    const paths = cpcvPaths(6, 2);
    expect(paths).toHaveLength(5);
    // AFML Fig. 12.2: path 1 takes group 1 from split 1 and groups 2…6 from splits 1–5 → here
    // 0-based: group 0 from fold 0 ({0,1}), group 1 also from fold 0, group 2 from fold 1 ({0,2}) …
    expect(paths[0]).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it("a fold testing groups 1 and 3 purges and embargoes around each group", () => {
    // 12 dates, 6 groups of 2; test groups 1 = [2,3] and 3 = [6,7]; lag 1, h 1, embargo 1:
    // purge 1 and 4, 5 and 8; embargo 5 (already purged) and 9. Training: 0, 10, 11.
    const folds = combinatorialPurgedCv(days(12), { lag: 1, labelHorizon: 1, embargo: 1, nGroups: 6, nTestGroups: 2 });
    const f = folds.find((x) => x.testGroups.join() === "1,3")!;
    expect(pos(f.test)).toEqual([2, 3, 6, 7]);
    expect(pos(f.train)).toEqual([0, 10, 11]);
    expect([f.testStart, f.testEnd]).toEqual([1002, 1007]);
  });

  it("rejects nTestGroups outside 1 … nGroups − 1 and combinatorial explosions", () => {
    expect(() =>
      combinatorialPurgedCv(days(30), { lag: 1, labelHorizon: 1, embargo: 0, nGroups: 4, nTestGroups: 4 }),
    ).toThrow(/nTestGroups is 4; expected an integer in \[1, 3\]/);
    expect(() => cpcvPaths(30, 15)).toThrow(/C\(30, 15\) = 155117520 folds; expected at most 10000/);
  });
});

// ------------------------------------------------------------------------------ properties

interface Panel {
  dates: Int32Array;
  T: number;
  posOf: (row: number) => number;
}

/** Random distinct dates (gappy epoch days), 1–3 rows each, rows shuffled. */
const panel = fc
  .record({
    days: fc.uniqueArray(fc.integer({ min: 15_000, max: 16_000 }), { minLength: 2, maxLength: 70 }),
    reps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 70, maxLength: 70 }),
    keys: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 210, maxLength: 210 }),
  })
  .map(({ days: ds, reps, keys }): Panel => {
    const rows: number[] = [];
    ds.forEach((d, i) => {
      for (let r = 0; r < reps[i]; r++) rows.push(d);
    });
    const order = rows.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
    const dates = Int32Array.from(order, (i) => rows[i]);
    // Independent date positions: rank of each distinct day.
    const sorted = [...new Set(ds)].sort((a, b) => a - b);
    const at = new Map(sorted.map((d, i) => [d, i] as const));
    return { dates, T: sorted.length, posOf: (row) => at.get(dates[row])! };
  });

const windows = fc.record({
  lag: fc.integer({ min: 0, max: 3 }),
  labelHorizon: fc.integer({ min: 0, max: 6 }),
  embargo: fc.integer({ min: 0, max: 5 }),
});

/** Splitters may refuse impossible requests, but only with a StrataError ARGUMENT. */
function foldsOrRefusal<F extends Fold>(make: () => F[]): F[] | null {
  try {
    return make();
  } catch (e) {
    expect((e as { name?: string }).name).toBe("StrataError");
    expect((e as { code?: string }).code).toBe("ARGUMENT");
    return null;
  }
}

/** Invariants every fold of every splitter satisfies. Returns train/test date position sets. */
function checkFold(
  p: Panel,
  f: Fold,
  w: { lag: number; labelHorizon: number },
): { train: Set<number>; test: Set<number> } {
  for (const rows of [f.train, f.test]) {
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    for (const r of rows) expect(r >= 0 && r < p.dates.length).toBe(true);
  }
  const train = new Set(Array.from(f.train, p.posOf)),
    test = new Set(Array.from(f.test, p.posOf));
  expect(f.test.length).toBeGreaterThan(0);
  expect(f.train.length).toBeGreaterThan(0);
  // Dates, not rows: every row of a test date is a test row; no date on both sides.
  for (let r = 0; r < p.dates.length; r++) if (test.has(p.posOf(r))) expect(f.test.includes(r)).toBe(true);
  for (const d of train) expect(test.has(d)).toBe(false);
  // No training label window [d+lag, d+lag+h] overlaps a test label window.
  const h = w.labelHorizon;
  for (const d of train) {
    for (const t of test) {
      const disjoint = d + w.lag + h < t + w.lag || t + w.lag + h < d + w.lag;
      if (!disjoint) throw new Error(`train date ${d} window overlaps test date ${t} (lag ${w.lag}, h ${h})`);
    }
  }
  const testPos = [...test];
  expect(p.dates.indexOf(f.testStart)).toBeGreaterThanOrEqual(0);
  expect(p.posOf(p.dates.indexOf(f.testStart))).toBe(Math.min(...testPos));
  expect(p.posOf(p.dates.indexOf(f.testEnd))).toBe(Math.max(...testPos));
  return { train, test };
}

/** k-fold/CPCV: train is exactly the non-test dates outside purge (before) and purge+embargo (after). */
function checkPurgeEmbargo(
  T: number,
  s: { train: Set<number>; test: Set<number> },
  w: { labelHorizon: number; embargo: number },
): void {
  for (let d = 0; d < T; d++) {
    if (s.test.has(d)) continue;
    let allowed = true;
    for (const t of s.test) {
      if (d < t && t - d <= w.labelHorizon) allowed = false; // purge before a test date
      if (d > t && d - t <= w.labelHorizon + w.embargo) allowed = false; // purge + embargo after
    }
    if (s.train.has(d) !== allowed) throw new Error(`date ${d}: in train ${s.train.has(d)}, allowed ${allowed}`);
  }
}

describe("splitter properties", () => {
  it("purgedKFold: disjoint label windows, embargo holds, nothing else removed, every date tested once", () => {
    fc.assert(
      fc.property(panel, windows, fc.integer({ min: 2, max: 8 }), (p, w, k) => {
        const folds = foldsOrRefusal(() => purgedKFold(p.dates, { ...w, k }));
        if (!folds) return;
        const tested = new Array<number>(p.T).fill(0);
        folds.forEach((f, i) => {
          expect(f.index).toBe(i);
          const s = checkFold(p, f, w);
          checkPurgeEmbargo(p.T, s, w);
          for (const d of s.test) tested[d]++;
        });
        expect(tested.every((c) => c === 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("combinatorialPurgedCv: same invariants; each date tested C(N−1, k−1) times; paths cover each group once", () => {
    const opts = fc
      .integer({ min: 2, max: 7 })
      .chain((N) => fc.record({ N: fc.constant(N), k: fc.integer({ min: 1, max: N - 1 }) }));
    fc.assert(
      fc.property(panel, windows, opts, (p, w, { N, k }) => {
        const folds = foldsOrRefusal(() => combinatorialPurgedCv(p.dates, { ...w, nGroups: N, nTestGroups: k }));
        if (!folds) return;
        const choose = (n: number, r: number): number => (r === 0 ? 1 : (choose(n - 1, r - 1) * n) / r);
        expect(folds).toHaveLength(choose(N, k));
        const group = cpcvGroupOf(p.dates, N);
        const tested = new Array<number>(p.T).fill(0);
        for (const f of folds) {
          const s = checkFold(p, f, w);
          checkPurgeEmbargo(p.T, s, w);
          for (const d of s.test) tested[d]++;
          expect([...new Set(Array.from(f.test, (r) => group[r]))].sort((a, b) => a - b)).toEqual(f.testGroups);
        }
        expect(tested.every((c) => c === choose(N - 1, k - 1))).toBe(true);
        const paths = cpcvPaths(N, k);
        expect(paths).toHaveLength(choose(N - 1, k - 1));
        const used = new Set<string>();
        for (const path of paths) {
          path.forEach((f, g) => {
            expect(folds[f].testGroups).toContain(g);
            used.add(`${f}:${g}`);
          });
        }
        expect(used.size).toBe(choose(N, k) * k); // every (fold, test group) pair exactly once
      }),
      { numRuns: 300 },
    );
  });

  it("purgedWalkForward: trains only before its test block on realized labels; blocks consecutive to the end", () => {
    const wf = fc.record({
      nFolds: fc.integer({ min: 1, max: 6 }),
      rolling: fc.boolean(),
      trainDates: fc.integer({ min: 1, max: 30 }),
      minTrainDates: fc.integer({ min: 1, max: 10 }),
    });
    fc.assert(
      fc.property(panel, windows, wf, (p, w, o) => {
        const folds = foldsOrRefusal(() =>
          purgedWalkForward(p.dates, {
            ...w,
            nFolds: o.nFolds,
            minTrainDates: o.minTrainDates,
            ...(o.rolling ? { mode: "rolling" as const, trainDates: o.trainDates } : {}),
          }),
        );
        if (!folds) return;
        const size = Math.floor(p.T / (o.nFolds + 1));
        let nextStart = p.T - folds.length * size;
        folds.forEach((f, i) => {
          expect(f.index).toBe(i);
          const s = checkFold(p, f, w);
          const a = Math.min(...s.test),
            b = Math.max(...s.test);
          expect([a, b, s.test.size]).toEqual([nextStart, nextStart + size - 1, size]);
          nextStart = b + 1;
          const hi = a - w.labelHorizon - Math.max(1, w.lag);
          for (const d of s.train) {
            expect(d).toBeLessThan(a); // never on or after the test block
            expect(d + w.lag + w.labelHorizon).toBeLessThanOrEqual(a); // label realized by the first test close
          }
          // exactly the allowed dates: all of 0..hi (expanding) or the last trainDates of them (rolling)
          const lo = o.rolling ? Math.max(0, hi - o.trainDates + 1) : 0;
          expect([...s.train].sort((x, y) => x - y)).toEqual(Array.from({ length: hi - lo + 1 }, (_, j) => lo + j));
          expect(s.train.size).toBeGreaterThanOrEqual(o.minTrainDates);
        });
        expect(nextStart).toBe(p.T);
      }),
      { numRuns: 300 },
    );
  });
});
