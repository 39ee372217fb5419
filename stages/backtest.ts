/**
 * backtest — one cell per model × optimizer: predictions → portfolio → daily cost-aware returns.
 *
 * Matrix axes (or the `model` / `optimizer` params without a matrix):
 *   model      { from: train }: the train cell whose `predictions` this cell trades
 *   optimizer  equal_weight | inverse_vol | min_variance | max_sharpe | hrp | kelly | risk_parity
 *
 * Inputs   data/prices, train/predictions(date, symbol, score) of the wired model,
 *          baselines/returns (optional need: the 1/N baseline is the benchmark of alpha/beta)
 * Per rebalance date t (weekly by default, formed at the week's last close, traded `lag` bars
 * later): names with a score at t ranked, the top N (or quantile) kept — long, or long-short
 * with the bottom N — and weighted by the optimizer on a trailing covariance of returns up to
 * t (src/quant/backtest/signal-portfolio.ts). The engine drifts weights daily, applies the
 * no-trade band and turnover cap against the book at t, and charges commission + slippage
 * (+ optional square-root impact). Every cell is re-run at each `costs.stress_bps` level.
 *
 * Outputs (rows from the first trade on)
 *   returns(date, gross, net, turnover, costs, gross_exposure, net_exposure, cash, n_names,
 *           equity, regime, net_stress_<bps>…)
 *   weights(date, symbol, weight)              targets at each decision date (non-zero only)
 *   trades(date, symbol, before, after, traded, cost)   executed trades (drifted → target)
 *   stress(stress_bps, bps_per_side, total_costs, total_return, cagr, annual_volatility, sharpe, max_drawdown)
 *   metrics.json   tearsheet of net returns (+ alpha/beta vs 1/N), turnover, costs, per-regime
 *                  metrics, cost stress, and every optimizer fallback with its reason and dates
 *   attribution.json  the return by symbol, sector (Brinson–Fachler vs 1/N), year, month and
 *                  regime, and factor exposures with the alpha left (stages/lib/attribution.ts)
 *
 * What the cell really is (metrics.json and the lock's metrics; docs/backtest-matrix.md):
 *   optimizer_effective  the method that produced most legs' weights (max_sharpe falling back
 *                        to min_variance on every rebalance is a min_variance cell)
 *   fallback_share       share of rebalances where the optimizer fell back, in [0, 1]
 *   optimizer_label      metrics.json: "max_sharpe", or "max_sharpe → min_variance on 100 % of
 *                        rebalances" when fallback_share > warn.fallback_share
 *   forced_cash_share    mean share of the intended book the weight caps left in cash
 *   selection            metrics.json: universe, mean eligible names, share of no-op selections
 * Guard rails: plan-time checks (cost stress not increasing: error; forced cash from
 * top × max_weight < 1, lag or costs unlike the labels' / the baselines': warnings) and
 * run-time warnings (ctx.warn) when the fallback share, the forced cash or the no-op
 * selections exceed the `warn` thresholds.
 * `horizon` is taken from train (which takes it from labels): write it nowhere else.
 * Conventions and measured costs: docs/backtest.md.
 */
import { defineStage, z, StrataError, type StageContext, type StageIssue } from "../src/index.ts";
import { suggestionHint } from "../src/core/suggest.ts";
import { roundOrNull } from "../src/core/round.ts";
import { readColumns, f64Column, i32Column, stringColumn } from "../src/store/index.ts";
import { panelMatrix, type PricePanel } from "../src/quant/backtest/panel.ts";
import {
  decisionRule,
  signalPortfolio,
  type Decision,
  type SkippedDecision,
} from "../src/quant/backtest/signal-portfolio.ts";
import { tearsheet, type Tearsheet } from "../src/quant/stats/tearsheet.ts";
import { PORTFOLIO_METHODS, type PortfolioMethod } from "../src/quant/portfolio/types.ts";
import { DEFAULT_BUDGETS } from "../src/quant/portfolio/constraints.ts";
import {
  formatShare,
  optimizerLabel,
  summarizeDecisions,
  type DecisionSummary,
} from "../src/quant/backtest/decision-summary.ts";
import { bookParamsShape, signalPortfolioOptions } from "../src/quant/backtest/book-params.ts";
import {
  costsIssues,
  loadMarket,
  decisionRows,
  evaluate,
  regimeSummary,
  roundMetrics,
  returnColumns,
  tradeColumns,
  stressColumns,
  stressSummary,
  activity,
  isoDate,
  type Evaluation,
  type Market,
} from "./lib/portfolio.ts";
import { alignTo, readBaseline } from "./lib/baseline.ts";
import { describeReturnsColumn, STRESS_COLUMNS, TRADES_COLUMNS, WEIGHTS_COLUMNS } from "./lib/portfolio-columns.ts";
import { attributionDoc } from "./lib/attribution.ts";

