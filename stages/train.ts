/**
 * train — fit one model per matrix cell, evaluate it out of sample, refit it on everything.
 *
 * Matrix axis `model` (ctx.cell.model, or the `model` param without a matrix):
 *   ridge | random_forest | gbdt | gbdt_tuned | ensemble
 *
 * Inputs  features(date, symbol, <numeric feature columns, NULL in warm-up>)   stage features
 *         labels(date, symbol, label, fwd_ret)                                   stage labels
 * Rows: the inner join on (date, symbol) where label is not NULL; NULL features stay NaN
 * (ridge imputes the training mean, trees route missing values).
 *
 * Outputs
 *   predictions(date DATE, symbol VARCHAR, score DOUBLE)  out-of-sample scores stitched from the
 *       CV test folds, only dates that were tested, ordered by (date, symbol). With CPCV a row
 *       tested by several folds gets the mean of its scores.
 *   folds(fold, train_rows, test_rows, test_start, test_end, test_dates, ic, rank_ic, icir,
 *       hit_rate, mse)                                  per-fold out-of-sample evaluation
 *   importance(feature, gain, share)                    from the final model, share sums to 1
 *   trials(trial, params, fold, metric, status)         tuning trials (gbdt_tuned) or the one
 *       fixed-params trial with its per-fold rank IC
 *   model.json                                          the final model refit on all labelled rows
 *
 * Purging: the folds drop training dates whose label windows overlap a test block
 * (src/quant/ml/cv.ts), so they need the labels' `horizon` and `lag`: both are taken from the
 * labels stage this stage needs (`inherit`), and recorded in the lock as train's own params.
 * Writing them under train's params is allowed only with the labels' values — another value
 * stops the run at plan time (exit 2) naming both stages. Without a labels need the defaults
 * (5 and 1) apply. Details, leakage rules for tuning and stacking, and measured costs:
 * docs/models.md and docs/labels-and-cv.md.
 */
import { defineStage, z, type StageContext } from "../src/index.ts";
import { StrataError } from "../src/core/errors.ts";
import { canonicalJson } from "../src/core/json.ts";
import { suggestionHint } from "../src/core/suggest.ts";
import { roundOrNull, SHARE_DECIMALS } from "../src/core/round.ts";
import type { Rng } from "../src/core/rng.ts";
import { combinatorialPurgedCv, purgedKFold, purgedWalkForward, type Fold } from "../src/quant/ml/cv.ts";
import { hitRate, mse } from "../src/quant/ml/metrics.ts";
import { dailyIc, icSummary } from "../src/quant/stats/information-coefficient.ts";
import {
  LEARNERS,
  LEARNER_KINDS,
  TUNABLE_KINDS,
  learnerFitParams,
  learnerStageParams,
  type LearnerKind,
} from "../src/quant/ml/learners.ts";
import {
  combineEnsemble,
  fitEnsemble,
  fitMember,
  predictMember,
  stackingWeights,
  type MemberModel,
  type MemberSpec,
  type StackingWeights,
} from "../src/quant/ml/ensemble.ts";
import { predict, saveModel, type Model } from "../src/quant/ml/model-io.ts";
import {
  evaluateTrial,
  runStudy,
  type SearchSpace,
  type StudyObjective,
  type Trial,
  type TrialOutcome,
  type TrialTask,
} from "../src/quant/ml/tuning/index.ts";
import type { FitOptions } from "../src/quant/ml/types.ts";
import { cvParamsShape, loadData, Stitch, sub, writeFoldTrials, type Data } from "./lib/model-data.ts";

const TUNED = "_tuned";
/** Every learner, each tunable learner tuned (`<kind>_tuned`), and the ensemble of the learners. */
const MODELS = [...LEARNER_KINDS, ...TUNABLE_KINDS.map((k) => `${k}${TUNED}`), "ensemble"] as unknown as [
  string,
  ...string[],
];
type ModelName = string;
const int = (min: number) => z.number().int().min(min);

/** The learner a model fits (`gbdt_tuned` → gbdt; null for the ensemble) and whether it is tuned first. */
function modelKind(model: ModelName): { kind: LearnerKind | null; tuned: boolean } {
  if (model === "ensemble") return { kind: null, tuned: false };
  const tuned = model.endsWith(TUNED);
  return { kind: (tuned ? model.slice(0, -TUNED.length) : model) as LearnerKind, tuned };
}

