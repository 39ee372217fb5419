/**
 * optimizeCommand end to end (DuckDB read of a real file, validation, optimization, output),
 * stdout captured. Expected numbers: PyPortfolioOpt's tests/test_efficient_frontier.py
 * test_max_sharpe_long_only (0.3047768672819914, 0.22165566922402932, 1.2847714127003216 at rf 0.02)
 * and test_min_volatility, on its stock_prices.csv (tests/fixtures/portfolio).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimizeCommand } from "../../src/cli/commands/optimize.ts";
import { createDatabase, sqlString } from "../../src/store/index.ts";

const PRICES = join(import.meta.dirname, "../fixtures/portfolio/stock_prices.csv");
const dir = mkdtempSync(join(tmpdir(), "strata-optimize-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(fn: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("optimizeCommand", () => {
  it("--json max_sharpe reproduces PyPortfolioOpt on stock_prices.csv", async () => {
    const out = JSON.parse(
      await capture(() => optimizeCommand(PRICES, { method: "max_sharpe", riskFree: 0.02, json: true })),
    );
    expect(Object.keys(out.weights)).toHaveLength(20);
    expect(out.expected_return).toBeCloseTo(0.3047768672819914, 10);
    expect(out.volatility).toBeCloseTo(0.22165566922402932, 10);
    expect(out.sharpe).toBeCloseTo(1.2847714127003216, 10);
    expect(out.fallback).toBeNull();
  });

  it("human output is a table sorted by weight; Parquet input works too", async () => {
    const db = await createDatabase({ threads: 1 });
    const conn = await db.connect();
    const pq = join(dir, "prices.parquet");
    await conn.run(
      `COPY (SELECT * FROM read_csv(${sqlString(PRICES)}, header = true)) TO ${sqlString(pq)} (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const text = await capture(() => optimizeCommand(pq, { method: "min_variance", riskFree: 0.02 }));
    const rows = text
      .split("\n")
      .filter((l) => /%$/.test(l) && !/^(expected|volatility)/.test(l))
      .map((l) => parseFloat(l.trim().split(/\s+/)[1]));
    expect(rows.length).toBe(20);
    expect([...rows].sort((a, b) => b - a)).toEqual(rows);
    expect(text).toMatch(/volatility\s+15\.92%/); // 0.15915084514118694, test_min_volatility
  });

  it("all returns negative: max_sharpe falls back and says why", async () => {
    const f = file(
      "down.csv",
      "date,A,B\n2024-01-02,10,20\n2024-01-03,9.5,19\n2024-01-04,9.4,18.5\n2024-01-05,9,18.4\n",
    );
    const out = JSON.parse(await capture(() => optimizeCommand(f, { method: "max_sharpe", json: true })));
    expect(out.method).toBe("min_variance");
    expect(out.fallback.reason).toMatch(/risk-free/);
  });

  it("rejects bad tables naming row, column and the fix", async () => {
    const cases: [string, string, RegExp][] = [
      ["nodate.csv", "when,A\n1,2\n2,3\n", /no date column.*\n.*name the first column 'date'/],
      [
        "text.csv",
        "date,A,B\n2024-01-02,1,2\n2024-01-03,x,3\n",
        /line 3 \(2024-01-03\), column A: 'x' is not a number/,
      ],
      ["nan.csv", "date,A\n2024-01-02,1\n2024-01-03,NaN\n", /line 3 \(2024-01-03\), column A: 'NaN' is not a number/],
      ["short.csv", "date,A\n2024-01-02,1\n", /1 row\(s\) of prices; at least 2/],
      [
        "huge.csv",
        "date,A\n2024-01-02,1\n2024-01-03,1e308\n",
        /line 3 \(2024-01-03\), column A: price 1e308 is above 1e9, not a plausible price/,
      ],
      [
        "gap.csv",
        "date,A\n2024-01-02,1\n2024-01-03,\n2024-01-04,2\n",
        /line 3 \(2024-01-03\), column A: empty cell after the asset's first price/,
      ],
    ];
    for (const [name, text, re] of cases) {
      await expect(optimizeCommand(file(name, text), { method: "hrp" })).rejects.toThrow(re);
    }
    await expect(optimizeCommand(PRICES, { method: "magic" })).rejects.toThrow(
      /--method 'magic' is not a portfolio method/,
    );
  });
});
