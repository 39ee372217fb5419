/**
 * Reading a baseline strategy's daily net returns (from the baselines stage) and aligning a
 * return series on other dates — shared by the backtest and stats stages.
 */
import type { StageContext } from "../../src/index.ts";
import { readColumns, f64Column, i32Column, sqlString } from "../../src/store/index.ts";
import { alignByDate } from "../../src/quant/stats/align-by-date.ts";

export interface Series {
  dates: Int32Array;
  net: Float64Array;
}

/** `strategy`'s rows of baselines/returns, by date (empty if it has none); null when baselines is not a need. */
export async function readBaseline(ctx: StageContext<unknown>, strategy: string): Promise<Series | null> {
  let view: string;
  try {
    view = ctx.input("baselines", "returns");
  } catch {
    return null;
  }
  const c = await readColumns(
    ctx.db,
    `SELECT date, net FROM ${view} WHERE strategy = ${sqlString(strategy)} ORDER BY date`,
  );
  return { dates: i32Column(c, "date"), net: f64Column(c, "net") };
}

/** The values of `s` on `dates`: 0 where `s` has no row (not invested), counted in `missing`. */
export function alignTo(s: Series, dates: Int32Array): { values: Float64Array; missing: number } {
  const { values, missing } = alignByDate(s.dates, s.net, dates, 0);
  return { values, missing };
}
