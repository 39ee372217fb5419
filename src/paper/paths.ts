/**
 * Where paper trading keeps its files, relative to the project root: the defaults of
 * `pipeline paper run|status|resume` and `pipeline monitor` (their --ledger, --reports and
 * --alerts flags override them).
 *
 * `pipeline report` reads these files too, but src/report may not import src/paper
 * (tests/layers.test.ts), so the report's live pages state the paths they read themselves
 * (src/report/site/live.ts); tests/paper/paths.test.ts checks both sides name the same files.
 */
export const PAPER_LEDGER = "data/paper/ledger.duckdb";
/** Dated folders reports/paper/<date>/ with the day's trades, weights, signals and monitoring. */
export const PAPER_REPORTS_DIR = "reports/paper";
/** The alert channels' folder (src/monitor/alerter.ts): the log alerts.jsonl and the delivery state. */
export const PAPER_ALERTS_DIR = "data/paper/alerts";
