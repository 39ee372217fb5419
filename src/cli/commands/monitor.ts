/**
 * `pipeline monitor serve|check|alerts flush`: the Prometheus endpoint over the paper ledger,
 * a one-shot health check of the paper book, and the retry of undelivered webhook alerts.
 *
 * Paths are relative to the project root (the folder of pipeline.yaml): ledger
 * data/paper/ledger.duckdb, alerts data/paper/alerts/. The webhook URL comes from the
 * environment variable STRATA_ALERT_WEBHOOK (--webhook-env to name another); it is never
 * printed. Thresholds and metric names: docs/monitoring.md.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Alert } from "../../monitor/alert.ts";
import { PAPER_ALERTS_DIR, PAPER_LEDGER } from "../../paper/paths.ts";
import { StrataError, errorMessage } from "../../core/errors.ts";
import { parseIsoDate } from "../../store/dates.ts";
import {
  createAlerter,
  DEFAULT_WEBHOOK_ENV,
  metricsSnapshotFromPaperState,
  serveMetrics,
  tradingDaysBetween,
  type MetricsSnapshot,
} from "../../monitor/index.ts";
import { color, printJson, untilSignal } from "../output.ts";

interface MonitorFlags {
  file?: string;
  json?: boolean;
  ledger?: string;
  alertsDir?: string;
  webhookEnv?: string;
}

const DEFAULT_PORT = 9464; // the port Prometheus exporters conventionally take for custom apps

const rootOf = (flags: MonitorFlags): string => dirname(resolve(flags.file ?? "pipeline.yaml"));
const at = (root: string, p: string): string => (isAbsolute(p) ? p : join(root, p));
const ledgerOf = (flags: MonitorFlags): string => at(rootOf(flags), flags.ledger ?? PAPER_LEDGER);
const alertsDirOf = (flags: MonitorFlags): string => at(rootOf(flags), flags.alertsDir ?? PAPER_ALERTS_DIR);

const EMPTY: MetricsSnapshot = {
  equity: null,
  drawdown: null,
  capitalUtilization: null,
  strategyWeights: {},
  symbolWeights: {},
  riskBudgetViolations: null,
  killSwitch: null,
  lastSuccessfulRun: null,
};

async function readState(ledger: string) {
  const { readPaperState } = await import("../../paper/index.ts");
  return readPaperState(ledger);
}

export async function monitorServeCommand(flags: MonitorFlags & { port?: number }): Promise<void> {
  const ledger = ledgerOf(flags);
  let lastGood: MetricsSnapshot | null = null;
  const server = await serveMetrics({
    port: flags.port ?? DEFAULT_PORT,
    collect: async () => {
      // Before the first paper run there is no ledger: every value is unknown (absent), not 0.
      if (!existsSync(ledger)) return EMPTY;
      try {
        lastGood = metricsSnapshotFromPaperState(await readState(ledger));
        return lastGood;
      } catch (e) {
        // A daily run holds the ledger's write lock for a few seconds: serve the last numbers
        // read (the last-run gauge shows their age) instead of failing the scrape.
        if (lastGood && /Could not set lock/i.test(errorMessage(e))) return lastGood;
        throw e;
      }
    },
  });
  if (flags.json) printJson({ ok: true, url: server.url, ledger });
  else process.stdout.write(`Serving metrics at ${server.url} (ledger ${ledger}; Ctrl-C to stop)\n`);
  await untilSignal(() => server.close());
  if (!flags.json) process.stdout.write("Stopped.\n");
}

export async function monitorAlertsFlushCommand(flags: MonitorFlags): Promise<void> {
  const dir = alertsDirOf(flags);
  const alerter = createAlerter({ dir, webhookEnv: flags.webhookEnv ?? DEFAULT_WEBHOOK_ENV });
  const r = await alerter.flush();
  if (flags.json) {
    printJson({ ok: r.pending === 0 && !r.fileError, dir, ...r });
  } else {
    process.stdout.write(
      `${r.delivered} delivered, ${r.pending} pending${r.webhookError ? ` (${r.webhookError})` : ""}\n`,
    );
    if (r.fileError) process.stderr.write(`${color.red("error")}: ${r.fileError}\n`);
  }
  if (r.pending !== 0 || r.fileError) process.exitCode = 1;
}

/**
 * The date `monitor check` judges the book on when --date is not given: the last trading day
 * in the prices (the paper cycle runs on the data's calendar, so a book run through the data's
 * last day is up to date whatever the wall clock says); the wall-clock date only when there
 * are no prices to read.
 */
