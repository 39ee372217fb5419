/**
 * An alert, as the alert channels deliver it (src/monitor/alerter.ts: the file channel and the
 * webhook): raised by monitoring (monitorDay, `pipeline monitor check`) and by the paper cycle
 * (kill switch, bad data, rejected orders, …).
 *
 * The paper cycle may not import this folder (tests/layers.test.ts: paper and monitor are
 * siblings), so it declares the alerts it raises on its own side (src/paper/alert.ts), and the
 * CLI, which imports both, hands them to an alerter; tsc checks there that a paper alert is an
 * Alert, and tests/monitor/alert-contract.test.ts that the two shapes stay the same.
 */
export type AlertSeverity = "info" | "warning" | "critical";

export interface Alert {
  /** De-duplication key: the same key within the cooldown is sent once (e.g. "kill-switch:daily-loss"). */
  key: string;
  severity: AlertSeverity;
  /** One line, e.g. "Kill switch: daily loss −3.4% beyond −3.0%". */
  title: string;
  /** What happened and what to do next. */
  message: string;
  /** Trading date the alert is about (YYYY-MM-DD), if any. */
  date?: string;
  /** Machine-readable facts (symbol, values, thresholds). Never secrets. */
  details?: Record<string, unknown>;
}

/** Where producers hand their alerts; delivery (files, webhooks, retries) is the sink's business. */
export type AlertSink = (alert: Alert) => Promise<void>;
