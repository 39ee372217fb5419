/**
 * A small full study with a champion for the paper-trading tests: 30 synthetic symbols,
 * 2018–2021, ridge scores traded by max_sharpe weekly (the default study's champion shape),
 * selection thresholds loose enough that the one candidate is promoted.
 */
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
