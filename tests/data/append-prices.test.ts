/**
 * appendPrices into a Parquet prices file from a CSV drop: the file keeps its column types, the
 * new days are appended in (date, symbol) order, a contradicting drop is refused naming symbol,
 * date and column, and a drop with a cell that is not a number where the file has numbers is a
 * clear error that leaves the file as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendPrices } from "../../src/data/append-prices.ts";
import { queryDuck } from "../e2e/helpers.ts";

describe("appendPrices into Parquet", () => {
  let dir: string;
  const file = () => join(dir, "prices.parquet");
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-append-"));
    await queryDuck(
      `COPY (SELECT * FROM (VALUES (DATE '2024-01-02', 'AAA', 10.0::DOUBLE, 100.0::DOUBLE), (DATE '2024-01-02', 'BBB', 20.0, 200.0),
        (DATE '2024-01-03', 'AAA', 10.5, 110.0), (DATE '2024-01-03', 'BBB', 19.5, 210.0)) t(date, symbol, close, volume))
        TO '${file()}' (FORMAT parquet)`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a CSV drop's new days are appended with the file's types", async () => {
    const drop = join(dir, "drop.csv");
    // The last recorded day again (numbers spelled differently), then two new days.
    writeFileSync(
      drop,
      "date,symbol,close,volume\n2024-01-03,AAA,10.50,110\n2024-01-03,BBB,19.5,210\n" +
        "2024-01-04,BBB,19.0,220\n2024-01-04,AAA,10.7,120\n2024-01-05,AAA,10.9,130\n",
    );
    const r = await appendPrices({ file: file(), drop });
    expect(r).toMatchObject({ addedRows: 3, addedDates: 2, previousLast: "2024-01-03", restated: 0 });
    expect(r.missingDates).toEqual([]);
    const types = await queryDuck(
      `SELECT column_name AS c, column_type AS t FROM (DESCRIBE SELECT * FROM '${file()}')`,
    );
    expect(types.map((x) => `${x.c}:${x.t}`)).toEqual(["date:DATE", "symbol:VARCHAR", "close:DOUBLE", "volume:DOUBLE"]);
    const rows = await queryDuck(`SELECT date::VARCHAR AS d, symbol AS s, close AS c FROM '${file()}'`);
    expect(rows.map((x) => `${x.d} ${x.s} ${x.c}`)).toEqual([
      "2024-01-02 AAA 10",
      "2024-01-02 BBB 20",
      "2024-01-03 AAA 10.5",
      "2024-01-03 BBB 19.5",
      "2024-01-04 AAA 10.7",
      "2024-01-04 BBB 19",
      "2024-01-05 AAA 10.9",
    ]);
  });

  it("refuses a contradicting drop and a cell that is not a number, leaving the file as it was", async () => {
    const before = readFileSync(file());
    const drop = join(dir, "bad.csv");
    writeFileSync(drop, "date,symbol,close,volume\n2024-01-04,BBB,19.1,220\n2024-01-08,AAA,11,140\n");
    await expect(appendPrices({ file: file(), drop })).rejects.toThrow(
      /the first: BBB on 2024-01-04 \(a different close\)/,
    );
    writeFileSync(drop, "date,symbol,close,volume\n2024-01-08,AAA,n/a,140\n");
    await expect(appendPrices({ file: file(), drop })).rejects.toThrow(/could not be written into it/);
    expect(readFileSync(file()).equals(before)).toBe(true);
  });
});
