/**
 * The paper book as monitoring reads it (`pipeline monitor serve`, `pipeline paper status`):
 * equity history, current positions, the kill-switch state, the last run, how many risk
 * budget (safety) violations the ledger has recorded, the rollout in force and the last
 * retrain. Opens the ledger read-only.
 */
import { existsSync } from "node:fs";
import { StrataError } from "../core/errors.ts";
import { Ledger } from "./ledger.ts";
import { lastRetrain } from "./retrain.ts";
import { rolloutState, type RolloutDetails } from "./rollout.ts";

export interface PaperState {
  equity: Array<{ date: string; equity: number; cash: number }>;
  positions: Array<{ symbol: string; shares: number; price: number; value: number; weight: number }>;
  killSwitch: { halted: boolean; reason: string | null; date: string | null };
  lastRun: { date: string; finishedAt: string } | null;
  riskBudgetViolations: number;
  /** The rollout in force (src/paper/rollout.ts), or null. */
  rollout: RolloutDetails | null;
  /** The day of the last retrain the retrain policy ran, or null. */
  lastRetrain: string | null;
}

export async function readPaperState(ledgerPath: string): Promise<PaperState> {
  if (!existsSync(ledgerPath)) {
    throw new StrataError("DATA", `no paper ledger at ${ledgerPath}`, {
      hint: "run `pipeline paper run --date YYYY-MM-DD` first",
    });
  }
  const ledger = await Ledger.open(ledgerPath, { readOnly: true });
  try {
    return await readState(ledger);
  } finally {
    ledger.close();
  }
}

/** The same, from an open ledger. */
export async function readState(ledger: Ledger): Promise<PaperState> {
  const history = await ledger.equityHistory();
  const last = await ledger.lastDay();
  const positions = last ? await ledger.positionsOn(last.date) : [];
  const killSwitch = await ledger.haltState();
  const v = await ledger.conn.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM events WHERE kind = 'safety'`);
  return {
    equity: history.map((h) => ({ date: h.date, equity: h.equity, cash: h.cash })),
    positions,
    killSwitch,
    lastRun: last ? { date: last.date, finishedAt: last.finished_at } : null,
    riskBudgetViolations: Number(v.getRows()[0]?.[0] ?? 0),
    rollout: rolloutState(await ledger.eventsOf(["rollout"]), null).active,
    lastRetrain: lastRetrain(await ledger.eventsOf(["retrain"])),
  };
}
