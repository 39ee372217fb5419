/**
 * Weight-drift history: portfolio weights over time as a long table, one row per (date,
 * symbol) held on that date or the date before, with the change since the previous weights
 * date (a name that leaves the book gets a row with weight 0 on the date it leaves). Sorted
 * by date then symbol, so the CSV is byte-identical for the same weights.
 */
import { StrataError } from "../core/errors.ts";
import type { WeightRow } from "./types.ts";

export interface WeightHistoryRow {
  date: string;
  symbol: string;
  weight: number;
  /** Weight on the previous weights date (0 when not held then; 0 on the first date). */
  previousWeight: number;
  /** weight − previousWeight. */
  change: number;
}

export function weightHistory(weights: readonly WeightRow[]): WeightHistoryRow[] {
  const byDate = new Map<string, Map<string, number>>();
  for (const w of weights) {
    if (!Number.isFinite(w.weight)) {
      throw new StrataError("DATA", `weight of ${w.symbol} on ${w.date} is ${w.weight}; expected a finite number`, {
        hint: "weights are decimals of equity, e.g. 0.05",
      });
    }
    let day = byDate.get(w.date);
    if (!day) byDate.set(w.date, (day = new Map()));
    if (day.has(w.symbol)) {
      throw new StrataError("DATA", `two weights for ${w.symbol} on ${w.date}; expected one per (date, symbol)`, {
        hint: "aggregate the rows first",
      });
    }
    day.set(w.symbol, w.weight);
  }
  const out: WeightHistoryRow[] = [];
  let prev = new Map<string, number>();
  for (const date of [...byDate.keys()].sort()) {
    const cur = byDate.get(date)!;
    const symbols = [...new Set([...cur.keys(), ...prev.keys()])].sort();
    for (const symbol of symbols) {
      const weight = cur.get(symbol) ?? 0,
        previousWeight = prev.get(symbol) ?? 0;
      if (weight === 0 && previousWeight === 0) continue;
      out.push({ date, symbol, weight, previousWeight, change: weight - previousWeight });
    }
    prev = new Map([...cur].filter(([, w]) => w !== 0));
  }
  return out;
}

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
// Round trip exact: JS prints the shortest decimal that reads back to the same double.
const num = (x: number): string => (Object.is(x, -0) ? "0" : String(x));

/** CSV text (header `date,symbol,weight,previous_weight,change`, "\n" line ends, trailing newline). */
export function weightHistoryCsv(rows: readonly WeightHistoryRow[]): string {
  const lines = ["date,symbol,weight,previous_weight,change"];
  for (const r of rows)
    lines.push([csvField(r.date), csvField(r.symbol), num(r.weight), num(r.previousWeight), num(r.change)].join(","));
  return lines.join("\n") + "\n";
}
