/**
 * `pipeline paper run|status|resume`: the daily paper-trading cycle against the champion
 * (src/paper), its reports under reports/paper/<date>/, alerts and the ledger's state.
 *
 * Paths (relative to the project root, i.e. the folder of pipeline.yaml): prices
 * data/data/prices.parquet, features data/features/features.parquet, champion data/champion/,
 * ledger data/paper/ledger.duckdb, reports reports/paper/. Settings: --config (YAML or JSON,
 * src/paper/config.ts) and a few flags; `paper run --broker sim|alpaca` picks who fills the
 * orders (docs/brokers.md).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Alert } from "../../monitor/alert.ts";
import { PAPER_ALERTS_DIR, PAPER_LEDGER, PAPER_REPORTS_DIR } from "../../paper/paths.ts";
import { StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import {
  Ledger,
  checkPaperDates,
  paperConfig,
  readState,
  type DayResult,
  type PaperConfig,
  type PaperPaths,
} from "../../paper/index.ts";
import { writePaperReport } from "../paper-report.ts";
import { createDatabase } from "../../store/index.ts";
import { readCloses } from "../../data/closes.ts";
import type { MonitoringReport } from "../../monitor/index.ts";
import { color, printJson } from "../output.ts";
import type { PromotionVerdict } from "../../paper/shadow.ts";
import { paperBooks, printShadows, shadowJson, shadowPeriod } from "./paper-shadow.ts";
import { emptyLoopLog, rolledBackModels, runLoopDay, type LoopOptions } from "./paper-loop.ts";
import { periodDays } from "../../paper/cycle.ts";

export interface PaperFlags {
  file?: string;
  /** Alert channel folder (default data/paper/alerts). */
  alerts?: string;
  ledger?: string;
  reports?: string;
  prices?: string;
  features?: string;
  champion?: string;
  config?: string;
  capital?: number;
  fill?: "open" | "close";
  scores?: "model" | "predictions";
  json?: boolean;
}

export interface PaperRunFlags extends PaperFlags {
  date?: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
  /** Overrides broker.kind of the config: "sim" or "alpaca" (checked here, with a suggestion). */
  broker?: string;
}

const BROKER_KINDS = ["sim", "alpaca"] as const;

/** --broker's value as a broker kind; anything else is an ARGUMENT error (exit 2) suggesting the closest. */
function brokerKind(v: string): (typeof BROKER_KINDS)[number] {
  const kind = BROKER_KINDS.find((k) => k === v);
  if (kind) return kind;
  throw new StrataError("ARGUMENT", `paper run: --broker '${v}' is not a broker`, {
    hint: suggestionHint(v, BROKER_KINDS, "brokers"),
  });
}

function rootOf(flags: PaperFlags): string {
  return dirname(resolve(flags.file ?? "pipeline.yaml"));
}

const at = (root: string, p: string) => (isAbsolute(p) ? p : join(root, p));

export function ledgerPath(flags: PaperFlags): string {
  return at(rootOf(flags), flags.ledger ?? PAPER_LEDGER);
}

function paths(flags: PaperFlags): PaperPaths {
  const root = rootOf(flags);
  return {
    prices: at(root, flags.prices ?? "data/data/prices.parquet"),
    features: at(root, flags.features ?? "data/features/features.parquet"),
    championDir: at(root, flags.champion ?? "data/champion"),
    predictions: (model) => at(root, `data/train/model=${model}/predictions.parquet`),
  };
}

