/**
 * baselines — the strategies every backtest cell must beat, computed once beside the matrix,
 * with the same schedule, lag and costs as the backtest stage:
 *   buy_and_hold   equal weights in every name trading at the start, never rebalanced
 *   equal_weight   1/N over the names trading at each rebalance (DeMiguel et al. 2009)
 *   momentum       12-1 momentum: top decile by close[t−21]/close[t−252] − 1, equal-weighted
 *   reversal       short-term reversal: top decile by −(close[t]/close[t−21] − 1), equal-weighted
 * (definitions and sources: src/quant/backtest/baselines.ts).
 *
 * Period: from `start` — "predictions" (default): the first prediction date of the train stage
 * (a need; every cell fans in), so baselines and backtest cells cover the same dates; "data":
 * the first price date; or a date YYYY-MM-DD.
 *
 * Outputs
 *   returns(strategy, date, gross, net, turnover, costs, n_names, equity, net_stress_<bps>…)
 *   stress(strategy, stress_bps, …)     the same re-evaluation at higher costs as backtest cells
 *   metrics.json                        { strategy: tearsheet + turnover + per-regime metrics }
 */
import { defineStage, z, StrataError, type StageContext } from "../src/index.ts";
import { roundOrNull } from "../src/core/round.ts";
import {
  equalWeightTargets,
  buyAndHoldTargets,
  momentumScores,
  reversalScores,
} from "../src/quant/backtest/baselines.ts";
import { decisionRule, signalPortfolio } from "../src/quant/backtest/signal-portfolio.ts";
import type { TargetRow, TargetRule } from "../src/quant/backtest/types.ts";
import {
  loadMarket,
  decisionRows,
  evaluate,
  regimeSummary,
  roundMetrics,
  returnColumns,
  stressColumns,
  activity,
  isoDate,
  rowOnOrAfter,
  parseDateParam,
  costsIssues,
  type Market,
} from "./lib/portfolio.ts";
import { costsParams, scheduleParams } from "../src/quant/backtest/book-params.ts";
import { describeReturnsColumn, STRESS_COLUMNS } from "./lib/portfolio-columns.ts";

const STRATEGIES = ["buy_and_hold", "equal_weight", "momentum", "reversal"] as const;

const params = z
  .object({
    ...scheduleParams,
    start: z.string().default("predictions"),
    strategies: z
      .array(z.enum(STRATEGIES))
      .min(1)
      .default([...STRATEGIES]),
    /** Fraction of names held by momentum and reversal. */
    quantile: z.number().gt(0).max(1).default(0.1),
    momentum: z
      .object({ lookback: z.number().int().min(2).default(252), skip: z.number().int().min(0).default(21) })
      .strict()
      .default({ lookback: 252, skip: 21 }),
    reversal: z
      .object({ lookback: z.number().int().min(1).default(21) })
      .strict()
      .default({ lookback: 21 }),
    costs: costsParams,
  })
  .strict();

type Params = z.output<typeof params>;

export default defineStage({
  description: "Baselines: buy-and-hold, 1/N rebalanced, 12-1 momentum, short-term reversal",
  params,
  outputs: ["returns", "stress", "metrics"],
  // Plan time: cost stress levels must increase (the same rule as the backtest stage's).
  checks: (p) => costsIssues(p.costs),
  async run(ctx) {
    const p = ctx.params;
    const market = await loadMarket(ctx, ctx.input("data", "prices"));
    const { panel } = market;
    const startRow = rowOnOrAfter(panel, await startDay(ctx, panel.days[0]));
    if (startRow < 0)
      throw new StrataError(
        "PARAMS",
        `baselines: start ${p.start} is after the last price date ${isoDate(panel.days[panel.nRows - 1])}`,
        { hint: "pick an earlier start" },
      );
    const rows = decisionRows(panel, p.rebalance, startRow);
    if (rows.length === 0)
      throw new StrataError("DATA", "baselines: no rebalance date on or after the start", {
        hint: "pick an earlier start",
      });

    const tables: Record<string, unknown[]> = {};
    const stressTables: Record<string, unknown[]> = {};
    const doc: Record<string, unknown> = {};
    for (const [k, name] of p.strategies.entries()) {
      ctx.progress(0.1 + (0.8 * k) / p.strategies.length, name);
      const rule = strategyRule(name, market, rows, p);
      const ev = evaluate(market, rule, rows[0], p.lag, p.costs);
      const cols = returnColumns(market, ev);
      const n = (cols.date as Int32Array).length;
      append(tables, {
        strategy: new Array<string>(n).fill(name),
        ...pick(cols, ["date", "gross", "net", "turnover", "costs", "n_names", "equity"]),
        ...stressNets(cols),
      });
      const st = stressColumns(ev, p.costs);
      append(stressTables, { strategy: new Array<string>(st.stress_bps.length).fill(name), ...st });
      doc[name] = {
        period: {
          start: isoDate(panel.days[ev.start]),
          end: isoDate(panel.days[panel.nRows - 1]),
          days: panel.nRows - ev.start,
        },
        metrics: roundMetrics(ev.metrics),
        ...activity(ev),
        regimes: regimeSummary(market, ev.base.net, ev.start),
        stress: ev.stress.map((s) => ({
          stress_bps: s.bps,
          sharpe: roundOrNull(s.metrics.sharpe),
          cagr: roundOrNull(s.metrics.cagr),
        })),
      };
      ctx.metric(`${name}_sharpe`, roundOrNull(ev.metrics.sharpe));
    }
    await ctx.writeTable(
      "returns",
      { columns: concat(tables), types: { date: "DATE" } },
      { orderBy: ["strategy", "date"], describe: describeReturnsColumn },
    );
    await ctx.writeTable(
      "stress",
      { columns: concat(stressTables) },
      { orderBy: ["strategy", "stress_bps"], describe: STRESS_COLUMNS },
    );
    await ctx.writeJson("metrics", doc);
    ctx.metric("start", isoDate(panel.days[rows[0]]));
    ctx.progress(1, "done");
  },
});

