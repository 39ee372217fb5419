/**
 * The pipeline.yaml of a small full study — synthetic data → features, labels → ridge →
 * baselines → backtest (ridge × optimizers) → stats → champion — for tests that need real
 * outputs of every stage in seconds. Options change only what the tests vary.
 */
import { repoStages } from "./helpers.ts";

export interface StudyOptions {
  seed?: number;
  /** Synthetic universe and period (default 30 symbols, 2018-01-02 .. 2021-12-31, 3 sectors). */
  symbols?: number;
  start?: string;
  end?: string;
  optimizers?: readonly string[];
  /** Costs shared by baselines and backtest (default 2 + 3 bps, stress 0/5/20). */
  commissionBps?: number;
  slippageBps?: number;
  stressBps?: readonly number[];
  top?: number;
  maxWeight?: number;
  /** Resamples of the stats stage's bootstrap, Monte Carlo and Reality Check (default 200). */
  resamples?: number;
  pboSplits?: number;
  /** Selection thresholds: "loose" promotes the best candidate; "default" keeps the stage's own. */
  thresholds?: "loose" | "default";
  /** The baselines' 12-1 momentum lookback and skip (default: the stage's own). */
  momentum?: { lookback: number; skip: number };
  /** More stages, as YAML lines under `stages:` (two-space indented), appended at the end. */
  extraStages?: string;
}

/** Stage modules the study uses (plus any extra names, e.g. "paper.ts"). */
export function studyStages(...extra: string[]): Record<string, string> {
  return repoStages(
    "data.ts",
    "features.ts",
    "labels.ts",
    "train.ts",
    "baselines.ts",
    "backtest.ts",
    "lib/portfolio.ts",
    "lib/baseline.ts",
    "stats.ts",
    "select.ts",
    ...extra,
  );
}

export function studySpec(o: StudyOptions = {}): string {
  const n = o.resamples ?? 200;
  const champion =
    (o.thresholds ?? "loose") === "loose"
      ? "\n    params:\n      thresholds: { min_dsr: 0, max_drawdown: -1, max_turnover: 1000, beat_benchmark: false }"
      : "";
  return `version: 1
seed: ${o.seed ?? 7}
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: ${o.symbols ?? 30}, start: "${o.start ?? "2018-01-02"}", end: "${o.end ?? "2021-12-31"}", sectors: 3 }
  features:
    uses: stages/features.ts
    needs: [data]
  labels:
    uses: stages/labels.ts
    needs: [data]
    params: { horizon: 5, lag: 1 }
  train:
    uses: stages/train.ts
    needs: [features, labels]
    matrix: { model: [ridge] }
    params: { folds: 3, minTrainDates: 250, horizon: 5, lag: 1 }
  baselines:
    uses: stages/baselines.ts
    needs: [data, train]
    params:
      costs: &costs { commission_bps: ${o.commissionBps ?? 2}, slippage_bps: ${o.slippageBps ?? 3}, stress_bps: [${(o.stressBps ?? [0, 5, 20]).join(", ")}] }${o.momentum ? `\n      momentum: { lookback: ${o.momentum.lookback}, skip: ${o.momentum.skip} }` : ""}
  backtest:
    uses: stages/backtest.ts
    needs: [data, train, baselines]
    matrix:
      model: { from: train }
      optimizer: [${(o.optimizers ?? ["equal_weight", "max_sharpe", "hrp"]).join(", ")}]
    params:
      selection: { top: ${o.top ?? 6} }
      covariance: { window: 60 }
      constraints: { max_weight: ${o.maxWeight ?? 0.3} }
      costs: *costs
  stats:
    uses: stages/stats.ts
    needs: [backtest, baselines]
    params: { bootstrap: { resamples: ${n} }, monte_carlo: { paths: ${n} }, reality_check: { resamples: ${n} }, pbo_splits: ${o.pboSplits ?? 8} }
  champion:
    uses: stages/select.ts
    needs: [stats, backtest, train, data]${champion}
${o.extraStages ?? ""}`;
}
