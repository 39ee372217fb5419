/**
 * One rule for the equal-weight market return, in SQL and in JS: the factor relation's `mkt`
 * column (src/data/factors/bars.ts, DuckDB) and equalWeightMarketReturns
 * (src/quant/backtest/market.ts, behind the regimes of the backtest, baselines and paper
 * trading) give the same values on a market with a listing, a missing day and a delisting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createDatabase, queryRows } from "../../../src/store/index.ts";
import { barsQuery } from "../../../src/data/factors/index.ts";
import { pricePanel } from "../../../src/quant/backtest/panel.ts";
import { equalWeightMarketReturns } from "../../../src/quant/backtest/market.ts";
import { MARKET_ROWS } from "../../quant/backtest/market-rows.ts";

let db: DuckDBInstance, conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDatabase({ threads: 2 });
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

const rows = MARKET_ROWS;

describe("equal-weight market return", () => {
  it("is the same in the factor SQL and in the backtest's JS", async () => {
    const values = rows.map(([d, s, c]) => `(DATE '2024-01-01' + ${d - 1}, '${s}', ${c}::DOUBLE)`).join(", ");
    await conn.run(`CREATE OR REPLACE VIEW mp AS SELECT date, symbol, close AS open, close AS high, close AS low, close,
      1.0::DOUBLE AS volume FROM (VALUES ${values}) t(date, symbol, close)`);
    const sql = await queryRows<{ d: number; mkt: number | null }>(
      conn,
      `SELECT DISTINCT (date - DATE '2024-01-01')::INTEGER + 1 AS d, mkt FROM (${barsQuery("mp", new Set(["mkt"]))}) ` +
        `ORDER BY d`,
    );
    const js = equalWeightMarketReturns(
      pricePanel(
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
        rows.map((r) => r[2]),
      ),
    );
    expect(sql.map((r) => r.d)).toEqual([1, 2, 3, 4, 5]);
    expect(sql[0].mkt).toBeNull();
    expect(js[0]).toBeNaN();
    for (let t = 1; t < 5; t++) expect(sql[t].mkt).toBeCloseTo(js[t], 15);
    // Day 5: A +10 %, B +9.09 % over its gap (hand computation, as in tests/quant/backtest/market.test.ts).
    expect(js[4]).toBeCloseTo((108.9 / 99 - 1 + (60 / 55 - 1)) / 2, 15);
  });
});
