/**
 * book — several strategies (backtest cells: a model's scores through an optimizer; rule
 * strategies: stages/strategies.ts) traded as ONE book under hierarchical risk budgets
 * (portfolio / strategy / position: src/quant/portfolio/risk-budget.ts), backtested as one by
 * the real engine, so costs are charged on the netted book's trades. Docs: docs/book.md.
 *
 * The sleeves: the `book` array of the select stage's `selection.json` (param `selection`,
 * default "champion"), each { stage, cell, id, source, score }; every sleeve's stage must be
 * among this stage's needs (with `data`).
 *
 * A sleeve's targets (fractions of the sleeve's capital, decided at the close of a date):
 *   backtest cell   `weights(date, symbol, weight)`; its decision dates are its own schedule
 *                   (metrics.json params.rebalance) from its first to its last weights date,
 *                   less the rebalances it skipped (metrics.json skipped_rebalances: it held
 *                   its book there); a decision date without rows is a flat book
 *   strategy cell   `positions(date, symbol, weight)`; every price date from summary.json's
 *                   decisions.first to decisions.last is a decision; without rows: flat
 * and its returns `returns.net` (its own, after its own costs), for the trailing volatility.
 *
 * At each book decision date D (the `rebalance` schedule from the first sleeve decision to the
 * last; the book is held after it, as a backtest holds its book after its last score): each
 * sleeve's latest target at or before D (a sleeve with none yet is out of the book), budgets
 * from the sleeves' returns up to D, netted and capped → one target vector, traded `lag` bars
 * later by src/quant/backtest/backtest.ts with `costs` (and each cost stress level).
 *
 * Outputs
 *   returns(date, gross, net, turnover, costs, gross_exposure, net_exposure, cash, n_names,
 *           equity, regime, net_stress_<bps>…)     a backtest cell's columns, from the first trade
 *   weights(date, symbol, weight)                  the book's targets per decision (non-zero only)
 *   budgets(date, sleeve, budget, vol, capped)     per decision and sleeve in the book: budget
 *                                                  (fraction of capital), annualized trailing vol
 *                                                  (NaN: too little history), at the strategy cap
 *   metrics.json    tearsheet, turnover, costs, the levels' utilization, each sleeve alone vs in
 *                   the book, the cost saved by netting, per-regime metrics, cost stress
 *   attribution.json  as a backtest cell's (stages/lib/attribution.ts)
 */
import { defineStage, z, StrataError, type AxisValue, type StageContext, type StageIssue } from "../src/index.ts";
import { roundOrNull } from "../src/core/round.ts";
import { readColumns, f64Column, i32Column, stringColumn, parseIsoDate } from "../src/store/index.ts";
import { costsParams, scheduleParams } from "../src/quant/backtest/book-params.ts";
import { rebalanceRows } from "../src/quant/backtest/schedule.ts";
import { combineSleeves, type CombinedBook, type LevelReport } from "../src/quant/portfolio/risk-budget.ts";
import { tearsheet } from "../src/quant/stats/tearsheet.ts";
import {
  activity,
  costsIssues,
  decisionRows,
  evaluate,
  isoDate,
  loadMarket,
  regimeSummary,
  returnColumns,
  roundMetrics,
  stressSummary,
  type Evaluation,
  type Market,
} from "./lib/portfolio.ts";
import { attributionDoc } from "./lib/attribution.ts";
import { describeReturnsColumn, WEIGHTS_COLUMNS } from "./lib/portfolio-columns.ts";

