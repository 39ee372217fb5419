/** /metrics scraped over loopback, parsed from the Prometheus text format. */
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  metricsSnapshotFromPaperState,
  serveMetrics,
  type MetricsServer,
  type MetricsSnapshot,
} from "../../src/monitor/index.ts";

const SNAPSHOT: MetricsSnapshot = {
  equity: 1_012_345.5,
  drawdown: -0.0421,
  capitalUtilization: 0.93,
  strategyWeights: { champion: 0.93 },
  symbolWeights: { AAA: 0.5, "BB.B": 0.43 },
  riskBudgetViolations: 2,
  killSwitch: true,
  lastSuccessfulRun: 1719878400,
};

/** name{labels} → value, from the text exposition format (comments skipped). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const serve = async (collect: () => MetricsSnapshot | Promise<MetricsSnapshot>, port = 0) => {
  const s = await serveMetrics({ port, collect });
  servers.push(s);
  return s;
};

describe("serveMetrics", () => {
  it("serves the snapshot's values at /metrics on 127.0.0.1", async () => {
    let scrapes = 0;
    const s = await serve(() => {
      scrapes++;
      return SNAPSHOT;
    });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(s.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE strata_paper_equity gauge");
    expect(Object.fromEntries(parse(text))).toEqual({
      strata_paper_equity: 1012345.5,
      strata_paper_drawdown: -0.0421,
      strata_paper_capital_utilization: 0.93,
      strata_paper_risk_budget_violations: 2,
      strata_paper_kill_switch: 1,
      strata_paper_last_successful_run_timestamp_seconds: 1719878400,
      'strata_paper_strategy_weight{strategy="champion"}': 0.93,
      'strata_paper_symbol_weight{symbol="AAA"}': 0.5,
      'strata_paper_symbol_weight{symbol="BB.B"}': 0.43,
    });
    expect(scrapes).toBe(1);
  });

  it("each scrape collects afresh: a symbol that left the book and unknown values disappear", async () => {
    let snap: MetricsSnapshot = SNAPSHOT;
    const s = await serve(() => snap);
    await fetch(s.url).then((r) => r.text());
    snap = { ...SNAPSHOT, equity: null, killSwitch: false, symbolWeights: { AAA: 0.93 } };
    const m = parse(await (await fetch(s.url)).text());
    expect(m.has("strata_paper_equity")).toBe(false);
    expect(m.get("strata_paper_kill_switch")).toBe(0);
    expect([...m.keys()].filter((k) => k.startsWith("strata_paper_symbol_weight"))).toEqual([
      'strata_paper_symbol_weight{symbol="AAA"}',
    ]);
  });

  it("answers 404 elsewhere and 500 when collect fails, and stays up", async () => {
    let fail = true;
    const s = await serve(async () => {
      if (fail) throw new Error("ledger is locked");
      return SNAPSHOT;
    });
    const base = s.url.replace(/\/metrics$/, "");
    for (const path of ["/", "/metrics/extra", "/favicon.ico"])
      expect((await fetch(base + path)).status, path).toBe(404);
    const bad = await fetch(s.url);
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain("ledger is locked");
    fail = false;
    expect((await fetch(s.url)).status).toBe(200);
  });

  it("says clearly when the port is taken", async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(serveMetrics({ port, collect: () => SNAPSHOT })).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use[\\s\\S]*--port`),
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("rejects a port outside 0..65535", async () => {
    await expect(serveMetrics({ port: 70000, collect: () => SNAPSHOT })).rejects.toThrow(
      /port must be an integer in 0\.\.65535, got 70000/,
    );
  });
});

describe("metricsSnapshotFromPaperState", () => {
  it("derives drawdown, utilization and weights from the ledger state", () => {
    const snap = metricsSnapshotFromPaperState({
      equity: [
        { date: "2024-07-02", equity: 95, cash: 5 },
        { date: "2024-07-01", equity: 100, cash: 100 },
      ],
      positions: [
        { symbol: "AAA", shares: 1, price: 50, value: 50, weight: 50 / 95 },
        { symbol: "BBB", shares: 2, price: 20, value: 40, weight: 40 / 95 },
      ],
      killSwitch: { halted: false, reason: null, date: null },
      lastRun: { date: "2024-07-02", finishedAt: "2024-07-02T21:00:00.000Z" },
      riskBudgetViolations: 0,
    });
    // drawdown 95 / 100 − 1 = −5%; utilization (50 + 40) / 95; the book's weight 90 / 95
    expect(snap.equity).toBe(95);
    expect(snap.drawdown).toBeCloseTo(-0.05, 15);
    expect(snap.capitalUtilization).toBeCloseTo(90 / 95, 15);
    expect(snap.strategyWeights.champion).toBeCloseTo(90 / 95, 15);
    expect(snap.symbolWeights).toEqual({ AAA: 50 / 95, BBB: 40 / 95 });
    expect(snap.killSwitch).toBe(false);
    expect(snap.lastSuccessfulRun).toBe(Date.UTC(2024, 6, 2, 21) / 1000);
    expect(snap.riskBudgetViolations).toBe(0);
  });

  it("a DuckDB TIMESTAMP without a zone is read as UTC", () => {
    const state = { equity: [], positions: [], killSwitch: null, riskBudgetViolations: 0 };
    expect(
      metricsSnapshotFromPaperState({
        ...state,
        lastRun: { date: "2024-07-02", finishedAt: "2024-07-02 21:00:00.123" },
      }).lastSuccessfulRun,
    ).toBe(Date.UTC(2024, 6, 2, 21) / 1000);
    expect(
      metricsSnapshotFromPaperState({
        ...state,
        lastRun: { date: "2024-07-02", finishedAt: "2024-07-02T23:00:00+02:00" },
      }).lastSuccessfulRun,
    ).toBe(Date.UTC(2024, 6, 2, 21) / 1000);
  });

  it("an empty ledger gives unknowns, not zeros", () => {
    const snap = metricsSnapshotFromPaperState({
      equity: [],
      positions: [],
      killSwitch: null,
      lastRun: null,
      riskBudgetViolations: undefined,
    });
    expect(snap).toEqual({
      equity: null,
      drawdown: null,
      capitalUtilization: null,
      strategyWeights: {},
      symbolWeights: {},
      riskBudgetViolations: null,
      killSwitch: null,
      lastSuccessfulRun: null,
    });
  });
});
