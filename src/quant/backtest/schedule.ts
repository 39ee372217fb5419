/**
 * Rebalance schedules over a calendar of trading days given as epoch days (days since
 * 1970-01-01 UTC, strictly increasing), and the helper that keeps a dense weight matrix only
 * on those rows.
 */
import { StrataError } from "../../core/errors.ts";
import type { TargetRow } from "./types.ts";

export type RebalanceFrequency = "daily" | "weekly" | "monthly";

export interface RebalanceScheduleOptions {
  /**
   * Which trading day of each period decides the rebalance (default "last": weights formed at
   * the last close of the week / month, traded lag bars later, i.e. on the first day of the
   * next period with the default lag 1 — the usual month-end formation of academic studies).
   * "first": the first trading day of each period (bt's RunWeekly / RunMonthly).
   */
  anchor?: "first" | "last";
}

/** ISO week number key: weeks start on Monday; epoch day 4 (1970-01-05) is a Monday. */
const weekKey = (d: number) => Math.floor((d + 3) / 7);

/**
 * Year · 12 + month of an epoch day, by Howard Hinnant's civil_from_days
 * (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
 */
function monthKey(d: number): number {
  const z = d + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9; // 1..12
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 12 + (m - 1);
}

/** Rows of `days` on which to rebalance, increasing. */
export function rebalanceRows(
  days: Int32Array,
  frequency: RebalanceFrequency,
  options: RebalanceScheduleOptions = {},
): Int32Array {
  const anchor = options.anchor ?? "last";
  for (let t = 1; t < days.length; t++) {
    if (!(days[t] > days[t - 1])) {
      throw new StrataError(
        "ARGUMENT",
        `rebalanceRows: days[${t}] = ${days[t]} is not after days[${t - 1}] = ${days[t - 1]}`,
        {
          hint: "pass the trading calendar as strictly increasing epoch days (one row per date)",
        },
      );
    }
  }
  if (frequency === "daily") return Int32Array.from(days, (_, t) => t);
  if (frequency !== "weekly" && frequency !== "monthly") {
    throw new StrataError(
      "ARGUMENT",
      `rebalanceRows: frequency '${String(frequency)}' is not one of daily, weekly, monthly`,
    );
  }
  const key = frequency === "weekly" ? weekKey : monthKey;
  const out: number[] = [];
  const n = days.length;
  for (let t = 0; t < n; t++) {
    const k = key(days[t]);
    if (anchor === "first" ? t === 0 || key(days[t - 1]) !== k : t === n - 1 || key(days[t + 1]) !== k) out.push(t);
  }
  return Int32Array.from(out);
}

/** The rows `rows` of a dense T × N weight matrix, as a target list (copies). */
export function sampleTargets(weights: Float64Array, nAssets: number, rows: Int32Array): TargetRow[] {
  const nRows = weights.length / nAssets;
  if (!Number.isInteger(nRows)) {
    throw new StrataError(
      "ARGUMENT",
      `sampleTargets: weights has ${weights.length} values, not a multiple of nAssets = ${nAssets}`,
    );
  }
  return Array.from(rows, (t) => {
    if (!(t >= 0 && t < nRows)) throw new StrataError("ARGUMENT", `sampleTargets: row ${t} is outside 0..${nRows - 1}`);
    return { t, weights: weights.slice(t * nAssets, (t + 1) * nAssets) };
  });
}