async function defaultCheckDate(
  flags: MonitorFlags,
): Promise<{ date: string; source: "data" | "clock"; prices: string }> {
  const prices = at(rootOf(flags), "data/data/prices.parquet");
  if (existsSync(prices)) {
    const [{ priceDates }, { createDatabase }] = await Promise.all([
      import("../../paper/market.ts"),
      import("../../store/index.ts"),
    ]);
    const db = await createDatabase();
    const conn = await db.connect();
    try {
      const range = await priceDates(conn, prices);
      if (range) return { date: range.last, source: "data", prices };
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  return { date: new Date().toISOString().slice(0, 10), source: "clock", prices };
}

/**
 * Health of the paper book on a date (default: the last trading day in the data): a ledger
 * exists, the kill switch is off, the last successful run is at most `maxRunAge` trading days
 * old. Exit 1 when any check fails; `--alert` also sends the findings through the alert channels.
 */
export async function monitorCheckCommand(
  flags: MonitorFlags & { date?: string; maxRunAge?: number; alert?: boolean },
): Promise<void> {
  const dflt = flags.date === undefined ? await defaultCheckDate(flags) : null;
  const date = flags.date ?? dflt!.date;
  const dateSource = flags.date !== undefined ? "flag" : dflt!.source;
  if (parseIsoDate(date) === null) {
    throw new StrataError("ARGUMENT", `--date ${JSON.stringify(date)} is not a calendar date "YYYY-MM-DD"`, {
      hint: "e.g. --date 2024-07-01",
    });
  }
  const maxRunAge = flags.maxRunAge ?? 1;
  const ledger = ledgerOf(flags);
  const { alerts, snapshot, lastRunDate } = await bookHealth(ledger, date, maxRunAge);
  const sent = flags.alert
    ? await Promise.all(
        alerts.map((a) =>
          createAlerter({ dir: alertsDirOf(flags), webhookEnv: flags.webhookEnv ?? DEFAULT_WEBHOOK_ENV }).send(a),
        ),
      )
    : null;
  if (flags.json) {
    printJson({
      ok: alerts.length === 0,
      date,
      date_source: dateSource,
      ledger,
      lastRunDate,
      snapshot,
      alerts,
      ...(sent ? { sent } : {}),
    });
  } else {
    if (dflt)
      process.stdout.write(
        color.dim(
          dflt.source === "data"
            ? `date ${date}: the last trading day in ${dflt.prices} (--date to choose another)\n`
            : `date ${date}: today (no prices at ${dflt.prices}; --date to choose another)\n`,
        ),
      );
    printHealth(date, snapshot, lastRunDate, alerts);
  }
  if (alerts.length > 0) process.exitCode = 1;
}

/** The book's findings on `date`: no ledger, the kill switch engaged, or the last run too old. */
async function bookHealth(
  ledger: string,
  date: string,
  maxRunAge: number,
): Promise<{ alerts: Alert[]; snapshot: MetricsSnapshot; lastRunDate: string | null }> {
  const alerts: Alert[] = [];
  if (!existsSync(ledger)) {
    alerts.push({
      key: "monitor:no-ledger",
      severity: "warning",
      date,
      title: `No paper ledger at ${ledger}`,
      message: "Paper trading has not run yet. Start it with `pipeline paper run --date YYYY-MM-DD`.",
    });
    return { alerts, snapshot: EMPTY, lastRunDate: null };
  }
  const state = await readState(ledger);
  const snapshot = metricsSnapshotFromPaperState(state);
  const lastRunDate = state.lastRun?.date ?? null;
  if (state.killSwitch.halted) {
    alerts.push({
      key: "monitor:kill-switch",
      severity: "critical",
      date,
      title:
        `Kill switch engaged ` +
        `since ${state.killSwitch.date ?? "?"}: ${state.killSwitch.reason ?? "no reason recorded"}`,
      message: "Trading is halted. Investigate, then lift it with `pipeline paper resume --reason …`.",
      details: { since: state.killSwitch.date, reason: state.killSwitch.reason },
    });
  }
  const age = lastRunDate === null ? null : tradingDaysBetween(lastRunDate, date);
  if (age === null || age > maxRunAge) {
    alerts.push({
      key: "monitor:stale-run",
      severity: "warning",
      date,
      title:
        lastRunDate === null
          ? "The paper ledger records no run"
          : `Last paper run ${lastRunDate}, ${age} trading days before ${date}`,
      message:
        `The daily cycle should run every trading day (allowed: ${maxRunAge} day behind). Check the scheduler ` +
        `and the last run's output.`,
      details: { lastRunDate, tradingDaysBehind: age, threshold: maxRunAge },
    });
  }
  return { alerts, snapshot, lastRunDate };
}

/** The check for humans: the book's figures when there are any, then each finding, or that it is healthy. */
function printHealth(date: string, snapshot: MetricsSnapshot, lastRunDate: string | null, alerts: Alert[]): void {
  if (snapshot.equity !== null) {
    process.stdout.write(
      `equity ${snapshot.equity.toFixed(2)}  drawdown ${((snapshot.drawdown ?? 0) * 100).toFixed(2)}%  ` +
        `utilization ${((snapshot.capitalUtilization ?? 0) * 100).toFixed(1)}%  last run ${lastRunDate ?? "never"}\n`,
    );
  }
  for (const a of alerts)
    process.stdout.write(
      `${a.severity === "critical" ? color.red(a.severity) : color.yellow(a.severity)}: ${a.title}\n  ${a.message}\n`,
    );
  if (alerts.length === 0) process.stdout.write(`${color.green("ok")}: the paper book is healthy on ${date}\n`);
}
