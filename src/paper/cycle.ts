/**
 * The daily paper-trading cycle for trade day D, and the period simulation (day by day).
 *
 *   pre-flight   D is a trading day (business-day calendar); D is after the prices' first
 *                date (else an ARGUMENT error that records nothing); the ledger has no later
 *                day; prices exist through the previous trading day's close P; a champion
 *                exists (none → no trade, stay as is — flat for a new ledger — and alert)
 *   decide       P decides iff it closes a rebalance period of the champion's schedule:
 *                scores of P → the champion's portfolio (targets.ts) → whole-share trades
 *   check        portfolio and trade checks (safety.ts); a violation blocks the day's orders
 *   execute      unless dry-run or halted: the simulated broker fills on D's bar, or (broker.kind
 *                "alpaca") Alpaca's paper API fills at its prices, slippage measured against
 *                P's close; when the broker rejects every order the day is not recorded: a
 *                critical event and alert, and a DATA error (exit 1) naming the reasons
 *   close        positions at D's close, cash, equity, daily return; the kill switch
 *   record       reports (via `beforeCommit`), then the whole day in one ledger transaction
 *
 * Point in time: everything that shapes the orders reads prices and scores dated ≤ P; D's
 * bar is read only to fill and to value the book at D's close (simulated broker only: Alpaca
 * fills and values the book at its own prices, so it runs without D's bar).
 *
 * Idempotent: a day already in the ledger is not executed again ("already recorded; nothing
 * changed"). A run killed before its commit left nothing: the rerun starts from the same state.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { PaperAlert as Alert, PaperAlertSink as AlertSink } from "./alert.ts";
import { StrataError, isStrataError } from "../core/errors.ts";
import { createDatabase, formatIsoDate, parseIsoDate } from "../store/index.ts";
import { isBusinessDay } from "../data/calendar.ts";
import { closedReason, previousTradingDay } from "../data/exchange-calendar.ts";
import type { Regime } from "../quant/regime/market-regimes.ts";
import { createAlpacaBroker, type AlpacaBroker } from "./alpaca-broker.ts";
import type { Broker, Fill } from "./broker.ts";
import { loadChampion, type Champion, type ChampionParams } from "./champion.ts";
import type { OrderCostModel } from "../quant/backtest/costs.ts";
import type { PaperConfig } from "./config.ts";
import type {
  Ledger,
  CommitHooks,
  EquityRow,
  EventRecord,
  LedgerSnapshot,
  OrderRecord,
  PositionRecord,
} from "./ledger.ts";
import {
  calendarOfData,
  fillBars,
  lastListings,
  lastPriceDateBefore,
  loadDecisionMarket,
  priceDates,
  type DecisionMarket,
  type LastListing,
} from "./market.ts";
import { checkPortfolio, checkTrades, killSwitch, type KillSwitchResult } from "./safety.ts";
import { SimBroker, type Bar } from "./sim-broker.ts";
import { scoreFromPredictions, scoreWithModel, type Scores } from "./signals.ts";
import { blendTargets, isRebalanceDecision, targetWeights, type TargetResult } from "./targets.ts";
import { generateTrades, type SkippedTrade, type Trade } from "./trades.ts";

export interface PaperPaths {
  /** prices(date, symbol, open, close, volume[, sector]) Parquet. */
  prices: string;
  /** features(date, symbol, …) Parquet (scores: "model"). */
  features: string;
  /** Folder with champion.json and model.json. */
  championDir: string;
  /** The champion's train predictions (scores: "predictions"), by model name. */
  predictions?: (model: string) => string;
}

export interface RunDayOptions {
  date: string;
  dryRun?: boolean;
  config: PaperConfig;
  paths: PaperPaths;
  alert?: AlertSink;
  hooks?: CommitHooks;
  /** Receives the day's result before the ledger commit (the CLI writes the report files here). */
  beforeCommit?: (result: DayResult) => Promise<void>;
  /** DuckDB connection for reading the Parquet inputs (default: a private in-memory one). */
  db?: DuckDBConnection;
  /** A gradual rollout's share of the day (src/paper/rollout.ts `planDay`); none: the champion holds the book. */
  rollout?: DayRollout;
}

/**
 * The rollout's part in one day: the previous champion's folder trades 1 − `weight` of the book
 * beside the champion (null, or weight 1: the champion alone); `trade` rebalances today whatever
 * the schedules say (the share changed); `event` and `note` are recorded with the day.
 */
export interface DayRollout {
  previousDir: string | null;
  weight: number;
  trade: boolean;
  event: EventRecord | null;
  note: string | null;
}

export type DayStatus =
  | "executed"
  | "no_trade"
  | "halted"
  | "no_champion"
  | "already_done"
  | "dry_run"
  | "not_trading_day";

