/**
 * Typed JS columns → a DuckDB staging table, filled through appender data chunks.
 *
 * Speed: numbers are copied chunk by chunk straight into the chunk's vector memory (one
 * `TypedArray.set` per 2048 values, no per-value calls); strings are dictionary-encoded in JS
 * and stored as DuckDB ENUM codes, so the per-row work is one Map lookup. Measured: 2.5 M rows
 * × 8 columns in ~0.3 s (see bench/data.bench.ts). High-cardinality strings fall back to one
 * `setItem` per value.
 */
import {
  DuckDBDataChunk,
  DuckDBDateValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBVector,
} from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import type { ColumnData, ColumnTable, NumericArray } from "./types.ts";
import { sqlIdent, sqlString } from "./sql.ts";
import { parseIsoDate } from "./dates.ts";

/** One column as it will be stored in the staging table. */
interface StagedColumn {
  name: string;
  /** DuckDB type of the staging column. */
  storage: string;
  /** Expression selecting the final value from the staging column. */
  select: string;
  kind: "numeric" | "date" | "enum" | "varchar";
  /** numeric/date: the values; enum: the codes. */
  values?: NumericArray;
  strings?: readonly (string | null)[];
  /** 1 where the value is NULL (absent when there are none). */
  nulls?: Uint8Array;
}

const TYPED: Array<[new (n: number) => NumericArray, string]> = [
  [Float64Array, "DOUBLE"],
  [Float32Array, "FLOAT"],
  [Int32Array, "INTEGER"],
  [Int16Array, "SMALLINT"],
  [Int8Array, "TINYINT"],
  [Uint8Array, "UTINYINT"],
  [Uint16Array, "USMALLINT"],
  [Uint32Array, "UINTEGER"],
  [BigInt64Array, "BIGINT"],
];

// Enum codes are used when they save work: few distinct values relative to the rows. DuckDB
// stores an ENUM of ≤ 255 values as UINT8 codes, ≤ 65,535 as UINT16 (EnumTypeInfo).
const MAX_ENUM_VALUES = 65_535;
const TYPE_RE = /^[A-Za-z][A-Za-z0-9_ ]*(\([0-9, ]+\))?(\[\])?$/;

function checkType(column: string, type: string): string {
  if (!TYPE_RE.test(type)) {
    throw new StrataError("ARGUMENT", `column "${column}": type ${JSON.stringify(type)} is not a DuckDB type name`, {
      hint: 'use a name such as "DATE", "BIGINT", "DOUBLE", "VARCHAR" or "DECIMAL(18,4)"',
    });
  }
  return type.toUpperCase();
}

interface Dictionary {
  dict: string[];
  /** Row of each dictionary value's first occurrence (for error messages). */
  firstRow: number[];
  codes: Int32Array;
  nulls?: Uint8Array;
}

function dictionaryEncode(values: readonly (string | null)[]): Dictionary | null {
  const n = values.length;
  const index = new Map<string, number>();
  const dict: string[] = [];
  const firstRow: number[] = [];
  const codes = new Int32Array(n);
  let nulls: Uint8Array | undefined;
  const limit = Math.min(MAX_ENUM_VALUES, Math.max(1024, n >>> 2));
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      (nulls ??= new Uint8Array(n))[i] = 1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      if (typeof v !== "string") return null;
      code = dict.length;
      if (code >= limit) return null;
      index.set(v, code);
      dict.push(v);
      firstRow.push(i);
    }
    codes[i] = code;
  }
  return { dict, firstRow, codes, nulls };
}

function stageDateFromStrings(name: string, values: readonly (string | null)[]): StagedColumn {
  const enc = dictionaryEncode(values);
  const n = values.length;
  const days = new Int32Array(n);
  let nulls: Uint8Array | undefined;
  const parse = (v: string, row: number): number => {
    const d = parseIsoDate(v);
    if (d === null) {
      throw new StrataError(
        "ARGUMENT",
        `column "${name}" row ${row + 1} (0-based ${row}): ${JSON.stringify(v)} is not a date "YYYY-MM-DD"`,
        {
          hint: "pass dates as ISO strings or as Int32 days since 1970-01-01",
        },
      );
    }
    return d;
  };
  if (enc) {
    const dictDays = enc.dict.map((v, k) => parse(v, enc.firstRow[k]));
    for (let i = 0; i < n; i++) days[i] = dictDays[enc.codes[i]];
    nulls = enc.nulls;
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
      else days[i] = parse(v, i);
    }
  }
  return { name, storage: "DATE", select: sqlIdent(name), kind: "date", values: days, nulls };
}

