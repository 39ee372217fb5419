/**
 * Every factor family against hand computations on tiny series, in a real DuckDB.
 *
 * Expected values are either written out by hand (the arithmetic is in the comment) or
 * computed here by a plain loop straight from the published formula — an implementation
 * independent of the SQL under test. Sources:
 *   momentum / reversal  Jegadeesh & Titman (1993); Jegadeesh (1990): r = C_t / C_{t−k} − 1
 *   Parkinson (1980) J. Business 53(1):61–65: σ² = mean(ln(H/L)²) / (4 ln 2)
 *   Garman & Klass (1980) J. Business 53(1):67–78, σ̂²₅: ½ ln(H/L)² − (2 ln 2 − 1) ln(C/O)²
 *   Wilder (1978) New Concepts in Technical Trading Systems: true range, RSI = 100 − 100/(1+RS)
 *   beta = cov(r, m) / var(m) (CAPM regression slope)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createDatabase, queryRows } from "../../../src/store/index.ts";
import {
  averageTrueRange,
  donchianPosition,
  dollarVolume,
  featuresQuery,
  garmanKlassVolatility,
  marketBeta,
  momentum,
  movingAverageGap,
  parkinsonVolatility,
  realizedVolatility,
  reversal,
  rsi,
  volumeZScore,
  type Factor,
} from "../../../src/data/factors/index.ts";

// Symbol A trades 6 days; B lists late (day 3) and trades 4 days.
const DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"];
const A = {
  open: [99, 101, 102, 102, 105, 104],
  high: [101, 103, 103, 106, 106, 109],
  low: [98, 100, 100, 101, 103, 103],
  close: [100, 102, 101, 105, 104, 108],
  volume: [1000, 1200, 900, 1500, 1100, 1300],
};
const B = {
  open: [50, 51, 50, 52],
  high: [51, 52, 51, 53],
  low: [49, 50, 49, 51],
  close: [50, 51, 50, 52],
  volume: [300, 330, 310, 360],
};
const B0 = 2; // B's first day index

let db: DuckDBInstance, conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
  const rows: string[] = [];
  DAYS.forEach((d, i) =>
    rows.push(`('${d}'::DATE, 'A', ${A.open[i]}, ${A.high[i]}, ${A.low[i]}, ${A.close[i]}, ${A.volume[i]})`),
  );
  B.close.forEach((_, j) =>
    rows.push(`('${DAYS[B0 + j]}'::DATE, 'B', ${B.open[j]}, ${B.high[j]}, ${B.low[j]}, ${B.close[j]}, ${B.volume[j]})`),
  );
  await conn.run(
    `CREATE TABLE p AS SELECT * FROM (VALUES ${rows.join(", ")}) t(date, symbol, open, high, low, close, volume)`,
  );
  await conn.run(
    `CREATE TABLE prices AS SELECT date, symbol, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low, ` +
      `close::DOUBLE AS close, volume::DOUBLE AS volume FROM p`,
  );
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

/** Values of one factor per symbol, in date order. */
async function series(f: Factor): Promise<Record<string, (number | null)[]>> {
  const q = featuresQuery("prices", [f]);
  const rows = await queryRows<{ symbol: string; v: number | null }>(
    conn,
    `SELECT symbol, "${f.name}" AS v FROM (${q.sql}) ORDER BY symbol, date`,
  );
  const out: Record<string, (number | null)[]> = { A: [], B: [] };
  for (const r of rows) out[r.symbol].push(r.v === null ? null : Number(r.v));
  return out;
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sd = (x: number[]) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
};
/** Independent rolling reference: f(window of the last n items) from index `first` on, else null. */
function roll<T>(xs: T[], n: number, first: number, f: (w: T[], t: number) => number): (number | null)[] {
  return xs.map((_, t) => (t < first ? null : f(xs.slice(t - n + 1, t + 1), t)));
}
function expectSeries(got: (number | null)[], want: (number | null)[]) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (want[i] === null) expect(g, `index ${i}`).toBeNull();
    else expect(g, `index ${i}`).toBeCloseTo(want[i]!, 12);
  });
}

