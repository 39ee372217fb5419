/**
 * `pipeline monitor serve` and `monitor check` over a real paper ledger (DuckDB, written with
 * the paper layer's own Ledger): the scraped values are the ledger's.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, type DayRecord } from "../../src/paper/index.ts";
import { queryDuck } from "../e2e/helpers.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/pipeline.js");
let root: string;

function day(
  date: string,
  equity: number,
  cash: number,
  positions: DayRecord["positions"],
  events: DayRecord["events"] = [],
): DayRecord {
  const positionsValue = positions.reduce((s, p) => s + p.value, 0);
  return {
    date,
    champion: "ridge",
    fingerprint: "f",
    status: "traded",
    orders: [],
    positions,
    signals: null,
    events,
    equity: { date, cash, positionsValue, equity, dailyReturn: null, costs: 0, turnover: 0, regime: null },
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "strata-monitor-ledger-"));
  writeFileSync(join(root, "pipeline.yaml"), "version: 1\nstages: {}\n");
  const ledger = await Ledger.open(join(root, "data/paper/ledger.duckdb"), { capital: 100_000 });
  try {
    await ledger.commitDay(
      day("2024-07-01", 100_000, 10_000, [{ symbol: "AAA", shares: 900, price: 100, value: 90_000, weight: 0.9 }]),
    );
    // equity 96,000 = 6,000 cash + 60,000 AAA + 30,000 BBB; peak 100,000 → drawdown −4%
    await ledger.commitDay(
      day(
        "2024-07-02",
        96_000,
        6_000,
        [
          { symbol: "AAA", shares: 600, price: 100, value: 60_000, weight: 0.625 },
          { symbol: "BBB", shares: 300, price: 100, value: 30_000, weight: 0.3125 },
        ],
        [{ date: "2024-07-02", kind: "safety", severity: "warning", message: "turnover above its cap" }],
      ),
    );
  } finally {
    ledger.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function parse(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n"))
    if (line && !line.startsWith("#")) {
      const i = line.lastIndexOf(" ");
      out[line.slice(0, i)] = Number(line.slice(i + 1));
    }
  return out;
}

describe("pipeline monitor over a paper ledger", () => {
  it("serve: the scraped gauges are the ledger's numbers", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "-f", join(root, "pipeline.yaml"), "monitor", "serve", "--port", "0", "--json"],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    try {
      let out = "";
      const { url } = await new Promise<{ url: string }>((res, rej) => {
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          try {
            res(JSON.parse(out));
          } catch {
            /* partial */
          }
        });
        child.on("exit", (code) => rej(new Error(`serve exited with ${code}: ${out}`)));
      });
      const m = parse(await (await fetch(url)).text());
      const finished = m.strata_paper_last_successful_run_timestamp_seconds;
      expect(Math.abs(finished - Date.now() / 1000)).toBeLessThan(600); // written just now, read as UTC
      delete m.strata_paper_last_successful_run_timestamp_seconds;
      expect(m).toEqual({
        strata_paper_equity: 96_000,
        strata_paper_drawdown: 96_000 / 100_000 - 1,
        strata_paper_capital_utilization: 90_000 / 96_000,
        strata_paper_risk_budget_violations: 1,
        strata_paper_kill_switch: 0,
        'strata_paper_strategy_weight{strategy="champion"}': 0.9375,
        'strata_paper_symbol_weight{symbol="AAA"}': 0.625,
        'strata_paper_symbol_weight{symbol="BBB"}': 0.3125,
      });
      // A paper run holding the ledger's write lock: the last numbers read are served meanwhile.
      const writer = await Ledger.open(join(root, "data/paper/ledger.duckdb"));
      try {
        const during = await fetch(url);
        expect(during.status).toBe(200);
        expect(parse(await during.text()).strata_paper_equity).toBe(96_000);
      } finally {
        writer.close();
      }
    } finally {
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("serve: a locked ledger before any successful read is a 500 naming the lock", async () => {
    const writer = await Ledger.open(join(root, "data/paper/ledger.duckdb"));
    const child = spawn(
      process.execPath,
      [BIN, "-f", join(root, "pipeline.yaml"), "monitor", "serve", "--port", "0", "--json"],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    try {
      let out = "";
      const { url } = await new Promise<{ url: string }>((res, rej) => {
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          try {
            res(JSON.parse(out));
          } catch {
            /* partial */
          }
        });
        child.on("exit", (code) => rej(new Error(`serve exited with ${code}: ${out}`)));
      });
      const r = await fetch(url);
      expect(r.status).toBe(500);
      expect(await r.text()).toMatch(/Could not set lock/);
    } finally {
      writer.close();
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("check: healthy the next trading day, stale three trading days after the last run", () => {
    const run = (date: string) =>
      spawnSync(
        process.execPath,
        [BIN, "-f", join(root, "pipeline.yaml"), "monitor", "check", "--date", date, "--json"],
        { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
      );
    const ok = run("2024-07-03");
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, lastRunDate: "2024-07-02", alerts: [] });
    const stale = run("2024-07-05");
    expect(stale.status).toBe(1);
    expect(JSON.parse(stale.stdout).alerts).toMatchObject([
      { key: "monitor:stale-run", details: { tradingDaysBehind: 3 } },
    ]);
  });

  it("check without --date judges the book on the last trading day in the data, not the wall clock", async () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, "-f", join(root, "pipeline.yaml"), "monitor", "check", ...args], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    // No prices: today's date, said so (the ledger's last run is long past: stale).
    const clock = run("--json");
    expect(JSON.parse(clock.stdout)).toMatchObject({
      date: new Date().toISOString().slice(0, 10),
      date_source: "clock",
    });
    // Prices through Wednesday 2024-07-03 (the day after the last run): healthy on that day.
    mkdirSync(join(root, "data/data"), { recursive: true });
    await queryDuck(`COPY (SELECT d::DATE AS date, 'AAA' AS symbol, 100.0 AS close FROM (VALUES ('2024-06-28'),
      ('2024-07-01'), ('2024-07-02'), ('2024-07-03')) t(d))
      TO '${join(root, "data/data/prices.parquet")}' (FORMAT parquet)`);
    const ok = run("--json");
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      date: "2024-07-03",
      date_source: "data",
      lastRunDate: "2024-07-02",
      alerts: [],
    });
    expect(run().stdout).toContain(
      `date 2024-07-03: the last trading day in ${join(root, "data/data/prices.parquet")}`,
    );
    // An explicit --date still wins.
    expect(JSON.parse(run("--date", "2024-07-05", "--json").stdout)).toMatchObject({
      date: "2024-07-05",
      date_source: "flag",
      ok: false,
    });
  });
});
