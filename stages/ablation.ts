/**
 * ablation — what one feature group is worth: drop it, refit, and compare out of sample; and
 * shuffle it within each date under the full model (permutation importance).
 *
 * Matrix axis `group` (ctx.cell.group, or the `group` param without a matrix): a feature group
 * of src/quant/ml/ablation.ts — by default the factor families of the features stage
 * (momentum — reversal included —, volatility, range_volatility, atr, rsi, ma_gap, donchian,
 * volume, beta), each with its `_rank` / `_z` columns; `by: column` groups per base column;
 * `featureGroups: { name: [patterns] }` defines them explicitly.
 *
 * Inputs  features, labels (as train: inner join on (date, symbol), label not NULL); data/prices
 *         when the stage needs data (the books' Sharpe; without it the Sharpe columns are NULL).
 *
 * Each cell, fold by fold over train's purged CV (makeFolds, same params and defaults):
 *   full  the model on every feature column — rng fork `fold-<i>`, as train, so for the same
 *         model and params a ridge cell's full scores are train's predictions exactly; the
 *         tree learners draw from this cell's own seed (each cell has its own stream).
 *   drop  the same model without the group's columns, on the same rng fork (common random
 *         numbers: the two fits differ by the columns only).
 *   perm  the full model on the test rows with the group's columns permuted across the
 *         symbols of each date (`permutations` repeats, fork `perm-<r>-fold-<i>`).
 * Scores are stitched across folds (mean where CPCV tests a row more than once). Daily rank IC
 * (Spearman, against `label`) of each; ΔIC = mean over the paired dates of IC_drop − IC_full,
 * with a paired stationary-bootstrap interval. The Sharpe is a backtest cell's: each score set
 * traded by the real engine (signalPortfolio + backtest, `book` params as the backtest stage's,
 * optimizer equal_weight, top `top` names, weekly, the labels' lag, costs) — ΔSharpe with a
 * paired bootstrap of the two books' daily net returns.
 *
 * Outputs
 *   effects(group, columns, n_columns, ic_full, ic_drop, delta_ic, delta_ic_lo, delta_ic_hi,
 *           sharpe_full, sharpe_drop, delta_sharpe, delta_sharpe_lo, delta_sharpe_hi,
 *           perm_delta_ic, perm_delta_ic_std, n_dates, n_days)                   one row
 *   daily(date, ic_full, ic_drop, ic_perm, ret_full, ret_drop)   NULL where a side has none
 *   trials(trial, params, fold, metric, status)   trial 0 the full fit, 1 the drop fit, per fold
 *       rank IC — in the trial registry (kind "tuning"), so the statistics stage counts them
 * Definitions, leakage rules and an example: docs/ablation.md.
 */
import { defineStage, z, type StageContext, type StageIssue } from "../src/index.ts";
import { StrataError } from "../src/core/errors.ts";
import { canonicalJson } from "../src/core/json.ts";
import { suggestionHint } from "../src/core/suggest.ts";
import { roundOrNull, SHARE_DECIMALS, RESULT_DECIMALS } from "../src/core/round.ts";
import type { Fold } from "../src/quant/ml/cv.ts";
import { learnerFitParams, learnerStageParams, type LearnerKind } from "../src/quant/ml/learners.ts";
import { fitMember, predictMember, type MemberSpec } from "../src/quant/ml/ensemble.ts";
import type { FitOptions } from "../src/quant/ml/types.ts";
import { cvParamsShape, loadData, Stitch, sub, writeFoldTrials, type Data } from "./lib/model-data.ts";
import {
  dropColumns,
  featureGroups,
  meanDifference,
  pairByDate,
  pairedBootstrapInterval,
  permuteWithinDates,
  type FeatureGroup,
} from "../src/quant/ml/ablation.ts";
import { dailyIc, icSummary } from "../src/quant/stats/information-coefficient.ts";
import { mean } from "../src/quant/stats/mean.ts";
import { deviation } from "../src/quant/stats/deviation.ts";
import { sharpeRatio } from "../src/quant/stats/sharpe-ratio.ts";
import { panelMatrix } from "../src/quant/backtest/panel.ts";
import { decisionRule, signalPortfolio } from "../src/quant/backtest/signal-portfolio.ts";
import { bookParamsShape, signalPortfolioOptions, type BookParams } from "../src/quant/backtest/book-params.ts";
import { decisionRows, evaluate, loadMarket, type Market } from "./lib/portfolio.ts";
import { makeFolds } from "./train.ts";

