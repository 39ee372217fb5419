/**
 * stats — how much of each backtest result survives the number of things tried.
 *
 * Fans in over every backtest cell (and the baselines, for the benchmark). Reads the trial
 * registry (`readsTrials`): the deflated Sharpe ratio uses the number of distinct trials
 * recorded for the backtest stage — this matrix, earlier runs and experiments — and the
 * variance of their Sharpe ratios, so the multiple-testing penalty is never forgotten. The
 * cells of this matrix always count, even if the registry was deleted.
 *
 * Per cell (table `cells`, one row each):
 *   sharpe with a block-bootstrap confidence interval (and CAGR, max drawdown intervals), PSR
 *   against 0, DSR, sign test of daily returns (one-sided: more up days than down), Monte Carlo
 *   of returns by block resampling (final equity and max drawdown quantiles, probability of a
 *   loss), per-regime Sharpe, and walk-forward consistency over calendar years (share of
 *   profitable years, dispersion of yearly Sharpe ratios, change from the first half of the
 *   years to the second).
 * Matrix-wide (`matrix.json`): White's Reality Check and Hansen's SPA p-values of every cell's
 * net returns against the 1/N baseline (null hypothesis: no cell beats it), and the probability
 * of backtest overfitting by CSCV with its in-sample → out-of-sample degradation.
 * Table `windows(cell, year, days, total_return, sharpe)`.
 * Definitions, sources and conventions: docs/statistics.md.
 */
import { defineStage, z, StrataError, type ColumnTable, type StageContext, type StageIssue } from "../src/index.ts";
import { readColumns, f64Column, i32Column, stringColumn } from "../src/store/index.ts";
import { createRng, type Rng } from "../src/core/rng.ts";
import { sha256File } from "../src/core/hash.ts";
import { roundOrNull } from "../src/core/round.ts";
import { sharpeRatio } from "../src/quant/stats/sharpe-ratio.ts";
import { totalReturn } from "../src/quant/stats/total-return.ts";
import { variance } from "../src/quant/stats/variance.ts";
import { mean } from "../src/quant/stats/mean.ts";
import { deviation } from "../src/quant/stats/deviation.ts";
import { bootstrapConfidenceIntervals } from "../src/quant/stats/bootstrap-confidence-intervals.ts";
import { probabilisticSharpeRatio, returnsSharpeMoments } from "../src/quant/stats/probabilistic-sharpe-ratio.ts";
import { deflatedSharpeRatio } from "../src/quant/stats/deflated-sharpe-ratio.ts";
import { expectedMaxSharpe } from "../src/quant/stats/expected-max-sharpe.ts";
import { signTest } from "../src/quant/stats/sign-test.ts";
import { monteCarloReturns } from "../src/quant/stats/monte-carlo-returns.ts";
import { performanceDifferentials } from "../src/quant/stats/multiple-comparison.ts";
import { realityCheck } from "../src/quant/stats/reality-check.ts";
import { spaTest } from "../src/quant/stats/spa-test.ts";
import { probabilityOfBacktestOverfitting } from "../src/quant/stats/probability-of-backtest-overfitting.ts";
import { regimeMetrics } from "../src/quant/regime/regime-metrics.ts";
import { REGIMES, type Regime } from "../src/quant/regime/market-regimes.ts";
import { clusterTrials, type TrialClusters } from "../src/quant/stats/effective-trials.ts";
import { countTrials, type TrialCount, type TrialSeries } from "../src/quant/stats/trial-count.ts";
import { suggestionHint } from "../src/core/suggest.ts";
import { alignTo, readBaseline, type Series } from "./lib/baseline.ts";

const params = z
  .object({
    bootstrap: z
      .object({
        method: z.enum(["stationary", "circular"]).default("stationary"),
        resamples: z.number().int().min(100).default(2000),
        level: z.number().gt(0).lt(1).default(0.95),
      })
      .strict()
      .default({ method: "stationary", resamples: 2000, level: 0.95 }),
    monte_carlo: z
      .object({
        paths: z.number().int().min(100).default(2000),
        /** Horizon of each simulated path in days (default: the backtest's length). */
        horizon: z.number().int().min(2).optional(),
        /** Losses whose probability is reported (fractions of the starting equity). */
        losses: z.array(z.number().gt(0).lt(1)).default([0.1, 0.2, 0.3]),
      })
      .strict()
      .default({ paths: 2000, losses: [0.1, 0.2, 0.3] }),
    /** Bootstrap resamples of the Reality Check and SPA test. */
    reality_check: z
      .object({ resamples: z.number().int().min(100).default(2000) })
      .strict()
      .default({ resamples: 2000 }),
    /** CSCV splits S (even) of the probability of backtest overfitting. */
    pbo_splits: z.number().int().min(2).default(16),
    /**
     * What a cell must beat. `auto` (default): the 1/N portfolio for a long-only cell, zero for a
     * cell that holds shorts; `one_over_n` (the baselines stage's equal_weight), `zero`, or any
     * baseline strategy by name. PSR/DSR are reported against 0 and against this benchmark's
     * Sharpe ratio; selection thresholds read the benchmark figures (docs/statistics.md).
     */
    benchmark: z.string().default("auto"),
    /**
     * Return series correlated at least this much (every pair, complete linkage) count as one
     * trial in the effective N of the deflated Sharpe ratio.
     */
    trial_correlation: z.number().gt(-1).max(1).default(0.9),
    /** Stage whose recorded trials deflate the Sharpe ratios. */
    trials_stage: z.string().default("backtest"),
    /**
     * Stages whose cells are analysed: each cell's `returns(date, net, regime)` (and `weights` or
     * `positions`, to tell a long-only book). Rule-strategy stages (stages/strategies.ts) go here
     * beside the backtest, so their stitched out-of-sample returns face the same tests and the
     * selection sees them as candidates.
     */
    candidates: z.array(z.string()).min(1).default(["backtest"]),
    /**
     * Also count every recorded hyper-parameter trial (kind "tuning", e.g. gbdt_tuned's TPE
     * trials) in N: each was a configuration tried before the one traded. Conservative (a larger
     * penalty); their Sharpe ratios are unknown, so V comes from the backtest trials alone.
     */
    count_tuning: z.boolean().default(true),
  })
  .strict();

