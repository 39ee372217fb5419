/**
 * The paper-trading ledger: one DuckDB file (data/paper/ledger.duckdb by default) holding
 * orders, fills, end-of-day positions, cash and equity, the processed days and an event log
 * (kill switch, halts, no-trade reasons, bad data).
 *
 * Durability: every change of a trading day — its orders, their fills, the positions, cash
 * and equity, its events and the `days` row that marks it done — is written in ONE
 * transaction. DuckDB writes a transaction to its write-ahead log only at COMMIT, so a
 * process killed mid-day (kill -9 after some fills) leaves the file exactly as it was before
 * the day: the rerun finds the day not done and executes it from the same state, with the
 * same idempotency keys. The `orders.key` primary key (date:symbol:side:champion fingerprint)
 * makes a second insert of the same order fail rather than duplicate it.
 *
 * Events outside a day's commit (a failed pre-flight, bad data) are appended in their own
 * small transaction; they never mark the day done, so a rerun after the fix proceeds.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { createDatabase, queryRows } from "../store/index.ts";
import type { Fill, Side } from "./broker.ts";

export const LEDGER_SCHEMA_VERSION = 1;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS days (date DATE PRIMARY KEY, champion VARCHAR, fingerprint VARCHAR, status VARCHAR NOT
    NULL,
     orders INTEGER NOT NULL, fills INTEGER NOT NULL, equity DOUBLE NOT NULL, finished_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS orders (key VARCHAR PRIMARY KEY, date DATE NOT NULL, symbol VARCHAR NOT NULL, side VARCHAR
    NOT NULL,
     shares DOUBLE NOT NULL, ref_price DOUBLE NOT NULL, notional DOUBLE NOT NULL, est_commission DOUBLE NOT NULL,
     est_slippage DOUBLE NOT NULL,
     adv_share DOUBLE, liquidity_flag BOOLEAN NOT NULL, note VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS fills (order_key VARCHAR PRIMARY KEY, date DATE NOT NULL, symbol VARCHAR NOT NULL, side
    VARCHAR NOT NULL,
     requested DOUBLE NOT NULL, shares DOUBLE NOT NULL, reference DOUBLE, price DOUBLE, notional DOUBLE NOT NULL,
     commission DOUBLE NOT NULL, slippage DOUBLE NOT NULL, status VARCHAR NOT NULL, reason VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS positions (date DATE NOT NULL, symbol VARCHAR NOT NULL, shares DOUBLE NOT NULL, price
    DOUBLE NOT NULL,
     value DOUBLE NOT NULL, weight DOUBLE NOT NULL, PRIMARY KEY (date, symbol))`,
  `CREATE TABLE IF NOT EXISTS equity (date DATE PRIMARY KEY, cash DOUBLE NOT NULL, positions_value DOUBLE NOT NULL,
    equity DOUBLE NOT NULL,
     daily_return DOUBLE, costs DOUBLE NOT NULL, turnover DOUBLE NOT NULL, regime VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS signals (date DATE NOT NULL, decision_date DATE NOT NULL, symbol VARCHAR NOT NULL, ` +
    `score DOUBLE NOT NULL, PRIMARY KEY (date, symbol))`,
  `CREATE TABLE IF NOT EXISTS events (seq BIGINT PRIMARY KEY, date DATE, kind VARCHAR NOT NULL, severity VARCHAR NOT
    NULL,
     message VARCHAR NOT NULL, details VARCHAR, recorded_at TIMESTAMP NOT NULL)`,
];

export interface OrderRecord {
  key: string;
  date: string;
  symbol: string;
  side: Side;
  shares: number;
  refPrice: number;
  notional: number;
  estCommission: number;
  estSlippage: number;
  advShare: number | null;
  liquidityFlag: boolean;
  note: string | null;
}

export interface PositionRecord {
  symbol: string;
  shares: number;
  price: number;
  value: number;
  weight: number;
}

export interface EquityRecord {
  date: string;
  cash: number;
  positionsValue: number;
  equity: number;
  dailyReturn: number | null;
  costs: number;
  turnover: number;
  regime: string | null;
}

/** A row of the `equity` table as stored (snake case; `EquityRecord` is its camel-case reading). */
export interface EquityRow {
  date: string;
  cash: number;
  positions_value: number;
  equity: number;
  daily_return: number | null;
  costs: number;
  turnover: number;
  regime: string | null;
}

