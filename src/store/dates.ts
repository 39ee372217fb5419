/**
 * Calendar dates as Int32 days since 1970-01-01 (DuckDB's DATE representation) and ISO
 * "YYYY-MM-DD" strings. Proleptic Gregorian, UTC, no time zones involved.
 */

const MS_PER_DAY = 86_400_000;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for "YYYY-MM-DD", or null if the text is not a real calendar date. */
export function parseIsoDate(text: string): number | null {
  const m = ISO_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2023-02-30 over to March; a round trip rejects it.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.round(ms / MS_PER_DAY);
}

/** "YYYY-MM-DD" for days since 1970-01-01. */
export function formatIsoDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day of week of an epoch day: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function dayOfWeek(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}
