/**
 * strategies — classic rule strategies (src/quant/strategies: moving-average crossover,
 * time-series momentum, Donchian breakout, Bollinger/RSI mean reversion, trend breakout with
 * ATR stops), one kind per cell (`matrix: { kind: [...] }`), each optimized walk-forward
 * (src/quant/validation/walk-forward-search.ts): in every window its parameters are searched
 * on the training bars only — every point of a grid, or a seeded genetic algorithm — traded on
 * the test bars, and the test bars stitched into one out-of-sample series. The book: an equal
 * sleeve per symbol, the backtest engine's lag and costs.
 *
 * Every parameter set evaluated is a trial of the study's registry (output `trials`, kind
 * "tuning": the statistics stage counts them when it deflates), so a search over thousands of
 * sets is not reported as if one had been tried.
 *
 * Outputs
 *   windows(window, train_start, test_start, test_end, params, train_sharpe, train_return,
 *           test_sharpe, test_return, test_drawdown, test_trades, searched)
 *   returns(date, net, regime)         the stitched out-of-sample returns; regime: the market
 *                                      state of the date (stages/lib/portfolio.ts loadMarket, the
 *                                      backtest's classification), so the statistics stage reads a
 *                                      strategy cell like a backtest cell
 *   positions(date, symbol, weight)    the stitched target weights (pos / N) decided at the close of
 *                                      `date` and traded `lag` bars later (backtest `weights`'
 *                                      meaning), non-zero rows only. The strategy decides on every
 *                                      bar: every price date from summary.json's
 *                                      decisions.first to decisions.last is a decision, and one
 *                                      without rows is a flat book
 *   trials(trial, params, sharpe)      every distinct parameter set, full-sample Sharpe
 *   summary.json                       efficiency, stability, robustness verdict, front, last choice,
 *                                      turnover_annual (two-sided Σ|Δw| per year, what the costs were
 *                                      charged on), calmar, and the decisions' first and last dates
 */
import { defineStage, z, StrataError, type StageContext } from "../src/index.ts";
import { roundOrNull } from "../src/core/round.ts";
import { suggestionHint } from "../src/core/suggest.ts";
import { readColumns, stringColumn, f64Column, formatIsoDate } from "../src/store/index.ts";
import { costsParams, scheduleParams } from "../src/quant/backtest/book-params.ts";
import { calmarRatio } from "../src/quant/stats/calmar-ratio.ts";
import { loadMarket } from "./lib/portfolio.ts";
import type { SearchSpace, ParamValues } from "../src/quant/ml/tuning/space.ts";
import { STRATEGY_KIND_NAMES, type StrategyKindName, type StrategyPanel } from "../src/quant/strategies/index.ts";
import { OBJECTIVES, walkForwardSearch } from "../src/quant/validation/walk-forward-search.ts";

/** The default search space of each kind, and its feasibility rule. */
const SPACES: Record<StrategyKindName, { space: SearchSpace; constraint?: (p: ParamValues) => boolean }> = {
  ma_cross: {
    space: { fast: { type: "int", low: 5, high: 50, step: 5 }, slow: { type: "int", low: 20, high: 200, step: 20 } },
    constraint: (p) => (p.fast as number) < (p.slow as number),
  },
  ts_momentum: {
    space: {
      lookback: { type: "int", low: 20, high: 260, step: 20 },
      threshold: { type: "float", low: 0, high: 0.1, step: 0.025 },
    },
  },
  donchian: {
    space: { entry: { type: "int", low: 10, high: 100, step: 10 }, exit: { type: "int", low: 5, high: 50, step: 5 } },
  },
  mean_reversion: {
    space: {
      window: { type: "int", low: 10, high: 60, step: 10 },
      z_entry: { type: "float", low: 1, high: 3, step: 0.5 },
      z_exit: { type: "float", low: 0, high: 1, step: 0.25 },
    },
    constraint: (p) => (p.z_exit as number) < (p.z_entry as number),
  },
  trend_atr: {
    space: {
      breakout: { type: "int", low: 20, high: 100, step: 20 },
      atr_window: { type: "int", low: 7, high: 28, step: 7 },
      atr_mult: { type: "float", low: 1, high: 4, step: 1 },
    },
  },
};