export interface DayResult {
  date: string;
  status: DayStatus;
  /** Whether the ledger changed. */
  changed: boolean;
  dryRun: boolean;
  message: string;
  decisionDate: string | null;
  rebalance: boolean;
  champion: {
    cell: string;
    model: string;
    optimizer: string;
    fingerprint: string;
    backtestSharpe: number | null;
  } | null;
  /** The champion's label horizon in bars (monitoring judges scores over it), or null. */
  championHorizon: number | null;
  /** During a rollout: the champion's share of the book and the previous champion trading the rest. */
  rollout: { weight: number; previous: string } | null;
  regime: Regime | null;
  scoreSource: "model" | "predictions" | null;
  signals: Array<{ symbol: string; score: number; rank: number }>;
  targets: Array<{ symbol: string; sector: string | null; weight_before: number; weight_target: number | null }>;
  trades: Trade[];
  skipped: SkippedTrade[];
  fills: Fill[];
  safety: { violations: string[]; turnover: number; estimated_cost: number };
  killSwitch: KillSwitchResult | null;
  /** The book at D's close, as the equity row records it (less its date and regime). */
  account: Omit<EquityRow, "date" | "regime"> | null;
  positions: PositionRecord[];
  /** Reasons nothing (or less) traded, and other notes of the day. */
  notes: string[];
  alerts: Alert[];
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/**
 * Paper dates must lie on the data's calendar: a trade day D needs the previous trading day's
 * close, so D must come after the prices' first date. A date before that is the caller's
 * mistake, not stale data: an ARGUMENT error (exit 2) that records nothing, naming the file,
 * its first and last dates and the first date that can run. Checked before the ledger is
 * even opened by the CLI; again by runPaperDay.
 */
export async function checkPaperDates(
  conn: DuckDBConnection,
  pricesPath: string,
  dates: { date?: string; from?: string; to?: string },
): Promise<void> {
  const asked = dates.from ?? dates.date;
  if (asked === undefined || parseIsoDate(asked) === null) return;
  const range = await priceDates(conn, pricesPath);
  const flag = dates.from !== undefined ? `--from ${dates.from}` : `--date ${asked}`;
  if (range === null) {
    throw new StrataError("DATA", `paper run ${flag}: ${pricesPath} has no price rows`, {
      hint: "run the data stage (pipeline run data), or pass --prices with a prices file",
    });
  }
  if (asked <= range.first) {
    const first = range.second ?? range.last;
    throw new StrataError(
      "ARGUMENT",
      `paper run ${flag}: ${asked} is ${asked === range.first ? "the first date of" : "before"} the prices ` +
        `in ${pricesPath} (${range.first} … ${range.last}); a trade day needs the previous trading day's close in ` +
        `the data, so the first date that can run is ${first}`,
      {
        hint:
          `pass a date from ${first} to ${range.last}${dates.from !== undefined ? " as --from" : ""}; nothing ` +
          `was recorded`,
      },
    );
  }
}

function emptyResult(date: string, dryRun: boolean): DayResult {
  return {
    date,
    status: "no_trade",
    changed: false,
    dryRun,
    message: "",
    decisionDate: null,
    rebalance: false,
    champion: null,
    championHorizon: null,
    rollout: null,
    regime: null,
    scoreSource: null,
    signals: [],
    targets: [],
    trades: [],
    skipped: [],
    fills: [],
    safety: { violations: [], turnover: 0, estimated_cost: 0 },
    killSwitch: null,
    account: null,
    positions: [],
    notes: [],
    alerts: [],
  };
}

/** One trade day as its phases share it: the day, its settings, the result being built, the events to record. */
interface DayContext {
  ledger: Ledger;
  opts: RunDayOptions;
  cfg: PaperConfig;
  date: string;
  /** The date as parseIsoDate's day number. */
  days: number;
  dryRun: boolean;
  conn: DuckDBConnection;
  res: DayResult;
  events: EventRecord[];
  /** Adds an alert to the result and hands it to the sink. */
  raise: (a: Alert) => Promise<void>;
  /** Records an event outside the day (not marking it done), alerts, and throws. */
  abort: (kind: EventRecord["kind"], err: StrataError, alert: Alert) => Promise<never>;
}

/** The pre-flight's outcome: the decision close P and the ledger's book before D. */
interface DayStart {
  P: string;
  state: LedgerSnapshot | null;
  cash0: number;
  held: Map<string, number>;
}

/** A held symbol without a usable price at P or on D. */
interface HeldPriceProblem {
  symbol: string;
  date: string;
  close: number | null;
  problem: string;
}

/** The market at the decision close P, the order costs, and the closes at P the book is valued with. */
interface DecisionPrices {
  orderCosts: OrderCostModel;
  market: DecisionMarket;
  /** Panel column of each symbol. */
  col: Map<string, number>;
  closeP: Map<string, number>;
  badHeld: HeldPriceProblem[];
  /** Held symbols the prices stopped listing `delisted_after` market days ago: closed at their last close. */
  delisted: LastListing[];
}

/** The book at the decision close: its equity and each panel symbol's current weight. */
interface EquityAtP {
  equityP: number;
  current: Float64Array;
}

/** What the day decided: the halt state, the champion's scores at P, the trades to place. */
interface DayDecision {
  halt: Awaited<ReturnType<Ledger["haltState"]>>;
  scores: Scores | null;
  trades: Trade[];
}

/** Runs the cycle of one trade day against the ledger. */
export async function runPaperDay(ledger: Ledger, opts: RunDayOptions): Promise<DayResult> {
  const D = opts.date;
  const days = parseIsoDate(D);
  if (days === null) {
    throw new StrataError("ARGUMENT", `paper run: date '${D}' is not a calendar date`, {
      hint: "write it as YYYY-MM-DD",
    });
  }
  const res = emptyResult(D, opts.dryRun ?? false);
  if (await settledByLedger(ledger, days, res)) return res;
  let ownDb: Awaited<ReturnType<typeof createDatabase>> | null = null;
  let conn = opts.db;
  if (!conn) {
    ownDb = await createDatabase();
    conn = await ownDb.connect();
  }
  const ctx = dayContext(ledger, opts, days, conn, res);
  try {
    const start = await preflight(ctx);
    if (start === null) return res;
    const champion = await lookupChampion(ctx, start.held);
    const previous = champion ? rolloutPrevious(ctx) : null;
    const prices = await decisionPrices(ctx, start, champion, previous);
    const delistings = closeDelisted(ctx, start, prices.delisted);
    const bars = await tradeDayBars(ctx, start.held, prices.badHeld);
    const equity = equityAtDecision(start, prices);
    const decision = await decide(ctx, start, { champion, previous }, prices, equity);
    const fills = await executeAndValue(ctx, start, prices, equity.equityP, decision, bars);
    await commit(ctx, start.P, champion, prices.market, decision, fills, delistings);
    return res;
  } catch (e) {
    if (isStrataError(e)) throw e;
    throw new StrataError("INTERNAL", `paper run ${D} failed: ${(e as Error).message}`, {
      cause: e,
      hint: "nothing was recorded for the day; fix the cause and rerun the date",
    });
  } finally {
    if (ownDb) {
      conn.closeSync();
      ownDb.closeSync();
    }
  }
}

/** The checks the ledger answers alone: a weekday, not recorded yet, no later day; true when the day ends here. */
async function settledByLedger(ledger: Ledger, days: number, res: DayResult): Promise<boolean> {
  const D = res.date;
  if (!isBusinessDay(days)) {
    res.status = "not_trading_day";
    res.message = `${D} is not a trading day (${closedReason(days, "weekdays")}); nothing to do`;
    return true;
  }
  const done = await ledger.day(D);
  if (done) {
    res.status = "already_done";
    res.message =
      `${D} is already recorded (${done.status}, ${done.orders} orders, ${done.fills} fills, ` +
      `equity ${done.equity.toFixed(2)}, champion ${done.champion ?? "none"}); nothing changed`;
    return true;
  }
  const last = await ledger.lastDay();
  if (last && last.date > D) {
    const msg = `paper run: the ledger ${ledger.path} already has ${last.date}, after ${D}; days are executed in order`;
    throw new StrataError("ARGUMENT", msg, {
      hint: `run a date after ${last.date}, or start a new ledger with --ledger <path>`,
    });
  }
  return false;
}

/** Builds the day's context, with the `raise` and `abort` helpers bound to its result and ledger. */
function dayContext(
  ledger: Ledger,
  opts: RunDayOptions,
  days: number,
  conn: DuckDBConnection,
  res: DayResult,
): DayContext {
  const { date: D, dryRun } = res;
  const alerts: Alert[] = [];
  const raise = async (a: Alert) => {
    alerts.push(a);
    res.alerts = alerts;
    if (opts.alert) await opts.alert(a);
  };
  /** Records an event outside the day (not marking it done), alerts, and throws. */
  const abort = async (kind: EventRecord["kind"], err: StrataError, alert: Alert): Promise<never> => {
    if (!dryRun) {
      const event = { date: D, kind, severity: alert.severity, message: err.message, details: alert.details };
      await ledger.appendEvents([event]);
    }
    await raise(alert);
    throw err;
  };
  return { ledger, opts, cfg: opts.config, date: D, days, dryRun, conn, res, events: [], raise, abort };
}

/** Pre-flight on the data and the ledger: D on the exchange calendar, prices through P, the book before D. */
async function preflight(ctx: DayContext): Promise<DayStart | null> {
  const { date: D, days, cfg, opts, conn, res } = ctx;
  // Pre-flight: a trading day on the exchange calendar, data through the previous trading day's close.
  const calendar = cfg.calendar === "auto" ? await calendarOfData(conn, opts.paths.prices, D) : cfg.calendar;
  const closed = closedReason(days, calendar);
  if (closed) {
    res.status = "not_trading_day";
    res.message = `${D} is not a trading day (${closed}); nothing to do`;
    return null;
  }
  await checkPaperDates(conn, opts.paths.prices, { date: D });
  const P = await lastPriceDateBefore(conn, opts.paths.prices, D);
  const prevBusiness = previousTradingDay(days, calendar);
  if (P === null || P < formatIsoDate(prevBusiness)) {
    const err = new StrataError(
      "DATA",
      `paper run ${D}: prices in ${opts.paths.prices} end ${P ?? "before any date"}; ` +
        `the cycle needs the close of ${formatIsoDate(prevBusiness)}`,
      {
        hint: "update the data (pipeline run data) and rerun the date",
      },
    );
    await ctx.abort("preflight", err, {
      key: `paper:stale-data:${D}`,
      severity: "warning",
      title: `Paper ${D}: data not up to date`,
      message: err.message,
      date: D,
      details: { last_price_date: P, needed: formatIsoDate(prevBusiness) },
    });
  }
  res.decisionDate = P;
  const state = await ctx.ledger.stateBefore(D);
  const capital = await ctx.ledger.capital();
  const cash0 = state ? state.cash : Number.isFinite(capital) ? capital : cfg.capital;
  const held = new Map<string, number>(
    (state?.positions ?? []).filter((p) => p.shares !== 0).map((p) => [p.symbol, p.shares]),
  );
  if (state && state.date < P!) {
    const note =
      `gap: the ledger's last day is ${state.date}, the decision close is ${P}; ` +
      "days in between were not run (positions carried)";
    res.notes.push(note);
    ctx.events.push({ date: D, kind: "gap", severity: "warning", message: note });
  }
  return { P: P!, state, cash0, held };
}

/** The promoted champion, or null after noting, recording and alerting that the book stays as it is. */
async function lookupChampion(ctx: DayContext, held: Map<string, number>): Promise<Champion | null> {
  const { date: D, res } = ctx;
  const found = loadChampion(ctx.opts.paths.championDir);
  if (!found.ok) {
    res.notes.push(found.reason);
    ctx.events.push({ date: D, kind: "no_champion", severity: "warning", message: found.reason });
    await ctx.raise({
      key: "paper:no-champion",
      severity: "warning",
      title: `Paper ${D}: no champion — staying ${held.size ? "as is (no trades)" : "flat"}`,
      message: `${found.reason}. No order is placed until a champion is promoted.`,
      date: D,
    });
    return null;
  }
  const champion = found.champion;
  res.champion = {
    cell: champion.cell,
    model: champion.model,
    optimizer: champion.optimizer,
    fingerprint: champion.fingerprint,
    backtestSharpe: champion.backtestSharpe,
  };
  res.championHorizon = champion.params.horizon;
  if (champion.params.lag !== 1) {
    const msg =
      `paper run: the champion ${champion.cell} trades with lag ${champion.params.lag}; ` +
      "paper trading fills on the next bar (lag 1)";
    throw new StrataError("DATA", msg, { hint: "promote a champion backtested with lag 1" });
  }
  return champion;
}

/**
 * A rollout day: notes and records its event, and loads the previous champion that trades the
 * rest of the book (null when the champion holds it all).
 */
function rolloutPrevious(ctx: DayContext): Champion | null {
  const r = ctx.opts.rollout;
  if (!r) return null;
  if (r.note) ctx.res.notes.push(r.note);
  if (r.event) ctx.events.push(r.event);
  if (r.previousDir === null || !(r.weight < 1)) return null;
  const found = loadChampion(r.previousDir);
  if (!found.ok)
    throw new StrataError(
      "DATA",
      `paper run ${ctx.date}: the rollout's previous champion cannot be read: ${found.reason}`,
      {
        hint: "restore the models/ folder (git checkout models/), or finish the rollout by hand (pipeline models rollback)",
      },
    );
  if (found.champion.params.lag !== 1)
    throw new StrataError(
      "DATA",
      `paper run ${ctx.date}: the rollout's previous champion trades with lag ${found.champion.params.lag}`,
      {
        hint: "paper trading fills on the next bar (lag 1)",
      },
    );
  ctx.res.rollout = { weight: r.weight, previous: found.champion.cell };
  return found.champion;
}

/** Loads the market at the decision close P and the closes there; lists the held names without a usable close. */
async function decisionPrices(
  ctx: DayContext,
  start: DayStart,
  champion: Champion | null,
  previous: Champion | null,
): Promise<DecisionPrices> {
  const { cfg, res } = ctx;
  const { P, held } = start;
  // Market at the decision close (≤ P), and the held names' prices there.
  // One set of order costs for the trade estimates and the fills: the paper config's broker
  // rates, else the champion's backtest costs.
  const orderCosts: OrderCostModel = {
    commissionBps: cfg.broker.commission_bps ?? champion?.params.costs.commission_bps ?? 0,
    commissionPerShare: cfg.broker.commission_per_share,
    slippageBps: cfg.broker.slippage_bps ?? champion?.params.costs.slippage_bps ?? 0,
  };
  // A rollout day decides for two models: the panel covers the longer of their covariance windows.
  const window = Math.max(champion?.params.covariance.window ?? 126, previous?.params.covariance.window ?? 0);
  const market: DecisionMarket = await loadDecisionMarket(ctx.conn, ctx.opts.paths.prices, P, {
    window,
    advWindow: cfg.broker.adv_window,
    regimes: champion?.params.regimes ?? { vol_window: 63, trend_window: 126, min_history: 126 },
  });
  res.regime = market.regime;
  const { panel } = market;
  const N = panel.nAssets,
    tP = panel.nRows - 1;
  const col = new Map<string, number>();
  panel.symbols.forEach((s, i) => col.set(s, i));
  const closeP = new Map<string, number>();
  panel.symbols.forEach((s, i) => {
    const c = panel.close[tP * N + i];
    if (c === c) closeP.set(s, c);
  });
  const badHeld: HeldPriceProblem[] = [...held.keys()]
    .filter((s) => !closeP.has(s))
    .map((s) => {
      const b = market.bad.find((x) => x.symbol === s && x.date === P);
      const problem = b ? `corrupt close ${b.close ?? "NaN/NULL"}` : "missing close";
      return { symbol: s, date: P, close: b ? b.close : null, problem };
    });
  const delisted = await delistedHeld(ctx, P, badHeld);
  if (market.bad.length) {
    const list = market.bad
      .slice(0, 10)
      .map((b) => `${b.symbol} ${b.date} (${b.close ?? "NULL/NaN"})`)
      .join(", ");
    const more = market.bad.length > 10 ? ", …" : "";
    res.notes.push(`${market.bad.length} price row(s) with an unusable close left out before ${P}: ${list}${more}`);
  }
  const gone = new Set(delisted.map((d) => d.symbol));
  return { orderCosts, market, col, closeP, badHeld: badHeld.filter((b) => !gone.has(b.symbol)), delisted };
}

/**
 * The held symbols without a close at P that the prices stopped listing at least
 * `delisted_after` market days ago (simulated broker only: a real broker books the delisting).
 */
async function delistedHeld(ctx: DayContext, P: string, badHeld: HeldPriceProblem[]): Promise<LastListing[]> {
  const after = ctx.cfg.delisted_after;
  if (after === null || ctx.cfg.broker.kind !== "sim") return [];
  const missing = badHeld.filter((b) => b.problem === "missing close").map((b) => b.symbol);
  const listed = await lastListings(ctx.conn, ctx.opts.paths.prices, missing, P);
  return listed.filter((l) => l.marketDays >= after);
}

/**
 * Closes each delisted position at its last close before anything else happens: out of the
 * held book, its value into cash, an order and a fill for the ledger (so cash still follows
 * from the fills), a note and a warning event naming the symbol and its last date.
 */
function closeDelisted(ctx: DayContext, start: DayStart, delisted: readonly LastListing[]): DayOrder[] {
  const out: DayOrder[] = [];
  for (const d of delisted) {
    const q = start.held.get(d.symbol);
    if (q === undefined) continue;
    start.held.delete(d.symbol);
    start.cash0 += q * d.close;
    const side = q > 0 ? "sell" : "buy";
    const shares = Math.abs(q),
      notional = shares * d.close;
    const why =
      `${d.symbol} delisted: no price since ${d.last} (${d.marketDays} market days); ` +
      `${shares} shares closed at its last close ${d.close}`;
    const key = `${ctx.date}:${d.symbol}:${side}:delisted`;
    out.push({
      order: {
        key,
        date: ctx.date,
        symbol: d.symbol,
        side,
        shares,
        refPrice: d.close,
        notional,
        estCommission: 0,
        estSlippage: 0,
        advShare: null,
        liquidityFlag: false,
        note: why,
      },
      fill: {
        key,
        symbol: d.symbol,
        side,
        requested: shares,
        shares,
        reference: d.close,
        price: d.close,
        notional,
        commission: 0,
        slippage: 0,
        status: "filled",
        reason: why,
      },
    });
    ctx.res.notes.push(why);
    ctx.events.push({ date: ctx.date, kind: "delisted", severity: "warning", message: why, details: { ...d } });
  }
  return out;
}

/**
 * Loads D's bars (the simulated broker fills on them; a dry run and Alpaca do without), adds the
 * held names without a usable bar, and aborts on any bad held price.
 */
async function tradeDayBars(
  ctx: DayContext,
  held: Map<string, number>,
  badHeld: HeldPriceProblem[],
): Promise<Map<string, Bar> | null> {
  const { date: D, cfg, opts } = ctx;
  // The trade day's bar (fills and the close valuation); a dry run does without it, and so does
  // Alpaca, which fills and values the book at its own prices.
  let bars: Map<string, Bar> | null = null;
  if (!ctx.dryRun && cfg.broker.kind === "sim") {
    bars = await fillBars(ctx.conn, opts.paths.prices, D);
    if (bars.size === 0) {
      const err = new StrataError(
        "DATA",
        `paper run ${D}: ${opts.paths.prices} has no bar for ${D}; ` +
          `the simulated broker fills on the trade day's ${cfg.broker.fill}`,
        {
          hint: `run after ${D}'s close once the data is updated, or use --dry-run to see the proposed trades`,
        },
      );
      await ctx.abort("preflight", err, {
        key: `paper:no-bar:${D}`,
        severity: "warning",
        title: `Paper ${D}: no prices for the trade day yet`,
        message: err.message,
        date: D,
      });
    }
    for (const s of held.keys()) {
      const b = bars.get(s);
      const fillPx = b ? b[cfg.broker.fill] : NaN,
        close = b ? b.close : NaN;
      if (!(fillPx > 0 && Number.isFinite(fillPx) && close > 0 && Number.isFinite(close))) {
        const problem = b ? `corrupt ${cfg.broker.fill}/close (${b.open}/${b.close})` : "missing bar";
        badHeld.push({ symbol: s, date: D, close: b && close === close ? close : null, problem });
      }
    }
  }
  if (badHeld.length) await abortOnBadHeld(ctx, badHeld);
  return bars;
}

/** Aborts the day over held symbols without a usable price: no order, nothing recorded, a critical alert. */
async function abortOnBadHeld(ctx: DayContext, badHeld: HeldPriceProblem[]): Promise<never> {
  const D = ctx.date;
  const list = badHeld.map((b) => `${b.symbol} on ${b.date}: ${b.problem}`).join("; ");
  const msg =
    `paper run ${D}: bad price for held symbol(s) — ${list}. ` + "No order was placed and the day was not recorded";
  const after = ctx.cfg.delisted_after;
  const delisting =
    after !== null && ctx.cfg.broker.kind === "sim" && badHeld.some((b) => /^missing/.test(b.problem))
      ? `; a symbol the prices no longer list is taken as delisted once ${after} market days have passed without ` +
        "a price, and closed at its last close (delisted_after in the paper config)"
      : "";
  const err = new StrataError("DATA", msg, {
    hint: `fix the prices in ${ctx.opts.paths.prices} (pipeline data validate lists bad rows) and rerun ${D}${delisting}`,
    details: { bad: badHeld },
  });
  return ctx.abort("bad_data", err, {
    key: `paper:bad-data:${D}`,
    severity: "critical",
    title: `Paper ${D}: bad price for ${badHeld.map((b) => b.symbol).join(", ")}`,
    message: err.message,
    date: D,
    details: { bad: badHeld },
  });
}

/** Values the held shares at P's closes: the equity at the decision close and the current weights. */
function equityAtDecision(start: DayStart, prices: DecisionPrices): EquityAtP {
  const { held } = start;
  const { closeP, col } = prices;
  // Equity at the decision close, from the held shares at P's closes.
  let equityP = start.cash0;
  for (const [s, q] of held) equityP += q * closeP.get(s)!;
  const current = new Float64Array(prices.market.panel.nAssets);
  for (const [s, q] of held) {
    const i = col.get(s);
    if (i !== undefined) current[i] = (q * closeP.get(s)!) / equityP;
  }
  return { equityP, current };
}

/** An order of the day with its fill, as the ledger records them. */
type DayOrder = { order: OrderRecord; fill: Fill };

/** The models of a day: the champion, and during a rollout the previous champion trading the rest. */
interface DayModels {
  champion: Champion | null;
  previous: Champion | null;
}

/**
 * Decides the day: the halt state, the champion's scores at P, and the trades (none unless a
 * rebalance is due: the champion's schedule, the previous champion's during a rollout, or a
 * rollout step that moves capital today).
 */
async function decide(
  ctx: DayContext,
  start: DayStart,
  models: DayModels,
  prices: DecisionPrices,
  equity: EquityAtP,
): Promise<DayDecision> {
  const { date: D, res } = ctx;
  const { P } = start;
  const { champion, previous } = models;
  const halt = await ctx.ledger.haltState();
  const rebalance = champion
    ? isRebalanceDecision(P, D, champion.params.rebalance) ||
      (previous !== null && isRebalanceDecision(P, D, previous.params.rebalance)) ||
      ctx.opts.rollout?.trade === true
    : false;
  res.rebalance = rebalance;
  const scores = champion ? await championScores(ctx, champion, P) : null;

  let trades: Trade[] = [];
  if (!champion) {
    // nothing: the no-champion note is recorded
  } else if (halt.halted) {
    const note = `trading halted since ${halt.date}: ${halt.reason}; no orders (resume with \`pipeline paper resume\`)`;
    res.notes.push(note);
    ctx.events.push({ date: D, kind: "halted", severity: "warning", message: note });
  } else if (!rebalance) {
    const schedule = champion.params.rebalance;
    const period = schedule === "weekly" ? "week" : schedule === "monthly" ? "month" : "day";
    res.notes.push(`not a rebalance day: ${P} does not close a ${period} (schedule ${schedule}); positions carried`);
  } else if (scores!.bySymbol.size === 0) {
    const source = scores!.source === "model" ? ctx.opts.paths.features : "predictions";
    const note = `no scores for ${P} (${source}); no trade`;
    res.notes.push(note);
    ctx.events.push({ date: D, kind: "no_trade", severity: "warning", message: note });
  } else {
    const rest = previous
      ? { champion: previous, scores: await modelScores(ctx, previous, P), share: 1 - ctx.opts.rollout!.weight }
      : null;
    trades = await rebalanceTrades(ctx, champion, scores!, start, prices, equity, rest);
  }
  res.trades = trades;
  return { halt, scores, trades };
}

/** The champion's scores at P (the model on P's features, or its train predictions), ranked into the result. */
async function championScores(ctx: DayContext, champion: Champion, P: string): Promise<Scores> {
  const { res } = ctx;
  const scores = await modelScores(ctx, champion, P);
  res.scoreSource = scores.source;
  const ranked = [...scores.bySymbol.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  res.signals = ranked.map(([symbol, score], k) => ({ symbol, score, rank: k + 1 }));
  return scores;
}

/** A due rebalance: the champion's target weights, the whole-share trades to them, and the safety checks. */
function modelScores(ctx: DayContext, model: Champion, P: string): Promise<Scores> {
  const { conn, opts } = ctx;
  return ctx.cfg.scores === "predictions"
    ? scoreFromPredictions(conn, predictionsPath(opts.paths, model), P)
    : scoreWithModel(conn, opts.paths.features, P, model.fitted);
}

/** During a rollout: the previous champion, its scores at P and its share of the book. */
interface RestOfBook {
  champion: Champion;
  scores: Scores;
  share: number;
}

async function rebalanceTrades(
  ctx: DayContext,
  champion: Champion,
  scores: Scores,
  start: DayStart,
  prices: DecisionPrices,
  equity: EquityAtP,
  rest: RestOfBook | null,
): Promise<Trade[]> {
  const { date: D, cfg, res } = ctx;
  const { market } = prices;
  const { panel } = market;
  const { current, equityP } = equity;
  const tw = rest
    ? blendTargets(
        market,
        [
          { scores, params: champion.params, share: 1 - rest.share },
          { scores: rest.scores, params: rest.champion.params, share: rest.share },
        ],
        current,
      )
    : targetWeights(market, scores, champion.params, current);
  if (!tw.decision) {
    const note = `no rebalance at ${start.P}: ${tw.skipped}`;
    res.notes.push(note);
    ctx.events.push({ date: D, kind: "no_trade", severity: "info", message: note });
    return [];
  }
  for (const f of tw.decision.fallbacks) res.notes.push(`optimizer fallback: ${f}`);
  const targets = new Map<string, number>();
  panel.symbols.forEach((s, i) => {
    if (tw.weights[i] !== 0 || current[i] !== 0) targets.set(s, tw.weights[i]);
  });
  res.targets = panel.symbols
    .map((s, i) => ({
      symbol: s,
      sector: market.sectors?.[i] ?? null,
      weight_before: current[i],
      weight_target: tw.weights[i] === tw.weights[i] ? tw.weights[i] : null,
    }))
    .filter((r) => r.weight_before !== 0 || (r.weight_target ?? 0) !== 0);
  const params = rest ? [champion.params, rest.champion.params] : [champion.params];
  const violations = portfolioViolations(cfg, params, market, tw, current);
  const gen = generateTrades({
    date: D,
    fingerprint: champion.fingerprint,
    targets,
    held: start.held,
    prices: prices.closeP,
    equity: equityP,
    adv: market.adv,
    ...prices.orderCosts,
    minNotional: cfg.trades.min_notional,
    liquidityFlagAdv: cfg.trades.liquidity_flag_adv,
    maxTrade: cfg.safety.max_trade,
    clip: cfg.safety.on_large_trade === "clip",
  });
  res.skipped = gen.skipped;
  return checkedTrades(ctx, gen.trades, equityP, violations);
}

/**
 * The portfolio checks on the target weights (kept weights where the no-trade band holds a
 * name). During a rollout the caps are the looser of the two models' (a blend of two books
 * within their caps is within the larger one) and the expected net exposure the blend's.
 */
function portfolioViolations(
  cfg: PaperConfig,
  models: readonly ChampionParams[],
  market: DecisionMarket,
  tw: TargetResult,
  current: Float64Array,
): string[] {
  const decision = tw.decision!;
  const effective = Float64Array.from(tw.weights, (w, i) => (w === w ? w : current[i]));
  const lev = Math.max(1, decision.scale);
  const caps = models.map((p) => {
    const legExp = p.selection.side === "long" ? 1 : p.selection.leg_exposure;
    return {
      position: p.constraints.max_weight * legExp * lev + 1e-6,
      sector:
        p.constraints.sector_cap !== undefined
          ? p.constraints.sector_cap * legExp * (p.selection.side === "long" ? 1 : 2) * lev + 1e-6
          : null,
      leverage: Math.max(1, p.vol_target?.max_leverage ?? 1),
    };
  });
  const p = models[0];
  const sectorCaps = caps.map((c) => c.sector);
  return checkPortfolio(
    {
      symbols: market.panel.symbols,
      weights: effective,
      sectors: market.sectors,
      expectedNet: tw.expectedNet ?? (p.selection.side === "long" ? decision.scale : 0),
      maxPosition: cfg.safety.max_position ?? Math.max(...caps.map((c) => c.position)),
      maxSector:
        cfg.safety.max_sector ?? (sectorCaps.every((c) => c !== null) ? Math.max(...(sectorCaps as number[])) : null),
    },
    { ...cfg.safety, max_gross: cfg.safety.max_gross * Math.max(...caps.map((c) => c.leverage)) },
  );
}

/** Adds the trade checks to the portfolio's, notes clipped and illiquid trades; any violation blocks every order. */
async function checkedTrades(
  ctx: DayContext,
  trades: Trade[],
  equityP: number,
  violations: string[],
): Promise<Trade[]> {
  const { date: D, cfg, res } = ctx;
  const tc = checkTrades(trades, equityP, cfg.safety);
  violations.push(...tc.violations);
  res.safety = { violations, turnover: tc.turnover, estimated_cost: tc.cost };
  const clipped = trades.filter((t) => t.note?.startsWith("clipped"));
  if (clipped.length) {
    const names = clipped.map((t) => t.symbol).join(", ");
    res.notes.push(`${clipped.length} trade(s) clipped to ${pct(cfg.safety.max_trade)} of equity: ${names}`);
  }
  const illiquid = trades.filter((t) => t.liquidityFlag);
  if (illiquid.length) {
    const names = illiquid.map((t) => t.symbol).join(", ");
    res.notes.push(`${illiquid.length} trade(s) above ${pct(cfg.trades.liquidity_flag_adv)} of ADV: ${names}`);
  }
  if (!violations.length) return trades;
  const msg = `safety checks failed, no order placed: ${violations.join("; ")}`;
  res.notes.push(msg);
  ctx.events.push({ date: D, kind: "safety", severity: "critical", message: msg, details: { violations } });
  await ctx.raise({
    key: `paper:safety:${D}`,
    severity: "critical",
    title: `Paper ${D}: safety checks blocked ${trades.length} trade(s)`,
    message: `${msg}. Review the champion's targets and the data, then rerun the date or wait for the next rebalance.`,
    date: D,
    details: { violations },
  });
  return [];
}

/** Unless a dry run: fills the trades (on D's bar, or at Alpaca), values the book, runs the kill switch. */
async function executeAndValue(
  ctx: DayContext,
  start: DayStart,
  prices: DecisionPrices,
  equityP: number,
  decision: DayDecision,
  bars: Map<string, Bar> | null,
): Promise<Fill[]> {
  if (ctx.dryRun) return [];
  const { res } = ctx;
  const { trades } = decision;
  // Execute and value at D's close (Alpaca: at its prices when the orders have settled).
  const broker = openBroker(ctx, start, prices, bars);
  if (ctx.cfg.broker.kind === "alpaca") {
    await checkAlpacaToday(ctx, broker as AlpacaBroker);
    await reconcileAccount(ctx, broker, equityP);
  }
  const fills = trades.length
    ? await broker.submit(trades.map((t) => ({ key: t.key, symbol: t.symbol, side: t.side, shares: t.shares })))
    : [];
  res.fills = fills;
  for (const f of fills) if (f.status !== "filled") res.notes.push(`${f.symbol} ${f.side} ${f.status}: ${f.reason}`);
  if (fills.length > 0 && fills.every((f) => f.shares === 0)) {
    // Every order rejected: a setup or data problem (close-only prices filled at the open,
    // no volume for the participation cap…), never a trading outcome. Nothing is recorded
    // for the day, so it can be rerun once fixed.
    await abortRejected(ctx, fills);
  }
  const acct = await broker.account();
  const positions = await broker.positions();
  const prevEquity = start.state ? start.state.equity : start.cash0;
  const costs = fills.reduce((a, f) => a + f.commission + f.slippage, 0);
  const turnover = fills.reduce((a, f) => a + f.notional, 0) / equityP;
  res.account = {
    cash: acct.cash,
    positions_value: acct.positionsValue,
    equity: acct.equity,
    daily_return: acct.equity / prevEquity - 1,
    costs,
    turnover,
  };
  res.positions = positions.map((p) => ({
    symbol: p.symbol,
    shares: p.shares,
    price: p.price,
    value: p.value,
    weight: p.value / acct.equity,
  }));
  await runKillSwitch(ctx, res.account.daily_return, decision.halt.halted);
  return fills;
}

/**
 * The day's broker: the simulated one over D's bars, or (broker.kind "alpaca") Alpaca's paper API,
 * which measures each fill's slippage against the decision close P the trade list was built at.
 */
function openBroker(ctx: DayContext, start: DayStart, prices: DecisionPrices, bars: Map<string, Bar> | null): Broker {
  const { cfg } = ctx;
  if (cfg.broker.kind === "alpaca") {
    const a = cfg.broker.alpaca ?? {};
    return createAlpacaBroker({
      baseUrl: a.base_url,
      fillWait: { timeoutMs: a.fill_timeout_ms, pollMs: a.poll_ms },
      referencePrice: (o) => prices.closeP.get(o.symbol),
      // Retries, waits, lookups and cancels are notes of the day (reports, --json), credentials redacted.
      log: (line) => ctx.res.notes.push(line),
    });
  }
  return new SimBroker({ cash: start.cash0, positions: start.held }, bars!, {
    ...prices.orderCosts,
    fill: cfg.broker.fill,
    maxParticipation: cfg.broker.max_participation,
    adv: prices.market.adv,
    date: ctx.date,
  });
}

/**
 * Before anything is sent to a real account: the ledger's equity (at the decision close) and
 * the account's must agree within 5 %. Orders are sized from the ledger, so a new ledger's
 * `capital` far from the account's cash — or trades made in the account outside Strata — would
 * size the book wrongly and record a return that did not happen (a 1,000,000 ledger on a
 * 100,000 account: −90 % on day one). 5 % leaves room for a day's price moves and for a rerun
 * after a crash, when the account already holds the day's fills.
 */
async function reconcileAccount(ctx: DayContext, broker: Broker, equityP: number): Promise<void> {
  const acct = await broker.account();
  const gap = Math.abs(acct.equity - equityP) / equityP;
  if (!(gap > 0.05)) return;
  const money = (x: number) => x.toFixed(2);
  throw new StrataError(
    "DATA",
    `paper run ${ctx.date}: the ledger's equity ${money(equityP)} (at the decision close) differs from the ` +
      `Alpaca account's ${money(acct.equity)} by ${(gap * 100).toFixed(1)} %; nothing was sent or recorded`,
    {
      hint:
        "a new ledger starts from the paper config's capital: set it to the account's cash (or reset the " +
        "paper account); for an existing ledger, look for trades made in the account outside Strata",
    },
  );
}

/**
 * Alpaca fills now, at today's prices: the day run must be the exchange's today (the date of
 * Alpaca's clock, New York time), or the ledger would record another day's trades at today's
 * fills — a backfill or a late rerun is refused before anything is sent.
 */
async function checkAlpacaToday(ctx: DayContext, broker: AlpacaBroker): Promise<void> {
  const c = await broker.clock();
  const today = c.timestamp.slice(0, 10);
  if (today === ctx.date) return;
  throw new StrataError(
    "DATA",
    `paper run ${ctx.date}: Alpaca's clock says the exchange's date is ${today} (${c.timestamp}); orders sent ` +
      `now would fill at ${today}'s prices but be recorded for ${ctx.date}. Nothing was sent or recorded`,
    {
      hint:
        `run today's cycle (--date ${today}, or no --date), or backfill ${ctx.date} on the simulated broker ` +
        "(--broker sim)",
    },
  );
}

/** The likely fix for a day whose orders were all rejected, from the rejection reasons. */
function rejectionFix(reasons: string[]): string {
  const any = (re: RegExp) => reasons.some((r) => re.test(r));
  if (any(/volume history/))
    return "add volume to the prices, or set broker.max_participation: null in the paper config";
  if (any(/no valid open/)) return "fill at the close (--fill close) or add open prices to the data";
  // Alpaca's reasons (alpaca-broker.ts): a 403 on buying power, or the market clock closed.
  if (any(/insufficient buying power/i))
    return (
      "check the Alpaca account's buying power, or lower paper.capital (capital in the paper config, " +
      "for a new ledger): the orders are sized from the ledger's equity, not the account's"
    );
  if (any(/market (is )?closed/i))
    return (
      "rerun during market hours (regular session 9:30–16:00 ET; the reason names the next open): " +
      "the Alpaca broker sends nothing while Alpaca's clock says the market is closed (docs/brokers.md)"
    );
  return "fix the prices of the trade day or the broker settings";
}

/** Aborts the day when the broker rejected every order, naming the reasons and the likely fix. */
async function abortRejected(ctx: DayContext, fills: Fill[]): Promise<never> {
  const D = ctx.date;
  const reasons = [...new Set(fills.map((f) => (f.reason ?? "rejected").replace(f.symbol, "<symbol>")))];
  const fix = rejectionFix(reasons);
  const msg =
    `paper run ${D}: the broker rejected every order (${fills.length} of ${fills.length}): ` +
    `${reasons.slice(0, 3).join("; ")}. The day was not recorded`;
  const err = new StrataError("DATA", msg, {
    hint: `${fix}, then rerun ${D}`,
    details: { orders: fills.length, reasons },
  });
  return ctx.abort("rejected", err, {
    key: `paper:rejected:${D}`,
    severity: "critical",
    title: `Paper ${D}: every order rejected (${fills.length})`,
    message: err.message,
    date: D,
    details: { orders: fills.length, reasons },
  });
}

/** The kill switch on the ledger's daily returns and the day's; a new trigger is noted, recorded and alerted. */
async function runKillSwitch(ctx: DayContext, dailyReturn: number | null, halted: boolean): Promise<void> {
  const { date: D, cfg, res } = ctx;
  const history = await ctx.ledger.equityHistory();
  const ks = killSwitch([...history.map((h) => h.dailyReturn), dailyReturn], cfg.kill_switch);
  res.killSwitch = ks;
  if (!ks.triggered || halted) return;
  const msg = `kill switch: ${ks.reason} on ${D}; trading halts from the next day`;
  res.notes.push(msg);
  ctx.events.push({
    date: D,
    kind: "kill_switch",
    severity: "critical",
    message: ks.reason!,
    details: { daily_return: ks.dailyReturn, rolling_sharpe: ks.rollingSharpe },
  });
  await ctx.raise({
    key: "paper:kill-switch",
    severity: "critical",
    title: `Kill switch: ${ks.reason}`,
    message: `${msg}. Positions are held, no new orders. Investigate, then \`pipeline paper resume\`.`,
    date: D,
    details: {
      daily_return: ks.dailyReturn,
      rolling_sharpe: ks.rollingSharpe,
      threshold_daily_loss: cfg.kill_switch.max_daily_loss,
      threshold_sharpe: cfg.kill_switch.min_sharpe,
    },
  });
}

/** Sets the day's status and message, hands the result to `beforeCommit`, then (unless a dry run) records the day. */
async function commit(
  ctx: DayContext,
  P: string,
  champion: Champion | null,
  market: DecisionMarket,
  decision: DayDecision,
  fills: Fill[],
  delistings: readonly DayOrder[] = [],
): Promise<void> {
  const { date: D, dryRun, res } = ctx;
  const { halt, scores, trades } = decision;
  res.fills = [...delistings.map((d) => d.fill), ...res.fills];
  res.status = dryRun
    ? "dry_run"
    : !champion
      ? "no_champion"
      : halt.halted
        ? "halted"
        : fills.some((f) => f.shares > 0)
          ? "executed"
          : "no_trade";
  const filled = fills.filter((f) => f.shares > 0).length;
  const firstNote = res.notes.length ? `; ${res.notes[0]}` : "";
  res.message = dryRun
    ? `${D} dry run: ${trades.length} proposed order(s)${firstNote}; nothing recorded`
    : `${D}: ${res.status}, ${trades.length} order(s), ${filled} filled, ` +
      `equity ${res.account!.equity.toFixed(2)} (${pct(res.account!.daily_return ?? 0)})${firstNote}`;
  if (ctx.opts.beforeCommit) await ctx.opts.beforeCommit(res);
  if (dryRun) return;
  const byKey = new Map(fills.map((f) => [f.key, f]));
  const account = res.account!;
  ctx.events.push({
    date: D,
    kind: "day",
    severity: "info",
    message: res.message,
    details: {
      status: res.status,
      orders: trades.length,
      filled,
      ...(ctx.opts.rollout ? { rollout_weight: res.rollout?.weight ?? 1 } : {}),
    },
  });
  await ctx.ledger.commitDay(
    {
      date: D,
      champion: champion?.cell ?? null,
      fingerprint: champion?.fingerprint ?? null,
      status: res.status,
      orders: [
        ...delistings,
        ...trades.map((t) => ({
          order: {
            key: t.key,
            date: D,
            symbol: t.symbol,
            side: t.side,
            shares: t.shares,
            refPrice: t.refPrice,
            notional: t.notional,
            estCommission: t.estCommission,
            estSlippage: t.estSlippage,
            advShare: t.advShare,
            liquidityFlag: t.liquidityFlag,
            note: t.note,
          },
          fill: byKey.get(t.key) ?? null,
        })),
      ],
      positions: res.positions,
      signals: scores ? { decisionDate: P, scores: scores.bySymbol } : null,
      equity: {
        date: D,
        cash: account.cash,
        positionsValue: account.positions_value,
        equity: account.equity,
        dailyReturn: account.daily_return,
        costs: account.costs,
        turnover: account.turnover,
        regime: market.regime,
      },
      events: ctx.events,
    },
    ctx.opts.hooks,
  );
  res.changed = true;
}

function predictionsPath(paths: PaperPaths, champion: Champion): string {
  if (!paths.predictions)
    throw new StrataError(
      "ARGUMENT",
      "paper: scores 'predictions' needs the path of the champion's train predictions",
      { hint: "use scores 'model' (the default)" },
    );
  return paths.predictions(champion.model);
}

export interface RunPeriodOptions extends Omit<RunDayOptions, "date" | "beforeCommit"> {
  from: string;
  to: string;
  beforeCommit?: (result: DayResult) => Promise<void>;
  /** Called after each day. */
  onDay?: (result: DayResult) => void;
}

/**
 * The business days from `from` to `to` (inclusive), in order, after the period's checks: real
 * dates, in order, and one day at a time on a real broker.
 */
export function periodDays(from: string, to: string, config: PaperConfig): string[] {
  const a = parseIsoDate(from),
    b = parseIsoDate(to);
  if (a === null || b === null)
    throw new StrataError("ARGUMENT", `paper run: --from ${from} / --to ${to} must be dates YYYY-MM-DD`);
  if (b < a)
    throw new StrataError("ARGUMENT", `paper run: --to ${to} is before --from ${from}`, {
      hint: "swap the two dates",
    });
  if (config.broker.kind === "alpaca" && b !== a)
    throw new StrataError(
      "ARGUMENT",
      `paper run: --from ${from} --to ${to} with broker.kind alpaca would send every day's orders to ` +
        `Alpaca now, at today's prices`,
      {
        hint:
          "backfill a period with the simulated broker (broker.kind: sim, or --broker sim); run Alpaca one day " +
          "at a time",
      },
    );
  const out: string[] = [];
  for (let d = a; d <= b; d++) if (isBusinessDay(d)) out.push(formatIsoDate(d));
  return out;
}

/** Every business day from `from` to `to` (inclusive), in order; stops at the first error. */
export async function runPaperPeriod(ledger: Ledger, opts: RunPeriodOptions): Promise<DayResult[]> {
  const dates = periodDays(opts.from, opts.to, opts.config);
  const out: DayResult[] = [];
  let own: Awaited<ReturnType<typeof createDatabase>> | null = null;
  let db = opts.db;
  if (!db) {
    own = await createDatabase();
    db = await own.connect();
  }
  try {
    for (const date of dates) {
      const r = await runPaperDay(ledger, { ...opts, db, date });
      out.push(r);
      opts.onDay?.(r);
    }
  } finally {
    if (own) {
      db.closeSync();
      own.closeSync();
    }
  }
  return out;
}
