/**
 * tearsheetCommand called directly (stdout captured) on tests/fixtures/stats/strategy_aapl_spy.csv
 * (AAPL and SPY daily returns 2017-01-03..2018-04-11, derived from PyPortfolioOpt's price files).
 * The numbers must equal the library's on the same series read independently of DuckDB.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tearsheetCommand } from "../../src/cli/commands/tearsheet.ts";
import { alphaBeta, tearsheet } from "../../src/quant/stats/index.ts";
import { createDatabase, sqlString } from "../../src/store/index.ts";
import { fixturePath, readFixture } from "../fixtures/stats/read-csv.ts";
import { pageScriptCount, withoutOwnMarkup } from "../report/page-text.ts";

const FIXTURE = fixturePath("strategy_aapl_spy.csv");
const { AAPL, SPY } = readFixture("strategy_aapl_spy.csv").columns;

let out = "";
let dir = "";
beforeEach(() => {
  out = "";
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string) => {
    out += chunk;
    return true;
  }) as never);
  dir = mkdtempSync(join(tmpdir(), "strata-tearsheet-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** JSON drops NaN/Infinity to null; compare through the same encoding. */
const viaJson = (x: unknown) => JSON.parse(JSON.stringify(x));

describe("tearsheetCommand", () => {
  it("--json prints the tearsheet keys with the library's values, alpha/beta against FILE:COLUMN", async () => {
    await tearsheetCommand(FIXTURE, { column: "AAPL", benchmark: `${FIXTURE}:SPY`, json: true, riskFree: 0.02 });
    const got = JSON.parse(out);
    for (const k of [
      "total_return",
      "cagr",
      "annual_volatility",
      "sharpe",
      "sortino",
      "max_drawdown",
      "calmar",
      "omega",
      "tail_ratio",
      "skew",
      "kurtosis",
      "var_95",
      "cvar_95",
      "win_rate",
      "alpha",
      "beta",
    ])
      expect(got).toHaveProperty(k);
    const expected = viaJson(tearsheet(AAPL, { riskFree: 0.02, riskFreeBasis: "annual", benchmark: SPY }));
    for (const [k, v] of Object.entries(expected)) expect(got[k], k).toBeCloseTo(v as number, 12);
    expect(got.beta).toBeCloseTo(alphaBeta(AAPL, SPY).beta, 12);
    expect(got).toMatchObject({ periods: 320, start: "2017-01-03", end: "2018-04-11" });
  });
  it("prints a tidy human table and writes --html", async () => {
    const html = join(dir, "t.html");
    await tearsheetCommand(FIXTURE, { column: "SPY", html });
    expect(out).toMatch(/Sharpe\s+\d+\.\d{3}/);
    expect(out).toMatch(/Max drawdown\s+-\d+\.\d{2}%/);
    expect(out).toContain("2017-01-03 … 2018-04-11");
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("<th>Sharpe</th>");
    // The full page: the charts quants expect, each an SVG, plus the worst drawdowns table.
    for (const title of ["Cumulative return", "Underwater (drawdown)", "Monthly returns", "Distribution of returns"])
      expect(page, title).toContain(`<h3>${title}</h3>`);
    expect(page).toContain("<h3>Worst drawdowns</h3>");
    expect(page.match(/<figure id="[^"]*" class="figure"[ >]/g)?.length).toBeGreaterThanOrEqual(6);
    expect(pageScriptCount(page)).toBe(1);
    expect(withoutOwnMarkup(page)).not.toMatch(/<script|https?:\/\//);
  });
  it("reads Parquet through DuckDB the same way", async () => {
    const pq = join(dir, "r.parquet");
    const db = await createDatabase({ threads: 1 });
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT date::DATE AS date, SPY::DOUBLE AS ret FROM read_csv(${sqlString(FIXTURE)}, header = true)) ` +
        `TO ${sqlString(pq)} (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    await tearsheetCommand(pq, { json: true });
    expect(JSON.parse(out).sharpe).toBeCloseTo(tearsheet(SPY).sharpe, 12);
  });

  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it("names file, line and column of a non-numeric cell, and the fix", async () => {
    const p = write("bad.csv", "date,ret\n2020-01-02,0.01\n2020-01-03,1.2%\n2020-01-06,0.0\n");
    await expect(tearsheetCommand(p, {})).rejects.toThrow(
      /bad\.csv line 3, column "ret": "1\.2%" is not a number[\s\S]*decimal numbers/,
    );
  });
  it("rejects NaN and missing returns with the row", async () => {
    const p = write("nan.csv", "date,ret\n2020-01-02,0.01\n2020-01-03,NaN\n");
    await expect(tearsheetCommand(p, {})).rejects.toThrow(
      /nan\.csv line 3, column "ret": "NaN" \(NaN\/missing[\s\S]*fill the gap/,
    );
    const q = write("gap.csv", "date,ret\n2020-01-02,0.01\n2020-01-03,\n");
    await expect(tearsheetCommand(q, {})).rejects.toThrow(/gap\.csv line 3, column "ret": missing value/);
  });
  it("rejects a file without a date column, with fewer than 2 rows, or with ambiguous columns", async () => {
    await expect(tearsheetCommand(write("nodate.csv", "day,ret\n1,0.01\n2,0.02\n"), {})).rejects.toThrow(
      /no date column among \[day, ret\][\s\S]*name the date column "date"/,
    );
    await expect(tearsheetCommand(write("short.csv", "date,ret\n2020-01-02,0.01\n"), {})).rejects.toThrow(
      /1 data row; a tearsheet needs at least 2/,
    );
    await expect(tearsheetCommand(FIXTURE, {})).rejects.toThrow(
      /2 candidate returns columns \[AAPL, SPY\][\s\S]*--column AAPL/,
    );
    await expect(
      tearsheetCommand(write("baddate.csv", "date,ret\n2020-01-02,0.01\n2020-02-30,0.0\n"), {}),
    ).rejects.toThrow(/line 3, column "date": "2020-02-30" is not a date/);
  });

  describe("percent-valued returns", () => {
    // SPY's daily returns of the fixture written ×100 (0.76 meaning 0.76 %), as many exports do.
    const pct = () =>
      write(
        "spy_pct.csv",
        "date,ret\n" +
          readFixture("strategy_aapl_spy.csv")
            .dates.map((d, i) => `${d},${SPY[i] * 100}`)
            .join("\n") +
          "\n",
      );

    it("are refused with the figures and the fix (they compounded to a CAGR of ~1e42 % before)", async () => {
      const p = pct();
      const err = await tearsheetCommand(p, {}).catch((e) => e);
      expect(err.code).toBe("DATA");
      expect(err.message).toMatch(
        /spy_pct\.csv, column "ret": the returns look like percentages \(1\.5 meaning 1\.5 %\), not decimals/,
      );
      // SPY's worst day in the fixture is 2018-02-05, −4.18 %; its median |r| over the 320 days,
      // computed here, is ≈ 0.0023 as a decimal, 0.23 in percent; the bound at 252/yr is 0.1.
      const abs = Array.from(SPY, (r) => Math.abs(r * 100)).sort((a, b) => a - b);
      const median = (abs[159] + abs[160]) / 2;
      expect(median).toBeCloseTo(0.2329, 4);
      expect(err.message).toContain("the smallest return is -4.1823, a loss of more than 100 %");
      expect(err.message).toContain(`the median |return| is ${Math.round(median * 1e4) / 1e4} per period, above 0.1`);
      expect(err.message).toMatch(/→ pass --percent/);
      expect(out).toBe("");
    });

    it("--percent divides by 100: the same figures as the decimal series", async () => {
      await tearsheetCommand(pct(), { percent: true, json: true });
      const got = JSON.parse(out);
      const want = viaJson(tearsheet(SPY));
      for (const [k, v] of Object.entries(want)) expect(got[k], k).toBeCloseTo(v as number, 12);
    });

    it("a return below −1 alone gives it away; decimal series (daily or monthly) pass", async () => {
      const p = write(
        "neg.csv",
        "date,ret\n2020-01-02,0.5\n2020-01-03,-1.3\n2020-01-06,0.2\n2020-01-07,0.01\n2020-01-08,-0.02\n",
      );
      await expect(tearsheetCommand(p, {})).rejects.toThrow(/the smallest return is -1\.3, a loss of more than 100 %/);
      // Bacon (2008) monthly returns: median |r| well under the monthly bound 0.1 × √21 ≈ 0.46
      const bacon = readFixture("bacon_2008_monthly_returns.csv").columns.portfolio;
      const monthly = write(
        "bacon.csv",
        "date,ret\n" +
          Array.from(bacon, (r, i) => `${new Date(Date.UTC(2000, i + 1, 0)).toISOString().slice(0, 10)},${r}`).join(
            "\n",
          ) +
          "\n",
      );
      await tearsheetCommand(monthly, { periodsPerYear: 12, json: true });
      expect(JSON.parse(out).cagr).toBeLessThan(1);
    });
  });
});