const params = z
  .object({
    /** Model when the stage has no `model` matrix axis. */
    model: z.enum(MODELS).default("ridge"),
    /** Feature columns to use (default: every numeric column of features except date and symbol). */
    features: z.array(z.string()).min(1).optional(),
    ...cvParamsShape,
    /** Each learner's hyper-parameters under its key (alpha, gbdt, forest): src/quant/ml/learners.ts. */
    ...learnerStageParams(),
    /** Ensemble combiner: NNLS stacking on out-of-fold predictions, or the mean. */
    ensemble: z.enum(["stacking", "mean"]).default("stacking"),
    /** gbdt_tuned: trial budget, start-up (random) trials, inner folds, sampler, median pruning. */
    trials: int(1).default(12),
    startupTrials: int(1).default(6),
    tuneFolds: int(2).default(3),
    sampler: z.enum(["tpe", "random"]).default("tpe"),
    pruning: z.boolean().default(true),
    /**
     * gbdt_tuned: trials per batch. 1 (default): each trial is sampled knowing every earlier one.
     * k > 1: the k trials of a batch are sampled from the earlier batches only and evaluated as
     * the stage's `tuneTrial` tasks — at once on the workers of a queue run, one after the other
     * here, with the same result.
     */
    tuneBatch: int(1).default(1),
    /** Worker threads per fit (default: the learner's own default). */
    threads: int(1).optional(),
  })
  .strict();

type Params = z.output<typeof params>;
type Ctx = StageContext<Params>;

/** The CV folds over the rows' dates (exported for tests: the purge must cover the label windows). */
export function makeFolds(
  dates: Int32Array,
  p: Pick<
    Params,
    "lag" | "horizon" | "embargo" | "folds" | "cv" | "groups" | "testGroups" | "mode" | "trainDates" | "minTrainDates"
  >,
  nFolds = p.folds,
  cv = p.cv,
): Fold[] {
  const w = { lag: p.lag, labelHorizon: p.horizon, embargo: p.embargo };
  if (cv === "kfold") return purgedKFold(dates, { ...w, k: nFolds });
  if (cv === "cpcv") return combinatorialPurgedCv(dates, { ...w, nGroups: p.groups, nTestGroups: p.testGroups });
  return purgedWalkForward(dates, {
    ...w,
    nFolds,
    mode: p.mode,
    trainDates: p.trainDates,
    minTrainDates: p.minTrainDates,
  });
}

function evaluate(pred: Float64Array, d: Pick<Data, "y" | "dates">) {
  const ic = icSummary(dailyIc(pred, d.y, d.dates).ic);
  const rank = icSummary(dailyIc(pred, d.y, d.dates, { rank: true }).ic);
  return {
    ic: ic.mean,
    rankIc: rank.mean,
    icir: rank.icir,
    tStat: rank.tStat,
    hitRate: hitRate(pred, d.y),
    mse: mse(pred, d.y),
    nDates: rank.n,
  };
}

/** One spec per learner, in table order; `tuned` replaces the tuned learner's params. */
function memberSpecs(p: Params, tuned: { kind: LearnerKind; params: Record<string, unknown> } | null): MemberSpec[] {
  return LEARNER_KINDS.map(
    (kind) => ({ kind, params: tuned?.kind === kind ? tuned.params : learnerFitParams(kind, p) }) as MemberSpec,
  );
}

/** What a tuning trial is evaluated on: the inner folds over the tuning rows, and the untuned params. */
interface TuningSetup {
  parts: Array<{ train: Data; test: Data }>;
  base: Record<string, unknown>;
  fitOpts: FitOptions;
}

/**
 * The tuning rows (walk-forward → the first fold's training rows, all before any test block;
 * kfold/cpcv → also fold 0's training rows, as other folds' test rows overlap them) cut into
 * inner folds of the same scheme, so tuning never sees an outer test label.
 */
