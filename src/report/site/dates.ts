/** Dates from DuckDB JSON rows ("YYYY-MM-DD") as UTC Date objects for Plot's time scales. */
export function utcDate(v: unknown): Date {
  return new Date(`${String(v).slice(0, 10)}T00:00:00Z`);
}
