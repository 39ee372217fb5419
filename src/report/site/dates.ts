import { formatIsoDate } from "../../store/index.ts";
/** Dates from DuckDB JSON rows ("YYYY-MM-DD") as UTC Date objects for Plot's time scales. */
export function utcDate(v: unknown): Date {
  return new Date(`${String(v).slice(0, 10)}T00:00:00Z`);
}

/**
 * "YYYY-MM-DD" of each epoch day, the text of each distinct day made once: the series of a
 * study share a few thousand dates (the tearsheets read ~80 k rows; 0.09 s as one Date each).
 * Null days (NaN) stay null.
 */
export function isoDays(days: ArrayLike<number>): (string | null)[] {
  const texts = new Map<number, string>();
  const out: (string | null)[] = new Array(days.length);
  for (let i = 0; i < days.length; i++) {
    const d = days[i];
    let t = texts.get(d);
    if (t === undefined && Number.isFinite(d)) texts.set(d, (t = formatIsoDate(d)));
    out[i] = t ?? null;
  }
  return out;
}