function tuningSetup(d: Data, p: Params, base: Record<string, unknown>, fitOpts: FitOptions): TuningSetup {
  const inner = makeFolds(
    d.dates,
    { ...p, minTrainDates: Math.min(p.minTrainDates, 63) },
    p.tuneFolds,
    p.cv === "walk_forward" ? "walk_forward" : "kfold",
  );
  return { parts: inner.map((f) => ({ train: sub(d, f.train), test: sub(d, f.test) })), base, fitOpts };
}

/** A trial's objective: the rank IC of a fit on an inner fold's training rows, on its test rows. */
function tuningObjective(ctx: Ctx, kind: LearnerKind, t: TuningSetup, p: Params): StudyObjective {
  return async (params, fold, trial) => {
    ctx.progress(
      0.05 + (0.45 * (trial + (fold + 1) / t.parts.length)) / p.trials,
      `tuning trial ${trial + 1}/${p.trials}`,
    );
    const { train, test } = t.parts[fold];
    const m = await LEARNERS[kind].fit(
      train.X,
      train.y,
      { ...t.base, ...params },
      { ...t.fitOpts, rng: ctx.rng.fork(`tune-${trial}-${fold}`) },
    );
    return icSummary(dailyIc(predictMember(m, test.X), test.y, test.dates, { rank: true }).ic).mean;
  };
}

const tuningOptions = (p: Params) => ({
  nFolds: p.tuneFolds,
  pruner: p.pruning ? { nWarmupTrials: Math.min(p.startupTrials, 5) } : (false as const),
});

/** `<kind>_tuned`: TPE over the tuning rows with inner purged folds; returns the best params. */
async function tune(
  ctx: Ctx,
  kind: LearnerKind,
  d: Data,
  p: Params,
  base: Record<string, unknown>,
  fitOpts: FitOptions,
): Promise<{ best: Record<string, unknown>; trials: Trial[] }> {
  const TUNE_SPACE: SearchSpace = LEARNERS[kind].tuneSpace!;
  const setup = tuningSetup(d, p, base, fitOpts);
  const initial = Object.fromEntries(Object.keys(TUNE_SPACE).map((k) => [k, base[k]])) as Record<string, number>;
  const result = await runStudy(tuningObjective(ctx, kind, setup, p), {
    space: TUNE_SPACE,
    nTrials: p.trials,
    ...tuningOptions(p),
    nFolds: setup.parts.length,
    rng: ctx.rng.fork("tuning"),
    sampler: p.sampler,
    tpe: { nStartupTrials: p.startupTrials },
    initialParams: initial,
    signal: ctx.signal,
    batch: p.tuneBatch,
    // Batches of several trials are the stage's tasks: on a queue run they fan out to workers.
    ...(p.tuneBatch > 1 ? { evaluateBatch: (tasks: TrialTask[]) => ctx.map<TrialOutcome>("tuneTrial", tasks) } : {}),
  });
  ctx.log(
    `tuning: best trial ${result.best.index} (rank ` +
      `IC ${result.best.value.toFixed(4)}), ${result.trials.filter((t) => t.status === "pruned").length} ` +
      `of ${result.trials.length} pruned`,
  );
  return { best: { ...base, ...result.best.params }, trials: result.trials };
}

/** The tuning rows of a cell, prepared once per process (a worker evaluates many trials of one cell). */
const setups = new Map<string, Promise<TuningSetup>>();
function tuningSetupOf(ctx: Ctx, kind: LearnerKind): Promise<TuningSetup> {
  const p = ctx.params;
  const key = JSON.stringify([ctx.cellId, ctx.upstream().map((u) => u.hash), p]);
  let s = setups.get(key);
  if (!s) {
    s = (async () => {
      const data = await loadData(ctx);
      const folds = makeFolds(data.dates, p);
      const fitOpts: FitOptions = { threads: p.threads, signal: ctx.signal };
      return tuningSetup(sub(data, folds[0].train), p, learnerFitParams(kind, p), fitOpts);
    })();
    setups.set(key, s);
  }
  return s;
}

/**
 * What a cell's results depend on: the data and CV settings plus its own model's settings —
 * so editing the forest's params reruns random_forest and ensemble, not ridge or gbdt. `threads`
 * is left out everywhere: fits are identical for any thread count.
 */