const params = z
  .object({
    model: z.string().optional(),
    ...bookParamsShape,
    /** Run-time warning thresholds (shares in [0, 1]): a cell past one says it means something else. */
    warn: z
      .object({
        /** Optimizer fell back on more than this share of rebalances. */
        fallback_share: z.number().min(0).max(1).default(0.1),
        /** Mean share of the intended book the caps left in cash above this. */
        cash_share: z.number().min(0).max(1).default(0.01),
        /** The selection kept every eligible name on at least this share of rebalances. */
        selection_noop_share: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .default({ fallback_share: 0.1, cash_share: 0.01, selection_noop_share: 0.5 }),
  })
  .strict();

type Params = z.output<typeof params>;

/**
 * The markets this process's earlier cells read, by the prices artifact's sha256 and the
 * regime params: the matrix's cells all read the same prices (~0.3 s each to read and shape
 * into a panel). Each cell gets its own copy (copyOf), so nothing a cell does to its
 * market reaches another; only the last market is kept.
 */
const markets = new Map<string, Promise<Market>>();

/**
 * The predictions read by this process's earlier cells as panel matrices, by the predictions'
 * and the prices' sha256: a model's six optimizer cells read the same predictions (~0.2 s
 * each, the symbol strings included). Each cell gets its own copy of the matrix.
 */
const scoreMatrices = new Map<string, Promise<{ matrix: Float64Array; outside: number }>>();
const KEPT_SCORES = 6;

async function sharedScores(ctx: StageContext<Params>, panel: PricePanel) {
  const load = async () => {
    const pred = await readColumns(
      ctx.db,
      `SELECT date, symbol, CAST(score AS DOUBLE) AS score FROM ${ctx.input("train", "predictions")} WHERE score ` +
        `IS NOT NULL`,
    );
    return panelMatrix(panel, i32Column(pred, "date"), stringColumn(pred, "symbol"), f64Column(pred, "score"));
  };
  const path = ctx.inputPath("train", "predictions");
  const upstream = ctx.upstream();
  const pred = upstream.filter((u) => u.path === path);
  const prices = upstream.filter((u) => u.stage === "data" && u.output === "prices");
  if (pred.length !== 1 || prices.length !== 1) return load();
  const key = `${pred[0].hash}:${prices[0].hash}`;
  let read = scoreMatrices.get(key);
  if (!read) {
    scoreMatrices.set(key, (read = load()));
    for (const k of scoreMatrices.keys()) if (scoreMatrices.size > KEPT_SCORES) scoreMatrices.delete(k);
  }
  try {
    const { matrix, outside } = await read;
    return { matrix: matrix.slice(), outside };
  } catch {
    // The cell that started the read failed (or was stopped): read it here, where an error is this cell's.
    scoreMatrices.delete(key);
    return load();
  }
}

/** A market of its own: every array copied (a memcpy each; structuredClone took ~85 ms a cell). */
function copyOf(m: Market): Market {
  const p = m.panel;
  return {
    panel: {
      ...p,
      days: p.days.slice(),
      symbols: [...p.symbols],
      close: p.close.slice(),
      returns: p.returns.slice(),
      first: p.first.slice(),
      last: p.last.slice(),
    },
    dollarVolume: m.dollarVolume.slice(),
    sectors: m.sectors && [...m.sectors],
    marketReturns: m.marketReturns.slice(),
    states: [...m.states],
  };
}

async function sharedMarket(ctx: StageContext<Params>): Promise<Market> {
  const load = () => loadMarket(ctx, ctx.input("data", "prices"));
  const sources = ctx.upstream().filter((u) => u.stage === "data" && u.output === "prices");
  if (sources.length !== 1) return load();
  const key = `${sources[0].hash}:${JSON.stringify(ctx.params.regimes)}`;
  let market = markets.get(key);
  if (!market) {
    markets.clear();
    markets.set(key, (market = load()));
  }
  try {
    return copyOf(await market);
  } catch {
    // The cell that started the read failed (or was stopped): read it here, where an error is this cell's.
    markets.delete(key);
    return load();
  }
}

export default defineStage({
  description: "Model × optimizer backtests with costs, cost stress and per-regime metrics",
  params,
  outputs: ["returns", "weights", "trades", "stress", "metrics", "attribution"],
  // The lock records the cell's own model and optimizer (the axes), not the unused defaults.
  cellParams: (p, cell) => ownParams(p, cell),
  // Every cell is a trial: the statistics stage deflates Sharpe ratios by all trials recorded.
  trial: { metrics: ["sharpe", "observations"], outputs: ["returns"] },
  // The scores are forecasts over the labels' horizon: one source of truth (labels → train → here).
  inherit: { horizon: "train" },
  checks: (p, ctx) => planChecks(p, ctx.needs, ctx.cells),
  async run(ctx) {
    const p: Params = ctx.params;
    const t0 = performance.now();
    const model = String(ctx.cell.model ?? p.model ?? "");
    const optimizer = cellOptimizer(p, ctx.cell);
    const market = await sharedMarket(ctx);
    ctx.progress(0.1, "prices loaded");
    const scores = await readScores(ctx, market.panel, model);
    const book = decideBook(p, optimizer, market, scores);
    ctx.progress(0.5, `${book.decisions.length} rebalances decided`);
    const ev = evaluateBook(p, market, book.decisions);
    ctx.progress(0.8, "backtested");
    const perf = await benchmarkMetrics(ctx, market, ev);
    await writeTables(ctx, market, ev, book.decisions);
    const behaviour = summarizeBook(ctx, optimizer, book.decisions, market.panel);
    const cell: CellResult = { model, optimizer, market, ...book, ev, act: activity(ev), ...perf, ...behaviour };
    await ctx.writeJson("metrics", metricsDoc(ctx, cell));
    await ctx.writeJson("attribution", attributionDoc(market, ev));
    recordMetrics(ctx, cell);
    // A duration is not a result: it goes to the log, never into the lock's metrics (which must
    // be the same bytes on every run).
    ctx.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ctx.progress(1, "done");
  },
});

/** The cell's optimizer (its axis, else the `optimizer` param); an unknown name is a PARAMS error. */
function cellOptimizer(p: Params, cell: Record<string, unknown>): PortfolioMethod {
  const optimizer = (cell.optimizer ?? p.optimizer) as PortfolioMethod;
  if (!PORTFOLIO_METHODS.includes(optimizer)) {
    throw new StrataError(
      "PARAMS",
      `backtest: optimizer '${String(optimizer)}' is not one of ${PORTFOLIO_METHODS.join(", ")}`,
      {
        hint: suggestionHint(String(optimizer), PORTFOLIO_METHODS, "optimizers"),
      },
    );
  }
  return optimizer;
}

/** The model's scores on the price panel (T × N, NaN = no score) and the first and last rows with a score. */
interface Scores {
  matrix: Float64Array;
  first: number;
  last: number;
}

/** Reads the wired model's predictions onto the panel; a model with no score on a price date is a DATA error. */
async function readScores(ctx: StageContext<Params>, panel: PricePanel, model: string): Promise<Scores> {
  const T = panel.nRows,
    N = panel.nAssets;
  const scores = await sharedScores(ctx, panel);
  if (scores.outside)
    ctx.log(`warning: ${scores.outside} prediction rows have a date or symbol without a price; ignored`);
  // Decisions from the first to the last date with a score; the book is held after that.
  let first = -1,
    last = -1;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      if (scores.matrix[t * N + i] === scores.matrix[t * N + i]) {
        if (first < 0) first = t;
        last = t;
        break;
      }
    }
  }
  if (first < 0) {
    throw new StrataError("DATA", `backtest: the predictions of model '${model}' have no row on a price date`, {
      hint: "run the train stage on the same data",
    });
  }
  return { matrix: scores.matrix, first, last };
}

