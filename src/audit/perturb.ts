/**
 * Perturb a prices table after a cutoff date: every price and volume column present is
 * multiplied by seeded noise on rows dated after the cutoff; rows on or before it are copied
 * untouched. OHLC stays consistent (low ≤ open, close ≤ high): open and close get their own
 * factors, high and low theirs, then high is raised to max(open, close) and low lowered to
 * min(open, close) where needed. Each column has an independent factor, so bar shapes change
 * too (H/L and C/O ratios — what range estimators read), not only price levels.
 *
 * The noise is a function of (seed, row, column) through DuckDB's `hash`, so the same seed on
 * the same file gives the same bytes (for one DuckDB version).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { copyQueryToParquet, queryRows, sqlIdent, readParquetSql, sqlString } from "../store/index.ts";

export const PRICE_FIELDS = ["open", "high", "low", "close", "volume"] as const;

export interface PerturbOptions {
  /** ISO date; rows with date > cutoff are perturbed. */
  cutoff: string;
  /** Noise seed (default 1). */
  seed?: number;
  /** Log-scale half-width of the multiplicative noise: factors in [e^−s, e^s] (default 0.05). */
  scale?: number;
}

export interface PerturbResult {
  rows: number;
  perturbedRows: number;
  columns: string[];
}

export async function perturbPricesAfter(
  conn: DuckDBConnection,
  source: string,
  dest: string,
  opts: PerturbOptions,
): Promise<PerturbResult> {
  const seed = opts.seed ?? 1,
    scale = opts.scale ?? 0.05;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new StrataError("ARGUMENT", `perturbPricesAfter: seed must be a non-negative integer, got ${seed}`, {
      hint: "pass e.g. --seed 1",
    });
  }
  if (!(scale > 0 && scale < 1)) {
    throw new StrataError("ARGUMENT", `perturbPricesAfter: scale must be in (0, 1), got ${scale}`, {
      hint: "use e.g. 0.05 (±5 % noise)",
    });
  }
  const src = readParquetSql(source, { fileRowNumber: true });
  const desc = await queryRows<{ column_name: string; column_type: string }>(
    conn,
    `DESCRIBE SELECT * FROM ${readParquetSql(source)}`,
  );
  const types = new Map(desc.map((d) => [d.column_name, d.column_type]));
  if (!types.has("date")) {
    throw new StrataError(
      "DATA",
      `${source}: the prices table has no 'date' column (columns: ${[...types.keys()].join(", ")})`,
      {
        hint: "the leakage audit perturbs rows by date; point it at a table with a date column",
      },
    );
  }
  const present = PRICE_FIELDS.filter((c) => types.has(c));
  if (present.length === 0) {
    throw new StrataError("DATA", `${source}: none of ${PRICE_FIELDS.join(", ")} is a column of the prices table`, {
      hint: "the leakage audit perturbs price and volume columns; check the data stage's output",
    });
  }
  const cut = `${sqlString(opts.cutoff)}::DATE`;
  // u ∈ [0, 1) from a 64-bit hash of (seed, row, column index); factor = exp(scale·(2u − 1)).
  const factor = (k: number) =>
    `exp(${scale} * (2 * ((hash(${seed}, file_row_number, ${k}) % 1000000007)::DOUBLE / 1000000007) - 1))`;
  const raw: Record<string, string> = {};
  present.forEach((c, k) => {
    raw[c] = `${sqlIdent(c)} * ${factor(k)}`;
  });
  const body: Record<string, string> = {};
  const oc = (["open", "close"] as const).filter((c) => raw[c]).map((c) => `(${raw[c]})`);
  for (const c of present) {
    if (c === "high" && oc.length) body[c] = `greatest(${raw[c]}, ${oc.join(", ")})`;
    else if (c === "low" && oc.length) body[c] = `least(${raw[c]}, ${oc.join(", ")})`;
    else body[c] = raw[c];
  }
  const replace = present.map(
    (c) => `CASE WHEN date > ${cut} THEN CAST(${body[c]} AS ${types.get(c)}) ELSE ${sqlIdent(c)} END AS ${sqlIdent(c)}`,
  );
  const sql = `SELECT * EXCLUDE (file_row_number) REPLACE (${replace.join(", ")}) FROM ${src} ORDER BY file_row_number`;
  const { rows } = await copyQueryToParquet(conn, sql, dest);
  const [n] = await queryRows<{ n: number }>(
    conn,
    `SELECT count(*)::INTEGER AS n FROM ${readParquetSql(source)} WHERE date > ${cut}`,
  );
  return { rows, perturbedRows: n.n, columns: present };
}
