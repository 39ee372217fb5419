/**
 * A metrics snapshot from the paper ledger's state (the shape `readPaperState` returns in
 * src/paper; declared here structurally because src/monitor may not import src/paper).
 */
import type { MetricsSnapshot } from "./metrics.ts";

export interface PaperStateLike {
  equity: readonly { date: string; equity: number; cash?: number }[];
  positions: readonly { symbol: string; shares?: number; price?: number; value: number; weight: number }[];
  killSwitch: { halted: boolean; reason?: string | null; date?: string | null } | null;
  /** finishedAt: ISO timestamp or unix milliseconds. */
  lastRun: { date: string; finishedAt: string | number | Date } | null;
  /** A count, or the list of violations. */
  riskBudgetViolations: number | readonly unknown[] | null | undefined;
}

export interface PaperSnapshotOptions {
  /** Label of the strategy the paper book runs. Default "champion". */
  strategy?: string;
}

/** A timestamp without a zone ("2024-07-02 21:00:00.123", DuckDB's TIMESTAMP text) is UTC, whatever TZ says. */
function unixSeconds(t: string | number | Date): number | null {
  const text =
    typeof t === "string" && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t.trim())
      ? `${t.trim().replace(" ", "T")}Z`
      : t;
  const ms = text instanceof Date ? text.getTime() : typeof text === "number" ? text : Date.parse(text);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

export function metricsSnapshotFromPaperState(state: PaperStateLike, opts: PaperSnapshotOptions = {}): MetricsSnapshot {
  const history = [...state.equity].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const last = history.length > 0 ? history[history.length - 1].equity : null;
  let peak = -Infinity;
  for (const e of history) if (e.equity > peak) peak = e.equity;
  const symbolWeights: Record<string, number> = {};
  let gross = 0,
    total = 0;
  for (const p of state.positions) {
    symbolWeights[p.symbol] = p.weight;
    gross += Math.abs(p.value);
    total += p.weight;
  }
  const v = state.riskBudgetViolations;
  return {
    equity: last,
    drawdown: last !== null && peak > 0 ? last / peak - 1 : null,
    capitalUtilization: last !== null && last > 0 ? gross / last : null,
    strategyWeights: state.positions.length > 0 ? { [opts.strategy ?? "champion"]: total } : {},
    symbolWeights,
    riskBudgetViolations: typeof v === "number" ? v : Array.isArray(v) ? v.length : null,
    killSwitch: state.killSwitch ? state.killSwitch.halted : null,
    lastSuccessfulRun: state.lastRun ? unixSeconds(state.lastRun.finishedAt) : null,
  };
}