const budgetsParams = z
  .object({
    /** inverse_vol (equal risk, uncorrelated sleeves), equal, or fixed shares (`weights`). */
    method: z.enum(["inverse_vol", "equal", "fixed"]).default("inverse_vol"),
    /** Fixed shares: one per sleeve in the book's order, or by sleeve id; normalized to sum 1. */
    weights: z.union([z.array(z.number().min(0)), z.record(z.string(), z.number().min(0))]).optional(),
    /** Trailing rows of a sleeve's returns for its volatility, the decision date included. */
    vol_window: z.number().int().min(2).default(63),
    /** Returns a sleeve needs in the window; fewer for any sleeve: equal budgets that date. */
    min_observations: z.number().int().min(2).default(20),
    /** Gross exposure cap of the book and the sum of the budgets (fraction of capital). */
    portfolio_max: z.number().positive().default(1),
    /** Cap on each sleeve's budget; the excess goes to the other sleeves, then to cash. */
    strategy_max: z.number().positive().default(0.4),
    /** Cap on each |position| of the netted book; the excess goes to cash. */
    position_max: z.number().positive().default(0.15),
  })
  .strict()
  .default({
    method: "inverse_vol",
    vol_window: 63,
    min_observations: 20,
    portfolio_max: 1,
    strategy_max: 0.4,
    position_max: 0.15,
  });

const params = z
  .object({
    /** The select stage whose selection.json holds the book. */
    selection: z.string().default("champion"),
    budgets: budgetsParams,
    rebalance: scheduleParams.rebalance,
    lag: scheduleParams.lag,
    regimes: scheduleParams.regimes,
    costs: costsParams,
  })
  .strict();

type Params = z.output<typeof params>;

export default defineStage({
  description: "Several strategies (ML and rule) in one book under portfolio / strategy / position risk budgets",
  params,
  outputs: ["returns", "weights", "budgets", "metrics", "attribution"],
  checks: (p) => planChecks(p),
  async run(ctx) {
    const p = ctx.params;
    const market = await loadMarket(ctx, ctx.input("data", "prices"));
    const entries = await readBook(ctx);
    if (entries.length < 2)
      ctx.warn(
        `the book of ${p.selection}'s selection.json has ${entries.length} sleeve: it is that strategy alone, ` +
          `under the budgets; give the select stage's book more sleeves (book.sleeves) to combine strategies`,
      );
    const sleeves: Sleeve[] = [];
    for (const e of entries) sleeves.push(await loadSleeve(ctx, e, market));
    ctx.progress(0.3, `${sleeves.length} sleeves read`);
    const plan = decideBook(p, market, sleeves);
    ctx.log(`${plan.decisions.length} book decisions from ${isoDate(market.panel.days[plan.decisions[0].t])}`);
    const targets = new Map(plan.decisions.map((d) => [d.t, d.book.weights]));
    const ev = evaluate(market, (t) => targets.get(t) ?? null, plan.decisions[0].t, p.lag, p.costs);
    ctx.progress(0.6, "book backtested");
    const alone = sleeves.map((_, k) => aloneRun(p, market, k, plan));
    await writeTables(ctx, market, ev, sleeves, plan);
    const doc = metricsDoc(ctx, market, ev, sleeves, plan, alone);
    await ctx.writeJson("metrics", doc);
    await ctx.writeJson("attribution", attributionDoc(market, ev));
    ctx.metric("sharpe", roundOrNull(ev.metrics.sharpe));
    ctx.metric("observations", market.panel.nRows - ev.start);
    ctx.metric("cagr", roundOrNull(ev.metrics.cagr));
    ctx.metric("max_drawdown", roundOrNull(ev.metrics.max_drawdown));
    ctx.metric("turnover_annual", doc.turnover_annual);
    ctx.metric("sleeves", sleeves.length);
    ctx.metric("cost_saved", doc.netting.cost_saved);
    ctx.progress(1, "done");
  },
});

function planChecks(p: Params): StageIssue[] {
  const issues: StageIssue[] = [...costsIssues(p.costs)];
  const b = p.budgets;
  if (b.method === "fixed" && !b.weights)
    issues.push({
      level: "error",
      param: "budgets.weights",
      message: "budgets.method fixed needs budgets.weights",
      hint: "give one weight per sleeve (a list in the book's order, or a map by sleeve id), or use inverse_vol",
    });
  if (b.strategy_max > b.portfolio_max)
    issues.push({
      level: "warning",
      param: "budgets.strategy_max",
      message: `budgets.strategy_max ${b.strategy_max} > portfolio_max ${b.portfolio_max}: the strategy cap never binds`,
      hint: `lower strategy_max to at most ${b.portfolio_max}`,
    });
  return issues;
}