type Params = z.output<typeof params>;

interface CellSeries {
  id: string;
  cell: Record<string, unknown>;
  dates: Int32Array;
  net: Float64Array;
  regime: (string | null)[];
  returnsHash: string;
  longOnly: boolean;
}

/** A cell's benchmark: its name and its daily returns (null: the zero benchmark). */
interface Benchmark {
  name: string;
  series: Series | null;
}

/** The trials the Sharpe ratios are deflated by, and the matrix's net returns on the dates every cell shares. */
interface Trials {
  common: Int32Array;
  /** Each cell's net returns on the common dates, in cell order. */
  matrix: Float64Array[];
  clusters: TrialClusters;
  count: TrialCount;
  /** Configurations of the trials stage in the registry. */
  configurations: number;
  nTuning: number;
  nTrials: number;
  sharpeVar: number;
  emax: number | null;
}

/** The active returns a = r − b of each cell over its benchmark b, and their own trial count. */
interface ActiveTrials {
  /** Each cell's benchmark on its own dates (null: zero benchmark). */
  cellBench: (Float64Array | null)[];
  /** Each cell's active returns on its own dates. */
  activeSeries: Float64Array[];
  clusters: TrialClusters;
  count: TrialCount;
  nActive: number;
  activeVar: number;
  emax: number | null;
}

/** What each cell's statistics read besides the cell: params, seed, trial counts and benchmarks. */
interface CellInputs {
  p: Params;
  seed: number;
  trials: Trials;
  active: ActiveTrials;
  benchmarks: Map<string, Benchmark>;
}

/** A cell's own tests, which its tests against the benchmark reuse when the benchmark is zero. */
interface OwnTests {
  m: ReturnType<typeof returnsSharpeMoments>;
  psr: number;
  dsr: number;
  ci: ReturnType<typeof bootstrapConfidenceIntervals>;
}

/** One calendar year of a cell: a row of table `windows`. */
type YearWindow = { cell: string } & ReturnType<typeof yearly>[number];

export default defineStage({
  description: "Bootstrap intervals, PSR/DSR over every recorded trial, Reality Check, SPA and PBO",
  params,
  outputs: ["cells", "windows", "matrix"],
  readsTrials: true,
  checks: (p, ctx) => candidateIssues(p, Object.keys(ctx.needs)),
  async run(ctx) {
    const t0 = performance.now();
    const series = await loadCells(ctx);
    if (series.length === 0) {
      throw new StrataError("DATA", "stats: no backtest cell to analyse", {
        hint: "add the backtest stage to the needs of stats",
      });
    }
    ctx.progress(0.05, `${series.length} cells loaded`);
    const trials = await countStageTrials(ctx, series);
    const benchmarks = await resolveBenchmarks(ctx, series);
    const active = countActiveTrials(ctx, series, trials, benchmarks);
    const inputs: CellInputs = { p: ctx.params, seed: ctx.seed, trials, active, benchmarks };
    const { rows, windows } = cellStatistics(ctx, series, inputs);
    const doc = matrixTests(ctx, series, trials, active, benchmarks);
    await writeOutputs(ctx, rows, windows, doc);
    reportMetrics(ctx, series.length, trials, rows, doc);
    // A duration is not a result: it goes to the log, never into the lock's metrics (which must
    // be the same bytes on every run).
    ctx.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ctx.progress(1, "done");
  },
});

/** Plan-time: every candidate stage must be among the needs (else its cells would be silently absent). */
function candidateIssues(p: Params, needs: string[]): StageIssue[] {
  return p.candidates
    .filter((c) => !needs.includes(c))
    .map((c) => ({
      level: "error" as const,
      param: "candidates",
      message: `candidate stage '${c}' is not among the needs of this stage (${needs.join(", ") || "none"})`,
      hint: `add ${c} to needs, or remove it from candidates${needs.length ? ` (${suggestionHint(c, needs, "needs")})` : ""}`,
    }));
}

export type TrialRecord = Awaited<ReturnType<StageContext<Params>["trials"]>>[number];

/**
 * The registry's records grouped into trials: two records are one trial when they recorded the
 * same returns file (same hash), or the same cell with the same result — the same Sharpe ratio
 * over the same number of observations. A rerun that changed no number (new code, a params key
 * that changes nothing, or a new file format changing the returns file's bytes and so its hash)
 * is the same trial, not a new one; counting it again would deflate every Sharpe ratio further
 * and could change the champion on a refactor. Groups come out in a fixed order.
 */