/** The book at each rebalance date with a score (selection + optimizer); none at all is a DATA error. */
function decideBook(
  p: Params,
  optimizer: PortfolioMethod,
  market: Market,
  scores: Scores,
): { decisions: Decision[]; skipped: SkippedDecision[] } {
  const { panel } = market;
  const rows = decisionRows(panel, p.rebalance, scores.first).filter((t) => t <= scores.last);
  const { decisions, skipped } = signalPortfolio(
    panel.returns,
    scores.matrix,
    panel.nAssets,
    rows,
    signalPortfolioOptions({ ...p, optimizer }, market.sectors, "backtest"),
  );
  if (decisions.length === 0) {
    throw new StrataError(
      "DATA",
      `backtest: no rebalance date has an eligible name (${skipped[0]?.reason ?? "no rebalance date"})`,
      {
        hint:
          `predictions start ${isoDate(panel.days[scores.first])}; names need ${p.covariance.window} rows of ` +
          `return history (covariance.window)`,
      },
    );
  }
  return { decisions, skipped };
}

/** Trades the decisions through the no-trade band and turnover cap, at the base costs and each stress level. */
function evaluateBook(p: Params, market: Market, decisions: readonly Decision[]): Evaluation {
  const rule = decisionRule(decisions, { band: p.trading.band, maxTurnover: p.trading.max_turnover });
  return evaluate(market, rule, decisions[0].t, p.lag, p.costs);
}