/** One entry of selection.json's book, as the select stage writes it. */
interface BookEntry {
  stage: string;
  cell: Record<string, AxisValue>;
  id: string;
  source: "backtest" | "strategy" | null;
  score: number | null;
}

/** The book of the selection stage's selection.json: validated entries, in its order. */
async function readBook(ctx: StageContext<Params>): Promise<BookEntry[]> {
  const sel = ctx.params.selection;
  if (!ctx.upstream().some((u) => u.stage === sel && u.output === "selection"))
    throw new StrataError("SPEC", `${ctx.stage}: the selection stage '${sel}' is not among the needs`, {
      hint: `add '${sel}' to ${ctx.stage}'s needs in pipeline.yaml, or set params.selection to the select stage's name`,
    });
  const doc = await ctx.readJson<{ book?: unknown }>(sel, "selection");
  if (!Array.isArray(doc.book) || doc.book.length === 0)
    throw new StrataError(
      "DATA",
      `${ctx.stage}: ${sel}'s selection.json has no book (${JSON.stringify(doc.book ?? null)})`,
      {
        hint: `give the select stage '${sel}' a book param (book: { sleeves: 3 }) and let some candidates pass its thresholds`,
      },
    );
  const seen = new Set<string>();
  return doc.book.map((raw, k) => {
    const e = raw as Partial<BookEntry> & { cell?: Record<string, AxisValue> };
    if (typeof e.stage !== "string" || !e.cell || typeof e.cell !== "object")
      throw new StrataError("DATA", `${ctx.stage}: book entry ${k} of ${sel}'s selection.json has no stage or cell`, {
        hint: `each entry needs { stage, cell, id, source }: ${JSON.stringify(raw)}`,
      });
    const id = typeof e.id === "string" ? e.id : cellId(e.stage, e.cell);
    if (seen.has(id))
      throw new StrataError("DATA", `${ctx.stage}: sleeve ${id} is twice in ${sel}'s book`, {
        hint: "a sleeve enters the book once; its budget says how much",
      });
    seen.add(id);
    const source = e.source === "backtest" || e.source === "strategy" ? e.source : null;
    return { stage: e.stage, cell: e.cell, id, source, score: typeof e.score === "number" ? e.score : null };
  });
}

const cellId = (stage: string, cell: Record<string, AxisValue>) =>
  `${stage}[${Object.keys(cell)
    .sort()
    .map((k) => `${k}=${String(cell[k])}`)
    .join(",")}]`;

const sameCell = (a: Record<string, AxisValue>, b: Record<string, AxisValue>) => {
  const ka = Object.keys(a).sort(),
    kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a[k]) === String(b[k]));
};

/** A sleeve read onto the price panel. */
interface Sleeve {
  entry: BookEntry;
  source: "backtest" | "strategy";
  /** Its decisions, increasing rows: the targets (length N) decided at the close of row t. */
  decisions: { t: number; weights: Float64Array }[];
  /** Its own net returns per panel row (NaN where it has none). */
  returns: Float64Array;
}

