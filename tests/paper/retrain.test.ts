/**
 * The retrain policy (src/paper/retrain.ts): when a retrain is due after a recorded day, from
 * the ledger's recorded days, its last retrain and the day's monitoring alerts.
 */
import { describe, expect, it } from "vitest";
import { lastRetrain, retrainDue, type RetrainRule } from "../../src/paper/retrain.ts";
import type { LoggedEvent } from "../../src/paper/ledger.ts";

const days = (n: number, from = 1) =>
  Array.from({ length: n }, (_, k) => `2024-01-${String(from + k).padStart(2, "0")}`);
const rule = (o: Partial<RetrainRule> = {}): RetrainRule => ({
  every_days: null,
  on_drift: false,
  min_gap_days: 5,
  targets: [],
  ...o,
});
const event = (seq: number, kind: string, date: string | null): LoggedEvent => ({
  seq,
  date,
  kind,
  severity: "info",
  message: "",
  details: null,
  recorded_at: "",
});

describe("retrain policy", () => {
  it("every N recorded days: due on the Nth day since trading began, then N days after each retrain", () => {
    const r = rule({ every_days: 10 });
    expect(retrainDue(r, days(9), null, [])).toBeNull();
    expect(retrainDue(r, days(10), null, [])).toBe("10 trading days since paper trading began (2024-01-01) (every 10)");
    // Retrained after the 10th day: the next is due 10 recorded days later, not before.
    expect(retrainDue(r, days(19), "2024-01-10", [])).toBeNull();
    expect(retrainDue(r, days(20), "2024-01-10", [])).toBe(
      "10 trading days since the last retrain (2024-01-10) (every 10)",
    );
  });

  it("on drift: a drift alert of the day triggers, at most once per min_gap_days", () => {
    const r = rule({ on_drift: true, min_gap_days: 5 });
    expect(retrainDue(r, days(8), null, ["monitor:data-freshness"])).toBeNull();
    expect(retrainDue(r, days(8), null, ["monitor:model-drift"])).toBe(
      "monitoring raised model drift (the live IC decayed)",
    );
    expect(retrainDue(r, days(8), null, ["monitor:performance-drift", "monitor:model-drift"])).toBe(
      "monitoring raised model drift (the live IC decayed) and performance drift (the live Sharpe fell behind the " +
        "backtest's)",
    );
    // Four recorded days since the last retrain: too soon, even with drift.
    expect(retrainDue(r, days(8), "2024-01-04", ["monitor:model-drift"])).toBeNull();
    expect(retrainDue(r, days(9), "2024-01-04", ["monitor:model-drift"])).not.toBeNull();
    // Off unless asked for.
    expect(retrainDue(rule(), days(100), null, ["monitor:model-drift"])).toBeNull();
  });

  it("the last retrain is the latest retrain event by sequence; nothing recorded yet is null", () => {
    expect(lastRetrain([])).toBeNull();
    const ev = [event(3, "retrain", "2024-02-01"), event(1, "retrain", "2024-01-10"), event(4, "day", "2024-02-02")];
    expect(lastRetrain(ev)).toBe("2024-02-01");
    expect(retrainDue(rule({ every_days: 5 }), [], null, [])).toBeNull();
  });
});
