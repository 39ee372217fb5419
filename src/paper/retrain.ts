/**
 * Retraining triggers: when paper trading re-runs the research study. After a day D is
 * recorded, a retrain is due when `every_days` trading days have been recorded since the last
 * retrain (or since paper trading began), or — `on_drift` — when that day's monitoring raised
 * model drift (the live IC decayed) or performance drift (the live Sharpe fell behind the
 * backtest's), at most once per `min_gap_days` recorded days.
 *
 * The retrain itself (src/cli/commands/paper-loop.ts) runs the study as an experiment whose
 * data stage ends at D — the same source cut at D, so nothing after D's close is read — and
 * registers the champion it selects as `challenger`; the shadow and promotion rules take it
 * from there. Each retrain is a `retrain` event in the live ledger (date D, why, the version),
 * so the next due date follows from the ledger alone.
 */
import type { LoggedEvent } from "./ledger.ts";

export interface RetrainRule {
  every_days: number | null;
  on_drift: boolean;
  min_gap_days: number;
  targets: readonly string[];
}

/** Monitoring alert keys (src/monitor/monitor-day.ts) that count as drift. */
export const DRIFT_ALERTS: Readonly<Record<string, string>> = {
  "monitor:model-drift": "model drift (the live IC decayed)",
  "monitor:performance-drift": "performance drift (the live Sharpe fell behind the backtest's)",
};

/** Date of the last `retrain` event, or null. */
export function lastRetrain(events: readonly LoggedEvent[]): string | null {
  const r = events.filter((e) => e.kind === "retrain" && e.date !== null).sort((a, b) => a.seq - b.seq);
  return r.at(-1)?.date ?? null;
}

/**
 * Why a retrain is due after the last of `recorded` (the ledger's recorded trade days, oldest
 * first), or null: `last` is the last retrain's date, `alertKeys` the keys of the alerts that
 * day's monitoring raised.
 */
export function retrainDue(
  rule: RetrainRule,
  recorded: readonly string[],
  last: string | null,
  alertKeys: readonly string[],
): string | null {
  if (!recorded.length) return null;
  const since = last === null ? recorded.length : recorded.filter((d) => d > last).length;
  const from = last === null ? `paper trading began (${recorded[0]})` : `the last retrain (${last})`;
  if (rule.every_days !== null && since >= rule.every_days)
    return `${since} trading days since ${from} (every ${rule.every_days})`;
  if (rule.on_drift && since >= rule.min_gap_days) {
    const hit = [...new Set(alertKeys)].filter((k) => k in DRIFT_ALERTS).sort();
    if (hit.length) return `monitoring raised ${hit.map((k) => DRIFT_ALERTS[k]).join(" and ")}`;
  }
  return null;
}