function stageColumn(name: string, data: ColumnData, type: string | undefined): StagedColumn {
  const id = sqlIdent(name);
  const target = type === undefined ? undefined : checkType(name, type);
  const castTo = (storage: string, expr: string): string =>
    target === undefined || target === storage ? expr : `CAST(${expr} AS ${target})`;

  for (const [ctor, storage] of TYPED) {
    if (data instanceof ctor) {
      if (target === "DATE" && !(data instanceof BigInt64Array)) {
        const days = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
        return { name, storage: "DATE", select: id, kind: "date", values: days };
      }
      return {
        name,
        storage,
        select: `${castTo(storage, id)} AS ${id}`,
        kind: "numeric",
        values: data as NumericArray,
      };
    }
  }
  if (!Array.isArray(data)) {
    throw new StrataError(
      "ARGUMENT",
      `column "${name}": unsupported column data (${Object.prototype.toString.call(data)})`,
      {
        hint: "pass a typed array (Float64Array, Int32Array, …), string[], number[] or boolean[]",
      },
    );
  }
  const arr = data as readonly unknown[];
  const first = arr.find((v) => v !== null && v !== undefined);
  const col = { name, id, target, castTo };
  if (typeof first === "string" || (first === undefined && (target === "VARCHAR" || target === "DATE")))
    return stageStrings(col, arr as readonly (string | null)[]);
  if (typeof first === "number" || first === undefined) return stageNumbers(col, arr);
  if (typeof first === "boolean") return stageBooleans(col, arr);
  throw new StrataError("ARGUMENT", `column "${name}": unsupported value ${JSON.stringify(first)}`, {
    hint: "columns hold numbers, strings or booleans",
  });
}

/** A column's name, quoted identifier, requested type and the cast of its SELECT. */
interface ColumnTarget {
  name: string;
  id: string;
  target: string | undefined;
  castTo: (storage: string, expr: string) => string;
}

/** Strings: dictionary-encoded as an ENUM when the cardinality allows, else VARCHAR; DATE parses them. */
function stageStrings({ name, id, target, castTo }: ColumnTarget, strings: readonly (string | null)[]): StagedColumn {
  const n = strings.length;
  if (target === "DATE") return stageDateFromStrings(name, strings);
  const enc = dictionaryEncode(strings);
  if (enc) {
    const storage = `ENUM(${enc.dict.length ? enc.dict.map(sqlString).join(", ") : "''"})`;
    const codes = enc.dict.length <= 255 ? Uint8Array.from(enc.codes) : Uint16Array.from(enc.codes);
    return {
      name,
      storage,
      select: `${castTo("VARCHAR", `CAST(${id} AS VARCHAR)`)} AS ${id}`,
      kind: "enum",
      values: codes,
      nulls: enc.nulls,
    };
  }
  for (let i = 0; i < n; i++) {
    const v = strings[i];
    if (v !== null && v !== undefined && typeof v !== "string") {
      throw new StrataError("ARGUMENT", `column "${name}" index ${i}: expected a string, got ${JSON.stringify(v)}`);
    }
  }
  return { name, storage: "VARCHAR", select: `${castTo("VARCHAR", id)} AS ${id}`, kind: "varchar", strings };
}

/** Numbers (nulls kept aside): DOUBLE, or DATE from day numbers. */
function stageNumbers({ name, id, target, castTo }: ColumnTarget, arr: readonly unknown[]): StagedColumn {
  const n = arr.length;
  const values = new Float64Array(n);
  let nulls: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
    else if (typeof v === "number") values[i] = v;
    else throw new StrataError("ARGUMENT", `column "${name}" index ${i}: expected a number, got ${JSON.stringify(v)}`);
  }
  if (target === "DATE") {
    return { name, storage: "DATE", select: id, kind: "date", values: Int32Array.from(values), nulls };
  }
  return { name, storage: "DOUBLE", select: `${castTo("DOUBLE", id)} AS ${id}`, kind: "numeric", values, nulls };
}

/** Booleans, stored as 0/1 and cast back to BOOLEAN on SELECT. */
function stageBooleans({ name, id, castTo }: ColumnTarget, arr: readonly unknown[]): StagedColumn {
  const n = arr.length;
  const values = new Uint8Array(n);
  let nulls: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
    else if (typeof v === "boolean") values[i] = v ? 1 : 0;
    else throw new StrataError("ARGUMENT", `column "${name}" index ${i}: expected a boolean, got ${JSON.stringify(v)}`);
  }
  return {
    name,
    storage: "UTINYINT",
    select: `${castTo("BOOLEAN", `CAST(${id} AS BOOLEAN)`)} AS ${id}`,
    kind: "numeric",
    values,
    nulls,
  };
}

