/**
 * A small market for the equal-weight market return's tests (its JS and SQL forms), rows
 * (day, symbol, close). Days 1..5. A: 100, 110, 99, 99, 108.9. B: lists on day 2 at 50, missing
 * on day 4, 60 on day 5. C: 20, 22, delisted after day 2. By hand:
 *   day 1: A, C have no return yet                                  → NaN
 *   day 2: A +10 %, C +10 % (B lists: no return)                     → 0.10
 *   day 3: A −10 %, B 50 → 55 = +10 % (C delisted: its 0 not counted) → 0
 *   day 4: A 0 % (B missing: does not count)                         → 0
 *   day 5: A +10 %, B 55 → 60 over the gap = +9.0909… %              → (0.1 + 5/55) / 2
 */
export const MARKET_ROWS: ReadonlyArray<readonly [number, string, number]> = [
  [1, "A", 100],
  [2, "A", 110],
  [3, "A", 99],
  [4, "A", 99],
  [5, "A", 108.9],
  [2, "B", 50],
  [3, "B", 55],
  [5, "B", 60],
  [1, "C", 20],
  [2, "C", 22],
];
