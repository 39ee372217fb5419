/**
 * A small full study with a champion for the paper-trading tests: 30 synthetic symbols,
 * 2018–2021, ridge scores traded by max_sharpe weekly (the default study's champion shape),
 * selection thresholds loose enough that the one candidate is promoted.
 */
import { expect } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTempProject, type TempProject } from "../e2e/helpers.ts";
import { studySpec, studyStages } from "../e2e/small-study.ts";

export const STAGES = studyStages("paper.ts");

export const SPEC = studySpec({
  commissionBps: 1,
  slippageBps: 2,
  stressBps: [0],
  optimizers: ["max_sharpe"],
  top: 8,
  maxWeight: 0.25,
  pboSplits: 4,
});

export const CHAMPION_CELL = "backtest[model=ridge,optimizer=max_sharpe]";

/** A temp project with the study run (throws with the runner's output if it fails). */
export function paperStudy(extra: Record<string, string> = {}): TempProject {
  const p = createTempProject({ "pipeline.yaml": SPEC, ...STAGES, ...extra });
  const r = p.runJson();
  if (!r.ok) {
    p.dispose();
    throw new Error(`study failed: ${r.stderr}\n${JSON.stringify(r.raw.cells)}`);
  }
  return p;
}

/** Rows of a query on a ledger file, opened read-only (JSON-friendly values). */
export async function ledgerRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** Every table's row count and a content hash (excluding the events' wall-clock column). */
export async function ledgerFingerprint(path: string) {
  const out: Record<string, unknown> = {};
  for (const [t, cols] of Object.entries({
    days: "date, champion, fingerprint, status, orders, fills, equity",
    orders: "*",
    fills: "*",
    positions: "*",
    equity: "*",
    signals: "*",
    events: "seq, date, kind, severity, message, details",
  })) {
    const [r] = await ledgerRows(
      path,
      `SELECT count(*)::INTEGER AS n, md5(coalesce(string_agg(CAST(t AS VARCHAR), '\n' ORDER BY CAST(t AS VARCHAR)), ` +
        `'')) AS h FROM (SELECT ${cols} FROM ${t}) t`,
    );
    out[t] = r;
  }
  return out;
}

/** Ledger consistency: each day's equity = cash + Σ position values, and cash = capital − Σ buys + Σ sells − costs. */
export async function checkConsistent(path: string, capital = 1_000_000) {
  const [r] = await ledgerRows(
    path,
    `
    WITH pv AS (SELECT date, sum(value) AS v FROM positions GROUP BY date),
    flows AS (SELECT date, sum(CASE WHEN side = 'buy' THEN -notional ELSE notional END - commission) AS f FROM fills
    GROUP BY date),
    run AS (SELECT e.date, e.cash, e.equity, e.positions_value, coalesce(pv.v, 0) AS v,
                   ${capital} + sum(coalesce(flows.f, 0)) OVER (ORDER BY e.date) AS cash_from_fills
              FROM equity e LEFT JOIN pv USING (date) LEFT JOIN flows USING (date))
    SELECT count(*)::INTEGER AS n, max(abs(cash + v - equity)) AS e1, max(abs(positions_value - v)) AS e2, max(abs(cash
    - cash_from_fills)) AS e3 FROM run`,
  );
  expect(Number(r.n)).toBeGreaterThan(0);
  expect(Number(r.e1)).toBeLessThan(1e-6);
  expect(Number(r.e2)).toBeLessThan(1e-6);
  expect(Number(r.e3)).toBeLessThan(1e-6);
}