/** The start day: the first prediction date over every train cell, the first price date, or a date. */
async function startDay(ctx: StageContext<Params>, firstPriceDay: number): Promise<number> {
  const s = ctx.params.start;
  if (s === "data") return firstPriceDay;
  if (s !== "predictions") return parseDateParam("baselines", "start", s);
  let refs;
  try {
    refs = ctx.inputs("train", "predictions");
  } catch {
    throw new StrataError("PARAMS", "baselines: start 'predictions' needs the train stage", {
      hint: "add train to the baselines stage's needs, or set start: data or a date (YYYY-MM-DD)",
    });
  }
  const union = refs.map((r) => `SELECT min(date) AS d FROM ${r.view}`).join(" UNION ALL ");
  const rows = await ctx.db.runAndReadAll(`SELECT CAST(min(d) - DATE '1970-01-01' AS INTEGER) FROM (${union})`);
  const v = rows.getRows()[0][0];
  if (v === null)
    throw new StrataError("DATA", "baselines: the train stage wrote no predictions", {
      hint: "check the train stage's metrics",
    });
  return Number(v);
}

function strategyRule(name: (typeof STRATEGIES)[number], market: Market, rows: Int32Array, p: Params): TargetRule {
  const { panel } = market;
  const N = panel.nAssets;
  const listed = (targets: TargetRow[]): TargetRule => {
    const at = new Map(targets.map((r) => [r.t, r.weights]));
    return (t) => at.get(t) ?? null;
  };
  if (name === "buy_and_hold") return listed(buyAndHoldTargets(panel.returns, N, rows[0]));
  if (name === "equal_weight") return listed(equalWeightTargets(panel.returns, N, rows));
  const scores =
    name === "momentum"
      ? momentumScores(panel.close, N, p.momentum.lookback, p.momentum.skip)
      : reversalScores(panel.close, N, p.reversal.lookback);
  // Equal weights over the top quantile; the covariance is unused by equal_weight, so a short
  // window only asks for a few days of trading history.
  const { decisions } = signalPortfolio(panel.returns, scores, N, rows, {
    method: "equal_weight",
    quantile: p.quantile,
    window: 2,
  });
  return decisionRule(decisions);
}

function pick<T extends Record<string, unknown>>(o: T, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

function stressNets(cols: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(cols).filter(([k]) => k.startsWith("net_stress_")));
}

function append(into: Record<string, unknown[]>, cols: Record<string, unknown>) {
  for (const [k, v] of Object.entries(cols)) (into[k] ??= []).push(v);
}

/** Concatenate per-strategy column chunks (typed arrays or string arrays). */
function concat(tables: Record<string, unknown[]>) {
  return Object.fromEntries(
    Object.entries(tables).map(([k, parts]) => {
      if (Array.isArray(parts[0])) return [k, (parts as string[][]).flat()];
      const len = (parts as Float64Array[]).reduce((a, b) => a + b.length, 0);
      const Ctor = (parts[0] as Float64Array).constructor as Float64ArrayConstructor;
      const out = new Ctor(len);
      let o = 0;
      for (const part of parts as Float64Array[]) {
        out.set(part, o);
        o += part.length;
      }
      return [k, out];
    }),
  ) as Record<string, Float64Array>;
}