export type EventKind =
  | "day"
  | "no_trade"
  | "kill_switch"
  | "halted"
  | "resume"
  | "safety"
  | "bad_data"
  | "no_champion"
  | "preflight"
  | "gap"
  | "order"
  | "rejected"
  /** A challenger in shadow passed the promotion rule: proposed, or promoted in the registry. */
  | "promotion"
  /** A held symbol the prices stopped listing, closed at its last close. */
  | "delisted"
  /** A gradual rollout's start, step, end or rollback (src/paper/rollout.ts). */
  | "rollout"
  /** A retrain the `retrain` policy ran after a day, and the version it registered (src/paper/retrain.ts). */
  | "retrain";

export interface EventRecord {
  date: string | null;
  kind: EventKind;
  severity: "info" | "warning" | "critical";
  message: string;
  details?: Record<string, unknown>;
}

export interface DayRecord {
  date: string;
  champion: string | null;
  fingerprint: string | null;
  /** "traded" | "no_trade" | "halted" | "flat" … */
  status: string;
  orders: Array<{ order: OrderRecord; fill: Fill | null }>;
  positions: PositionRecord[];
  /** The scores the day's decision read (decision date, symbol → score); empty when none. */
  signals: { decisionDate: string; scores: ReadonlyMap<string, number> } | null;
  equity: EquityRecord;
  events: EventRecord[];
}

/** A row of the `events` table, as `events()` lists them. */
export interface LoggedEvent {
  seq: number;
  date: string | null;
  kind: string;
  severity: string;
  message: string;
  details: string | null;
  recorded_at: string;
}

/** A processed day's row of the `days` table (what `day()` returns). */
export interface DaySummary {
  date: string;
  champion: string | null;
  fingerprint: string | null;
  status: string;
  orders: number;
  fills: number;
  equity: number;
  finished_at: string;
}

export interface CommitHooks {
  /** Called after each fill row is written inside the day's transaction (fault injection in tests). */
  onFillRecorded?: (count: number) => void;
}

/** End-of-day state as the ledger has it. */
export interface LedgerSnapshot {
  date: string;
  cash: number;
  equity: number;
  positions: PositionRecord[];
}

const now = () => new Date().toISOString().replace("T", " ").replace("Z", "");

export class Ledger {
  private constructor(
    private readonly db: DuckDBInstance,
    readonly conn: DuckDBConnection,
    readonly path: string,
  ) {}

  /** Opens (creating if needed) the ledger at `path`; `readOnly` fails if the file does not exist. */
  static async open(path: string, opts: { readOnly?: boolean; capital?: number } = {}): Promise<Ledger> {
    if (!opts.readOnly) mkdirSync(dirname(path), { recursive: true });
    let db: DuckDBInstance;
    try {
      db = opts.readOnly
        ? await DuckDBInstance.create(path, { access_mode: "READ_ONLY" })
        : await createDatabase({ path, threads: 1 });
    } catch (cause) {
      throw new StrataError("DATA", `cannot open the paper ledger ${path}: ${(cause as Error).message}`, {
        cause,
        hint: opts.readOnly
          ? "run `pipeline paper run` first, or wait for the running paper run to finish (the file is locked while " +
            "it writes)"
          : "check the path is writable and no other paper run is using it",
      });
    }
    const conn = await db.connect();
    const ledger = new Ledger(db, conn, path);
    if (!opts.readOnly) {
      for (const s of SCHEMA) await conn.run(s);
      const v = await queryRows<{ value: string }>(conn, `SELECT value FROM meta WHERE key = 'schema_version'`);
      if (v.length === 0) {
        await conn.run(`INSERT INTO meta VALUES ('schema_version', ?), ('capital', ?)`, [
          String(LEDGER_SCHEMA_VERSION),
          String(opts.capital ?? 1_000_000),
        ]);
      } else if (Number(v[0].value) !== LEDGER_SCHEMA_VERSION) {
        throw new StrataError(
          "DATA",
          `paper ledger ${path} has schema version ${v[0].value}; this Strata writes version ${LEDGER_SCHEMA_VERSION}`,
          { hint: "start a new ledger with --ledger <new path>" },
        );
      }
    }
    return ledger;
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }

  async capital(): Promise<number> {
    const r = await queryRows<{ value: string }>(this.conn, `SELECT value FROM meta WHERE key = 'capital'`);
    return r.length ? Number(r[0].value) : NaN;
  }

  /** The processed day `date`, or null. */
  async day(date: string): Promise<DaySummary | null> {
    const r = await queryRows<DaySummary>(
      this.conn,
      `SELECT date::VARCHAR AS date, champion, fingerprint, status, orders, fills, equity, finished_at::VARCHAR AS ` +
        `finished_at FROM days WHERE date = '${date}'::DATE`,
    );
    return r[0] ?? null;
  }

  /** The last processed day (by date), or null for a new ledger. */
  async lastDay(): Promise<{ date: string; finished_at: string } | null> {
    const r = await queryRows<{ date: string; finished_at: string }>(
      this.conn,
      `SELECT date::VARCHAR AS date, finished_at::VARCHAR AS finished_at FROM days ORDER BY date DESC LIMIT 1`,
    );
    return r[0] ?? null;
  }

  /** End-of-day state of the last day strictly before `date`, or null (start: all cash). */
  async stateBefore(date: string): Promise<LedgerSnapshot | null> {
    const e = await queryRows<{ date: string; cash: number; equity: number }>(
      this.conn,
      `SELECT date::VARCHAR AS date, cash, equity FROM equity WHERE date < '${date}'::DATE ORDER BY date DESC LIMIT 1`,
    );
    if (!e.length) return null;
    const positions = await this.positionsOn(e[0].date);
    return { date: e[0].date, cash: e[0].cash, equity: e[0].equity, positions };
  }

  async positionsOn(date: string): Promise<PositionRecord[]> {
    return queryRows<PositionRecord>(
      this.conn,
      `SELECT symbol, shares, price, value, weight FROM positions WHERE date = '${date}'::DATE ORDER BY symbol`,
    );
  }

  async equityHistory(until?: string): Promise<EquityRecord[]> {
    const rows = await queryRows<EquityRow>(
      this.conn,
      `SELECT date::VARCHAR AS date, cash, positions_value, equity, daily_return, costs, turnover, regime FROM ` +
        `equity ${until ? `WHERE date <= '${until}'::DATE` : ""} ORDER BY date`,
    );
    return rows.map((r) => ({
      date: r.date,
      cash: r.cash,
      positionsValue: r.positions_value,
      equity: r.equity,
      dailyReturn: r.daily_return,
      costs: r.costs,
      turnover: r.turnover,
      regime: r.regime,
    }));
  }

  /** Whether trading is halted as of the end of `date` (the last kill_switch/resume event decides). */
  async haltState(until?: string): Promise<{ halted: boolean; reason: string | null; date: string | null }> {
    const r = await queryRows<{ kind: string; message: string; date: string | null }>(
      this.conn,
      `SELECT kind, message, date::VARCHAR AS date FROM events WHERE kind IN ('kill_switch', ` +
        `'resume') ${until ? `AND (date IS NULL OR date <= '${until}'::DATE)` : ""} ORDER BY seq DESC LIMIT 1`,
    );
    if (!r.length || r[0].kind === "resume") return { halted: false, reason: null, date: null };
    return { halted: true, reason: r[0].message, date: r[0].date };
  }