function cellParams(p: Params, cell: Record<string, unknown>): Record<string, unknown> {
  const { model, features, cv, folds, mode, trainDates, minTrainDates, embargo, horizon, lag, groups, testGroups } = p;
  const m = (cell.model ?? model) as ModelName;
  const common = {
    model: m,
    features,
    cv,
    folds,
    mode,
    trainDates,
    minTrainDates,
    embargo,
    horizon,
    lag,
    groups,
    testGroups,
  };
  const tuning = {
    trials: p.trials,
    startupTrials: p.startupTrials,
    tuneFolds: p.tuneFolds,
    sampler: p.sampler,
    pruning: p.pruning,
    // Recorded only when not 1: batch 1 is the sequential study every earlier lock holds.
    ...(p.tuneBatch > 1 ? { tuneBatch: p.tuneBatch } : {}),
  };
  const own = (k: LearnerKind) => ({ [LEARNERS[k].stage.key]: (p as Record<string, unknown>)[LEARNERS[k].stage.key] });
  const { kind, tuned } = modelKind(m);
  if (kind === null) return { ...common, ...Object.assign({}, ...LEARNER_KINDS.map(own)), ensemble: p.ensemble };
  return { ...common, ...own(kind), ...(tuned ? tuning : {}) };
}

type FoldRow = ReturnType<typeof evaluate> & { fold: Fold };

interface OutOfSample {
  /** Per row: the sum of its out-of-sample scores and how many folds tested it. */
  stitch: Stitch;
  foldRows: FoldRow[];
  /** The ensemble members' out-of-fold predictions (NaN where untested), for the final stacking. */
  memberOof: () => Float64Array[];
}

interface OosPlan {
  model: ModelName;
  specs: MemberSpec[];
  /** Fits a single-learner cell's model on a fold's rows. */
  fitOne: (d: Data, rng: Rng) => Promise<MemberModel>;
  fitOpts: FitOptions;
  /** Progress at the first fold (tuning took the part before). */
  progressFrom: number;
}

/** Out-of-sample predictions, fold by fold, and each fold's evaluation. */
async function outOfSample(ctx: Ctx, data: Data, folds: Fold[], plan: OosPlan): Promise<OutOfSample> {
  const p = ctx.params;
  const n = data.X.nRows;
  const stitch = new Stitch(n);
  const { cnt } = stitch;
  const memberSum = plan.specs.map(() => new Float64Array(n));
  const memberOof = () => memberSum.map((s) => s.map((v, i) => (cnt[i] ? v / cnt[i] : NaN)));
  const foldRows: FoldRow[] = [];
  const dayPos = new Map<number, number>();
  Int32Array.from(new Set(data.dates))
    .sort()
    .forEach((d, i) => dayPos.set(d, i));
  const base = plan.progressFrom,
    span = 0.8 - base;
  for (const f of folds) {
    ctx.progress(base + span * (f.index / folds.length), `fold ${f.index + 1}/${folds.length}`);
    const tr = sub(data, f.train),
      te = sub(data, f.test);
    let pred: Float64Array;
    if (plan.model === "ensemble") {
      const members: MemberModel[] = [];
      for (const [k, s] of plan.specs.entries()) {
        members.push(
          await fitMember(s, tr.X, tr.y, { ...plan.fitOpts, rng: ctx.rng.fork(`fold-${f.index}-member-${k}`) }),
        );
      }
      const preds = members.map((m) => predictMember(m, te.X));
      const stack =
        p.ensemble === "stacking"
          ? await foldStacking(ctx, data, f, tr, { specs: plan.specs, fitOpts: plan.fitOpts, memberSum, cnt, dayPos })
          : undefined;
      pred = predict(combineEnsemble(members, p.ensemble, stack), te.X);
      preds.forEach((pk, k) => f.test.forEach((r, i) => (memberSum[k][r] += pk[i])));
    } else {
      pred = predictMember(await plan.fitOne(tr, ctx.rng.fork(`fold-${f.index}`)), te.X);
    }
    stitch.add(f.test, pred);
    foldRows.push({ ...evaluate(pred, te), fold: f });
  }
  return { stitch, foldRows, memberOof };
}

interface StackingInputs {
  specs: MemberSpec[];
  fitOpts: FitOptions;
  /** Members' summed out-of-sample predictions so far, and the folds that tested each row. */
  memberSum: Float64Array[];
  cnt: Uint16Array;
  /** Position of each date among the rows' distinct dates. */
  dayPos: Map<number, number>;
}