function loadConfig(flags: PaperFlags & { broker?: string }): PaperConfig {
  let input: Record<string, unknown> = {};
  if (flags.config) {
    const file = at(rootOf(flags), flags.config);
    if (!existsSync(file))
      throw new StrataError("ARGUMENT", `paper: config file ${file} does not exist`, {
        hint: "pass a YAML or JSON file with the settings of docs/paper-trading.md",
      });
    try {
      input = (parseYaml(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    } catch (cause) {
      throw new StrataError("ARGUMENT", `paper: ${file} is not valid YAML/JSON (${(cause as Error).message})`, {
        cause,
      });
    }
  }
  if (flags.capital !== undefined) input.capital = flags.capital;
  if (flags.fill) input.broker = { ...((input.broker as object) ?? {}), fill: flags.fill };
  if (flags.broker !== undefined) {
    const kind = brokerKind(flags.broker);
    const broker: Record<string, unknown> = { ...((input.broker as object) ?? {}), kind };
    // --broker sim on a config set up for Alpaca: the flag chose the simulated broker on purpose,
    // so the config's alpaca block is left out rather than refused.
    if (kind === "sim") delete broker.alpaca;
    input.broker = broker;
  }
  if (flags.scores) input.scores = flags.scores;
  const parsed = (() => {
    try {
      return paperConfig(input as never);
    } catch (cause) {
      const issues = (cause as { issues?: Array<{ path: (string | number)[]; message: string }> }).issues;
      throw new StrataError(
        "ARGUMENT",
        `paper: invalid ` +
          `settings${flags.config ? ` in ${flags.config}` : ""}: ${issues ? issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") : (cause as Error).message}`,
        { cause },
      );
    }
  })();
  return parsed;
}

/**
 * The day's monitoring report (src/monitor `monitorDay`): live scores (by decision date) and
 * the paper equity and weights from the ledger plus the day being recorded, closes from the
 * prices file up to the trade day. Monitoring alerts go to the same channels as the cycle's.
 */
async function monitoring(
  ledger: Ledger,
  r: DayResult,
  p: PaperPaths,
  send: (a: Alert) => Promise<void>,
): Promise<MonitoringReport> {
  const { monitorDay } = await import("../../monitor/index.ts");
  const scoreHistory = (await ledger.signals(r.date))
    .filter((s) => s.date < r.date)
    .map((s) => ({ date: s.decision_date, symbol: s.symbol, score: s.score }));
  if (r.decisionDate)
    for (const s of r.signals) scoreHistory.push({ date: r.decisionDate, symbol: s.symbol, score: s.score });
  // The last 60 score dates are enough for the rolling IC (20 dates) and the drift rule.
  const dates = [...new Set(scoreHistory.map((s) => s.date))].sort();
  const since = dates.length > 60 ? dates[dates.length - 60] : (dates[0] ?? r.date);
  const scores = scoreHistory.filter((s) => s.date >= since);
  const { rows: prices, lastDate: lastDataDate } = await withConnection((conn) =>
    readCloses(conn, p.prices, { from: since, to: r.date }),
  );
  const equity = (await ledger.equityHistory(r.date))
    .filter((e) => e.date < r.date)
    .map((e) => ({ date: e.date, equity: e.equity }));
  if (r.account) equity.push({ date: r.date, equity: r.account.equity });
  const weights = (await ledger.weights(r.date)).filter((w) => w.date < r.date);
  for (const q of r.positions) weights.push({ date: r.date, symbol: q.symbol, weight: q.weight });
  const report = monitorDay({
    date: r.date,
    scores,
    prices,
    horizon: r.champion ? (r.championHorizon ?? 5) : 5,
    equity,
    backtestSharpe: r.champion?.backtestSharpe ?? null,
    weights,
    lastDataDate,
  });
  for (const a of report.alerts) await send(a);
  return report;
}

/** Alerts go to the monitor's channels: data/paper/alerts/alerts.jsonl, and the webhook when its variable is set. */
async function alertSink(
  flags: PaperFlags & { alerts?: string },
): Promise<{ send: (a: Alert) => Promise<void>; flush: () => Promise<void> }> {
  const { createAlerter } = await import("../../monitor/index.ts");
  const alerter = createAlerter({ dir: at(rootOf(flags), flags.alerts ?? PAPER_ALERTS_DIR) });
  return {
    send: async (a) => {
      if (!flags.json)
        process.stderr.write(`${a.severity === "critical" ? color.red("alert") : color.yellow("alert")}: ${a.title}\n`);
      await alerter.send(a);
    },
    flush: async () => {
      await alerter.flush();
    },
  };
}

export async function paperRunCommand(flags: PaperRunFlags): Promise<void> {
  if (flags.date && (flags.from || flags.to))
    throw new StrataError("ARGUMENT", "paper run: give --date or --from/--to, not both");
  if ((flags.from === undefined) !== (flags.to === undefined))
    throw new StrataError("ARGUMENT", "paper run: --from and --to go together");
  const cfg = loadConfig(flags);
  const p = paths(flags);
  // The registry's champion trades (unless --champion names a folder); its challengers run in
  // shadow; a new champion rolls out in steps (paper-loop.ts).
  const specFile = resolve(flags.file ?? "pipeline.yaml");
  paperBooks(specFile, ledgerPath(flags), flags.champion !== undefined, cfg); // stored copies present
  if (flags.champion !== undefined && (cfg.retrain.every_days !== null || cfg.retrain.on_drift) && !flags.json)
    process.stderr.write(
      `${color.yellow("warning")}: --champion ${flags.champion} trades that folder outside the model registry: ` +
        "the retrain policy, shadows and rollouts are off for this run\n",
    );
  const reportsDir = at(rootOf(flags), flags.reports ?? PAPER_REPORTS_DIR);
  const hooks = crashHooks();
  // Today: the exchange's date by Alpaca's clock when trading there (New York time: after 20:00
  // ET the UTC date is already tomorrow), else the UTC date.
  const today = flags.date || flags.from ? "" : await todayFor(cfg);
  // Dates off the data's calendar are refused before the ledger is opened (or created): nothing is recorded.
  if (!existsSync(p.prices))
    throw new StrataError("DATA", `paper run: no prices at ${p.prices}`, {
      hint: "run the data stage first (pipeline run data), or pass --prices PATH",
    });
  await withConnection((conn) =>
    checkPaperDates(conn, p.prices, flags.from ? { from: flags.from, to: flags.to } : { date: flags.date ?? today }),
  );
  const alerter = await alertSink(flags);
  const ledger = await Ledger.open(ledgerPath(flags), { capital: cfg.capital });
  const dates = flags.from ? periodDays(flags.from, flags.to!, cfg) : [flags.date ?? today];
  const results: DayResult[] = [];
  const log = emptyLoopLog();
  let verdicts: PromotionVerdict[] = [];
  let monitorAlerts: string[] = [];
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    const loop: LoopOptions = {
      specFile,
      ledgerFile: ledgerPath(flags),
      ledger,
      cfg,
      paths: p,
      explicitChampion: flags.champion !== undefined,
      dryRun: flags.dryRun === true,
      day: {
        alert: alerter.send,
        hooks,
        db: conn,
        beforeCommit: async (r: DayResult) => {
          const report = await monitoring(ledger, r, p, alerter.send);
          monitorAlerts = report.alerts.map((a) => a.key);
          writePaperReport(reportsDir, r, report);
        },
      },
      monitorAlerts: () => monitorAlerts,
      say: (line) => {
        if (!flags.json) process.stderr.write(`${line}\n`);
      },
    };
    for (const date of dates) {
      monitorAlerts = [];
      const r = await runLoopDay(loop, date, log);
      results.push(r);
      if (!flags.json) printDay(r);
    }
    // The rule over the whole period (proposals are recorded once, here; `auto` promoted day by day).
    if (!flags.dryRun) {
      const books = paperBooks(specFile, ledgerPath(flags), flags.champion !== undefined, cfg);
      const paths = { ...p, championDir: books.champion?.dir ?? p.championDir };
      verdicts = await shadowPeriod(books, cfg, paths, ledger, log.shadowDays, await rolledBackModels(ledger));
      log.promotions.push(...verdicts.filter((v) => v.passes && cfg.promotion.auto));
    }
  } finally {
    conn.closeSync();
    db.closeSync();
    await alerter.flush();
    ledger.close();
  }
  const books = paperBooks(specFile, ledgerPath(flags), flags.champion !== undefined, cfg);
  if (flags.json)
    printJson({
      ok: true,
      ledger: ledgerPath(flags),
      days: results.map(dayJson),
      ...shadowJson(books, log.shadowDays, verdicts),
      promoted: log.promotions.map((v) => ({
        version: v.version,
        days: v.days,
        confidence: v.test?.confidence ?? null,
      })),
      rollouts: log.rollouts,
      retrains: log.retrains.map((r) => ({ ...r, registered: r.registered })),
    });
  else printShadows(log.shadowDays, verdicts, cfg.promotion.auto);
  if (!flags.json && results.length > 1) printPeriod(results);
}

async function todayFor(cfg: PaperConfig): Promise<string> {
  if (cfg.broker.kind !== "alpaca") return new Date().toISOString().slice(0, 10);
  const { createAlpacaBroker } = await import("../../paper/alpaca-broker.ts");
  const a = cfg.broker.alpaca ?? {};
  return (await createAlpacaBroker({ baseUrl: a.base_url }).clock()).timestamp.slice(0, 10);
}

/** The closing line of a period: days run, days recorded, the last equity. */
function printPeriod(results: readonly DayResult[]): void {
  const done = results.filter((r) => r.changed).length;
  const last = [...results].reverse().find((r) => r.account);
  process.stdout.write(
    `${results.length} day(s), ${done} ` +
      `recorded${last?.account ? `; equity ${last.account.equity.toFixed(2)} on ${last.date}` : ""}\n`,
  );
}

/** Fault injection for the crash test: with STRATA_PAPER_CRASH_AFTER_FILLS=n, die mid-transaction after n fills. */
function crashHooks(): { onFillRecorded?: (n: number) => void } {
  const crashAfter = Number(process.env.STRATA_PAPER_CRASH_AFTER_FILLS ?? "");
  if (!(Number.isInteger(crashAfter) && crashAfter > 0)) return {};
  return {
    onFillRecorded: (n: number) => {
      if (n >= crashAfter) process.kill(process.pid, "SIGKILL");
    },
  };
}

/** One day of the cycle for humans: a mark for what happened, its message and further notes. */
function printDay(r: DayResult): void {
  const mark =
    r.status === "already_done" || r.status === "not_trading_day"
      ? color.dim("=")
      : r.status === "executed"
        ? color.green("✓")
        : r.status === "dry_run"
          ? color.blue("~")
          : color.yellow("•");
  process.stdout.write(`${mark} ${r.message}\n`);
  for (const n of r.notes.slice(1)) process.stdout.write(`    ${color.dim(n)}\n`);
}

/** One day of the cycle as `paper run --json` lists it. */
function dayJson(r: DayResult) {
  return {
    date: r.date,
    status: r.status,
    changed: r.changed,
    message: r.message,
    decision_date: r.decisionDate,
    rebalance: r.rebalance,
    champion: r.champion?.cell ?? null,
    orders: r.trades.length,
    filled: r.fills.filter((f) => f.shares > 0).length,
    equity: r.account?.equity ?? null,
    daily_return: r.account?.daily_return ?? null,
    notes: r.notes,
    violations: r.safety.violations,
    kill_switch: r.killSwitch,
    alerts: r.alerts,
  };
}

async function withConnection<T>(
  f: (conn: Awaited<ReturnType<Awaited<ReturnType<typeof createDatabase>>["connect"]>>) => Promise<T>,
): Promise<T> {
  const db = await createDatabase();
  const conn = await db.connect();
  try {
    return await f(conn);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export async function paperStatusCommand(flags: PaperFlags & { events?: number }): Promise<void> {
  const path = ledgerPath(flags);
  if (!existsSync(path))
    throw new StrataError("DATA", `no paper ledger at ${path}`, {
      hint: "run `pipeline paper run --date YYYY-MM-DD` first",
    });
  const ledger = await Ledger.open(path, { readOnly: true });
  try {
    const state = await readState(ledger);
    const events = await ledger.events(flags.events ?? 10);
    if (flags.json) {
      printJson({
        ok: true,
        ledger: path,
        ...state,
        events: events.map((e) => ({ ...e, details: e.details ? JSON.parse(e.details) : null })),
      });
      return;
    }
    const last = state.equity[state.equity.length - 1];
    process.stdout.write(`ledger ${path}\n`);
    process.stdout.write(
      `last run ${state.lastRun ? `${state.lastRun.date} (finished ${state.lastRun.finishedAt})` : "never"}\n`,
    );
    if (last)
      process.stdout.write(
        `equity ${last.equity.toFixed(2)}  cash ${last.cash.toFixed(2)}  on ${last.date}  (${state.equity.length} ` +
          `days)\n`,
      );
    process.stdout.write(
      state.killSwitch.halted
        ? color.red(`HALTED since ${state.killSwitch.date}: ${state.killSwitch.reason}\n`)
        : "trading: active\n",
    );
    const r = state.rollout;
    if (r)
      process.stdout.write(
        `rollout: v${r.from?.version ?? "?"} → v${r.to.version}, ${Math.round(r.weight * 100)} % of the book ` +
          `(step ${r.step + 1}, started ${r.started})\n`,
      );
    if (state.lastRetrain) process.stdout.write(`last retrain: after ${state.lastRetrain}\n`);
    process.stdout.write(
      `safety violations recorded: ${state.riskBudgetViolations}\n\npositions (${state.positions.length})\n`,
    );
    for (const p of state.positions)
      process.stdout.write(
        `  ${p.symbol.padEnd(10)} ${String(p.shares).padStart(10)} @ ${p.price.toFixed(2).padStart(10)} ` +
          ` ${p.value.toFixed(2).padStart(14)}  ${(p.weight * 100).toFixed(2).padStart(6)}%\n`,
      );
    process.stdout.write(`\nlast events\n`);
    for (const e of events)
      process.stdout.write(`  ${e.date ?? "—"}  ${e.kind.padEnd(12)} ${e.severity.padEnd(8)} ${e.message}\n`);
  } finally {
    ledger.close();
  }
}

export async function paperResumeCommand(flags: PaperFlags & { reason?: string }): Promise<void> {
  const path = ledgerPath(flags);
  if (!existsSync(path)) throw new StrataError("DATA", `no paper ledger at ${path}`, { hint: "nothing to resume" });
  const ledger = await Ledger.open(path);
  try {
    const h = await ledger.haltState();
    if (!h.halted) {
      if (flags.json) printJson({ ok: true, resumed: false, message: "trading is not halted" });
      else process.stdout.write("trading is not halted; nothing to do\n");
      return;
    }
    const last = await ledger.lastDay();
    await ledger.appendEvents([
      {
        date: last?.date ?? null,
        kind: "resume",
        severity: "info",
        message: `resumed after: ${h.reason}${flags.reason ? ` — ${flags.reason}` : ""}`,
      },
    ]);
    if (flags.json) printJson({ ok: true, resumed: true, halted_since: h.date, reason: h.reason });
    else process.stdout.write(`resumed (halted since ${h.date}: ${h.reason})\n`);
  } finally {
    ledger.close();
  }
}