/** Reads a sleeve's targets and returns; a sleeve not among the needs is a SPEC error naming it. */
async function loadSleeve(ctx: StageContext<Params>, e: BookEntry, market: Market): Promise<Sleeve> {
  const ups = ctx.upstream().filter((u) => u.stage === e.stage && sameCell(u.cell, e.cell));
  if (!ups.length)
    throw new StrataError(
      "SPEC",
      `${ctx.stage}: sleeve ${e.id} (stage '${e.stage}', cell ${JSON.stringify(e.cell)}) of ` +
        `${ctx.params.selection}'s book is not among ${ctx.stage}'s inputs`,
      { hint: `add '${e.stage}' to the needs of '${ctx.stage}' in pipeline.yaml` },
    );
  const outputs = new Set(ups.map((u) => u.output));
  const source = e.source ?? (outputs.has("positions") ? "strategy" : "backtest");
  const table = source === "strategy" ? "positions" : "weights";
  if (!outputs.has(table) || !outputs.has("returns"))
    throw new StrataError(
      "DATA",
      `${ctx.stage}: sleeve ${e.id} (source ${source}) has no '${table}' or 'returns' output ` +
        `(it has ${[...outputs].sort().join(", ")})`,
      {
        hint:
          source === "strategy"
            ? "rerun the strategies stage (it writes positions since the book exists)"
            : "a backtest sleeve needs a backtest cell's weights and returns",
      },
    );
  const where = e.cell;
  const { panel } = market;
  const T = panel.nRows,
    N = panel.nAssets;
  const rowOf = new Map<number, number>();
  panel.days.forEach((d, t) => rowOf.set(d, t));
  const colOf = new Map(panel.symbols.map((s, i) => [s, i]));
  const w = await readColumns(
    ctx.db,
    `SELECT date, symbol, CAST(weight AS DOUBLE) AS weight FROM ${ctx.input(e.stage, table, where)} ` +
      `WHERE weight <> 0 ORDER BY date, symbol`,
  );
  const wd = i32Column(w, "date"),
    ws = stringColumn(w, "symbol"),
    wv = f64Column(w, "weight");
  const byRow = new Map<number, Float64Array>();
  for (let k = 0; k < wd.length; k++) {
    const t = rowOf.get(wd[k]),
      i = colOf.get(ws[k] ?? "");
    if (t === undefined || i === undefined)
      throw new StrataError(
        "DATA",
        `${ctx.stage}: sleeve ${e.id} holds ${ws[k]} on ${isoDate(wd[k])}, which has no price in data.prices`,
        { hint: "run the sleeves and the book on the same data stage" },
      );
    let x = byRow.get(t);
    if (!x) byRow.set(t, (x = new Float64Array(N)));
    x[i] = wv[k];
  }
  const rows = await decisionRowsOf(ctx, e, source, market, byRow);
  const decisions = rows.map((t) => ({ t, weights: byRow.get(t) ?? new Float64Array(N) }));
  if (!decisions.length)
    throw new StrataError("DATA", `${ctx.stage}: sleeve ${e.id} has no decision`, {
      hint: `its ${table} table is empty; check the sleeve's own run`,
    });
  const r = await readColumns(
    ctx.db,
    `SELECT date, CAST(net AS DOUBLE) AS net FROM ${ctx.input(e.stage, "returns", where)}`,
  );
  const returns = new Float64Array(T).fill(NaN);
  const rd = i32Column(r, "date"),
    rn = f64Column(r, "net");
  for (let k = 0; k < rd.length; k++) {
    const t = rowOf.get(rd[k]);
    if (t !== undefined) returns[t] = rn[k];
  }
  return { entry: e, source, decisions, returns };
}

/** A sleeve's decision rows (see the module comment): flat decisions have no rows in its table. */
async function decisionRowsOf(
  ctx: StageContext<Params>,
  e: BookEntry,
  source: "backtest" | "strategy",
  market: Market,
  byRow: Map<number, Float64Array>,
): Promise<number[]> {
  const days = market.panel.days;
  const present = [...byRow.keys()].sort((a, b) => a - b);
  const rowOn = (iso: unknown): number => {
    const d = typeof iso === "string" ? parseIsoDate(iso) : null;
    if (d === null) return -1;
    for (let t = 0; t < days.length; t++) if (days[t] >= d) return days[t] === d ? t : -1;
    return -1;
  };
  if (source === "strategy") {
    const s = await ctx.readJson<{ decisions?: { first?: string; last?: string } | null }>(e.stage, "summary", e.cell);
    let first = rowOn(s.decisions?.first),
      last = rowOn(s.decisions?.last);
    if (first < 0 || last < 0) {
      if (!present.length) return [];
      first = present[0];
      last = present.at(-1)!;
    }
    return Array.from({ length: last - first + 1 }, (_, k) => first + k);
  }
  if (!present.length) return [];
  const m = await ctx.readJson<{ params?: { rebalance?: string }; skipped_rebalances?: { date: string }[] }>(
    e.stage,
    "metrics",
    e.cell,
  );
  const freq = m.params?.rebalance;
  const schedule = freq === "daily" || freq === "weekly" || freq === "monthly" ? freq : "weekly";
  const skipped = new Set((m.skipped_rebalances ?? []).map((s) => rowOn(s.date)));
  const [first, last] = [present[0], present.at(-1)!];
  const rows = new Set(present);
  for (const t of rebalanceRows(days, schedule)) if (t >= first && t <= last && !skipped.has(t)) rows.add(t);
  return [...rows].sort((a, b) => a - b);
}

