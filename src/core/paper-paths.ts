/**
 * Where paper trading keeps its files, relative to the project root: the CLI's defaults, and
 * where `pipeline report` and `pipeline monitor` look for them.
 */
export const PAPER_LEDGER = "data/paper/ledger.duckdb";
/** Dated folders reports/paper/<date>/ with the day's trades, weights, signals and monitoring. */
export const PAPER_REPORTS_DIR = "reports/paper";
/** The alert channels' folder: the log below and the delivery state. */
export const PAPER_ALERTS_DIR = "data/paper/alerts";
/** The file channel's log (JSON lines) inside an alerts folder. */
export const ALERT_LOG_FILE = "alerts.jsonl";
