/**
 * DuckDB query results → typed JS columns (columnar; no row objects), and small results as rows.
 *
 * Type mapping (what `readColumns` returns per DuckDB type):
 * | DuckDB                                   | JS                                            |
 * |------------------------------------------|-----------------------------------------------|
 * | DOUBLE, FLOAT, DECIMAL, HUGEINT, UBIGINT, UINTEGER | Float64Array, NULL → NaN              |
 * | BIGINT                                   | Float64Array (exact to 2^53), or BigInt64Array with `bigint: "bigint"` (NULL → error) |
 * | INTEGER, SMALLINT, TINYINT, UTINYINT, USMALLINT | Int32Array; if the column holds NULLs, Float64Array with NaN |
 * | DATE                                     | Int32Array of days since 1970-01-01 (default `dates: "days"`; NULLs → Float64Array with NaN), or "YYYY-MM-DD" strings with `dates: "iso"` |
 * | TIMESTAMP (any unit, with or without TZ) | Float64Array of epoch milliseconds, NULL → NaN |
 * | VARCHAR, ENUM                            | (string \| null)[]                            |
 * | BOOLEAN                                  | (boolean \| null)[]                           |
 * | anything else (LIST, STRUCT, …)          | unknown[] of plain JS values                  |
 */
import {
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBVector,
} from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { formatIsoDate } from "./dates.ts";

export type ReadColumn = Float64Array | Int32Array | BigInt64Array | (string | null)[] | (boolean | null)[] | unknown[];

export type ReadColumns = Record<string, ReadColumn>;

export interface ReadColumnsOptions {
  /** DATE as Int32 epoch days ("days", default) or ISO strings ("iso"). */
  dates?: "days" | "iso";
  /** BIGINT as Float64Array ("number", default) or BigInt64Array ("bigint"). */
  bigint?: "number" | "bigint";
}

type Kind = "f64" | "i32" | "i64" | "date" | "ts" | "string" | "bool" | "other";

function kindOf(typeId: DuckDBTypeId, opts: ReadColumnsOptions): Kind {
  switch (typeId) {
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UINTEGER:
      return "f64";
    case DuckDBTypeId.BIGINT:
      return opts.bigint === "bigint" ? "i64" : "f64";
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return "i32";
    case DuckDBTypeId.DATE:
      return opts.dates === "iso" ? "string" : "date";
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return "ts";
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
      return "string";
    case DuckDBTypeId.BOOLEAN:
      return "bool";
    default:
      return "other";
  }
}

// Timestamps are read as SQL epoch_ms so every unit and TZ variant arrives as one BIGINT.
const TS_UNIT_TO_MS: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.TIMESTAMP]: 1e-3,
  [DuckDBTypeId.TIMESTAMP_TZ]: 1e-3,
  [DuckDBTypeId.TIMESTAMP_S]: 1e3,
  [DuckDBTypeId.TIMESTAMP_MS]: 1,
  [DuckDBTypeId.TIMESTAMP_NS]: 1e-6,
};

/** Internal views node-api keeps on a vector (see fillVector in encode-columns.ts for why). */
function vectorItems(v: DuckDBVector): ArrayLike<number | bigint> | undefined {
  const items = (v as unknown as { items?: unknown }).items;
  return ArrayBuffer.isView(items) ? (items as unknown as ArrayLike<number | bigint>) : undefined;
}

/** Null flags of a vector window: undefined when every value is valid. */
function nullMask(v: DuckDBVector, n: number): Uint8Array | undefined {
  const validity = (v as unknown as { validity?: { data?: BigUint64Array | null; offset?: number } }).validity;
  if (validity && "data" in validity && (validity.offset ?? 0) === 0) {
    const data = validity.data;
    if (!data) return undefined;
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
    let mask: Uint8Array | undefined;
    for (let j = 0; j < n; j++) {
      if (((words[j >>> 5] >>> (j & 31)) & 1) === 0) (mask ??= new Uint8Array(n))[j] = 1;
    }
    return mask;
  }
  let mask: Uint8Array | undefined;
  for (let j = 0; j < n; j++) if (v.getItem(j) === null) (mask ??= new Uint8Array(n))[j] = 1;
  return mask;
}