export function sameResults(recorded: readonly TrialRecord[]): TrialRecord[][] {
  const parent = recorded.map((_r, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const firstBy = new Map<string, number>();
  const link = (key: string, i: number) => {
    const j = firstBy.get(key);
    if (j === undefined) firstBy.set(key, i);
    else parent[find(i)] = find(j);
  };
  recorded.forEach((r, i) => {
    if (r.outputs.returns) link(`hash\u0000${r.outputs.returns}`, i);
    if (typeof r.metrics.sharpe === "number")
      link(`result\u0000${r.cell}\u0000${r.metrics.sharpe}\u0000${r.metrics.observations}`, i);
  });
  const groups = new Map<number, TrialRecord[]>();
  recorded.forEach((r, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(r);
    else groups.set(root, [r]);
  });
  // Order by each group's smallest record hash: independent of the registry's line order.
  const first = (g: TrialRecord[]) => g.map((r) => r.config_hash).sort()[0];
  return [...groups.values()].sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

/**
 * A trial's key among the return series: the returns hash of this run's cell when the group
 * holds it (so the matrix's own series is not counted twice), else the smallest hash recorded.
 */
export function trialKey(group: readonly TrialRecord[], current: ReadonlySet<string>): string {
  const hashes = group.map((r) => r.outputs.returns ?? r.config_hash);
  return hashes.find((h) => current.has(h)) ?? [...hashes].sort()[0];
}

/** Counts the trials of the registry and of this matrix (clustered by correlation) and logs N. */
async function countStageTrials(ctx: StageContext<Params>, series: CellSeries[]): Promise<Trials> {
  const p = ctx.params;
  // Trials: the registry's distinct return series of the trials stage, plus this matrix's
  // cells (normally in the registry already: the runner records them before deciding this
  // stage; any that is not — a deleted registry — still counts). The matrix's series, whose
  // returns are at hand, are clustered by correlation: near-duplicates are one trial.
  const all = await ctx.trials();
  const recorded = all.filter((r) => r.stage === p.trials_stage);
  const common = commonDates(series);
  const matrix = series.map((s) => alignTo(s, common).values);
  const clusters = clusterTrials(matrix, { minCorrelation: p.trial_correlation });
  const trialSeries: TrialSeries[] = [];
  // The registry stores what the backtest declared (trial: metrics sharpe, observations;
  // output returns) without knowing what it means: this stage interprets it.
  const current = new Set(series.map((s) => s.returnsHash));
  const groups = sameResults(recorded);
  for (const g of groups) {
    const sharpe = g[0].metrics.sharpe;
    if (typeof sharpe === "number") trialSeries.push({ key: trialKey(g, current), sharpe });
  }
  series.forEach((s, k) => {
    trialSeries.push({ key: s.returnsHash, sharpe: sharpeRatio(s.net), cluster: clusters.labels[k] });
  });
  // A hyper-parameter trial is a distinct (cell, params, score): re-running the same search
  // after a code change that altered nothing records it again under a new fingerprint.
  const nTuning = p.count_tuning
    ? new Set(all.filter((r) => r.kind === "tuning").map((r) => `${r.cell}\u0000${r.params}\u0000${r.metrics.metric}`))
        .size
    : 0;
  // Configurations: distinct (cell, params, return series). A rerun of the same cell under new
  // code that changed no return is the same configuration (its registry record is new, since
  // the fingerprint hashes code): counting records would make this output grow with refactors.
  const configurations = groups.length;
  const count = countTrials(trialSeries, nTuning);
  const nTrials = count.effective;
  const sharpeVar = count.sharpeVariance;
  const emax = annualExpectedMax(nTrials, sharpeVar);
  ctx.log(
    `deflating by N = ${nTrials} effective trials (${count.raw} raw): ` +
      `${count.returnSeries} distinct return series of stage ${p.trials_stage} and the candidates ` +
      `(${configurations} configurations in ${recorded.length} records; this matrix's ${series.length} ` +
      `in ${clusters.count} clusters ` +
      `at correlation ≥ ${p.trial_correlation}) ` +
      `+ ${nTuning} hyper-parameter trials; Sharpe variance ${sharpeVar.toFixed(4)} over ${count.units} series units`,
  );
  return { common, matrix, clusters, count, configurations, nTuning, nTrials, sharpeVar, emax };
}

/** Expected maximum annualized Sharpe ratio of n skill-less trials of annual Sharpe variance v; null for n ≤ 1. */
function annualExpectedMax(n: number, v: number): number | null {
  return n > 1 ? expectedMaxSharpe(n, v / 252) * Math.sqrt(252) : null;
}

/** Forms each cell's active returns over its benchmark, counts their trials and logs N. */
function countActiveTrials(
  ctx: StageContext<Params>,
  series: CellSeries[],
  trials: Trials,
  benchmarks: Map<string, Benchmark>,
): ActiveTrials {
  // Active returns a = r − b over each cell's benchmark b, and their own trial count: the
  // matrix's active series clustered the same way; recorded series of other runs (whose active
  // returns are not at hand) and tuning trials add to N, not to V.
  const benchOf = (s: CellSeries, dates: Int32Array) => {
    const bm = benchmarks.get(s.id)!;
    return bm.series ? alignTo(bm.series, dates).values : null;
  };
  const activeMatrix = series.map((s, k) => {
    const b = benchOf(s, trials.common);
    return b ? Float64Array.from(trials.matrix[k], (v, i) => v - b[i]) : trials.matrix[k];
  });
  const clusters = clusterTrials(activeMatrix, { minCorrelation: ctx.params.trial_correlation });
  // Each cell's benchmark on its own dates (null: zero benchmark), aligned once.
  const cellBench = series.map((s) => benchOf(s, s.dates));
  const activeSeries = series.map((s, k) => {
    const b = cellBench[k];
    return b ? Float64Array.from(s.net, (v, i) => v - b[i]) : s.net;
  });
  const matrixKeys = new Set(series.map((s) => s.returnsHash)).size;
  const activeTrials = series.map((s, k) => ({
    key: s.returnsHash,
    sharpe: safeSharpe(activeSeries[k]),
    cluster: clusters.labels[k],
  }));
  const count = countTrials(activeTrials, trials.count.returnSeries - matrixKeys + trials.nTuning);
  const nActive = count.effective,
    activeVar = count.sharpeVariance;
  const emax = annualExpectedMax(nActive, activeVar);
  ctx.log(
    `active returns: N = ${nActive} effective trials (the matrix's ${series.length} active series in ` +
      `${clusters.count} clusters); information-ratio variance ${activeVar.toFixed(4)}`,
  );
  return { cellBench, activeSeries, clusters, count, nActive, activeVar, emax };
}

/** Computes every cell's statistics: the rows of tables `cells` and `windows`, in cell order. */
function cellStatistics(
  ctx: StageContext<Params>,
  series: CellSeries[],
  inputs: CellInputs,
): { rows: Record<string, unknown>[]; windows: YearWindow[] } {
  const rows: Record<string, unknown>[] = [];
  const windows: YearWindow[] = [];
  for (const [k, s] of series.entries()) {
    ctx.progress(0.05 + (0.7 * k) / series.length, s.id);
    const { row, years } = cellRow(inputs, s, k);
    for (const y of years) windows.push({ cell: s.id, ...y });
    rows.push(row);
  }
  return { rows, windows };
}

/** The bootstrap options of the params, on the given random stream. */
function bootstrapOptions(p: Params, rng: Rng) {
  return { rng, method: p.bootstrap.method, resamples: p.bootstrap.resamples, level: p.bootstrap.level };
}

/** One cell's row of table `cells` (columns in table order) and its calendar-year windows. */
function cellRow(
  inputs: CellInputs,
  s: CellSeries,
  k: number,
): { row: Record<string, unknown>; years: ReturnType<typeof yearly> } {
  const { p, trials } = inputs;
  const rng = createRng(inputs.seed).fork(`cell:${s.id}`);
  const m = returnsSharpeMoments(s.net);
  const shape = { skew: m.skew, kurtosis: m.kurtosis };
  const ci = bootstrapConfidenceIntervals(s.net, bootstrapOptions(p, rng.fork("bootstrap")));
  const psr = probabilisticSharpeRatio(m.sharpe, m.observations, shape);
  const dsr =
    trials.nTrials > 1
      ? deflatedSharpeRatio(m.sharpe, m.observations, {
          ...shape,
          trials: trials.nTrials,
          sharpeVariance: trials.sharpeVar / 252,
        })
      : psr;
  const active = activeColumns(inputs, s, k, rng, { m, psr, dsr, ci });
  const robustness = robustnessColumns(p, s, rng);
  const years = yearly(s);
  const b = inputs.active.cellBench[k];
  const sharpe = sharpeRatio(s.net);
  const row: Record<string, unknown> = {
    cell: s.id,
    // A rule strategy's cell has a kind, not a model: the kind stands in its place.
    model: String(s.cell.model ?? s.cell.kind ?? ""),
    optimizer: String(s.cell.optimizer ?? ""),
    observations: m.observations,
    sharpe,
    sharpe_lo: ci.sharpe.lower,
    sharpe_hi: ci.sharpe.upper,
    cagr: ci.cagr.estimate,
    cagr_lo: ci.cagr.lower,
    cagr_hi: ci.cagr.upper,
    max_drawdown: ci.maxDrawdown.estimate,
    max_drawdown_lo: ci.maxDrawdown.lower,
    max_drawdown_hi: ci.maxDrawdown.upper,
    block_length: ci.blockLength,
    skew: m.skew,
    kurtosis: m.kurtosis,
    psr,
    dsr,
    ...active,
    trial_cluster: trials.clusters.labels[k],
    active_trial_cluster: inputs.active.clusters.labels[k],
    ...robustness,
    ...yearColumns(years),
    excess_sharpe: b ? sharpe - sharpeRatio(b) : sharpe,
  };
  return { row, years };
}

/** A cell's tests against its benchmark, on the active returns: the columns benchmark … information_ratio_hi. */
function activeColumns(inputs: CellInputs, s: CellSeries, k: number, rng: Rng, own: OwnTests): Record<string, unknown> {
  const { p, trials, active: act } = inputs;
  // Against the benchmark: the same tests on the active returns a = r − b (b = 0 for a
  // zero benchmark): PSR of the information ratio against 0, DSR against the information
  // ratio the best of N skill-less active trials would show.
  const bm = inputs.benchmarks.get(s.id)!;
  const b = act.cellBench[k];
  const active = act.activeSeries[k];
  const mA = b ? returnsSharpeMoments(active) : own.m;
  const shapeA = { skew: mA.skew, kurtosis: mA.kurtosis };
  const activeOk = Number.isFinite(mA.sharpe) && Number.isFinite(mA.skew) && Number.isFinite(mA.kurtosis);
  const psrA = !b ? own.psr : activeOk ? probabilisticSharpeRatio(mA.sharpe, mA.observations, shapeA) : NaN;
  const dsrA =
    !b && act.nActive === trials.nTrials
      ? own.dsr
      : !activeOk
        ? NaN
        : act.nActive > 1
          ? deflatedSharpeRatio(mA.sharpe, mA.observations, {
              ...shapeA,
              trials: act.nActive,
              sharpeVariance: act.activeVar / 252,
            })
          : psrA;
  const activeCi =
    b && activeOk
      ? bootstrapConfidenceIntervals(active, bootstrapOptions(p, rng.fork("bootstrap-active"))).sharpe
      : b
        ? { estimate: NaN, lower: NaN, upper: NaN }
        : own.ci.sharpe;
  return {
    benchmark: bm.name,
    benchmark_sharpe: b ? sharpeRatio(b) : 0,
    psr_active: psrA,
    dsr_active: dsrA,
    active_return: annualMean(active),
    tracking_error: b ? Math.sqrt(variance(active) * 252) : NaN,
    information_ratio: activeCi.estimate,
    information_ratio_lo: activeCi.lower,
    information_ratio_hi: activeCi.upper,
  };
}

/** A cell's sign test, Monte Carlo and per-regime figures: the columns sign_p … regime_consistency. */
function robustnessColumns(p: Params, s: CellSeries, rng: Rng): Record<string, unknown> {
  const sign = signTest(s.net, { alternative: "greater" });
  const mc = monteCarloReturns(s.net, {
    rng: rng.fork("monte-carlo"),
    method: p.bootstrap.method,
    paths: p.monte_carlo.paths,
    horizon: p.monte_carlo.horizon,
    quantiles: [0.05, 0.5, 0.95],
    lossFractions: p.monte_carlo.losses,
  });
  const states = s.regime.map((x) => (REGIMES.includes(x as Regime) ? (x as Regime) : null));
  const reg = regimeMetrics(s.net, states);
  const q = (arr: { p: number; value: number }[], pp: number) => arr.find((x) => x.p === pp)?.value ?? NaN;
  return {
    sign_p: sign.pValue,
    up_days: sign.positives,
    down_days: sign.negatives,
    mc_final_p05: q(mc.finalEquityQuantiles, 0.05),
    mc_final_p50: q(mc.finalEquityQuantiles, 0.5),
    mc_final_p95: q(mc.finalEquityQuantiles, 0.95),
    mc_drawdown_p05: q(mc.maxDrawdownQuantiles, 0.05),
    mc_drawdown_p50: q(mc.maxDrawdownQuantiles, 0.5),
    mc_probability_of_loss: mc.probabilityOfLoss,
    ...Object.fromEntries(mc.lossProbabilities.map((l) => [`mc_loss_${Math.round(l.fraction * 100)}`, l.probability])),
    ...Object.fromEntries(REGIMES.map((g) => [`sharpe_${g.replace("-", "_")}`, reg[g].metrics?.sharpe ?? NaN])),
    regime_consistency: regimeConsistency(reg),
  };
}

/** Walk-forward consistency over a cell's calendar years: the columns years … first_to_second_half. */
function yearColumns(years: ReturnType<typeof yearly>): Record<string, unknown> {
  const ys = years.map((y) => y.sharpe).filter(Number.isFinite);
  const half = Math.floor(ys.length / 2);
  return {
    years: years.length,
    years_profitable: years.length ? years.filter((y) => y.total_return > 0).length / years.length : NaN,
    yearly_sharpe_sd: ys.length > 1 ? deviation(Float64Array.from(ys)) : NaN,
    first_to_second_half: ys.length >= 2 ? mean(ys.slice(half)) - mean(ys.slice(0, half)) : NaN,
  };
}

/** Runs the matrix-wide tests and builds `matrix.json`: trial counts, Reality Check, SPA and PBO. */
function matrixTests(
  ctx: StageContext<Params>,
  series: CellSeries[],
  trials: Trials,
  active: ActiveTrials,
  benchmarks: Map<string, Benchmark>,
): Record<string, unknown> {
  // Matrix-wide tests on the dates every cell shares.
  ctx.progress(0.8, "reality check, SPA, PBO");
  const doc: Record<string, unknown> = {
    cells: series.length,
    days: trials.common.length,
    trials: trialsDoc(ctx.params, series.length, trials, active),
    ...dataSnoopingTests(ctx, series, trials, benchmarks),
  };
  if (series.length >= 2) doc.pbo = overfitting(ctx.params, trials);
  return doc;
}

/** The `trials` section of matrix.json: N and V[SR] of the returns and of the active returns. */
function trialsDoc(p: Params, cells: number, trials: Trials, active: ActiveTrials): Record<string, unknown> {
  const { count, clusters } = trials;
  return {
    stage: p.trials_stage,
    // count: the N the deflated Sharpe ratios use (effective); raw: every configuration.
    count: trials.nTrials,
    raw: count.raw,
    effective: count.effective,
    return_series: count.returnSeries,
    tuning: trials.nTuning,
    // distinct (cell, params, return series) of the trials stage in the registry
    configurations: trials.configurations,
    matrix_series: cells,
    matrix_clusters: clusters.count,
    min_correlation: p.trial_correlation,
    mean_correlation: roundOrNull(clusters.meanCorrelation),
    estimator:
      "complete-linkage clusters of the matrix's return series at correlation ≥ min_correlation " +
      "count once; other recorded series and tuning trials once each",
    sharpe_mean: roundOrNull(count.sharpeMean),
    sharpe_variance: roundOrNull(trials.sharpeVar),
    expected_max_sharpe: trials.emax === null ? null : roundOrNull(trials.emax),
    // The same for the active returns (psr_active, dsr_active): information ratios.
    active: {
      count: active.nActive,
      raw: active.count.raw,
      matrix_clusters: active.clusters.count,
      mean_correlation: roundOrNull(active.clusters.meanCorrelation),
      sharpe_mean: roundOrNull(active.count.sharpeMean),
      sharpe_variance: roundOrNull(active.activeVar),
      expected_max_sharpe: active.emax === null ? null : roundOrNull(active.emax),
    },
  };
}

/** White's Reality Check and Hansen's SPA test of every cell against the benchmark the cells share. */
function dataSnoopingTests(
  ctx: StageContext<Params>,
  series: CellSeries[],
  trials: Trials,
  benchmarks: Map<string, Benchmark>,
): Record<string, unknown> {
  // The data-snooping tests compare every cell with one benchmark: the one the cells share
  // (auto: 1/N when every cell is long-only), else zero.
  const names = [...new Set([...benchmarks.values()].map((b) => b.name))];
  const shared = names.length === 1 ? [...benchmarks.values()][0] : { name: "zero", series: null };
  if (names.length > 1) {
    ctx.log(
      `warning: the cells have different benchmarks (${names.join(", ")}): ` +
        "Reality Check and SPA test against zero",
    );
  }
  const { common, matrix } = trials;
  const b = shared.series ? alignTo(shared.series, common).values : new Float64Array(common.length);
  const diffs = performanceDifferentials(matrix, b);
  const rng = createRng(ctx.seed).fork("matrix");
  const rc = realityCheck(diffs, { rng: rng.fork("rc"), resamples: ctx.params.reality_check.resamples });
  const spa = spaTest(diffs, { rng: rng.fork("spa"), resamples: ctx.params.reality_check.resamples });
  return {
    benchmark: shared.name,
    reality_check: {
      p_value: roundOrNull(rc.pValue),
      statistic: roundOrNull(rc.statistic),
      best: series[rc.best]?.id ?? null,
      block_length: roundOrNull(rc.blockLength),
      resamples: rc.resamples,
    },
    spa: {
      p_consistent: roundOrNull(spa.pValues.consistent),
      p_lower: roundOrNull(spa.pValues.lower),
      p_upper: roundOrNull(spa.pValues.upper),
      statistic: roundOrNull(spa.statistic),
      best: series[spa.best]?.id ?? null,
    },
  };
}

/** The probability of backtest overfitting by CSCV, with its in-sample → out-of-sample degradation. */
function overfitting(p: Params, trials: Trials): Record<string, unknown> {
  const splits = Math.min(p.pbo_splits, Math.floor(trials.common.length / 2) * 2);
  const pbo = probabilityOfBacktestOverfitting(trials.matrix, { splits });
  return {
    pbo: roundOrNull(pbo.pbo),
    splits: pbo.splits,
    combinations: pbo.combinations,
    degradation_slope: roundOrNull(pbo.degradation.slope),
    degradation_intercept: roundOrNull(pbo.degradation.intercept),
    probability_of_loss: roundOrNull(pbo.probabilityOfLoss),
  };
}

/** Writes the tables `cells` and `windows` and the document `matrix`. */
async function writeOutputs(
  ctx: StageContext<Params>,
  rows: Record<string, unknown>[],
  windows: YearWindow[],
  doc: Record<string, unknown>,
): Promise<void> {
  await ctx.writeTable("cells", cellsTable(rows), { orderBy: ["cell"], describe: describeCellsColumn });
  await ctx.writeTable(
    "windows",
    {
      columns: {
        cell: windows.map((w) => w.cell),
        year: Int32Array.from(windows, (w) => w.year),
        days: Int32Array.from(windows, (w) => w.days),
        total_return: Float64Array.from(windows, (w) => w.total_return),
        sharpe: Float64Array.from(windows, (w) => w.sharpe),
      },
    },
    { orderBy: ["cell", "year"], describe: WINDOWS_COLUMNS },
  );
  await ctx.writeJson("matrix", doc);
}

/** Reports the metrics: cells, trial counts, the best DSR cells and the matrix-wide p-values. */
function reportMetrics(
  ctx: StageContext<Params>,
  cells: number,
  trials: Trials,
  rows: Record<string, unknown>[],
  doc: Record<string, unknown>,
): void {
  const bestBy = (k: string) => rows.reduce((a, b) => ((b[k] as number) > (a[k] as number) ? b : a));
  const best = bestBy("dsr"),
    bestA = bestBy("dsr_active");
  ctx.metric("cells", cells);
  ctx.metric("trials", trials.nTrials);
  ctx.metric("trials_raw", trials.count.raw);
  ctx.metric("best_dsr", roundOrNull(best.dsr as number));
  ctx.metric("best_dsr_cell", String(best.cell));
  ctx.metric("best_dsr_active", roundOrNull(bestA.dsr_active as number));
  ctx.metric("best_dsr_active_cell", String(bestA.cell));
  if (doc.reality_check) ctx.metric("reality_check_p", (doc.reality_check as { p_value: number }).p_value);
  if (doc.spa) ctx.metric("spa_p", (doc.spa as { p_consistent: number }).p_consistent);
  if (doc.pbo) ctx.metric("pbo", (doc.pbo as { pbo: number }).pbo);
}

async function loadCells(ctx: StageContext<Params>): Promise<CellSeries[]> {
  const out: CellSeries[] = [];
  for (const stage of ctx.params.candidates) out.push(...(await loadStageCells(ctx, stage)));
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The cells of one candidate stage: returns, regimes, and whether the book ever held a short. */
async function loadStageCells(ctx: StageContext<Params>, stage: string): Promise<CellSeries[]> {
  const refs = ctx.inputs(stage, "returns");
  // Targets: the backtest's `weights`, a rule strategy's `positions`; neither → taken as long-only.
  let weightRefs: { cellId: string; view: string }[] = [];
  for (const name of ["weights", "positions"]) {
    try {
      weightRefs = ctx.inputs(stage, name);
      break;
    } catch {
      // this stage has no such output
    }
  }
  const refsWeights = new Map(weightRefs.map((x) => [x.cellId, x.view]));
  const out: CellSeries[] = [];
  for (const r of refs) {
    const names = stringColumn(await readColumns(ctx.db, `DESCRIBE SELECT * FROM ${r.view}`), "column_name");
    const regime = names.includes("regime") ? "regime" : "CAST(NULL AS VARCHAR) AS regime";
    const c = await readColumns(ctx.db, `SELECT date, net, ${regime} FROM ${r.view} ORDER BY date`);
    // Long-only: no short position ever held. Weights within 1e-9 of 0 are an optimizer's
    // rounding (QP solutions carry −1e-15), not shorts. No weights table: taken as long-only.
    let longOnly = true;
    const w = refsWeights.get(r.cellId);
    if (w)
      longOnly =
        f64Column(await readColumns(ctx.db, `SELECT count(*)::DOUBLE AS n FROM ${w} WHERE weight < -1e-9`), "n")[0] ===
        0;
    out.push({
      id: r.cellId,
      cell: r.cell,
      dates: i32Column(c, "date"),
      net: f64Column(c, "net"),
      regime: stringColumn(c, "regime"),
      returnsHash: await sha256File(r.path),
      longOnly,
    });
  }
  return out;
}

/** Annualized Sharpe ratio, NaN for a constant series (a cell equal to its benchmark). */
const safeSharpe = (r: Float64Array) => (variance(r) > 0 ? sharpeRatio(r) : NaN);

/** Annualized mean of daily returns (252 periods a year). */
const annualMean = (r: Float64Array) => mean(r) * 252;

const BENCHMARK_ALIASES: Record<string, string> = { one_over_n: "equal_weight" };

/**
 * Each cell's benchmark: `auto` → 1/N for a long-only cell, zero for one holding shorts; or the
 * name given. A named baseline that is not among the inputs is an error, never a silent zero.
 */
async function resolveBenchmarks(ctx: StageContext<Params>, series: CellSeries[]): Promise<Map<string, Benchmark>> {
  const p = ctx.params;
  const cache = new Map<string, Series | null>();
  const load = async (name: string): Promise<Series | null> => {
    if (name === "zero") return null;
    if (cache.has(name)) return cache.get(name)!;
    const strategy = BENCHMARK_ALIASES[name] ?? name;
    const b = await readBaseline(ctx, strategy);
    if (!b) {
      throw new StrataError(
        "PARAMS",
        `stats: benchmark '${name}'${p.benchmark === "auto" ? " (auto: the cells are long-only)" : ""} needs the ` +
          `baselines stage among the needs of stats`,
        {
          hint:
            "add baselines to the needs of stats, or set stats.params.benchmark: zero to test against 0 (a " +
            "long-only book beats 0 trivially in a rising market)",
        },
      );
    }
    if (b.dates.length === 0) {
      const known = await baselineNames(ctx);
      throw new StrataError("PARAMS", `stats: benchmark '${name}': the baselines stage has no strategy '${strategy}'`, {
        hint: suggestionHint(name, ["auto", "zero", "one_over_n", ...known], "benchmarks"),
      });
    }
    cache.set(name, b);
    return b;
  };
  const out = new Map<string, Benchmark>();
  for (const s of series) {
    const name = p.benchmark === "auto" ? (s.longOnly ? "one_over_n" : "zero") : p.benchmark;
    out.set(s.id, { name, series: await load(name) });
  }
  return out;
}

async function baselineNames(ctx: StageContext<Params>): Promise<string[]> {
  const c = await readColumns(
    ctx.db,
    `SELECT DISTINCT strategy FROM ${ctx.input("baselines", "returns")} ORDER BY strategy`,
  );
  return stringColumn(c, "strategy").map(String);
}

function commonDates(series: CellSeries[]): Int32Array {
  let set = new Set(series[0].dates);
  for (const s of series.slice(1)) {
    const next = new Set(s.dates);
    set = new Set([...set].filter((d) => next.has(d)));
  }
  return Int32Array.from(set).sort();
}

/** Calendar-year windows: days, compounded return and annualized Sharpe of each year. */
function yearly(s: CellSeries) {
  const out: { year: number; days: number; total_return: number; sharpe: number }[] = [];
  let start = 0;
  const yearOf = (d: number) => new Date(d * 86_400_000).getUTCFullYear();
  for (let k = 1; k <= s.dates.length; k++) {
    if (k === s.dates.length || yearOf(s.dates[k]) !== yearOf(s.dates[start])) {
      const r = s.net.subarray(start, k);
      out.push({
        year: yearOf(s.dates[start]),
        days: r.length,
        total_return: totalReturn(r),
        sharpe: r.length > 2 ? sharpeRatio(r) : NaN,
      });
      start = k;
    }
  }
  return out;
}

/**
 * Regime consistency in [0, 1]: the share of the market states (with at least 20 days) in which
 * the cell's Sharpe ratio is positive. 1 = it earned in every kind of market.
 */
function regimeConsistency(reg: ReturnType<typeof regimeMetrics>): number {
  const seen = REGIMES.filter((g) => reg[g].periods >= 20 && reg[g].metrics);
  if (seen.length === 0) return NaN;
  return seen.filter((g) => (reg[g].metrics!.sharpe ?? -1) > 0).length / seen.length;
}

/** Columns of table `cells` that count something (or label a cluster): INTEGER, the other numbers DOUBLE. */
const CELL_COUNTS = ["observations", "trial_cluster", "active_trial_cluster", "up_days", "down_days", "years"];

/** The rows of table `cells` as typed columns: strings, INTEGER counts (a non-integer is NULL), DOUBLE. */
function cellsTable(rows: Record<string, unknown>[]): ColumnTable {
  const keys = Object.keys(rows[0]);
  const counts = CELL_COUNTS.filter((k) => keys.includes(k));
  const columns = Object.fromEntries(
    keys.map((k) => {
      const v = rows.map((r) => r[k]);
      if (typeof v[0] === "string") return [k, v as string[]];
      if (!counts.includes(k)) return [k, Float64Array.from(v as number[])];
      const n = v as number[];
      return [k, n.every(Number.isInteger) ? Int32Array.from(n) : n.map((x) => (Number.isInteger(x) ? x : null))];
    }),
  );
  return { columns, types: Object.fromEntries(counts.map((k) => [k, "INTEGER"])) };
}

/** What each column of table `cells` means (definitions and sources: docs/statistics.md). */
const CELLS_COLUMNS: Record<string, string> = {
  cell: "Id of the analysed cell, e.g. backtest[model=gbdt,optimizer=hrp] (one row per cell).",
  model: "The cell's model (a rule strategy's kind for a strategies cell).",
  optimizer: "The cell's portfolio optimizer (empty when the cell has none).",
  observations: "Number of daily net returns analysed.",
  sharpe: "Annualized Sharpe ratio of the daily net returns (mean / sd with ddof 1, × √252; risk-free 0).",
  sharpe_lo:
    "Lower bound of the block-bootstrap confidence interval of the Sharpe ratio (level: params bootstrap.level).",
  sharpe_hi: "Upper bound of the block-bootstrap confidence interval of the Sharpe ratio.",
  cagr: "Compound annual growth rate of the net returns (decimal).",
  cagr_lo: "Lower bound of the block-bootstrap confidence interval of the CAGR.",
  cagr_hi: "Upper bound of the block-bootstrap confidence interval of the CAGR.",
  max_drawdown: "Maximum drawdown of the net equity curve (a negative decimal).",
  max_drawdown_lo: "Lower bound (deeper drawdown) of the block-bootstrap confidence interval of the max drawdown.",
  max_drawdown_hi: "Upper bound of the block-bootstrap confidence interval of the max drawdown.",
  block_length: "Mean block length in days of the bootstrap (automatic choice from the returns).",
  skew: "Skewness γ3 of the daily net returns.",
  kurtosis: "Raw (Pearson) kurtosis γ4 of the daily net returns: 3 for a normal, not excess.",
  psr: "Probabilistic Sharpe ratio against 0: P(true Sharpe > 0) given the length, skew and kurtosis.",
  dsr: "Deflated Sharpe ratio: the PSR against the Sharpe the best of N skill-less trials would show (N: effective trials).",
  benchmark: "What the cell is tested against: a baseline strategy (1/N for a long-only cell) or zero.",
  benchmark_sharpe: "Annualized Sharpe ratio of the benchmark on the cell's dates (0 for the zero benchmark).",
  psr_active: "PSR of the active returns over the benchmark (their Sharpe is the information ratio) against 0.",
  dsr_active: "DSR of the active returns, deflated by the effective number of active trials.",
  active_return: "Annualized mean of the active returns over the benchmark (decimal; mean × 252).",
  tracking_error: "Annualized standard deviation of the active returns (NaN for the zero benchmark).",
  information_ratio: "Information ratio: annualized Sharpe ratio of the active returns.",
  information_ratio_lo: "Lower bound of the block-bootstrap confidence interval of the information ratio.",
  information_ratio_hi: "Upper bound of the block-bootstrap confidence interval of the information ratio.",
  trial_cluster: "Cluster of correlated return series this cell belongs to (0-based label; clusters count as trials).",
  active_trial_cluster: "Cluster of correlated active-return series this cell belongs to (0-based label).",
  sign_p: "One-sided sign-test p-value of the daily net returns (H1: more up days than down days).",
  up_days: "Number of days with a positive net return.",
  down_days: "Number of days with a negative net return.",
  mc_final_p05: "Monte Carlo (block resampling): 5 % quantile of the final equity (start = 1).",
  mc_final_p50: "Monte Carlo: median final equity (start = 1).",
  mc_final_p95: "Monte Carlo: 95 % quantile of the final equity (start = 1).",
  mc_drawdown_p05: "Monte Carlo: 5 % quantile of the max drawdown (a deep, bad case; negative decimal).",
  mc_drawdown_p50: "Monte Carlo: median max drawdown (negative decimal).",
  mc_probability_of_loss: "Monte Carlo: share of the paths that end below the starting equity.",
  regime_consistency:
    "Share of the market states (risk-off, normal, risk-on; each with at least 20 days) in which the Sharpe ratio is positive.",
  years: "Number of calendar years the returns span (table windows has one row for each).",
  years_profitable: "Share of those calendar years with a positive total return (0–1).",
  yearly_sharpe_sd: "Standard deviation of the yearly Sharpe ratios.",
  first_to_second_half: "Mean yearly Sharpe of the second half of the years minus that of the first half.",
  excess_sharpe: "Sharpe ratio minus the benchmark's Sharpe ratio on the same dates.",
};

/** Descriptions of table `cells`, with the columns named after params: mc_loss_<pct>, sharpe_<regime>. */
function describeCellsColumn(column: string): string | undefined {
  const loss = /^mc_loss_(\d+)$/.exec(column);
  if (loss) return `Monte Carlo: probability that the final equity ends more than ${loss[1]} % below the start.`;
  const regime = /^sharpe_(risk_off|normal|risk_on)$/.exec(column);
  if (regime) return `Annualized Sharpe ratio of the net returns on the ${regime[1].replace("_", "-")} days only.`;
  return CELLS_COLUMNS[column];
}

/** What each column of table `windows` means. */
const WINDOWS_COLUMNS: Record<string, string> = {
  cell: "Id of the analysed cell (as in table cells).",
  year: "Calendar year (UTC).",
  days: "Number of daily net returns of the cell in that year.",
  total_return: "Compounded net return over the year's days (decimal).",
  sharpe: "Annualized Sharpe ratio of the year's daily net returns (NaN with fewer than 3 days).",
};