const VECTOR_SIZE = 2048;

/**
 * Copy rows [off, off + n) of a staged column into a chunk vector. The fast path writes into
 * the vector's own typed view (node-api keeps it as `items`; `flush()` copies it to DuckDB);
 * if a future node-api changes that layout, the per-value `setItem` path keeps it correct.
 */
function fillVector(vector: DuckDBVector, col: StagedColumn, off: number, n: number): void {
  const items = (vector as unknown as { items?: unknown }).items;
  if (col.kind === "varchar") {
    const s = col.strings!;
    for (let j = 0; j < n; j++) vector.setItem(j, (s[off + j] ?? null) as never);
  } else {
    const src = col.values!;
    if (
      ArrayBuffer.isView(items) &&
      (items as NumericArray).constructor === src.constructor &&
      (items as NumericArray).length === n
    ) {
      (items as unknown as { set(a: unknown): void }).set(src.subarray(off, off + n));
    } else if (col.kind === "date") {
      for (let j = 0; j < n; j++) vector.setItem(j, new DuckDBDateValue(src[off + j] as number) as never);
    } else if (col.kind === "enum") {
      const enumValues = (vector.type as unknown as { values: string[] }).values;
      for (let j = 0; j < n; j++) vector.setItem(j, enumValues[src[off + j] as number] as never);
    } else {
      for (let j = 0; j < n; j++) vector.setItem(j, src[off + j] as never);
    }
  }
  if (col.nulls) {
    const nulls = col.nulls;
    for (let j = 0; j < n; j++) if (nulls[off + j]) vector.setItem(j, null);
  }
  vector.flush();
}

let stagingSeq = 0;

export interface StagedTable {
  /** Quoted name of the temporary staging table. */
  table: string;
  /** Select list producing the final columns (strings as VARCHAR, casts applied). */
  selectList: string;
  rows: number;
  drop(): Promise<void>;
}

/** Validate a ColumnTable and return its row count. */
export function columnTableLength(table: ColumnTable): number {
  const entries = Object.entries(table.columns);
  if (entries.length === 0) {
    throw new StrataError("ARGUMENT", "column table has no columns", { hint: "pass at least one column" });
  }
  const n = entries[0][1].length;
  const bad = entries.filter(([, v]) => v.length !== n);
  if (bad.length) {
    const lens = entries.map(([k, v]) => `${k}=${v.length}`).join(", ");
    throw new StrataError("ARGUMENT", `columns differ in length (${lens})`, {
      hint: "every column must have one value per row",
    });
  }
  for (const k of Object.keys(table.types ?? {})) {
    if (!(k in table.columns)) {
      throw new StrataError(
        "ARGUMENT",
        `types names column "${k}", which is not among the columns (${entries.map(([c]) => c).join(", ")})`,
      );
    }
  }
  return n;
}

/** Load typed columns into a temporary staging table through appender data chunks. */
export async function stageColumns(conn: DuckDBConnection, table: ColumnTable): Promise<StagedTable> {
  const n = columnTableLength(table);
  const cols = Object.entries(table.columns).map(([name, data]) => stageColumn(name, data, table.types?.[name]));
  const name = sqlIdent(`__strata_stage_${process.pid}_${++stagingSeq}`);
  await conn.run(`CREATE TEMP TABLE ${name} (${cols.map((c) => `${sqlIdent(c.name)} ${c.storage}`).join(", ")})`);
  const drop = async (): Promise<void> => {
    await conn.run(`DROP TABLE IF EXISTS ${name}`);
  };
  try {
    const appender = await conn.createAppender(name.slice(1, -1));
    const types: DuckDBType[] = cols.map((_, i) => appender.columnType(i));
    // A chunk is reused across windows unless a column has NULLs: a reused vector keeps its
    // validity mask, so NULL-bearing tables take a fresh chunk per window.
    const reuse = cols.every((c) => !c.nulls && c.kind !== "varchar");
    let chunk: DuckDBDataChunk | null = null;
    for (let off = 0; off < n; off += VECTOR_SIZE) {
      const m = Math.min(VECTOR_SIZE, n - off);
      if (!reuse || chunk === null || chunk.rowCount !== m) chunk = DuckDBDataChunk.create(types, m);
      for (let c = 0; c < cols.length; c++) fillVector(chunk.getColumnVector(c), cols[c], off, m);
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
  } catch (cause) {
    await drop();
    if (cause instanceof StrataError) throw cause;
    throw new StrataError("INTERNAL", `could not load columns into DuckDB: ${(cause as Error).message}`, { cause });
  }
  return { table: name, selectList: cols.map((c) => c.select).join(", "), rows: n, drop };
}