  async events(limit = 20): Promise<LoggedEvent[]> {
    const rows = await queryRows<Omit<LoggedEvent, "seq"> & { seq: number | string }>(
      this.conn,
      `SELECT seq, date::VARCHAR AS date, kind, severity, message, details, recorded_at::VARCHAR AS recorded_at FROM ` +
        `events ORDER BY seq DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** Every event of the given kinds, oldest first (the rollout and retrain state is folded from them). */
  async eventsOf(kinds: readonly EventKind[]): Promise<LoggedEvent[]> {
    const list = kinds.map((k) => `'${k.replace(/'/g, "''")}'`).join(", ");
    const rows = await queryRows<Omit<LoggedEvent, "seq"> & { seq: number | string }>(
      this.conn,
      `SELECT seq, date::VARCHAR AS date, kind, severity, message, details, recorded_at::VARCHAR AS recorded_at FROM ` +
        `events WHERE kind IN (${list}) ORDER BY seq`,
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /**
   * Starts an empty ledger from another book's end-of-day state (a rollout's shadow starts from
   * the live book): one `seed` day at the snapshot's date with its cash and positions, no order.
   */
  async seed(from: LedgerSnapshot, message: string): Promise<void> {
    const last = await this.lastDay();
    if (last)
      throw new StrataError("DATA", `paper ledger: cannot seed a ledger that already records days (last ${last.date})`);
    await this.commitDay({
      date: from.date,
      champion: null,
      fingerprint: null,
      status: "seed",
      orders: [],
      positions: from.positions,
      signals: null,
      equity: {
        date: from.date,
        cash: from.cash,
        positionsValue: from.equity - from.cash,
        equity: from.equity,
        dailyReturn: null,
        costs: 0,
        turnover: 0,
        regime: null,
      },
      events: [{ date: from.date, kind: "day", severity: "info", message }],
    });
  }

  /** Scores by trade day (date, symbol, score) up to `until`. */
  async signals(
    until?: string,
  ): Promise<Array<{ date: string; decision_date: string; symbol: string; score: number }>> {
    return queryRows(
      this.conn,
      `SELECT date::VARCHAR AS date, decision_date::VARCHAR AS decision_date, symbol, score FROM ` +
        `signals ${until ? `WHERE date <= '${until}'::DATE` : ""} ORDER BY date, symbol`,
    );
  }

  /** End-of-day weights (date, symbol, weight) up to `until`. */
  async weights(until?: string): Promise<Array<{ date: string; symbol: string; weight: number }>> {
    return queryRows(
      this.conn,
      `SELECT date::VARCHAR AS date, symbol, weight FROM positions ${until ? `WHERE date <= '${until}'::DATE` : ""} ` +
        `ORDER BY date, symbol`,
    );
  }

  async ordersOn(date: string): Promise<Array<Record<string, unknown>>> {
    return queryRows(
      this.conn,
      `SELECT key, symbol, side, shares, ref_price, notional, est_commission, est_slippage, adv_share, ` +
        `liquidity_flag, note FROM orders WHERE date = '${date}'::DATE ORDER BY symbol, side`,
    );
  }

  async fillsOn(date: string): Promise<Fill[]> {
    const rows = await queryRows<{
      order_key: string;
      symbol: string;
      side: Side;
      requested: number;
      shares: number;
      reference: number | null;
      price: number | null;
      notional: number;
      commission: number;
      slippage: number;
      status: Fill["status"];
      reason: string | null;
    }>(
      this.conn,
      `SELECT order_key, symbol, side, requested, shares, reference, price, notional, commission, slippage, status, ` +
        `reason FROM fills WHERE date = '${date}'::DATE ORDER BY symbol, side`,
    );
    return rows.map((r) => ({
      key: r.order_key,
      symbol: r.symbol,
      side: r.side,
      requested: r.requested,
      shares: r.shares,
      reference: r.reference ?? NaN,
      price: r.price ?? NaN,
      notional: r.notional,
      commission: r.commission,
      slippage: r.slippage,
      status: r.status,
      reason: r.reason,
    }));
  }

  /** Appends events in their own transaction (pre-flight failures, bad data, resume). */
  async appendEvents(events: readonly EventRecord[]): Promise<void> {
    if (!events.length) return;
    await this.transaction(async () => {
      await this.insertEvents(events);
    });
  }

  /** Writes one trading day, all or nothing. Throws if the day is already recorded. */
  async commitDay(day: DayRecord, hooks: CommitHooks = {}): Promise<void> {
    await this.transaction(async () => {
      const c = this.conn;
      const done = await queryRows(c, `SELECT 1 FROM days WHERE date = '${day.date}'::DATE`);
      if (done.length)
        throw new StrataError("DATA", `paper ledger: ${day.date} is already recorded`, {
          hint: "a day is executed once; rerunning it changes nothing",
        });
      const fills = await this.insertOrders(day, hooks);
      await this.insertPositions(day);
      await this.insertSignals(day);
      const e = day.equity;
      await this.insertEquity(e);
      await this.insertEvents(day.events);
      await c.run(`INSERT INTO days VALUES (?::DATE, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)`, [
        day.date,
        day.champion,
        day.fingerprint,
        day.status,
        day.orders.length,
        fills,
        e.equity,
        now(),
      ]);
    });
  }

  /** The day's orders and their fills (inside commitDay's transaction); returns the fill count. */
  private async insertOrders(day: DayRecord, hooks: CommitHooks): Promise<number> {
    const c = this.conn;
    let fills = 0;
    for (const { order: o, fill: f } of day.orders) {
      await c.run(`INSERT INTO orders VALUES (?, ?::DATE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        o.key,
        o.date,
        o.symbol,
        o.side,
        o.shares,
        o.refPrice,
        o.notional,
        o.estCommission,
        o.estSlippage,
        num(o.advShare),
        o.liquidityFlag,
        o.note,
      ]);
      if (f) {
        await c.run(`INSERT INTO fills VALUES (?, ?::DATE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          f.key,
          day.date,
          f.symbol,
          f.side,
          f.requested,
          f.shares,
          num(f.reference),
          num(f.price),
          f.notional,
          f.commission,
          f.slippage,
          f.status,
          f.reason,
        ]);
        fills++;
        hooks.onFillRecorded?.(fills);
      }
    }
    return fills;
  }