describe("momentum and reversal", () => {
  it("momentum(2) is C_t / C_{t−2} − 1 from the third row of each symbol", async () => {
    const s = await series(momentum(2));
    // A: 101/100 − 1 = 0.01; 105/102 − 1; 104/101 − 1; 108/105 − 1
    expectSeries(s.A, [null, null, 0.01, 105 / 102 - 1, 104 / 101 - 1, 108 / 105 - 1]);
    // B lists on day 3: its own warm-up, 50/50 − 1 = 0, 52/51 − 1
    expectSeries(s.B, [null, null, 0, 52 / 51 - 1]);
  });
  it("momentum(3, { skip: 1 }) is C_{t−1} / C_{t−3} − 1, named mom_3_1", async () => {
    const f = momentum(3, { skip: 1 });
    expect(f.name).toBe("mom_3_1");
    const s = await series(f);
    // A at t=3: 101/100 − 1; t=4: 105/102 − 1; t=5: 104/101 − 1
    expectSeries(s.A, [null, null, null, 0.01, 105 / 102 - 1, 104 / 101 - 1]);
    // B at its 4th row: 50/50 − 1 = 0
    expectSeries(s.B, [null, null, null, 0]);
  });
  it("reversal(2) is minus the 2-day return", async () => {
    const s = await series(reversal(2));
    expectSeries(s.A, [null, null, -0.01, 1 - 105 / 102, 1 - 104 / 101, 1 - 108 / 105]);
  });
  it("rejects a skip not smaller than the window", () => {
    expect(() => momentum(5, { skip: 5 })).toThrow(/skip 5 must be smaller than the window 5/);
    expect(() => momentum(0)).toThrow(/window k must be an integer ≥ 1, got 0/);
  });
});

describe("volatility", () => {
  it("realizedVolatility(3) is √252 × sample stdev of the last 3 log returns", async () => {
    const lr = A.close.map((c, i) => (i === 0 ? NaN : Math.log(c / A.close[i - 1])));
    const want = roll(lr, 3, 3, (w) => Math.sqrt(252) * sd(w));
    // by hand at t=3: ln(102/100)=0.0198026, ln(101/102)=−0.0098523, ln(105/101)=0.0388398;
    // mean 0.0162634; squared deviations 1.2526e-5 + 6.82030e-4 + 5.09694e-4 = 1.20425e-3;
    // /2 → 6.02125e-4, sd 0.0245382 → × √252 (15.874508) = 0.389533
    expect(want[3]).toBeCloseTo(0.389533, 5);
    expectSeries((await series(realizedVolatility(3))).A, want);
  });
  it("Parkinson(3): √(252 · mean(ln(H/L)²) / (4 ln 2))", async () => {
    const hl = A.high.map((h, i) => Math.log(h / A.low[i]) ** 2);
    const want = roll(hl, 3, 2, (w) => Math.sqrt((252 * mean(w)) / (4 * Math.log(2))));
    expectSeries((await series(parkinsonVolatility(3))).A, want);
    // by hand at t=2: ln(101/98)² = 0.00090920, ln(103/100)² = 0.00087372 (twice) → mean
    // 0.00088555; / (4 ln 2 = 2.7725887) = 0.00031939; × 252 = 0.0804872; √ = 0.283703
    expect(want[2]).toBeCloseTo(0.283703, 5);
  });
  it("Garman–Klass(3): √(252 · mean(½ ln(H/L)² − (2 ln 2 − 1) ln(C/O)²))", async () => {
    const gk = A.high.map(
      (h, i) => 0.5 * Math.log(h / A.low[i]) ** 2 - (2 * Math.log(2) - 1) * Math.log(A.close[i] / A.open[i]) ** 2,
    );
    expectSeries(
      (await series(garmanKlassVolatility(3))).A,
      roll(gk, 3, 2, (w) => Math.sqrt(252 * mean(w))),
    );
  });
});