const numberSpec = z.union([
  z
    .object({
      type: z.enum(["int", "float"]),
      low: z.number(),
      high: z.number(),
      step: z.number().positive().optional(),
    })
    .strict(),
  z
    .object({ type: z.literal("categorical"), choices: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
    .strict(),
]);

const params = z
  .object({
    /** The kind (or the matrix axis `kind`, which wins). */
    kind: z.enum(STRATEGY_KIND_NAMES as [StrategyKindName, ...StrategyKindName[]]).optional(),
    /** The search space (default: the kind's, SPACES above); params not in it keep their defaults. */
    space: z.record(z.string(), numberSpec).optional(),
    long_only: z.boolean().default(true),
    search: z
      .object({
        method: z.enum(["grid", "genetic"]).default("grid"),
        max_points: z.number().int().min(1).default(10_000),
        population: z.number().int().min(2).default(24),
        generations: z.number().int().min(1).default(15),
        patience: z.number().int().min(1).optional(),
      })
      .strict()
      .default({ method: "grid", max_points: 10_000, population: 24, generations: 15 }),
    /** What the search maximizes; several make it multi-objective, picked from the front by `weights`. */
    objectives: z.array(z.enum(OBJECTIVES)).min(1).default(["sharpe"]),
    weights: z.array(z.number().min(0)).optional(),
    walk_forward: z
      .object({
        train_months: z.number().int().min(1).default(12),
        test_months: z.number().int().min(1).default(6),
        step_months: z.number().int().min(1).optional(),
        anchored: z.boolean().default(false),
      })
      .strict()
      .default({ train_months: 12, test_months: 6, anchored: false }),
    filters: z
      .object({
        min_windows: z.number().int().min(1).default(3),
        min_mean_sharpe: z.number().default(0),
        max_sharpe_std: z.number().positive().default(2),
        max_mean_drawdown: z.number().max(0).default(-0.3),
        min_trades: z.number().int().min(0).default(10),
      })
      .strict()
      .default({ min_windows: 3, min_mean_sharpe: 0, max_sharpe_std: 2, max_mean_drawdown: -0.3, min_trades: 10 }),
    lag: z.number().int().min(1).default(1),
    costs: costsParams,
    /** The market-regime classification of the returns' `regime` column (the backtest's params). */
    regimes: scheduleParams.regimes,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.weights && p.weights.length !== p.objectives.length)
      ctx.addIssue({
        code: "custom",
        path: ["weights"],
        message: `${p.weights.length} weights for ${p.objectives.length} objectives; give one weight per objective`,
      });
  });

type Params = z.output<typeof params>;

export default defineStage({
  description: "Rule strategies (MA cross, momentum, Donchian, mean reversion, ATR trend) optimized walk-forward",
  params,
  outputs: ["windows", "returns", "positions", "trials", "summary"],
  trial: { table: { output: "trials", key: "trial", params: "params", metric: "sharpe", kind: "tuning" } },
  async run(ctx) {
    const p = ctx.params;
    const kind = cellKind(p, ctx.cell);
    const { panel, days, symbols } = await readPanel(ctx, ctx.input("data", "prices"));
    const defaults = SPACES[kind];
    ctx.log(
      `${kind}: ${panel.nAssets} symbols × ${panel.nRows} bars, ${p.search.method} search on ${p.objectives.join(", ")}`,
    );
    const r = await walkForwardSearch({
      kind,
      panel,
      days,
      space: (p.space as SearchSpace | undefined) ?? defaults.space,
      constraint: p.space ? undefined : defaults.constraint,
      fixed: { long_only: p.long_only },
      search: {
        method: p.search.method,
        maxPoints: p.search.max_points,
        population: p.search.population,
        generations: p.search.generations,
        patience: p.search.patience,
        seed: ctx.seed,
      },
      objectives: p.objectives,
      weights: p.weights,
      walkForward: p.walk_forward,
      filters: p.filters,
      lag: p.lag,
      commissionBps: p.costs.commission_bps,
      slippageBps: p.costs.slippage_bps,
    });
    if (!r.windows.length)
      throw new StrataError("DATA", `strategies[${kind}]: no walk-forward window fits the data`, {
        hint: `the data must span train_months + test_months (${p.walk_forward.train_months} + ${p.walk_forward.test_months})`,
      });
    const regimes = await regimeOf(ctx, days);
    await writeOutputs(ctx, kind, r, { days, symbols, regimes });
  },
});

/** The cell's kind: its matrix axis, else the `kind` param; neither is a PARAMS error naming the kinds. */
function cellKind(p: Params, cell: Record<string, unknown>): StrategyKindName {
  const kind = String(cell.kind ?? p.kind ?? "");
  if (!(STRATEGY_KIND_NAMES as string[]).includes(kind))
    throw new StrataError("PARAMS", `strategies: kind '${kind}' is not one of ${STRATEGY_KIND_NAMES.join(", ")}`, {
      hint: suggestionHint(kind, STRATEGY_KIND_NAMES, "kinds"),
    });
  return kind as StrategyKindName;
}

type Result = Awaited<ReturnType<typeof walkForwardSearch>>;

/** The market state of each panel date, by the backtest's rule (loadMarket's states), null in the warm-up. */
async function regimeOf(ctx: StageContext<Params>, days: Int32Array): Promise<(string | null)[]> {
  const market = await loadMarket(ctx, ctx.input("data", "prices"));
  const at = new Map<number, string | null>();
  market.panel.days.forEach((d, t) => at.set(d, market.states[t]));
  return Array.from(days, (d) => at.get(d) ?? null);
}

/** What each column of table `windows` means: one row per walk-forward window. */
const WINDOWS_COLUMNS: Record<string, string> = {
  window: "Walk-forward window (0-based).",
  train_start: "First day of the training bars (ISO date; training is [train_start, test_start)).",
  test_start: "First day of the test bars (ISO date).",
  test_end: "End of the test bars (ISO date, exclusive).",
  params: "The parameter set chosen on the training bars, as JSON.",
  train_sharpe: "Annualized Sharpe ratio of the chosen set on the training bars.",
  train_return: "Total return of the chosen set on the training bars (decimal).",
  test_sharpe: "Annualized Sharpe ratio of the chosen set on the test bars (out of sample).",
  test_return: "Total return of the chosen set on the test bars (decimal).",
  test_drawdown: "Maximum drawdown on the test bars (negative decimal).",
  test_trades: "Number of trades on the test bars.",
  searched: "Number of parameter sets evaluated on the training bars.",
};

const RETURNS_COLUMNS: Record<string, string> = {
  date: "Trading day of the out-of-sample test bars, stitched across windows.",
  net: "Daily net return of the strategy's book after costs (decimal).",
  regime: "Market state of the day (risk-off, normal, risk-on) by the backtest's rule; NULL in its warm-up.",
};

const POSITIONS_COLUMNS: Record<string, string> = {
  date: "Decision day: the weights are decided at this close and traded lag bars later.",
  symbol: "Asset.",
  weight: "Target weight (position / number of symbols; negative = short). Rows with weight 0 are left out.",
};

const TRIALS_COLUMNS: Record<string, string> = {
  trial: "Parameter set number (0-based), one row per distinct set evaluated.",
  params: "The parameter set as JSON.",
  sharpe: "Annualized Sharpe ratio of the set over the full sample (NaN when undefined).",
};

async function writeOutputs(
  ctx: StageContext<Params>,
  kind: StrategyKindName,
  r: Result,
  axes: { days: Int32Array; symbols: string[]; regimes: (string | null)[] },
) {
  const p = ctx.params;
  const { days, regimes } = axes;
  const w = r.windows;
  const json = (o: unknown) => JSON.stringify(o);
  await ctx.writeTable(
    "windows",
    {
      columns: {
        window: Int32Array.from(w, (x) => x.window.index),
        train_start: w.map((x) => x.window.trainStart),
        test_start: w.map((x) => x.window.testStart),
        test_end: w.map((x) => x.window.testEnd),
        params: w.map((x) => json(x.params)),
        train_sharpe: Float64Array.from(w, (x) => x.trainSharpe),
        train_return: Float64Array.from(w, (x) => x.trainReturn),
        test_sharpe: Float64Array.from(w, (x) => x.testSharpe),
        test_return: Float64Array.from(w, (x) => x.testReturn),
        test_drawdown: Float64Array.from(w, (x) => x.testDrawdown),
        test_trades: Int32Array.from(w, (x) => x.testTrades),
        searched: Int32Array.from(w, (x) => x.searched),
      },
    },
    { describe: WINDOWS_COLUMNS },
  );
  await ctx.writeTable(
    "returns",
    {
      columns: {
        date: Int32Array.from(r.oos, (o) => days[o.row]),
        net: Float64Array.from(r.oos, (o) => o.ret),
        regime: r.oos.map((o) => regimes[o.row]),
      },
      types: { date: "DATE" },
    },
    { describe: RETURNS_COLUMNS },
  );
  const held = heldColumns(r, days, axes.symbols, p.lag);
  await ctx.writeTable(
    "positions",
    { columns: held.columns, types: { date: "DATE" } },
    { describe: POSITIONS_COLUMNS },
  );
  await ctx.writeTable(
    "trials",
    {
      columns: {
        trial: Int32Array.from(r.evaluated, (e) => e.index),
        params: r.evaluated.map((e) => json(e.params)),
        sharpe: Float64Array.from(r.evaluated, (e) => (Number.isFinite(e.sharpe) ? e.sharpe : NaN)),
      },
    },
    { describe: TRIALS_COLUMNS },
  );
  const s = r.summary;
  await ctx.writeJson("summary", {
    kind,
    search: p.search.method,
    objectives: p.objectives,
    windows: s.windows,
    evaluated: r.evaluated.length,
    efficiency: roundOrNull(s.efficiency),
    mean_test_sharpe: roundOrNull(s.meanTestSharpe),
    test_sharpe_std: roundOrNull(s.testSharpeStd),
    mean_test_drawdown: roundOrNull(s.meanTestDrawdown),
    test_trades: s.testTrades,
    stability: s.stability,
    passes: s.passes,
    reasons: s.reasons,
    last_choice: w.at(-1)!.params,
    front: r.front.map((f) => ({ params: f.params, objectives: f.objectives.map((x) => roundOrNull(x)) })),
    turnover_annual: roundOrNull((r.oos.reduce((a, o) => a + o.turnover, 0) / r.oos.length) * 252),
    calmar: roundOrNull(calmarRatio(Float64Array.from(r.oos, (o) => o.ret))),
    decisions: held.decisions,
  });
  ctx.metric("windows", s.windows);
  ctx.metric("evaluated", r.evaluated.length);
  ctx.metric("efficiency", roundOrNull(s.efficiency));
  ctx.metric("mean_test_sharpe", roundOrNull(s.meanTestSharpe));
  ctx.metric("passes", s.passes);
  ctx.log(
    `${s.windows} windows, ${r.evaluated.length} parameter sets evaluated; mean test Sharpe ` +
      `${s.meanTestSharpe?.toFixed(2) ?? "—"}, efficiency ${s.efficiency?.toFixed(2) ?? "—"}` +
      (s.passes ? "; passes the robustness filters" : `; fails: ${s.reasons.join("; ")}`),
  );
}

/**
 * The `positions` table: each stitched position carried out of the close of row t (weight
 * pos / N), dated by its decision, row t − lag; non-zero rows only, by date then symbol. With
 * the first and last decision dates (every bar between them is a decision; no row = flat).
 */
function heldColumns(r: Result, days: Int32Array, symbols: string[], lag: number) {
  const { first, rows, positions } = r.held;
  const N = symbols.length;
  const date: number[] = [],
    symbol: string[] = [],
    weight: number[] = [];
  let from = -1;
  for (let k = 0; k < rows; k++) {
    const d = first + k - lag;
    if (d < 0) continue; // traded before any decision could be made: never (the first test bar is after training)
    if (from < 0) from = d;
    for (let i = 0; i < N; i++) {
      const v = positions[k * N + i];
      if (v === 0) continue;
      date.push(days[d]);
      symbol.push(symbols[i]);
      weight.push(v / N);
    }
  }
  const last = first + rows - 1 - lag;
  return {
    columns: { date: Int32Array.from(date), symbol, weight: Float64Array.from(weight) },
    decisions:
      from < 0 || last < from
        ? null
        : { first: formatIsoDate(days[from]), last: formatIsoDate(days[last]), lag, every: "bar" },
  };
}

/** The prices as the strategies read them: T × N close, high and low (NaN where a symbol has no bar). */
async function readPanel(
  ctx: StageContext<Params>,
  prices: string,
): Promise<{ panel: StrategyPanel; days: Int32Array; symbols: string[] }> {
  const names = stringColumn(await readColumns(ctx.db, `DESCRIBE SELECT * FROM ${prices}`), "column_name");
  const hl = names.includes("high") && names.includes("low");
  const cols = await readColumns(
    ctx.db,
    `SELECT CAST(date - DATE '1970-01-01' AS INTEGER) AS d, symbol, CAST(close AS DOUBLE) AS close` +
      (hl ? `, CAST(high AS DOUBLE) AS high, CAST(low AS DOUBLE) AS low` : "") +
      ` FROM ${prices} WHERE close > 0 ORDER BY date, symbol`,
  );
  const d = cols.d as Int32Array;
  const sym = stringColumn(cols, "symbol");
  const symbols = [...new Set(sym as string[])].sort();
  const at = new Map(symbols.map((s, i) => [s, i]));
  const days = Int32Array.from(new Set(d));
  const row = new Map<number, number>();
  days.forEach((x, t) => row.set(x, t));
  const T = days.length,
    N = symbols.length;
  const close = new Float64Array(T * N).fill(NaN);
  const high = hl ? new Float64Array(T * N).fill(NaN) : undefined;
  const low = hl ? new Float64Array(T * N).fill(NaN) : undefined;
  const c = f64Column(cols, "close");
  const h = hl ? f64Column(cols, "high") : null,
    l = hl ? f64Column(cols, "low") : null;
  for (let k = 0; k < d.length; k++) {
    const idx = row.get(d[k])! * N + at.get(sym[k]!)!;
    close[idx] = c[k];
    if (high && low && h && l && h[k] > 0 && l[k] > 0) {
      high[idx] = h[k];
      low[idx] = l[k];
    } else if (high && low) {
      high[idx] = c[k];
      low[idx] = c[k];
    }
  }
  return { panel: { nRows: T, nAssets: N, close, high, low }, days, symbols };
}