/**
 * Benchmark: the 1/N baseline over the same dates, when the baselines stage is a need. The net tearsheet
 * then carries alpha/beta against it; without it, it is the evaluation's own and the benchmark is null.
 */
async function benchmarkMetrics(
  ctx: StageContext<Params>,
  market: Market,
  ev: Evaluation,
): Promise<{ metrics: Tearsheet; benchmark: Record<string, unknown> | null }> {
  const baseline = await readBaseline(ctx, "equal_weight");
  if (!baseline) return { metrics: ev.metrics, benchmark: null };
  const bench = alignTo(baseline, market.panel.days.subarray(ev.start));
  const metrics = tearsheet(ev.base.net.subarray(ev.start), { benchmark: bench.values });
  const b = tearsheet(bench.values);
  const benchmark = {
    strategy: "equal_weight",
    sharpe: roundOrNull(b.sharpe),
    cagr: roundOrNull(b.cagr),
    max_drawdown: roundOrNull(b.max_drawdown),
    missing_days: bench.missing,
  };
  return { metrics, benchmark };
}

/** Writes the returns, weights, trades and stress tables. */
async function writeTables(
  ctx: StageContext<Params>,
  market: Market,
  ev: Evaluation,
  decisions: readonly Decision[],
): Promise<void> {
  const p = ctx.params;
  const { panel } = market;
  const ret = returnColumns(market, ev);
  await ctx.writeTable(
    "returns",
    { columns: ret, types: { date: "DATE" } },
    { orderBy: ["date"], describe: describeReturnsColumn },
  );
  const w = weightColumns(decisions, panel.days, panel.symbols);
  await ctx.writeTable(
    "weights",
    { columns: w, types: { date: "DATE" } },
    { orderBy: ["date", "symbol"], describe: WEIGHTS_COLUMNS },
  );
  const tr = tradeColumns(market, ev, p.lag, p.costs);
  await ctx.writeTable(
    "trades",
    { columns: tr, types: { date: "DATE" } },
    { orderBy: ["date", "symbol"], describe: TRADES_COLUMNS },
  );
  await ctx.writeTable(
    "stress",
    { columns: stressColumns(ev, p.costs) },
    { orderBy: ["stress_bps"], describe: STRESS_COLUMNS },
  );
}

