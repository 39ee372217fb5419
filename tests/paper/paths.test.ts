/**
 * Paper trading's files are written where src/paper/paths.ts and the monitor's file channel
 * (src/monitor/alert-state.ts) say, and read by `pipeline report` where src/report/site/live.ts
 * says; report may import neither writer (tests/layers.test.ts), so the reader states the paths
 * itself and this test holds the two sides together.
 */
import { describe, expect, it } from "vitest";
import { ALERTS_FILE as ALERT_LOG } from "../../src/monitor/alert-state.ts";
import { PAPER_ALERTS_DIR, PAPER_LEDGER, PAPER_REPORTS_DIR } from "../../src/paper/paths.ts";
import { ALERTS_FILE, LEDGER_FILE, PAPER_REPORTS_DIR as REPORTS_READ } from "../../src/report/site/live.ts";
import { SHADOW_DIR } from "../../src/report/site/paper-shadow.ts";
import { shadowLedgerPath } from "../../src/paper/shadow.ts";
import { dirname } from "node:path";

describe("paper trading's file layout", () => {
  it("the report reads the ledger, the daily folders and the alert log where they are written", () => {
    expect(LEDGER_FILE).toBe(PAPER_LEDGER);
    expect(REPORTS_READ).toBe(PAPER_REPORTS_DIR);
    expect(ALERTS_FILE).toBe(`${PAPER_ALERTS_DIR}/${ALERT_LOG}`);
    // Shadow ledgers sit in shadow/ beside the ledger (paper run's default), where the report looks.
    expect(dirname(shadowLedgerPath(dirname(PAPER_LEDGER), "f".repeat(64)))).toBe(SHADOW_DIR);
  });

  it("the defaults are the documented ones (docs/paper-trading.md)", () => {
    expect([PAPER_LEDGER, PAPER_REPORTS_DIR, PAPER_ALERTS_DIR, ALERT_LOG]).toEqual([
      "data/paper/ledger.duckdb",
      "reports/paper",
      "data/paper/alerts",
      "alerts.jsonl",
    ]);
  });
});
