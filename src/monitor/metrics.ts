/**
 * The numbers a Prometheus server scrapes from `pipeline monitor serve`, and how they are
 * named. A snapshot is plain data; `metricsText` renders it with prom-client into the text
 * exposition format, on a Registry of its own (never prom-client's global one), built afresh
 * per scrape so a symbol that left the book disappears and an unknown value is absent rather
 * than a misleading 0.
 */
import { Gauge, Registry } from "prom-client";

export interface MetricsSnapshot {
  /** Paper account equity (currency units), or null before the first run. */
  equity: number | null;
  /** Equity / running peak − 1, a decimal ≤ 0 (−0.05 = 5% below the peak). */
  drawdown: number | null;
  /** Gross position value / equity (decimal; 0.95 = 95% of capital deployed). */
  capitalUtilization: number | null;
  /** Weight (decimal of equity) per strategy. */
  strategyWeights: Record<string, number>;
  /** Weight (decimal of equity) per held symbol. */
  symbolWeights: Record<string, number>;
  /** Risk-budget violations counted by the paper ledger. */
  riskBudgetViolations: number | null;
  /** Kill switch engaged (trading halted). */
  killSwitch: boolean | null;
  /** Unix seconds when the last daily cycle finished successfully. */
  lastSuccessfulRun: number | null;
}

export const METRIC_NAMES = {
  equity: "strata_paper_equity",
  drawdown: "strata_paper_drawdown",
  capitalUtilization: "strata_paper_capital_utilization",
  strategyWeight: "strata_paper_strategy_weight",
  symbolWeight: "strata_paper_symbol_weight",
  riskBudgetViolations: "strata_paper_risk_budget_violations",
  killSwitch: "strata_paper_kill_switch",
  lastSuccessfulRun: "strata_paper_last_successful_run_timestamp_seconds",
} as const;

const HELP: Record<keyof typeof METRIC_NAMES, string> = {
  equity: "Paper account equity in currency units.",
  drawdown: "Equity below its running peak, as a decimal <= 0.",
  capitalUtilization: "Gross position value divided by equity (decimal).",
  strategyWeight: "Portfolio weight per strategy (decimal of equity).",
  symbolWeight: "Portfolio weight per symbol (decimal of equity).",
  riskBudgetViolations: "Risk-budget violations recorded by the paper ledger.",
  killSwitch: "1 when the kill switch has halted trading, else 0.",
  lastSuccessfulRun: "Unix time in seconds of the last successful daily cycle.",
};

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/** The snapshot in Prometheus text format, and its content type. */
export async function metricsText(s: MetricsSnapshot): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const scalar = (k: keyof typeof METRIC_NAMES, v: number | null) => {
    if (!finite(v)) return;
    new Gauge({ name: METRIC_NAMES[k], help: HELP[k], registers: [registry] }).set(v);
  };
  scalar("equity", s.equity);
  scalar("drawdown", s.drawdown);
  scalar("capitalUtilization", s.capitalUtilization);
  scalar("riskBudgetViolations", s.riskBudgetViolations);
  scalar("killSwitch", s.killSwitch === null ? null : s.killSwitch ? 1 : 0);
  scalar("lastSuccessfulRun", s.lastSuccessfulRun);
  const labeled = (k: "strategyWeight" | "symbolWeight", label: string, values: Record<string, number>) => {
    const g = new Gauge({ name: METRIC_NAMES[k], help: HELP[k], labelNames: [label], registers: [registry] });
    for (const name of Object.keys(values).sort()) if (finite(values[name])) g.set({ [label]: name }, values[name]);
  };
  labeled("strategyWeight", "strategy", s.strategyWeights ?? {});
  labeled("symbolWeight", "symbol", s.symbolWeights ?? {});
  return { contentType: registry.contentType, body: await registry.metrics() };
}