const MODELS = ["ridge", "random_forest", "gbdt"] as const;
const int = (min: number) => z.number().int().min(min);

/** The backtest stage's book params, less what this stage sets itself (horizon and lag: inherited; top). */
const { horizon: _horizon, lag: _lag, ...bookShape } = bookParamsShape;

const params = z
  .object({
    /** The learner refitted with and without the group (a single learner: train's models of that name). */
    model: z.enum(MODELS).default("ridge"),
    /** The group when the stage has no `group` matrix axis. */
    group: z.string().optional(),
    /** Automatic groups: one per factor family, or one per base column (with its rank / z-score). */
    by: z.enum(["family", "column"]).default("family"),
    /** Explicit groups instead: name → column names or globs ("mom_*"); `_rank`/`_z` variants come along. */
    featureGroups: z.record(z.string(), z.array(z.string()).min(1)).optional(),
    /** Feature columns of the full model (default: every numeric column, as train). */
    features: z.array(z.string()).min(1).optional(),
    // Cross-validation: train's names and defaults (docs/labels-and-cv.md).
    ...cvParamsShape,
    /** Each learner's hyper-parameters under train's keys (alpha, gbdt, forest). */
    ...learnerStageParams(),
    threads: int(1).optional(),
    /** Paired stationary bootstrap of the intervals (block length: automatic unless given). */
    bootstrap: z
      .object({
        resamples: int(1).default(1000),
        level: z.number().gt(0).lt(1).default(0.95),
        blockLength: z.number().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Repeats of the within-date permutation. */
    permutations: int(1).default(5),
    /** Names held by each book (the top `top` scores, equal weight). */
    top: int(1).default(20),
    /** Every other book param, as the backtest stage's (rebalance, covariance window, costs, …). */
    book: z
      .object(bookShape)
      .strict()
      .prefault({})
      .refine((b) => b.selection.top === undefined, {
        message: "write the number of names as `top`, not book.selection.top",
      }),
  })
  .strict();

type Params = z.output<typeof params>;
type Ctx = StageContext<Params>;

/** The cell's group among those of the columns; unknown, empty or every column is a PARAMS error. */
function cellGroup(ctx: Ctx, names: string[]): FeatureGroup {
  const p = ctx.params;
  const wanted = ctx.cell.group ?? p.group;
  if (wanted === undefined) {
    throw new StrataError("PARAMS", "ablation: no feature group to drop", {
      hint: "add `matrix: { group: [momentum, volatility, …] }` to the stage, or set params.group",
    });
  }
  const all = featureGroups(names, { by: p.by, groups: p.featureGroups });
  const g = all.find((x) => x.name === String(wanted));
  if (!g) {
    throw new StrataError(
      "PARAMS",
      `ablation: feature group '${String(wanted)}' is not one of ${all.map((x) => x.name).join(", ")}`,
      {
        hint: suggestionHint(
          String(wanted),
          all.map((x) => x.name),
          "feature groups",
        ),
      },
    );
  }
  if (g.columns.length === names.length) {
    throw new StrataError(
      "PARAMS",
      `ablation: group '${g.name}' holds every feature column (${g.columns.join(", ")}); nothing would be left to fit`,
      { hint: "drop a smaller group, or give the model more feature columns" },
    );
  }
  return g;
}

interface FoldIc {
  full: number;
  drop: number;
}

interface OutOfSample {
  full: Stitch;
  drop: Stitch;
  perm: Stitch[];
  foldIc: FoldIc[];
}

/** Fold by fold: the full and the drop fit, their test scores, and the permuted full scores. */
async function outOfSample(ctx: Ctx, data: Data, folds: Fold[], group: FeatureGroup): Promise<OutOfSample> {
  const p = ctx.params;
  const spec = { kind: p.model, params: learnerFitParams(p.model as LearnerKind, p) } as MemberSpec;
  const fitOpts: FitOptions = { threads: p.threads, signal: ctx.signal };
  const n = data.X.nRows;
  const full = new Stitch(n),
    drop = new Stitch(n);
  const perm = Array.from({ length: p.permutations }, () => new Stitch(n));
  const foldIc: FoldIc[] = [];
  const rankIc = (pred: Float64Array, d: Data) => icSummary(dailyIc(pred, d.y, d.dates, { rank: true }).ic).mean;
  for (const f of folds) {
    ctx.progress(0.05 + 0.75 * (f.index / folds.length), `fold ${f.index + 1}/${folds.length}`);
    const tr = sub(data, f.train),
      te = sub(data, f.test);
    // The same stream for both fits (train's label): they differ by the group's columns only.
    const mFull = await fitMember(spec, tr.X, tr.y, { ...fitOpts, rng: ctx.rng.fork(`fold-${f.index}`) });
    const mDrop = await fitMember(spec, dropColumns(tr.X, group.columns), tr.y, {
      ...fitOpts,
      rng: ctx.rng.fork(`fold-${f.index}`),
    });
    const pFull = predictMember(mFull, te.X),
      pDrop = predictMember(mDrop, dropColumns(te.X, group.columns));
    full.add(f.test, pFull);
    drop.add(f.test, pDrop);
    for (let r = 0; r < p.permutations; r++) {
      const Xp = permuteWithinDates(te.X, group.columns, te.dates, { rng: ctx.rng.fork(`perm-${r}-fold-${f.index}`) });
      perm[r].add(f.test, predictMember(mFull, Xp));
    }
    foldIc.push({ full: rankIc(pFull, te), drop: rankIc(pDrop, te) });
  }
  return { full, drop, perm, foldIc };
}

/** A per-date series: ascending dates and their values. */
interface Series {
  dates: Int32Array;
  values: Float64Array;
}

const icSeries = (score: Float64Array, d: Data): Series => {
  const r = dailyIc(score, d.y, d.dates, { rank: true });
  return { dates: r.dates, values: r.ic };
};

interface IcEffect {
  paired: ReturnType<typeof pairByDate>;
  interval: ReturnType<typeof pairedBootstrapInterval>;
  /** Per repeat: mean IC of the permuted scores − mean IC of the full scores, on their common dates. */
  permDeltas: number[];
  /** Mean over repeats of each date's permuted IC. */
  permDaily: Series;
}

function icEffect(ctx: Ctx, oos: Data, full: Float64Array, drop: Float64Array, perms: Float64Array[]): IcEffect {
  const b = ctx.params.bootstrap;
  const icFull = icSeries(full, oos);
  const paired = pairByDate(icFull, icSeries(drop, oos));
  if (paired.dates.length < 2) {
    throw new StrataError(
      "DATA",
      `ablation: ${paired.dates.length} out-of-sample date(s) with an IC; need at least 2`,
      {
        hint: "use more dates or symbols (an IC needs 5 names with a label on a date)",
      },
    );
  }
  const interval = pairedBootstrapInterval(paired.a, paired.b, meanDifference, {
    rng: ctx.rng.fork("bootstrap-ic"),
    resamples: b.resamples,
    level: b.level,
    blockLength: b.blockLength,
  });
  const permDeltas: number[] = [];
  const sum = new Map<number, number>(),
    cnt = new Map<number, number>();
  for (const s of perms) {
    const ic = icSeries(s, oos);
    const pp = pairByDate(icFull, ic);
    permDeltas.push(meanDifference(pp.a, pp.b));
    ic.dates.forEach((d, k) => {
      sum.set(d, (sum.get(d) ?? 0) + ic.values[k]);
      cnt.set(d, (cnt.get(d) ?? 0) + 1);
    });
  }
  const days = Int32Array.from(sum.keys()).sort();
  return {
    paired,
    interval,
    permDeltas,
    permDaily: { dates: days, values: Float64Array.from(days, (d) => sum.get(d)! / cnt.get(d)!) },
  };
}

interface SharpeEffect {
  /** Panel dates of the paired daily net returns (from the first trade on). */
  dates: Int32Array;
  full: Float64Array;
  drop: Float64Array;
  interval: ReturnType<typeof pairedBootstrapInterval>;
}

/** The book the backtest stage would trade for these params (equal weight unless `book.optimizer` says otherwise). */
function bookOf(p: Params): BookParams {
  return {
    ...p.book,
    horizon: p.horizon,
    lag: Math.max(1, p.lag),
    selection: { ...p.book.selection, top: p.book.selection.quantile === undefined ? p.top : undefined },
  } as BookParams;
}

/** Daily net returns of one score set's book, from row `start` on (the engine: signalPortfolio + backtest). */
function bookReturns(
  market: Market,
  book: BookParams,
  oos: Data,
  score: Float64Array,
): { start: number; net: Float64Array } {
  const { panel } = market;
  const scores = panelMatrix(panel, oos.dates, oos.symbols, score).matrix;
  const N = panel.nAssets;
  let first = -1,
    last = -1;
  for (let t = 0; t < panel.nRows; t++) {
    for (let i = 0; i < N; i++) {
      if (scores[t * N + i] === scores[t * N + i]) {
        if (first < 0) first = t;
        last = t;
        break;
      }
    }
  }
  if (first < 0) {
    throw new StrataError("DATA", "ablation: no out-of-sample score falls on a price date", {
      hint: "the data stage this stage needs must be the one the features and labels come from",
    });
  }
  const rows = decisionRows(panel, book.rebalance, first).filter((t) => t <= last);
  const { decisions, skipped } = signalPortfolio(
    panel.returns,
    scores,
    N,
    rows,
    signalPortfolioOptions(book, market.sectors, "ablation"),
  );
  if (decisions.length === 0) {
    throw new StrataError(
      "DATA",
      `ablation: no rebalance date has an eligible name (${skipped[0]?.reason ?? "none"})`,
      {
        hint: `names need ${book.covariance.window} rows of return history (book.covariance.window)`,
      },
    );
  }
  const rule = decisionRule(decisions, { band: book.trading.band, maxTurnover: book.trading.max_turnover });
  const ev = evaluate(market, rule, decisions[0].t, book.lag, { ...book.costs, stress_bps: [0] });
  return { start: ev.start, net: ev.base.net };
}

async function sharpeEffect(ctx: Ctx, oos: Data, full: Float64Array, drop: Float64Array): Promise<SharpeEffect | null> {
  if (!ctx.upstream().some((u) => u.stage === "data" && u.output === "prices")) {
    ctx.log("no data need: the Sharpe columns are NULL (add data to needs to trade the two books)");
    return null;
  }
  const book = bookOf(ctx.params);
  const market = await loadMarket({ ...ctx, params: book } as StageContext<BookParams>, ctx.input("data", "prices"));
  const a = bookReturns(market, book, oos, full),
    b = bookReturns(market, book, oos, drop);
  const start = Math.max(a.start, b.start);
  const bs = ctx.params.bootstrap;
  const netFull = a.net.slice(start),
    netDrop = b.net.slice(start);
  const interval = pairedBootstrapInterval(netFull, netDrop, (x, y) => sharpeRatio(y) - sharpeRatio(x), {
    rng: ctx.rng.fork("bootstrap-sharpe"),
    resamples: bs.resamples,
    level: bs.level,
    blockLength: bs.blockLength,
  });
  return { dates: market.panel.days.slice(start), full: netFull, drop: netDrop, interval };
}

/** Union of the dates of several series, ascending. */
function unionDates(...dates: ArrayLike<number>[]): Int32Array {
  const s = new Set<number>();
  for (const d of dates) for (let i = 0; i < d.length; i++) s.add(d[i]);
  return Int32Array.from(s).sort();
}

/** Values of `s` on `dates` (null where `s` has none). */
function onDates(
  dates: Int32Array,
  s: { dates: ArrayLike<number>; values: ArrayLike<number> } | null,
): (number | null)[] {
  const at = new Map<number, number>();
  if (s) for (let i = 0; i < s.dates.length; i++) at.set(s.dates[i], s.values[i]);
  return Array.from(dates, (d) => at.get(d) ?? null);
}

/** Plan time: explicit groups name the matrix's values; an unknown one is an error with the nearest name. */
function planChecks(p: Params, cells: Array<Record<string, unknown>>): StageIssue[] {
  if (!p.featureGroups) return [];
  const names = Object.keys(p.featureGroups).sort();
  const issues: StageIssue[] = [];
  for (const c of cells) {
    const g = c.group ?? p.group;
    if (g !== undefined && !names.includes(String(g))) {
      issues.push({
        level: "error",
        param: "featureGroups",
        message: `group '${String(g)}' is not among featureGroups (${names.join(", ")})`,
        hint: suggestionHint(String(g), names, "feature groups"),
      });
    }
  }
  return issues;
}

export default defineStage({
  description:
    "Drop each feature group and refit, permute it within dates: ΔIC and Δ(book Sharpe) with bootstrap intervals",
  params,
  outputs: ["effects", "daily", "trials"],
  // The purge needs the labels' window, as train's.
  inherit: { horizon: "labels", lag: "labels" },
  // Every fit (full and drop) enters the trial registry: the statistics stage counts them.
  trial: { table: { output: "trials", key: "trial", params: "params", metric: "metric", kind: "tuning" } },
  checks: (p, ctx) => planChecks(p, ctx.cells),
  async run(ctx) {
    const t0 = performance.now();
    const p = ctx.params;
    const data = await loadData(ctx);
    const group = cellGroup(ctx, data.X.names);
    const kept = data.X.names.filter((c) => !group.columns.includes(c));
    ctx.log(`${p.model}: dropping '${group.name}' (${group.columns.join(", ")}); ${kept.length} columns left`);
    const folds = makeFolds(data.dates, p);
    if (folds.length === 0) {
      throw new StrataError("DATA", "ablation: the cross-validation has no fold", {
        hint: "lower minTrainDates or folds, or use more dates",
      });
    }
    const o = await outOfSample(ctx, data, folds, group);

    // Stitched out-of-sample rows (tested at least once), in (date, symbol) order.
    const rows = Int32Array.from({ length: data.X.nRows }, (_, i) => i).filter((i) => o.full.cnt[i] > 0);
    const oos = sub(data, rows);
    const sFull = o.full.scores(rows),
      sDrop = o.drop.scores(rows);
    ctx.progress(0.85, "intervals");
    const perms = o.perm.map((s) => s.scores(rows));
    const ic = icEffect(ctx, oos, sFull, sDrop, perms);
    const sh = await sharpeEffect(ctx, oos, sFull, sDrop);
    ctx.progress(0.95, "writing");
    const e = effectsOf(group, ic, sh);
    await writeEffects(ctx, e);
    await writeDaily(ctx, ic, sh);
    await writeTrials(ctx, data.X.names, kept, group, o.foldIc);
    recordMetrics(ctx, e, folds.length);
    ctx.log(
      `ΔIC ${e.delta_ic.toFixed(4)} [${e.delta_ic_lo.toFixed(4)}, ${e.delta_ic_hi.toFixed(4)}], permutation ` +
        `ΔIC ${e.perm_delta_ic.toFixed(4)}${sh ? `, ΔSharpe ${e.delta_sharpe.toFixed(3)}` : ""}; ` +
        `done in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    ctx.progress(1, "done");
  },
});

/** The effects row (NaN where the books were not traded). */
function effectsOf(group: FeatureGroup, ic: IcEffect, sh: SharpeEffect | null) {
  return {
    group: group.name,
    columns: group.columns.join(","),
    n_columns: group.columns.length,
    ic_full: mean(ic.paired.a),
    ic_drop: mean(ic.paired.b),
    delta_ic: ic.interval.estimate,
    delta_ic_lo: ic.interval.lower,
    delta_ic_hi: ic.interval.upper,
    sharpe_full: sh ? sharpeRatio(sh.full) : NaN,
    sharpe_drop: sh ? sharpeRatio(sh.drop) : NaN,
    delta_sharpe: sh ? sh.interval.estimate : NaN,
    delta_sharpe_lo: sh ? sh.interval.lower : NaN,
    delta_sharpe_hi: sh ? sh.interval.upper : NaN,
    perm_delta_ic: mean(ic.permDeltas),
    perm_delta_ic_std: ic.permDeltas.length > 1 ? deviation(ic.permDeltas) : NaN,
    n_dates: ic.paired.dates.length,
    n_days: sh ? sh.dates.length : 0,
  };
}

type Effects = ReturnType<typeof effectsOf>;
/** The real-valued columns of effects, in table order. */
const REAL = [
  "ic_full",
  "ic_drop",
  "delta_ic",
  "delta_ic_lo",
  "delta_ic_hi",
  "sharpe_full",
  "sharpe_drop",
  "delta_sharpe",
  "delta_sharpe_lo",
  "delta_sharpe_hi",
  "perm_delta_ic",
  "perm_delta_ic_std",
] as const;

/** What each column of table `effects` means (definitions: docs/ablation.md). */
const EFFECTS_COLUMNS: Record<string, string> = {
  group: "Feature group dropped or permuted.",
  columns: "The group's feature columns, comma-separated.",
  n_columns: "Number of feature columns in the group.",
  ic_full: "Mean daily rank IC of the full model (out of sample).",
  ic_drop: "Mean daily rank IC of the model refitted without the group.",
  delta_ic: "Mean over the paired dates of IC_drop − IC_full (negative: the group helps).",
  delta_ic_lo: "Lower bound of the paired stationary-bootstrap interval of delta_ic.",
  delta_ic_hi: "Upper bound of the paired stationary-bootstrap interval of delta_ic.",
  sharpe_full: "Annualized Sharpe ratio of the full model's book (NULL without prices).",
  sharpe_drop: "Annualized Sharpe ratio of the book of the model without the group.",
  delta_sharpe: "Sharpe ratio of the book without the group minus the full book's, on the paired days.",
  delta_sharpe_lo: "Lower bound of the paired bootstrap interval of delta_sharpe.",
  delta_sharpe_hi: "Upper bound of the paired bootstrap interval of delta_sharpe.",
  perm_delta_ic:
    "Permutation importance: mean IC change (permuted − full) when the group's columns are shuffled within each date.",
  perm_delta_ic_std: "Standard deviation of that change over the permutation repeats (NULL with one repeat).",
  n_dates: "Number of paired dates of the IC comparison.",
  n_days: "Number of paired days of the books' returns (0 without prices).",
};

/** One row; a non-finite value (no Sharpe without data, no sd of one repeat) is NULL. */
async function writeEffects(ctx: Ctx, e: Effects): Promise<void> {
  const real = Object.fromEntries(REAL.map((k) => [k, [Number.isFinite(e[k]) ? e[k] : null]]));
  await ctx.writeTable(
    "effects",
    {
      columns: {
        group: [e.group],
        columns: [e.columns],
        n_columns: Int32Array.of(e.n_columns),
        ...real,
        n_dates: Int32Array.of(e.n_dates),
        n_days: Int32Array.of(e.n_days),
      },
    },
    { describe: EFFECTS_COLUMNS },
  );
}

/** The per-date series on the union of the IC dates and the books' days. */
async function writeDaily(ctx: Ctx, ic: IcEffect, sh: SharpeEffect | null): Promise<void> {
  const days = unionDates(ic.paired.dates, sh?.dates ?? []);
  const icOf = (v: Float64Array) => ({ dates: ic.paired.dates, values: v });
  await ctx.writeTable(
    "daily",
    {
      columns: {
        date: days,
        ic_full: onDates(days, icOf(ic.paired.a)),
        ic_drop: onDates(days, icOf(ic.paired.b)),
        ic_perm: onDates(days, ic.permDaily),
        ret_full: onDates(days, sh && { dates: sh.dates, values: sh.full }),
        ret_drop: onDates(days, sh && { dates: sh.dates, values: sh.drop }),
      },
      types: { date: "DATE" },
    },
    {
      orderBy: ["date"],
      describe: {
        date: "Trading day (union of the IC dates and the books' days).",
        ic_full: "Daily rank IC of the full model's scores (NULL where there is none).",
        ic_drop: "Daily rank IC of the model refitted without the group.",
        ic_perm:
          "Daily rank IC of the full model with the group's columns permuted within the date (mean over repeats).",
        ret_full: "Daily net return of the full model's book (NULL without prices or trades).",
        ret_drop: "Daily net return of the book of the model without the group.",
      },
    },
  );
}

/** The cell's metrics in the lock (their order is part of the lock's bytes). */
function recordMetrics(ctx: Ctx, e: Effects, folds: number): void {
  ctx.metric("model", ctx.params.model);
  ctx.metric("group", e.group);
  ctx.metric("columns", e.n_columns);
  ctx.metric("folds", folds);
  ctx.metric("n_dates", e.n_dates);
  for (const k of [
    "ic_full",
    "ic_drop",
    "delta_ic",
    "delta_ic_lo",
    "delta_ic_hi",
    "perm_delta_ic",
    "perm_delta_ic_std",
  ] as const)
    ctx.metric(k, roundOrNull(e[k], SHARE_DECIMALS));
  for (const k of ["sharpe_full", "sharpe_drop", "delta_sharpe", "delta_sharpe_lo", "delta_sharpe_hi"] as const)
    ctx.metric(k, roundOrNull(e[k], RESULT_DECIMALS));
}

/** Trial 0 the full fit, trial 1 the fit without the group: their params and per-fold rank IC. */
async function writeTrials(ctx: Ctx, all: string[], kept: string[], group: FeatureGroup, foldIc: FoldIc[]) {
  const p = ctx.params;
  const base = { model: p.model, params: learnerFitParams(p.model as LearnerKind, p) };
  const trials = [
    { params: canonicalJson({ ...base, features: all }), metric: (f: FoldIc) => f.full },
    { params: canonicalJson({ ...base, features: kept, dropped: group.name }), metric: (f: FoldIc) => f.drop },
  ];
  await writeFoldTrials(
    ctx,
    trials.flatMap((t, k) =>
      foldIc.map((f, fold) => ({ trial: k, params: t.params, fold, metric: t.metric(f), status: "complete" })),
    ),
  );
}
