/**
 * The alert shape has two declarations because paper and monitor may not import each other
 * (tests/layers.test.ts): the paper cycle states what it raises (src/paper/alert.ts), the
 * monitor what its channels deliver (src/monitor/alert.ts). They must be the same type, both
 * ways, or a paper alert could reach the webhook missing a field. Checked by `tsc` (npm run
 * typecheck); the runtime half checks that a paper alert passes the alerter's validation.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Alert, AlertSeverity, AlertSink } from "../../src/monitor/alert.ts";
import { createAlerter } from "../../src/monitor/index.ts";
import type { PaperAlert, PaperAlertSeverity, PaperAlertSink } from "../../src/paper/alert.ts";

describe("the paper cycle's alerts are the monitor's alerts", () => {
  it("PaperAlert equals Alert, and the sinks and severities match", () => {
    expectTypeOf<PaperAlert>().toEqualTypeOf<Alert>();
    expectTypeOf<PaperAlertSeverity>().toEqualTypeOf<AlertSeverity>();
    expectTypeOf<PaperAlertSink>().toEqualTypeOf<AlertSink>();
  });

  it("an alerter's send is a paper sink, and it delivers a paper alert to the file channel", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-alert-contract-"));
    try {
      const alerter = createAlerter({ dir, webhookEnv: "STRATA_TEST_UNSET_WEBHOOK" });
      const sink: PaperAlertSink = (a) => alerter.send(a).then(() => undefined);
      const alert: PaperAlert = {
        key: "kill-switch:daily-loss",
        severity: "critical",
        date: "2021-03-01",
        title: "Kill switch: daily loss −3.40% beyond −3.00%",
        message: "Trading halted.",
        details: { dailyReturn: -0.034 },
      };
      await sink(alert);
      const events = readFileSync(join(dir, "alerts.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(events.map((e) => e.alert)).toEqual([alert]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