/** One book decision: the row, the combined book, and the sleeves' budgets (0 when out of the book). */
interface BookDecision {
  t: number;
  book: CombinedBook;
  /** Per sleeve (book order): in the book at t, budget, daily vol, capped. */
  active: boolean[];
  budgets: Float64Array;
  vols: Float64Array;
  capped: boolean[];
  /** Per sleeve: its target at t (the latest at or before t), or null. */
  targets: (Float64Array | null)[];
}

interface BookPlan {
  decisions: BookDecision[];
}

/** The book's decisions: the schedule from the first sleeve decision to the last, each combined. */
function decideBook(p: Params, market: Market, sleeves: Sleeve[]): BookPlan {
  const { panel } = market;
  const N = panel.nAssets,
    S = sleeves.length;
  const first = Math.min(...sleeves.map((s) => s.decisions[0].t));
  const last = Math.max(...sleeves.map((s) => s.decisions.at(-1)!.t));
  const rows = decisionRows(panel, p.rebalance, first).filter((t) => t <= last);
  const fixed = fixedWeights(p, sleeves);
  const at = new Array<number>(S).fill(-1);
  const decisions: BookDecision[] = [];
  for (const t of rows) {
    const targets: (Float64Array | null)[] = sleeves.map((s, k) => {
      while (at[k] + 1 < s.decisions.length && s.decisions[at[k] + 1].t <= t) at[k]++;
      return at[k] >= 0 ? s.decisions[at[k]].weights : null;
    });
    const active = targets.map((x) => x !== null);
    const idx = [...active.keys()].filter((k) => active[k]);
    if (!idx.length) continue;
    const book = combineSleeves(
      idx.map((k) => targets[k]!),
      idx.map((k) => sleeves[k].returns),
      t,
      N,
      {
        method: p.budgets.method,
        weights: fixed ? idx.map((k) => fixed[k]) : undefined,
        window: p.budgets.vol_window,
        minObservations: p.budgets.min_observations,
        portfolioMax: p.budgets.portfolio_max,
        strategyMax: p.budgets.strategy_max,
        positionMax: p.budgets.position_max,
      },
    );
    const budgets = new Float64Array(S),
      vols = new Float64Array(S).fill(NaN),
      capped = new Array<boolean>(S).fill(false);
    idx.forEach((k, j) => {
      budgets[k] = book.budgets[j];
      vols[k] = book.vols[j];
      capped[k] = book.capped[j];
    });
    decisions.push({ t, book, active, budgets, vols, capped, targets });
  }
  if (!decisions.length)
    throw new StrataError(
      "DATA",
      `book: no ${p.rebalance} decision date between the sleeves' first and last decisions`,
      {
        hint: "use a shorter rebalance (daily), or sleeves that decide over a longer period",
      },
    );
  return { decisions };
}

/** Fixed shares by sleeve (book order), or null for the other methods. */
function fixedWeights(p: Params, sleeves: Sleeve[]): number[] | null {
  const w = p.budgets.weights;
  if (p.budgets.method !== "fixed") return null;
  if (!w)
    throw new StrataError("PARAMS", "book: budgets.method fixed needs budgets.weights", {
      hint: "give one weight per sleeve, or use inverse_vol",
    });
  if (Array.isArray(w)) {
    if (w.length !== sleeves.length)
      throw new StrataError("PARAMS", `book: budgets.weights has ${w.length} weights for ${sleeves.length} sleeves`, {
        hint: `give one per sleeve, in the book's order: ${sleeves.map((s) => s.entry.id).join(", ")}`,
      });
    return w;
  }
  return sleeves.map((s) => {
    const v = w[s.entry.id];
    if (v === undefined)
      throw new StrataError("PARAMS", `book: budgets.weights has no weight for sleeve ${s.entry.id}`, {
        hint: `key the weights by sleeve id: ${sleeves.map((x) => x.entry.id).join(", ")}`,
      });
    return v;
  });
}