/** The stacking weights of fold f's ensemble, from labels it could have seen (undefined: the mean). */
async function foldStacking(
  ctx: Ctx,
  data: Data,
  f: Fold,
  tr: Data,
  s: StackingInputs,
): Promise<Pick<StackingWeights, "weights" | "intercept" | "fallback"> | undefined> {
  const p = ctx.params;
  if (p.cv === "walk_forward") {
    // Weights from earlier folds' OOS member predictions whose labels were realized
    // before this block's first signal (date position ≤ a − gap); fold 0: the mean.
    const gap = p.horizon + Math.max(1, p.lag);
    const a = s.dayPos.get(f.testStart)!;
    const rows: number[] = [];
    for (let i = 0; i < data.X.nRows; i++) if (s.cnt[i] > 0 && s.dayPos.get(data.dates[i])! <= a - gap) rows.push(i);
    if (!rows.length) return undefined;
    return stackingWeights(
      s.memberSum.map((o) => Float64Array.from(rows, (i) => o[i] / s.cnt[i])),
      Float64Array.from(rows, (i) => data.y[i]),
    );
  }
  // kfold/cpcv: OOS member predictions from inner purged folds of this fold's training rows.
  const innerFolds = purgedKFold(tr.dates, { lag: p.lag, labelHorizon: p.horizon, embargo: p.embargo, k: 3 });
  const e = await fitEnsemble(
    tr.X,
    tr.y,
    { members: s.specs, method: "stacking" },
    { ...s.fitOpts, rng: ctx.rng.fork(`fold-${f.index}-inner`), folds: innerFolds },
  );
  return { weights: e.weights, intercept: e.intercept, fallback: e.fallback };
}

/** A row source of the trials table: a tuning trial, or the fixed-params cell's one trial. */
type TrialRow = Pick<Trial, "index" | "values" | "status"> & { params: unknown };

/** The fixed-params cell's one trial: its params and per-fold rank IC. */
function fixedTrial(params: Record<string, unknown>, foldRows: FoldRow[]): TrialRow {
  return { index: 0, params, values: foldRows.map((r) => r.rankIc), status: "complete" };
}

/** What each column of table `predictions` means. */
const PREDICTIONS_COLUMNS: Record<string, string> = {
  date: "Signal day (a features row's date).",
  symbol: "Asset identifier.",
  score: "Out-of-sample model score: from the fold that tested the row (the mean when several did).",
};

/** What each column of table `folds` means (metric definitions: docs/models.md). */
const FOLDS_COLUMNS: Record<string, string> = {
  fold: "Cross-validation fold (0-based).",
  train_rows: "Number of training rows of the fold (after purge and embargo).",
  test_rows: "Number of test rows of the fold.",
  test_start: "First date of the fold's test rows.",
  test_end: "Last date of the fold's test rows.",
  test_dates: "Number of test dates with a daily IC.",
  ic: "Mean daily Pearson information coefficient of score vs label on the test rows.",
  rank_ic: "Mean daily Spearman (rank) information coefficient on the test rows.",
  icir: "Mean / standard deviation of the daily rank IC (per day, not annualized).",
  hit_rate: "Share of test rows whose score has the label's sign.",
  mse: "Mean squared error of score vs label on the test rows.",
};

/** What each column of table `importance` means. */
const IMPORTANCE_COLUMNS: Record<string, string> = {
  feature: "Feature (a column of the features table), most important first.",
  gain: "The final model's importance: total split gain (trees) or |standardized coefficient| (ridge).",
  share: "gain as a share of the total (sums to 1).",
};