interface Sink {
  kind: Kind;
  typeId: DuckDBTypeId;
  f64?: Float64Array;
  i32?: Int32Array;
  i64?: BigInt64Array;
  arr?: unknown[];
  hasNull: boolean;
  /** Decoded short strings, see readInlineStrings. */
  cache?: Map<number, Map<number, Map<number, string>>>;
}

/** A vector value as a plain number (DECIMAL, HUGEINT, DATE and timestamp objects included). */
function numberAt(v: DuckDBVector, j: number): number {
  const x = v.getItem(j);
  if (x === null) return NaN;
  if (typeof x === "number" || typeof x === "bigint") return Number(x);
  const js = JSDuckDBValueConverter(x, v.type, JSDuckDBValueConverter);
  if (js instanceof Date)
    return v.type.typeId === DuckDBTypeId.DATE ? Math.round(js.getTime() / 86_400_000) : js.getTime();
  return Number(js);
}

function readNumeric(v: DuckDBVector, n: number, sink: Sink, off: number, name: string): void {
  const items = vectorItems(v);
  const mask = nullMask(v, n);
  if (sink.kind === "i64") {
    if (mask) {
      throw new StrataError("DATA", `column "${name}" holds NULL, which a BigInt64Array cannot represent`, {
        hint: 'read it with { bigint: "number" } (NULL → NaN) or COALESCE it in SQL',
      });
    }
    const out = sink.i64!;
    if (items instanceof BigInt64Array) out.set(items.subarray(0, n), off);
    else for (let j = 0; j < n; j++) out[off + j] = BigInt(v.getItem(j) as bigint);
    return;
  }
  if (mask && sink.i32) {
    // Integers (and dates) holding NULLs are promoted to Float64Array so NULL can be NaN.
    sink.f64 = Float64Array.from(sink.i32);
    sink.i32 = undefined;
    sink.hasNull = true;
  }
  const scale = sink.kind === "ts" ? (TS_UNIT_TO_MS[sink.typeId] ?? 1e-3) : 1;
  const out = sink.f64 ?? sink.i32!;
  if (items && scale === 1 && items.constructor === out.constructor && items.length === n) {
    out.set(items as never, off);
  } else if (items && items.length === n) {
    for (let j = 0; j < n; j++) out[off + j] = Number(items[j]) * scale;
  } else {
    for (let j = 0; j < n; j++) out[off + j] = numberAt(v, j);
  }
  if (mask) for (let j = 0; j < n; j++) if (mask[j]) out[off + j] = NaN;
}

/**
 * VARCHAR fast path. DuckDB stores strings of ≤ 12 bytes inline in their 16-byte `string_t`
 * (4-byte length, then the bytes, zero-padded), so equal short strings have equal 16 bytes:
 * a cache keyed on those bytes decodes each distinct symbol once instead of once per row
 * (2.5 M tickers: ~1 s → ~0.1 s). Longer strings, NULLs, or an unexpected node-api layout
 * fall back to `getItem`. Returns false when the fast path does not apply.
 */
function readInlineStrings(v: DuckDBVector, n: number, out: unknown[], off: number, sink: Sink): boolean {
  const dv = (v as unknown as { dataView?: unknown }).dataView;
  if (!(dv instanceof DataView) || dv.byteLength < n * 16) return false;
  if (nullMask(v, n)) return false;
  const cache = (sink.cache ??= new Map());
  for (let j = 0; j < n; j++) {
    const p = j * 16;
    const len = dv.getUint32(p, true);
    if (len > 12) {
      out[off + j] = v.getItem(j);
      continue;
    }
    const k1 = len * 4294967296 + dv.getUint32(p + 4, true);
    const w2 = dv.getUint32(p + 8, true),
      w3 = dv.getUint32(p + 12, true);
    let m2 = cache.get(k1);
    if (!m2) cache.set(k1, (m2 = new Map()));
    let m3 = m2.get(w2);
    if (!m3) m2.set(w2, (m3 = new Map()));
    let str = m3.get(w3);
    if (str === undefined) {
      str = v.getItem(j) as string;
      m3.set(w3, str);
    }
    out[off + j] = str;
  }
  return true;
}

