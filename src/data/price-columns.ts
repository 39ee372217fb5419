/**
 * The canonical long price table and how a file's columns map onto it.
 */
import { editDistance } from "../core/suggest.ts";

/** Canonical columns of `prices`, in output order. */
export const PRICE_COLUMNS = ["date", "symbol", "open", "high", "low", "close", "volume", "sector"] as const;
export type PriceColumn = (typeof PRICE_COLUMNS)[number];

export const REQUIRED_COLUMNS: readonly PriceColumn[] = ["date", "symbol", "close"];
export const NUMERIC_COLUMNS: readonly PriceColumn[] = ["open", "high", "low", "close", "volume"];

/** Canonical column → the file's header, e.g. `{ symbol: "Ticker", close: "Adj Close" }`. */
export type ColumnMapping = Partial<Record<PriceColumn, string>>;

/** Headers recognized without a mapping (compared case-insensitively, spaces/underscores ignored). */
const ALIASES: Record<PriceColumn, string[]> = {
  date: ["date", "day", "timestamp", "time"],
  symbol: ["symbol", "ticker", "asset", "instrument", "code"],
  open: ["open"],
  high: ["high"],
  low: ["low"],
  close: ["close", "adjclose", "price", "last"],
  volume: ["volume", "vol"],
  sector: ["sector", "industry", "group"],
};

const norm = (s: string): string => s.toLowerCase().replace(/[\s_\-.]/g, "");

export interface ResolvedColumns {
  /** Canonical → header actually found in the file. */
  found: Partial<Record<PriceColumn, string>>;
  /** Mapped headers the file lacks (canonical, header named in the mapping). */
  missingMapped: Array<[PriceColumn, string]>;
  /** Required canonical columns with no mapping and no recognizable header. */
  missingRequired: PriceColumn[];
}

/** Match the file's headers to canonical columns: explicit mapping first, then aliases. */
export function resolveColumns(headers: readonly string[], mapping: ColumnMapping = {}): ResolvedColumns {
  const found: Partial<Record<PriceColumn, string>> = {};
  const missingMapped: Array<[PriceColumn, string]> = [];
  const used = new Set<string>();
  for (const col of PRICE_COLUMNS) {
    const want = mapping[col];
    if (want === undefined) continue;
    const hit = headers.find((h) => h === want) ?? headers.find((h) => h.toLowerCase() === want.toLowerCase());
    if (hit === undefined) missingMapped.push([col, want]);
    else {
      found[col] = hit;
      used.add(hit);
    }
  }
  for (const col of PRICE_COLUMNS) {
    if (found[col] !== undefined || mapping[col] !== undefined) continue;
    const hit = headers.find((h) => !used.has(h) && ALIASES[col].includes(norm(h)));
    if (hit !== undefined) {
      found[col] = hit;
      used.add(hit);
    }
  }
  const missingRequired = REQUIRED_COLUMNS.filter((c) => found[c] === undefined && mapping[c] === undefined);
  return { found, missingMapped, missingRequired };
}

/** The header most like `target` (a canonical name or a mistyped mapping), if any is close. */
export function suggestHeader(
  target: string,
  headers: readonly string[],
  exclude: ReadonlySet<string> = new Set(),
): string | undefined {
  let best: string | undefined,
    bestD = Infinity;
  const t = norm(target);
  for (const h of headers) {
    if (exclude.has(h)) continue;
    const n = norm(h);
    const d = n.includes(t) || t.includes(n) ? 0.5 : editDistance(t, n);
    if (d < bestD) {
      bestD = d;
      best = h;
    }
  }
  return bestD <= Math.max(2, t.length / 3) ? best : undefined;
}