/** Writes predictions, folds, importance and trials; returns the evaluation of the stitched predictions. */
async function writeResults(
  ctx: Ctx,
  data: Data,
  oof: OutOfSample,
  final: Model,
  trialRows: TrialRow[],
): Promise<ReturnType<typeof evaluate>> {
  const { stitch, foldRows } = oof;
  const n = data.X.nRows;
  // Stitched out-of-sample predictions (rows tested at least once).
  const oosRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => stitch.cnt[i] > 0);
  const score = stitch.scores(oosRows);
  const oos = sub(data, oosRows);
  await ctx.writeTable(
    "predictions",
    {
      columns: { date: oos.dates, symbol: oos.symbols as string[], score },
      types: { date: "DATE" },
    },
    { orderBy: ["date", "symbol"], describe: PREDICTIONS_COLUMNS },
  );

  await ctx.writeTable(
    "folds",
    {
      columns: {
        fold: Int32Array.from(foldRows, (r) => r.fold.index),
        train_rows: Int32Array.from(foldRows, (r) => r.fold.train.length),
        test_rows: Int32Array.from(foldRows, (r) => r.fold.test.length),
        test_start: Int32Array.from(foldRows, (r) => r.fold.testStart),
        test_end: Int32Array.from(foldRows, (r) => r.fold.testEnd),
        test_dates: Int32Array.from(foldRows, (r) => r.nDates),
        ic: Float64Array.from(foldRows, (r) => r.ic),
        rank_ic: Float64Array.from(foldRows, (r) => r.rankIc),
        icir: Float64Array.from(foldRows, (r) => r.icir),
        hit_rate: Float64Array.from(foldRows, (r) => r.hitRate),
        mse: Float64Array.from(foldRows, (r) => r.mse),
      },
      types: { test_start: "DATE", test_end: "DATE" },
    },
    { orderBy: ["fold"], describe: FOLDS_COLUMNS },
  );

  const gains = final.importance;
  const total = gains.reduce((a, b) => a + b, 0);
  const order = final.features
    .map((_, j) => j)
    .sort((a, b) => gains[b] - gains[a] || (final.features[a] < final.features[b] ? -1 : 1));
  await ctx.writeTable(
    "importance",
    {
      columns: {
        feature: order.map((j) => final.features[j]),
        gain: Float64Array.from(order, (j) => gains[j]),
        share: Float64Array.from(order, (j) => (total > 0 ? gains[j] / total : 0)),
      },
    },
    { describe: IMPORTANCE_COLUMNS },
  );

  await writeFoldTrials(
    ctx,
    trialRows.flatMap((t) =>
      t.values.map((v, k) => ({
        trial: t.index,
        params: canonicalJson(t.params),
        fold: k,
        metric: v,
        status: t.status,
      })),
    ),
  );

  return evaluate(score, oos);
}

/** The cell's metrics in the lock (their order is part of the lock's bytes). */
function recordMetrics(
  ctx: Ctx,
  shape: { model: string; rows: number; features: number; folds: number },
  all: ReturnType<typeof evaluate>,
  trials: Trial[] | undefined,
): void {
  ctx.metric("model", shape.model);
  ctx.metric("rows", shape.rows);
  ctx.metric("features", shape.features);
  ctx.metric("folds", shape.folds);
  ctx.metric("ic", roundOrNull(all.ic, SHARE_DECIMALS));
  ctx.metric("rank_ic", roundOrNull(all.rankIc, SHARE_DECIMALS));
  ctx.metric("icir", roundOrNull(all.icir, SHARE_DECIMALS));
  ctx.metric("rank_ic_tstat", roundOrNull(all.tStat, SHARE_DECIMALS));
  ctx.metric("hit_rate", roundOrNull(all.hitRate, SHARE_DECIMALS));
  ctx.metric("test_dates", all.nDates);
  if (trials) ctx.metric("trials_pruned", trials.filter((t) => t.status === "pruned").length);
}

