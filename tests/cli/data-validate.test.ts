/**
 * `pipeline data validate` called directly (stdout and exit code captured): a header-only file,
 * an absurd close, a wide table recognized by its header, and the one-bar move bound.
 * The wide file is PyPortfolioOpt's stock_prices.csv (tests/fixtures/portfolio).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataValidateCommand } from "../../src/cli/commands/data-validate.ts";

const WIDE = join(import.meta.dirname, "..", "fixtures", "portfolio", "stock_prices.csv");
const dir = mkdtempSync(join(tmpdir(), "strata-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out = "";
beforeEach(() => {
  out = "";
  process.exitCode = undefined;
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string) => {
    out += chunk;
    return true;
  }) as never);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("pipeline data validate", () => {
  it("a header-only CSV is invalid (exit 1), not ok", async () => {
    await dataValidateCommand(file("empty.csv", "date,symbol,close\n"), {});
    expect(process.exitCode).toBe(1);
    expect(out).toMatch(/empty\.csv: no data rows \(only a header line\)/);
    expect(out).toMatch(/^invalid: /m);
  });

  it("close = 1e308 is an error naming the line, symbol and date, with the fix", async () => {
    const p = file("huge.csv", "date,symbol,close\n2024-01-02,AAA,10\n2024-01-03,AAA,1e308\n2024-01-04,AAA,10\n");
    await dataValidateCommand(p, {});
    expect(process.exitCode).toBe(1);
    expect(out).toContain(
      `${p} line 3: close 1e308 in column "close" (symbol AAA, date 2024-01-03) is above 1e9, not a plausible price`,
    );
    expect(out).toMatch(/→ .*--max-price/);
    out = "";
    await dataValidateCommand(p, { maxPrice: Number.MAX_VALUE });
    expect(process.exitCode).toBe(0);
  });

  it(
    "a wide table is recognized (exit 0) and says what it inferred; " + "--format long gives the column errors",
    async () => {
      await dataValidateCommand(WIDE, {});
      expect(process.exitCode).toBe(0);
      expect(out).toContain('wide table: 20 symbols (one column each, dates in "date"), close only');
      expect(out).toMatch(/ok: .*stock_prices\.csv: 106931 rows, 20 symbols, 1989-12-29 \.\. 2018-04-11/);
      out = "";
      await dataValidateCommand(WIDE, { format: "long" });
      expect(process.exitCode).toBe(1);
      expect(out).toMatch(/required column "symbol" not found/);
    },
  );

  it("--max-daily-move 0.5 warns on the three days beyond ±50 % (still exit 0); --json carries them", async () => {
    await dataValidateCommand(WIDE, { maxDailyMove: 0.5, json: true });
    expect(process.exitCode).toBe(0);
    const r = JSON.parse(out);
    expect(r.layout).toBe("wide");
    expect(r.warnings.map((w: { symbol: string; date: string }) => `${w.symbol} ${w.date}`)).toEqual([
      "AAPL 2000-09-29",
      "AMD 2016-04-22",
      "RRC 1998-10-19",
    ]);
  });

  it("rejects a bad --format or bound", async () => {
    await expect(dataValidateCommand(WIDE, { format: "tall" })).rejects.toThrow(/--format 'tall' is not a layout/);
    await expect(dataValidateCommand(WIDE, { maxDailyMove: -1 })).rejects.toThrow(
      /--max-daily-move -1 is not a positive number/,
    );
  });
});
