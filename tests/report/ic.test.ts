/**
 * rankIcSql / icSummarySql against hand computations: Spearman's rho with average ranks for
 * ties (the convention of scipy.stats.spearmanr), pairs with a NULL left out, mean and t-stat.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createDatabase, queryRows } from "../../src/store/index.ts";
import { icSummarySql, rankIcSql } from "../../src/report/site/index.ts";

let db: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDatabase({ threads: 1 });
  conn = await db.connect();
});
afterAll(() => { conn.closeSync(); db.closeSync(); });

// Date 1: x 1..4 vs y ranks 1,2,4,3 → rho = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8.
// Date 2: x = 1,1,2,3 (a tie: ranks 1.5, 1.5, 3, 4) vs y 1..4 → Pearson of the ranks =
//   4.5 / √(4.5 · 5) = 0.9486832980505138 (scipy.stats.spearmanr([1,1,2,3],[1,2,3,4])).
//   A fifth pair with x NULL is left out.
const LONG = `select * from (values
  (1, 'f', 1.0, 10.0), (1, 'f', 2.0, 20.0), (1, 'f', 3.0, 40.0), (1, 'f', 4.0, 30.0),
  (2, 'f', 1.0, 1.0), (2, 'f', 1.0, 2.0), (2, 'f', 2.0, 3.0), (2, 'f', 3.0, 4.0), (2, 'f', NULL, -5.0)
) t(date, feature, x, y)`;

describe("rank IC in SQL", () => {
  it("rankIcSql gives Spearman's rho per date with average ranks for ties", async () => {
    const r = await queryRows<{ date: number; ic: number; pairs: number }>(conn, `${rankIcSql(LONG, ["date", "feature"])} order by date`);
    expect(r.map((x) => x.pairs)).toEqual([4, 4]);
    expect(r[0].ic).toBeCloseTo(0.8, 12);
    expect(r[1].ic).toBeCloseTo(0.9486832980505138, 12);
  });

  it("icSummarySql gives the mean IC, its sd and t = mean / (sd / √dates)", async () => {
    const [s] = await queryRows<{ feature: string; mean_ic: number; sd_ic: number; dates: number; t_stat: number }>(
      conn, icSummarySql(rankIcSql(LONG, ["date", "feature"]), ["feature"]));
    const a = 0.8, b = 0.9486832980505138;
    const mean = (a + b) / 2, sd = Math.abs(a - b) / Math.SQRT2;
    expect(s.dates).toBe(2);
    expect(s.mean_ic).toBeCloseTo(mean, 12);
    expect(s.sd_ic).toBeCloseTo(sd, 12);
    expect(s.t_stat).toBeCloseTo(mean / (sd / Math.SQRT2), 9);
  });

  it("drops dates with fewer than minPairs pairs", async () => {
    const r = await queryRows(conn, rankIcSql(LONG, ["date", "feature"], { minPairs: 5 }));
    expect(r).toEqual([]);
  });
});