/** What the decisions did (fallbacks, summary) and the optimizer's label; raises the run-time warnings. */
function summarizeBook(
  ctx: StageContext<Params>,
  optimizer: PortfolioMethod,
  decisions: readonly Decision[],
  panel: PricePanel,
): { fallbacks: ReturnType<typeof fallbackSummary>; summary: DecisionSummary; label: string } {
  const p = ctx.params;
  const fallbacks = fallbackSummary(decisions, panel.days);
  const netTarget =
    p.constraints.budgets === false
      ? 1
      : Math.min(
          1,
          p.constraints.budgets === true
            ? DEFAULT_BUDGETS.portfolio
            : (p.constraints.budgets.portfolio ?? DEFAULT_BUDGETS.portfolio),
        );
  const summary = summarizeDecisions(decisions, {
    method: optimizer,
    legExposure: p.selection.side === "long" ? 1 : p.selection.leg_exposure,
    netTarget,
  });
  const label = optimizerLabel(summary, p.warn.fallback_share);
  for (const w of runWarnings(summary, p, panel.nAssets, label)) ctx.warn(w);
  return { fallbacks, summary, label };
}

/** What a cell decided and measured: the contents of metrics.json and of the lock's metrics. */
interface CellResult {
  model: string;
  optimizer: PortfolioMethod;
  market: Market;
  decisions: readonly Decision[];
  skipped: readonly SkippedDecision[];
  ev: Evaluation;
  metrics: Tearsheet;
  benchmark: Record<string, unknown> | null;
  fallbacks: ReturnType<typeof fallbackSummary>;
  act: ReturnType<typeof activity>;
  summary: DecisionSummary;
  label: string;
}

/** The metrics.json document (its key order is the artifact's). */
function metricsDoc(ctx: StageContext<Params>, r: CellResult) {
  const { panel } = r.market;
  const { ev, summary } = r;
  const T = panel.nRows;
  return {
    model: r.model,
    optimizer: r.optimizer,
    // What produced this cell, inside the artifact (so consumers such as the champion stage
    // read it from their inputs): its params as the lock records them, and its seed.
    params: ownParams(ctx.params, ctx.cell),
    seed: ctx.seed,
    period: { start: isoDate(panel.days[ev.start]), end: isoDate(panel.days[T - 1]), days: T - ev.start },
    metrics: roundMetrics(r.metrics),
    gross_sharpe: roundOrNull(tearsheet(ev.base.gross.subarray(ev.start)).sharpe),
    ...r.act,
    rebalances: r.decisions.length,
    skipped_rebalances: r.skipped.map((s) => ({ date: isoDate(panel.days[s.t]), reason: s.reason })),
    optimizer_effective: summary.effective,
    optimizer_label: r.label,
    fallback_share: roundOrNull(summary.fallbackShare),
    forced_cash_share: roundOrNull(summary.forcedCashShare),
    selection: {
      universe: panel.nAssets,
      mean_eligible: roundOrNull(summary.meanEligible),
      noop_share: roundOrNull(summary.selectionNoopShare),
    },
    fallbacks: r.fallbacks,
    benchmark: r.benchmark,
    regimes: regimeSummary(r.market, ev.base.net, ev.start),
    stress: stressSummary(ev),
    ruined_at: ev.base.ruinedAt >= 0 ? isoDate(panel.days[ev.base.ruinedAt]) : null,
  };
}