/** A sleeve alone at full weight on the book's decision dates, schedule, lag and costs. */
interface AloneRun {
  ev: Evaluation;
  /** Σ_t budget · cost: its costs at the budgets it had in the book. */
  scaledCosts: number;
}

function aloneRun(p: Params, market: Market, k: number, plan: BookPlan): AloneRun {
  const mine = new Map<number, Float64Array>();
  // Costs are charged at the trade row, lag rows after the decision that set the budget.
  const budgetAt = new Map<number, number>();
  for (const d of plan.decisions) {
    const x = d.targets[k];
    if (x) mine.set(d.t, x);
    budgetAt.set(d.t + p.lag, d.budgets[k]);
  }
  const ev = evaluate(market, (t) => mine.get(t) ?? null, plan.decisions[0].t, p.lag, { ...p.costs, stress_bps: [0] });
  let scaled = 0;
  for (let t = ev.start; t < market.panel.nRows; t++) {
    const c = ev.base.costs[t];
    if (c !== 0) scaled += (budgetAt.get(t) ?? 0) * c;
  }
  return { ev, scaledCosts: scaled };
}

async function writeTables(
  ctx: StageContext<Params>,
  market: Market,
  ev: Evaluation,
  sleeves: Sleeve[],
  plan: BookPlan,
): Promise<void> {
  const { panel } = market;
  await ctx.writeTable(
    "returns",
    { columns: returnColumns(market, ev), types: { date: "DATE" } },
    { orderBy: ["date"], describe: describeReturnsColumn },
  );
  const date: number[] = [],
    symbol: string[] = [],
    weight: number[] = [];
  for (const d of plan.decisions) {
    const w = d.book.weights;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      date.push(panel.days[d.t]);
      symbol.push(panel.symbols[i]);
      weight.push(w[i]);
    }
  }
  await ctx.writeTable(
    "weights",
    { columns: { date: Int32Array.from(date), symbol, weight: Float64Array.from(weight) }, types: { date: "DATE" } },
    { orderBy: ["date", "symbol"], describe: WEIGHTS_COLUMNS },
  );
  const bd: number[] = [],
    bs: string[] = [],
    bb: number[] = [],
    bv: number[] = [],
    bc: boolean[] = [];
  for (const d of plan.decisions) {
    sleeves.forEach((s, k) => {
      if (!d.active[k]) return;
      bd.push(panel.days[d.t]);
      bs.push(s.entry.id);
      bb.push(d.budgets[k]);
      bv.push(d.vols[k] * Math.sqrt(252));
      bc.push(d.capped[k]);
    });
  }
  await ctx.writeTable(
    "budgets",
    {
      columns: {
        date: Int32Array.from(bd),
        sleeve: bs,
        budget: Float64Array.from(bb),
        vol: Float64Array.from(bv),
        capped: bc,
      },
      types: { date: "DATE" },
    },
    { orderBy: ["date", "sleeve"], describe: BUDGETS_COLUMNS },
  );
}

/** What each column of table `budgets` means. */
const BUDGETS_COLUMNS: Record<string, string> = {
  date: "Book decision day.",
  sleeve: "Sleeve id (a backtest or strategy cell in the book).",
  budget: "The sleeve's risk budget: its fraction of the book's capital.",
  vol: "Annualized trailing volatility of the sleeve's daily net returns (NaN: too little history).",
  capped: "True when the sleeve's budget is at the strategy cap.",
};

/** Mean and max utilization, share of decisions where the level bound, mean capital moved. */
function levelSummary(reports: LevelReport[]) {
  const n = reports.length;
  let u = 0,
    top = 0,
    bound = 0,
    moved = 0;
  for (const r of reports) {
    u += r.utilization;
    top = Math.max(top, r.utilization);
    if (r.violations > 0) bound++;
    moved += r.moved;
  }
  return {
    cap: reports[0]?.cap ?? null,
    mean_utilization: roundOrNull(u / n),
    max_utilization: roundOrNull(top),
    bound_share: roundOrNull(bound / n),
    mean_moved: roundOrNull(moved / n),
  };
}