describe("ATR and RSI (simple-average variants, see docs/features.md)", () => {
  it("averageTrueRange(3) is mean(true range of the last 3 bars) / close, first TR = H − L", async () => {
    const tr = A.high.map((h, i) =>
      i === 0
        ? h - A.low[i]
        : Math.max(h - A.low[i], Math.abs(h - A.close[i - 1]), Math.abs(A.low[i] - A.close[i - 1])),
    );
    // by hand: TR = [3, 3, 3, 5, 3, 6]; t=2: mean 3 / 101; t=3: (3+3+5)/3 / 105
    expect(tr).toEqual([3, 3, 3, 5, 3, 6]);
    expectSeries((await series(averageTrueRange(3))).A, [
      null,
      null,
      3 / 101,
      11 / 3 / 105,
      11 / 3 / 104,
      14 / 3 / 108,
    ]);
  });
  it("rsi(3) is 100 · Σgain / (Σgain + Σloss) over the last 3 changes", async () => {
    // changes of A: +2, −1, +4, −1, +4. t=3: gains 2+4=6, losses 1 → 600/7;
    // t=4: gains 4, losses 1+1 → 400/6; t=5: gains 8, losses 1 → 800/9
    expectSeries((await series(rsi(3))).A, [null, null, null, 600 / 7, 400 / 6, 800 / 9]);
    // B: +1, −1, +2 → gains 3, losses 1 → 75
    expectSeries((await series(rsi(3))).B, [null, null, null, 75]);
  });
  it("rsi is 50 on a flat window (no gains, no losses)", async () => {
    await conn.run(`CREATE OR REPLACE TEMP TABLE flat AS SELECT ('2024-01-01'::DATE + i::INTEGER) AS date, 'F' AS
      symbol,
      10.0::DOUBLE AS open, 10.0::DOUBLE AS high, 10.0::DOUBLE AS low, 10.0::DOUBLE AS close, 5.0::DOUBLE AS volume FROM
      range(4) t(i)`);
    const q = featuresQuery("flat", [rsi(2), donchianPosition(2), volumeZScore(2)]);
    const r = await queryRows<Record<string, number | null>>(
      conn,
      `SELECT * EXCLUDE (date, symbol) FROM (${q.sql}) ORDER BY date`,
    );
    expect(r.map((x) => x.rsi_2)).toEqual([null, null, 50, 50]);
    expect(r.map((x) => x.donch_2)).toEqual([null, 0.5, 0.5, 0.5]);
    expect(r.map((x) => x.vlm_z_2)).toEqual([null, 0, 0, 0]);
  });
});

describe("moving-average gap, Donchian, volume", () => {
  it("movingAverageGap(3) is close / SMA_3 − 1", async () => {
    // t=2: 101 / ((100+102+101)/3 = 101) − 1 = 0; t=3: 105 / (308/3) − 1
    expectSeries((await series(movingAverageGap(3))).A, [
      null,
      null,
      0,
      105 / (308 / 3) - 1,
      104 / (310 / 3) - 1,
      108 / (317 / 3) - 1,
    ]);
  });
  it("donchianPosition(3) is (close − min low) / (max high − min low) over 3 bars", async () => {
    // t=2: lows 98,100,100 highs 101,103,103 → (101−98)/(103−98) = 0.6; t=3: (105−100)/(106−100)
    // t=4: (104−100)/(106−100); t=5: (108−101)/(109−101)
    expectSeries((await series(donchianPosition(3))).A, [null, null, 0.6, 5 / 6, 4 / 6, 7 / 8]);
  });
  it("volumeZScore(3) and dollarVolume(3)", async () => {
    expectSeries(
      (await series(volumeZScore(3))).A,
      roll(A.volume, 3, 2, (w) => (w[2] - mean(w)) / sd(w)),
    );
    // t=2: (900 − 1033.33) / sd(1000,1200,900 = 152.75) = −0.87287
    expect((await series(volumeZScore(3))).A[2]).toBeCloseTo(-0.872872, 5);
    const dv = A.close.map((c, i) => c * A.volume[i]);
    expectSeries(
      (await series(dollarVolume(3))).A,
      roll(dv, 3, 2, (w) => Math.log(mean(w))),
    );
  });
});

describe("market beta", () => {
  it(
    "marketBeta(2) is cov(r, " + "m)/var(m) with m the equal-weight mean return of the symbols trading that day",
    async () => {
      const rA = A.close.map((c, i) => (i === 0 ? null : c / A.close[i - 1] - 1));
      const rB: (number | null)[] = DAYS.map((_, i) => (i <= B0 ? null : B.close[i - B0] / B.close[i - B0 - 1] - 1));
      const m = DAYS.map((_, i) => {
        const v = [rA[i], rB[i]].filter((x): x is number => x !== null);
        return v.length ? mean(v) : NaN;
      });
      const beta = (r: (number | null)[], t: number) => {
        const x = [r[t - 1]!, r[t]!],
          y = [m[t - 1], m[t]];
        const cov = (x[0] - mean(x)) * (y[0] - mean(y)) + (x[1] - mean(x)) * (y[1] - mean(y));
        const v = (y[0] - mean(y)) ** 2 + (y[1] - mean(y)) ** 2;
        return cov / v;
      };
      const s = await series(marketBeta(2));
      expectSeries(s.A, [null, null, beta(rA, 2), beta(rA, 3), beta(rA, 4), beta(rA, 5)]);
      // B has returns from its 2nd row; beta_2 needs 3 rows of its own: its 3rd and 4th rows
      expectSeries(s.B, [null, null, beta(rB, 4), beta(rB, 5)]);
    },
  );
});
