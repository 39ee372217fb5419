/**
 * A small full study with a champion for the paper-trading tests: 30 synthetic symbols,
 * 2018–2021, ridge scores traded by max_sharpe weekly (the default study's champion shape),
 * selection thresholds loose enough that the one candidate is promoted.
 */
import { createTempProject, repoStages, type TempProject } from "../e2e/helpers.ts";

export const STAGES = repoStages("data.ts", "features.ts", "labels.ts", "train.ts", "baselines.ts", "backtest.ts", "lib/portfolio.ts", "lib/baseline.ts", "stats.ts", "select.ts", "paper.ts");

export const SPEC = `version: 1
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
      costs: &costs { commission_bps: 1, slippage_bps: 2, stress_bps: [0] }
  backtest:
    uses: stages/backtest.ts
    needs: [data, train, baselines]
    matrix:
      model: { from: train }
      optimizer: [max_sharpe]
    params:
      selection: { top: 8 }
      covariance: { window: 60 }
      constraints: { max_weight: 0.25 }
      costs: *costs
  stats:
    uses: stages/stats.ts
    needs: [backtest, baselines]
    params: { bootstrap: { resamples: 200 }, monte_carlo: { paths: 200 }, reality_check: { resamples: 200 }, pbo_splits: 4 }
  champion:
    uses: stages/select.ts
    needs: [stats, backtest, train, data]
    params:
      thresholds: { min_dsr: 0, max_drawdown: -1, max_turnover: 1000, beat_benchmark: false }
`;

export const CHAMPION_CELL = "backtest[model=ridge,optimizer=max_sharpe]";

/** A temp project with the study run (throws with the runner's output if it fails). */
export function paperStudy(extra: Record<string, string> = {}): TempProject {
  const p = createTempProject({ "pipeline.yaml": SPEC, ...STAGES, ...extra });
  const r = p.runJson();
  if (!r.ok) {
    p.dispose();
    throw new Error(`study failed: ${r.stderr}\n${JSON.stringify(r.raw.cells)}`);
  }
  return p;
}