function metricsDoc(
  ctx: StageContext<Params>,
  market: Market,
  ev: Evaluation,
  sleeves: Sleeve[],
  plan: BookPlan,
  alone: AloneRun[],
) {
  const { panel } = market;
  const T = panel.nRows,
    s0 = ev.start;
  const act = activity(ev);
  const ds = plan.decisions;
  const sumCosts = (a: Float64Array) => {
    let x = 0;
    for (let t = s0; t < T; t++) x += a[t];
    return x;
  };
  const bookCosts = sumCosts(ev.base.costs);
  const scaled = alone.reduce((a, r) => a + r.scaledCosts, 0);
  const sleeveDocs = sleeves.map((s, k) => {
    const own = s.returns.subarray(s0).filter((x) => Number.isFinite(x));
    const ownSheet = own.length > 1 ? tearsheet(own) : null;
    const a = alone[k];
    const inBook = ds.filter((d) => d.active[k]);
    return {
      id: s.entry.id,
      stage: s.entry.stage,
      cell: s.entry.cell,
      source: s.source,
      score: s.entry.score,
      decisions: s.decisions.length,
      first_decision: isoDate(panel.days[s.decisions[0].t]),
      last_decision: isoDate(panel.days[s.decisions.at(-1)!.t]),
      own: {
        days: own.length,
        sharpe: roundOrNull(ownSheet?.sharpe),
        cagr: roundOrNull(ownSheet?.cagr),
        max_drawdown: roundOrNull(ownSheet?.max_drawdown),
        total_return: roundOrNull(ownSheet?.total_return),
      },
      alone: {
        sharpe: roundOrNull(a.ev.metrics.sharpe),
        cagr: roundOrNull(a.ev.metrics.cagr),
        max_drawdown: roundOrNull(a.ev.metrics.max_drawdown),
        total_costs: roundOrNull(sumCosts(a.ev.base.costs)),
        turnover_annual: activity(a.ev).turnover_annual,
      },
      in_book: {
        mean_budget: roundOrNull(inBook.reduce((x, d) => x + d.budgets[k], 0) / Math.max(1, inBook.length)),
        last_budget: roundOrNull(ds.at(-1)!.budgets[k]),
        capped_share: roundOrNull(inBook.filter((d) => d.capped[k]).length / Math.max(1, inBook.length)),
        scaled_costs: roundOrNull(a.scaledCosts),
      },
    };
  });
  const fallbacks = ds.filter((d) => d.book.fallback !== null).length;
  return {
    selection: ctx.params.selection,
    params: ctx.params,
    period: { start: isoDate(panel.days[s0]), end: isoDate(panel.days[T - 1]), days: T - s0 },
    metrics: roundMetrics(ev.metrics),
    ...act,
    rebalances: ds.length,
    budgets: {
      method: ctx.params.budgets.method,
      // Decisions where inverse_vol lacked a volatility for some sleeve and used equal budgets.
      equal_fallbacks: fallbacks,
    },
    levels: {
      portfolio: levelSummary(ds.map((d) => d.book.levels.portfolio)),
      strategy: levelSummary(ds.map((d) => d.book.levels.strategy)),
      position: levelSummary(ds.map((d) => d.book.levels.position)),
    },
    netting: {
      mean_gross_before: roundOrNull(ds.reduce((x, d) => x + d.book.grossBeforeNetting, 0) / ds.length),
      mean_gross_after: roundOrNull(ds.reduce((x, d) => x + d.book.grossAfterNetting, 0) / ds.length),
      scaled_sleeve_costs: roundOrNull(scaled),
      book_costs: roundOrNull(bookCosts),
      cost_saved: roundOrNull(scaled - bookCosts),
    },
    sleeves: sleeveDocs,
    regimes: regimeSummary(market, ev.base.net, s0),
    stress: stressSummary(ev),
    ruined_at: ev.base.ruinedAt >= 0 ? isoDate(panel.days[ev.base.ruinedAt]) : null,
  };
}
