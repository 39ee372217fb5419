/** Number and value formatting shared by tables, figures and pages. */

/** A number for a table cell: integers with thousands separators, others to `digits` significant places. */
export function formatNumber(x: number, digits = 4): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString("en-US");
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return x.toExponential(digits - 1).replace("-", "−");
  const s = x.toPrecision(digits);
  const n = Number(s);
  return (
    Math.abs(n) >= 1000
      ? n.toLocaleString("en-US", { maximumFractionDigits: Math.max(0, digits - String(Math.trunc(a)).length) })
      : s
  ).replace(/^-/, "−");
}

/**
 * A bootstrap p-value: with B resamples the smallest positive value is 1/B, so 0 means "below
 * 1/B", never "impossible" — shown as "< 1/2000 (0.0005)". Others to `digits` places.
 */
export function formatPValue(p: unknown, resamples: unknown, digits = 3): string {
  if (typeof p !== "number") return p === null || p === undefined ? "—" : String(p);
  if (p === 0 && typeof resamples === "number" && resamples > 0)
    return `< 1/${resamples} (${Number((1 / resamples).toPrecision(2))})`;
  return formatNumber(p, digits);
}

/** Identifiers that are integers (seeds, years, ids): digits only, never grouped ("2024", not "2,024"). */
export const PLAIN_INTEGER_KEY = /(^|[._ ])(seed|year|id|pid)$/i;

/** Share as percent, e.g. 0.1234 → "12.3%". */
export function formatPercent(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return formatNumber(x);
  return `${(x * 100).toFixed(digits).replace(/^-/, "−")}%`;
}

/** Bytes as "12.3 kB" / "1.20 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(2)} MB`;
}

/** Any cell value as display text: numbers formatted, dates as YYYY-MM-DD, objects as JSON. */
export function formatValue(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v, digits);
  if (typeof v === "bigint") return v.toLocaleString("en-US");
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Date)
    return Number.isNaN(v.getTime())
      ? ""
      : v
          .toISOString()
          .slice(0, v.getUTCHours() || v.getUTCMinutes() ? 16 : 10)
          .replace("T", " ");
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return String(v);
  }
}
