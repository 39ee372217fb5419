/**
 * paper — a paper-trading backfill of the champion: the daily cycle of src/paper run day by
 * day from `from` to `to` (what `pipeline paper run --from A --to B` does), on a private
 * ledger, so a study can include how its champion would have been traded.
 *
 * Needs   data (prices), champion (champion.json, model.json), features (scores "model") or
 *         train (scores "predictions": the out-of-sample scores the champion's backtest traded)
 * Params  from, to (trade dates, YYYY-MM-DD), champion_stage (default "champion"), and the
 *         paper settings of docs/paper-trading.md (capital, broker, trades, safety, kill_switch, scores)
 * Outputs equity(date, cash, positions_value, equity, daily_return, costs, turnover, regime)
 *         fills(date, symbol, side, requested, shares, price, notional, commission, slippage, status)
 *         events(date, kind, severity, message)     no wall-clock times: byte-identical reruns
 *         summary.json                              days, orders, fills, total return, Sharpe, halts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defineStage, z, StrataError, type ColumnTable } from "../src/index.ts";
import { roundOrNull } from "../src/core/round.ts";
import { Ledger, paperConfigSchema, runPaperPeriod } from "../src/paper/index.ts";
import { parseIsoDate } from "../src/store/index.ts";

const date = z.string().refine((s) => parseIsoDate(s) !== null, { message: "expected a date YYYY-MM-DD" });
const params = paperConfigSchema.extend({
  from: date,
  to: date,
  champion_stage: z.string().default("champion"),
});

type EquityRow = Awaited<ReturnType<Ledger["equityHistory"]>>[number];
type FillRow = Awaited<ReturnType<Ledger["fillsOn"]>>[number] & { date: string };
type EventRow = Awaited<ReturnType<Ledger["events"]>>[number];
type Day = Awaited<ReturnType<typeof runPaperPeriod>>[number];

export default defineStage({
  description: "Paper-trading backfill of the champion, day by day on the simulated broker",
  params,
  outputs: ["equity", "fills", "events", "summary"],
  async run(ctx) {
    const p = ctx.params;
    if (p.to < p.from)
      throw new StrataError("PARAMS", `paper: to ${p.to} is before from ${p.from}`, { hint: "swap the two dates" });
    const { from, to, champion_stage, ...config } = p;
    const dir = mkdtempSync(join(tmpdir(), "strata-paper-"));
    const ledger = await Ledger.open(join(dir, "ledger.duckdb"), { capital: config.capital });
    try {
      const days = await runPaperPeriod(ledger, {
        from,
        to,
        config,
        db: ctx.db,
        paths: {
          prices: ctx.inputPath("data", "prices"),
          features: config.scores === "model" ? ctx.inputPath("features", "features") : "",
          championDir: dirname(ctx.inputPath(champion_stage, "champion")),
          predictions: (model) => ctx.inputPath("train", "predictions", { model }),
        },
        onDay: (r) =>
          ctx.progress(
            0.05 +
              0.85 *
                ((parseIsoDate(r.date)! - parseIsoDate(from)!) / Math.max(1, parseIsoDate(to)! - parseIsoDate(from)!)),
            r.date,
          ),
      });
      const eq = await ledger.equityHistory();
      await ctx.writeTable("equity", equityTable(eq), { orderBy: ["date"], describe: EQUITY_COLUMNS });
      const fills = (
        await Promise.all(eq.map(async (e) => (await ledger.fillsOn(e.date)).map((f) => ({ ...f, date: e.date }))))
      ).flat();
      await ctx.writeTable("fills", fillsTable(fills), {
        orderBy: ["date", "symbol", "side"],
        describe: FILLS_COLUMNS,
      });
      const events = (await ledger.events(1_000_000)).filter((e) => e.kind !== "day").reverse();
      await ctx.writeTable("events", eventsTable(events), { orderBy: ["seq"], describe: EVENTS_COLUMNS });
      const summary = backfillSummary({ from, to, capital: config.capital }, days, eq, fills, events);
      await ctx.writeJson("summary", summary);
      ctx.metric("total_return", summary.total_return);
      ctx.metric("sharpe", summary.sharpe);
      ctx.metric("fills", summary.fills);
    } finally {
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

/** What each column of table `equity` means: one row per recorded day of the paper book. */
const EQUITY_COLUMNS: Record<string, string> = {
  date: "Trading day.",
  cash: "Cash at the day's close (currency units).",
  positions_value: "Market value of the positions at the day's close (currency units).",
  equity: "cash + positions_value (currency units).",
  daily_return: "Return of the equity over the previous recorded day (decimal; NaN on the first day).",
  costs: "Commission and slippage paid on the day (currency units).",
  turnover: "Traded notional of the day as a fraction of equity.",
  regime: "Market state of the day (risk-off, normal, risk-on).",
};