function readChunkColumn(chunk: DuckDBDataChunk, c: number, sink: Sink, off: number, name: string): void {
  const v = chunk.getColumnVector(c);
  const n = chunk.rowCount;
  switch (sink.kind) {
    case "f64":
    case "i32":
    case "date":
    case "i64":
    case "ts":
      readNumeric(v, n, sink, off, name);
      return;
    case "string": {
      const out = sink.arr!;
      if (v.type.typeId === DuckDBTypeId.DATE) {
        const items = vectorItems(v);
        const mask = nullMask(v, n);
        for (let j = 0; j < n; j++)
          out[off + j] = mask?.[j] ? null : formatIsoDate(items ? Number(items[j]) : numberAt(v, j));
        return;
      }
      if (v.type.typeId === DuckDBTypeId.VARCHAR && readInlineStrings(v, n, out, off, sink)) return;
      for (let j = 0; j < n; j++) out[off + j] = v.getItem(j);
      return;
    }
    case "bool": {
      const out = sink.arr!;
      for (let j = 0; j < n; j++) out[off + j] = v.getItem(j);
      return;
    }
    default: {
      const out = sink.arr!;
      const values = chunk.convertColumnValues(c, JSDuckDBValueConverter);
      for (let j = 0; j < n; j++) out[off + j] = values[j];
    }
  }
}

/** Run `sql` and return its columns as typed arrays (see the mapping above). */
export async function readColumns(
  conn: DuckDBConnection,
  sql: string,
  opts: ReadColumnsOptions = {},
): Promise<ReadColumns> {
  let result;
  try {
    result = await conn.run(sql);
  } catch (cause) {
    throw new StrataError("DATA", `query failed: ${(cause as Error).message}`, { cause, details: { sql } });
  }
  const names = result.deduplicatedColumnNames();
  const rows = result.rowCount;
  const sinks: Sink[] = names.map((_, c) => {
    const typeId = result.columnTypeId(c);
    const kind = kindOf(typeId, opts);
    const sink: Sink = { kind, typeId, hasNull: false };
    if (kind === "f64" || kind === "ts") sink.f64 = new Float64Array(rows);
    else if (kind === "i32" || kind === "date") sink.i32 = new Int32Array(rows);
    else if (kind === "i64") sink.i64 = new BigInt64Array(rows);
    // Filled strictly in row order, so appending keeps V8 fast elements (new Array(n) for
    // n > 100k would start out in slow dictionary mode).
    else sink.arr = [];
    return sink;
  });
  let off = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    for (let c = 0; c < names.length; c++) {
      readChunkColumn(chunk, c, sinks[c], off, names[c]);
    }
    off += chunk.rowCount;
  }
  const out: ReadColumns = {};
  names.forEach((name, c) => {
    const s = sinks[c];
    out[name] = (s.f64 ?? s.i32 ?? s.i64 ?? s.arr)!;
  });
  return out;
}

/**
 * Run `sql` and return plain row objects (JS values: BIGINT → bigint, DATE → "YYYY-MM-DD"…
 * via node-api's JSON conversion, so numbers stay numbers and dates are ISO strings).
 * For small results only; use `readColumns` for anything large.
 */
export async function queryRows<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJson() as T[];
  } catch (cause) {
    throw new StrataError("DATA", `query failed: ${(cause as Error).message}`, { cause, details: { sql } });
  }
}

function wrongKind(name: string, want: string, got: ReadColumn | undefined): StrataError {
  const what = got === undefined ? "is missing" : `is ${got.constructor.name}`;
  return new StrataError("ARGUMENT", `column "${name}" ${what}, expected ${want}`, {
    hint: "check the query's column names and types (CAST in SQL if needed)",
  });
}

/** The column as a Float64Array (Int32Array columns are converted), or a clear error. */
export function f64Column(cols: ReadColumns, name: string): Float64Array {
  const c = cols[name];
  if (c instanceof Float64Array) return c;
  if (c instanceof Int32Array) return Float64Array.from(c);
  throw wrongKind(name, "a numeric column", c);
}

/** The column as an Int32Array (e.g. DATE as epoch days), or a clear error. */
export function i32Column(cols: ReadColumns, name: string): Int32Array {
  const c = cols[name];
  if (c instanceof Int32Array) return c;
  throw wrongKind(name, "an Int32Array (INTEGER or DATE without NULLs)", c);
}

/** The column as strings, or a clear error. */
export function stringColumn(cols: ReadColumns, name: string): (string | null)[] {
  const c = cols[name];
  if (Array.isArray(c) && c.every((x) => x === null || typeof x === "string")) return c as (string | null)[];
  throw wrongKind(name, "a VARCHAR column", c);
}