/** Records the lock's metrics (the trial's sharpe and observations first). */
function recordMetrics(ctx: StageContext<Params>, r: CellResult): void {
  const { ev, metrics, summary } = r;
  ctx.metric("sharpe", roundOrNull(metrics.sharpe));
  ctx.metric("observations", r.market.panel.nRows - ev.start);
  ctx.metric("cagr", roundOrNull(metrics.cagr));
  ctx.metric("max_drawdown", roundOrNull(metrics.max_drawdown));
  ctx.metric("turnover_annual", r.act.turnover_annual);
  ctx.metric("rebalances", r.decisions.length);
  ctx.metric("fallbacks", r.fallbacks.count);
  ctx.metric("fallback_share", roundOrNull(summary.fallbackShare));
  ctx.metric("optimizer_effective", summary.effective);
  ctx.metric("forced_cash_share", roundOrNull(summary.forcedCashShare));
  for (const s of ev.stress) if (s.bps !== 0) ctx.metric(`sharpe_stress_${s.bps}`, roundOrNull(s.metrics.sharpe));
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * Plan-time checks (no data yet): contradictions are errors, settings that make a cell mean
 * something other than its name are warnings. `needs` holds train's and baselines' params.
 */
function planChecks(p: Params, needs: Record<string, unknown>, cells: Array<Record<string, unknown>>): StageIssue[] {
  const optimizers = [...new Set(cells.map((c) => String(c.optimizer ?? p.optimizer)))];
  return [...costsIssues(p.costs), ...selectionIssues(p, optimizers), ...neighbourIssues(p, needs)];
}

/** Whether the selection can fill the book under the weight caps. */
function selectionIssues(p: Params, optimizers: string[]): StageIssue[] {
  const issues: StageIssue[] = [];
  const sel = p.selection;
  const budgets = p.constraints.budgets;
  const position =
    budgets === false
      ? Infinity
      : budgets === true
        ? DEFAULT_BUDGETS.position
        : (budgets.position ?? DEFAULT_BUDGETS.position);
  const cap = Math.min(p.constraints.max_weight, position);
  const capName =
    cap < p.constraints.max_weight ? `constraints.budgets.position ${cap}` : `constraints.max_weight ${cap}`;
  if (sel.quantile === undefined) {
    const top = sel.top ?? 20;
    const reach = top * cap;
    if (reach < 1 - 1e-9) {
      const cash = 1 - reach;
      const book = sel.side === "long" ? "the book" : "each leg";
      const fallsBack = optimizers.includes("max_sharpe")
        ? "; max_sharpe cannot reach full investment under these caps and falls back to min_variance on every rebalance"
        : "";
      issues.push({
        level: "warning",
        param: "constraints.max_weight",
        message:
          `selection.top ${top} × ${capName} = ${Number(reach.toFixed(6))} < 1: ${formatShare(cash)} ` +
          `of ${book} sits in cash at every rebalance${fallsBack}`,
        hint:
          `raise constraints.max_weight to at least ${Math.ceil((1 / top) * 1000) / 1000} or selection.top to at ` +
          `least ${Math.ceil(1 / cap - 1e-9)}`,
      });
    }
  } else if (sel.side === "long" && sel.quantile === 1) {
    issues.push({
      level: "warning",
      param: "selection.quantile",
      message: "selection.quantile 1 keeps every name with a score: the cell selects nothing",
      hint: "use a quantile below 1, e.g. 0.1",
    });
  }
  return issues;
}

/** Whether train's lag and the baselines' costs, lag and schedule are the cells' own. */
function neighbourIssues(p: Params, needs: Record<string, unknown>): StageIssue[] {
  const issues: StageIssue[] = [];
  const train = needs.train as { lag?: number } | undefined;
  if (train && typeof train.lag === "number" && train.lag !== p.lag) {
    issues.push({
      level: "warning",
      param: "lag",
      message:
        `the cells trade ${p.lag} bar(s) after the signal, but the models learned labels entered ${train.lag} ` +
        `bar(s) after it (labels.params.lag, via train): they trade a different return than the one predicted`,
      hint: `set backtest.params.lag to ${train.lag}, or labels.params.lag to ${p.lag}`,
    });
  }
  const base = needs.baselines as { costs?: unknown; lag?: number; rebalance?: string } | undefined;
  if (base) {
    if (base.costs !== undefined && !sameJson(base.costs, p.costs)) {
      issues.push({
        level: "warning",
        param: "costs",
        message:
          `the baselines pay other costs (${JSON.stringify(base.costs)}) than the backtest cells ` +
          `(${JSON.stringify(p.costs)}): the cells are compared with benchmarks run under other costs`,
        hint: "give both stages one costs block (a YAML anchor, as in the default pipeline.yaml)",
      });
    }
    if (base.lag !== undefined && base.lag !== p.lag) {
      issues.push({
        level: "warning",
        param: "lag",
        message: `the baselines trade ${base.lag} bar(s) after their decision, the backtest cells ${p.lag}`,
        hint: "give both stages the same lag",
      });
    }
    if (base.rebalance !== undefined && base.rebalance !== p.rebalance) {
      issues.push({
        level: "warning",
        param: "rebalance",
        message:
          `the baselines rebalance ${base.rebalance}, the backtest cells ${p.rebalance}: the benchmark trades ` +
          `on another schedule`,
        hint: "give both stages the same rebalance",
      });
    }
  }
  return issues;
}

/** Run-time warnings from what the decisions did (see the `warn` thresholds). */
function runWarnings(s: DecisionSummary, p: Params, universe: number, label: string): string[] {
  const out: string[] = [];
  if (s.fallbackShare > p.warn.fallback_share && s.fallbackTo) {
    out.push(
      `${label}: the cell's weights are mostly ${s.effective}'s, not ${s.requested}'s (optimizer_effective ` +
        `= ${s.effective}, fallback_share = ${roundOrNull(s.fallbackShare)}; reasons in metrics.json fallbacks)`,
    );
  }
  if (s.forcedCashShare !== null && s.forcedCashShare > p.warn.cash_share) {
    out.push(
      `the weight caps left ${formatShare(s.forcedCashShare)} of the book in cash on average ` +
        `(on ${formatShare(s.forcedCashRebalances)} of rebalances): raise constraints.max_weight (or sector_cap), or ` +
        `hold more names`,
    );
  }
  if (s.selectionNoopShare >= p.warn.selection_noop_share && s.selectionNoopShare > 0) {
    const sel = p.selection;
    const what = sel.quantile !== undefined ? `selection.quantile ${sel.quantile}` : `selection.top ${sel.top ?? 20}`;
    out.push(
      `${what} kept every eligible name on ${formatShare(s.selectionNoopShare)} of rebalances ` +
        `(${Number(s.meanEligible.toFixed(1))} eligible on average, ${universe} symbols in the prices): the cell is ` +
        `the optimizer over the whole universe, not a selection; choose fewer names than the universe`,
    );
  }
  return out;
}

/** The params with the cell's own model and optimizer axes in place of the unused defaults. */
function ownParams(p: Params, cell: Record<string, unknown>): Params {
  return {
    ...p,
    ...(cell.model !== undefined ? { model: String(cell.model) } : {}),
    ...(cell.optimizer !== undefined ? { optimizer: cell.optimizer as PortfolioMethod } : {}),
  };
}

function weightColumns(decisions: readonly Decision[], days: Int32Array, symbols: string[]) {
  const date: number[] = [],
    symbol: string[] = [],
    weight: number[] = [];
  for (const d of decisions) {
    for (let i = 0; i < d.weights.length; i++) {
      if (d.weights[i] !== 0) {
        date.push(days[d.t]);
        symbol.push(symbols[i]);
        weight.push(d.weights[i]);
      }
    }
  }
  return { date: Int32Array.from(date), symbol, weight: Float64Array.from(weight) };
}

/** Fallbacks by reason: how many decisions, the first and last dates, and the methods used. */
function fallbackSummary(decisions: readonly Decision[], days: Int32Array) {
  const by = new Map<string, { count: number; first: number; last: number }>();
  const methods: Record<string, number> = {};
  let count = 0;
  for (const d of decisions) {
    for (const m of d.methods) methods[m] = (methods[m] ?? 0) + 1;
    if (d.fallbacks.length) count++;
    for (const reason of d.fallbacks) {
      const e = by.get(reason) ?? { count: 0, first: d.t, last: d.t };
      e.count++;
      e.last = d.t;
      by.set(reason, e);
    }
  }
  const reasons = [...by.entries()]
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([reason, e]) => ({ reason, count: e.count, first: isoDate(days[e.first]), last: isoDate(days[e.last]) }));
  return { count, share: roundOrNull(count / decisions.length), methods_used: methods, reasons };
}