/** What each column of table `fills` means: one row per order of a recorded day. */
const FILLS_COLUMNS: Record<string, string> = {
  date: "Trading day of the order.",
  symbol: "Asset.",
  side: "buy or sell.",
  requested: "Shares the order asked for.",
  shares: "Shares filled (0 when the order was not filled).",
  price: "Fill price (currency units).",
  notional: "shares × price (currency units).",
  commission: "Commission paid (currency units).",
  slippage: "Slippage cost against the reference price (currency units).",
  status: "The fill's status as the broker reported it.",
};

/** What each column of table `events` means: the ledger's events other than the daily ones. */
const EVENTS_COLUMNS: Record<string, string> = {
  seq: "Event number in the ledger (increasing).",
  date: "Trading day the event belongs to.",
  kind: "Kind of event (e.g. kill_switch, safety).",
  severity: "info, warning or critical.",
  message: "What happened, in words.",
};

/** The `equity` output: one row per recorded day. */
function equityTable(eq: readonly EquityRow[]): ColumnTable {
  return {
    columns: {
      date: Int32Array.from(eq, (e) => parseIsoDate(e.date)!),
      cash: Float64Array.from(eq, (e) => e.cash),
      positions_value: Float64Array.from(eq, (e) => e.positionsValue),
      equity: Float64Array.from(eq, (e) => e.equity),
      daily_return: Float64Array.from(eq, (e) => e.dailyReturn ?? NaN),
      costs: Float64Array.from(eq, (e) => e.costs),
      turnover: Float64Array.from(eq, (e) => e.turnover),
      regime: eq.map((e) => e.regime),
    },
    types: { date: "DATE" },
  };
}

/** The `fills` output: every order's fill (or non-fill) on each recorded day. */
function fillsTable(fills: readonly FillRow[]): ColumnTable {
  return {
    columns: {
      date: Int32Array.from(fills, (f) => parseIsoDate(f.date)!),
      symbol: fills.map((f) => f.symbol),
      side: fills.map((f) => f.side),
      requested: Float64Array.from(fills, (f) => f.requested),
      shares: Float64Array.from(fills, (f) => f.shares),
      price: Float64Array.from(fills, (f) => f.price),
      notional: Float64Array.from(fills, (f) => f.notional),
      commission: Float64Array.from(fills, (f) => f.commission),
      slippage: Float64Array.from(fills, (f) => f.slippage),
      status: fills.map((f) => f.status),
    },
    types: { date: "DATE" },
  };
}

/** The `events` output: the ledger's events other than the daily ones, oldest first (no wall-clock times). */
function eventsTable(events: readonly EventRow[]): ColumnTable {
  return {
    columns: {
      seq: Int32Array.from(events, (e) => e.seq),
      date: Int32Array.from(events, (e) => (e.date ? parseIsoDate(e.date)! : 0)),
      kind: events.map((e) => e.kind),
      severity: events.map((e) => e.severity),
      message: events.map((e) => e.message),
    },
    types: { date: "DATE" },
  };
}

/** `summary.json`: the backfill's counts, return, Sharpe (daily returns, annualized with 252 days) and costs. */
function backfillSummary(
  period: { from: string; to: string; capital: number },
  days: readonly Day[],
  eq: readonly EquityRow[],
  fills: readonly FillRow[],
  events: readonly EventRow[],
) {
  const { from, to, capital } = period;
  const r = eq.map((e) => e.dailyReturn).filter((x): x is number => x !== null && Number.isFinite(x));
  const mean = r.reduce((a, b) => a + b, 0) / (r.length || 1);
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, r.length - 1));
  return {
    from,
    to,
    days: days.length,
    recorded: eq.length,
    executed_days: days.filter((d) => d.status === "executed").length,
    halted_days: days.filter((d) => d.status === "halted").length,
    orders: days.reduce((a, d) => a + d.trades.length, 0),
    fills: fills.filter((f) => f.shares > 0).length,
    capital,
    final_equity: roundOrNull(eq.at(-1)?.equity ?? NaN),
    total_return: roundOrNull((eq.at(-1)?.equity ?? NaN) / capital - 1),
    sharpe: roundOrNull(sd > 0 ? (mean / sd) * Math.sqrt(252) : NaN),
    total_costs: roundOrNull(eq.reduce((a, e) => a + e.costs, 0)),
    champion: days.find((d) => d.champion)?.champion?.cell ?? null,
    kill_switch_events: events.filter((e) => e.kind === "kill_switch").length,
  };
}