const stage = defineStage({
  description: "Fit a model per cell: purged CV out-of-sample predictions and metrics, final model refit on all rows",
  params,
  cellParams,
  outputs: ["predictions", "folds", "importance", "trials", "model.json"],
  // The purge needs the labels' window: one source of truth, the labels stage's params.
  inherit: { horizon: "labels", lag: "labels" },
  // Every hyper-parameter set tried (gbdt_tuned's TPE trials, or the one fixed set) enters the
  // trial registry, so the statistics stage can count it.
  trial: { table: { output: "trials", key: "trial", params: "params", metric: "metric", kind: "tuning" } },
  tasks: {
    /** One tuning trial of a `<kind>_tuned` cell (tuneBatch > 1): the same evaluation as in run. */
    async tuneTrial(ctx, input) {
      const { kind } = modelKind(String(ctx.cell.model ?? ctx.params.model) as ModelName);
      if (kind === null) throw new StrataError("PARAMS", `train: ${ctx.cellId} has nothing to tune`);
      const setup = await tuningSetupOf(ctx, kind);
      return evaluateTrial(tuningObjective(ctx, kind, setup, ctx.params), input as TrialTask, {
        ...tuningOptions(ctx.params),
        nFolds: setup.parts.length,
      });
    },
  },
  async run(ctx) {
    const t0 = performance.now();
    const p = ctx.params;
    const model = String(ctx.cell.model ?? p.model) as ModelName;
    if (!MODELS.includes(model)) {
      throw new StrataError("PARAMS", `train: model '${model}' is not supported`, {
        hint: suggestionHint(model, MODELS, "models"),
      });
    }
    const data = await loadData(ctx);
    const { X, y, dates } = data;
    ctx.log(`${model}: ${X.nRows} labelled rows × ${X.nFeatures} features (${X.names.join(", ")})`);
    ctx.progress(0.05, "data loaded");
    const folds = makeFolds(dates, p);
    if (p.cv === "walk_forward" && folds.length < p.folds) {
      // The out-of-sample period is shorter than asked: the first test blocks had too little history.
      ctx.warn(
        `${folds.length} of the ${p.folds} walk-forward folds asked for were evaluated: the ` +
          `first ${p.folds - folds.length} had fewer than minTrainDates ${p.minTrainDates} training dates after the ` +
          `purge (horizon ${p.horizon} + lag ${p.lag}), so the predictions start at ${isoDay(folds[0].testStart)}; ` +
          `lower minTrainDates or folds, or use more dates`,
      );
    }
    const fitOpts: FitOptions = { threads: p.threads, signal: ctx.signal };

    const { kind, tuned: isTuned } = modelKind(model);
    let tuned: { kind: LearnerKind; params: Record<string, unknown> } | null = null;
    let trials: Trial[] | undefined;
    if (kind !== null && isTuned) {
      // Tuning rows: walk-forward → the first fold's training rows (all before any test
      // block); kfold/cpcv → also fold 0's training rows (other folds' test rows overlap them).
      const t = await tune(ctx, kind, sub(data, folds[0].train), p, learnerFitParams(kind, p), fitOpts);
      tuned = { kind, params: t.best };
      trials = t.trials;
    }
    const specs = memberSpecs(p, tuned);
    // A single-learner cell fits its learner's spec (`<kind>_tuned`: with the tuned params),
    // dispatched by the learner table like the ensemble's members.
    const own = kind === null ? undefined : specs.find((s) => s.kind === kind)!;
    const fixed: Record<string, unknown> = own
      ? (own.params as Record<string, unknown>)
      : { method: p.ensemble, members: specs };
    const fitOne = (d: Data, rng: Rng): Promise<MemberModel> => fitMember(own!, d.X, d.y, { ...fitOpts, rng });

    const oof = await outOfSample(ctx, data, folds, {
      model,
      specs,
      fitOne,
      fitOpts,
      progressFrom: tuned ? 0.5 : 0.05,
    });
    const { foldRows } = oof;
    const n = X.nRows;

    // Final model on every labelled row.
    ctx.progress(0.8, "final fit");
    let final: Model;
    if (model === "ensemble") {
      final = await fitEnsemble(
        X,
        y,
        { members: specs, method: p.ensemble },
        { ...fitOpts, rng: ctx.rng.fork("final"), oof: oof.memberOof() },
      );
      ctx.log(
        `ensemble weights ` +
          `(${LEARNER_KINDS.join(", ")}): ${final.weights.map((w) => w.toPrecision(4)).join(", ")}${final.fallback ? " (no positive stacking weight: mean)" : ""}`,
      );
    } else {
      final = await fitOne(data, ctx.rng.fork("final"));
    }
    await ctx.writeFile("model.json", saveModel(final));

    const all = await writeResults(ctx, data, oof, final, trials ?? [fixedTrial(fixed, foldRows)]);
    recordMetrics(ctx, { model, rows: n, features: X.nFeatures, folds: folds.length }, all, trials);
    // A duration is not a result: it goes to the log, never into the lock's metrics (which must
    // be the same bytes on every run).
    ctx.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ctx.progress(1, "done");
  },
});

const isoDay = (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10);

export default stage;
