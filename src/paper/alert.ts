/**
 * The alerts the daily cycle raises (src/paper/cycle.ts) and the sink it hands them to.
 *
 * Delivery belongs to src/monitor (its Alert, src/monitor/alert.ts, and the alerter), which this
 * folder may not import: paper and monitor are siblings in tests/layers.test.ts, and neither
 * should grow a dependency on the other for one record shape. So the producer states what it
 * emits here; the CLI, which imports both, passes the cycle an alerter's `send`, and tsc checks
 * at that call that every paper alert is a monitor Alert. tests/monitor/alert-contract.test.ts
 * checks the two shapes are equal both ways, so neither can drift alone.
 */
export type PaperAlertSeverity = "info" | "warning" | "critical";

export interface PaperAlert {
  /** Cooldown key of the channels, e.g. "kill-switch:daily-loss", "paper:orders-rejected". */
  key: string;
  severity: PaperAlertSeverity;
  /** One line for a chat message. */
  title: string;
  /** What happened in the cycle, and what the operator should do. */
  message: string;
  /** The trade day (YYYY-MM-DD). */
  date?: string;
  /** Facts for machines (symbols, figures, limits); no secrets. */
  details?: Record<string, unknown>;
}

/** Where the cycle hands each alert as it is raised (the CLI: the monitor's alerter). */
export type PaperAlertSink = (alert: PaperAlert) => Promise<void>;
