/** A small full study (30 symbols, 4 years, ridge × 3 optimizers) for page tests. */
import { repoStages } from "../e2e/helpers.ts";

export const STUDY_STAGES = repoStages(
  "data.ts", "features.ts", "labels.ts", "train.ts", "baselines.ts", "backtest.ts", "lib/portfolio.ts", "lib/baseline.ts", "stats.ts", "select.ts",
);

export const STUDY_SPEC = `version: 1
seed: 7
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 30, start: "2018-01-02", end: "2021-12-31", sectors: 3 }
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
      costs: &costs { commission_bps: 2, slippage_bps: 3, stress_bps: [0, 5, 20] }
  backtest:
    uses: stages/backtest.ts
    needs: [data, train, baselines]
    matrix:
      model: { from: train }
      optimizer: [equal_weight, max_sharpe, hrp]
    params:
      selection: { top: 6 }
      covariance: { window: 60 }
      constraints: { max_weight: 0.3 }
      costs: *costs
  stats:
    uses: stages/stats.ts
    needs: [backtest, baselines]
    params: { bootstrap: { resamples: 200 }, monte_carlo: { paths: 200 }, reality_check: { resamples: 200 }, pbo_splits: 8 }
  champion:
    uses: stages/select.ts
    needs: [stats, backtest, train, data]
    params: { thresholds: { min_dsr: 0, max_drawdown: -0.99, max_turnover: 1000, beat_benchmark: false } }
`;