  private async insertPositions(day: DayRecord): Promise<void> {
    const c = this.conn;
    for (const p of day.positions) {
      await c.run(`INSERT INTO positions VALUES (?::DATE, ?, ?, ?, ?, ?)`, [
        day.date,
        p.symbol,
        p.shares,
        p.price,
        p.value,
        p.weight,
      ]);
    }
  }

  /** The scores the day's decision read, 500 rows per INSERT. */
  private async insertSignals(day: DayRecord): Promise<void> {
    const c = this.conn;
    if (day.signals) {
      const rows = [...day.signals.scores.entries()];
      for (let k = 0; k < rows.length; k += 500) {
        const chunk = rows.slice(k, k + 500);
        await c.run(
          `INSERT INTO signals VALUES ${chunk.map(() => "(?::DATE, ?::DATE, ?, ?)").join(", ")}`,
          chunk.flatMap(([symbol, score]) => [day.date, day.signals!.decisionDate, symbol, score]),
        );
      }
    }
  }

  private async insertEquity(e: EquityRecord): Promise<void> {
    await this.conn.run(`INSERT INTO equity VALUES (?::DATE, ?, ?, ?, ?, ?, ?, ?)`, [
      e.date,
      e.cash,
      e.positionsValue,
      e.equity,
      num(e.dailyReturn),
      e.costs,
      e.turnover,
      e.regime,
    ]);
  }

  private async insertEvents(events: readonly EventRecord[]): Promise<void> {
    if (!events.length) return;
    const r = await queryRows<{ n: number | string | null }>(this.conn, `SELECT max(seq) AS n FROM events`);
    let seq = r[0]?.n === null || r[0]?.n === undefined ? 0 : Number(r[0].n);
    for (const ev of events) {
      seq++;
      await this.conn.run(`INSERT INTO events VALUES (?, ?::DATE, ?, ?, ?, ?, ?::TIMESTAMP)`, [
        seq,
        ev.date,
        ev.kind,
        ev.severity,
        ev.message,
        ev.details ? JSON.stringify(ev.details) : null,
        now(),
      ]);
    }
  }

  private async transaction(fn: () => Promise<void>): Promise<void> {
    await this.conn.run("BEGIN TRANSACTION");
    try {
      await fn();
      await this.conn.run("COMMIT");
    } catch (e) {
      await this.conn.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
  }
}

/** NaN/±∞ have no place in the ledger: stored as NULL. */
function num(v: number | null): DuckDBValue {
  return v === null || !Number.isFinite(v) ? null : v;
}
