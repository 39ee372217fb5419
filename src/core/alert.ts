/**
 * An alert raised by paper trading or monitoring (kill switch, bad data, drift, …). Defined
 * here so the producers (src/paper, src/monitor) and the delivery channels (src/monitor/alerts)
 * share one shape without importing each other; the CLI wires producers to channels.
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
