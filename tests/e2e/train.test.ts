/**
 * The train stage end to end through the real CLI on a temp project: data → features →
 * labels → train[model=…]. Checks the outputs exist, out-of-sample predictions only on test
 * dates (and exactly the test rows), the model file loads and predicts, and determinism
 * (`pipeline verify` re-executes byte-identically).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";
import { loadModel, predict } from "../../src/quant/ml/model-io.ts";
import { featureMatrix } from "../../src/quant/ml/types.ts";

const query = (sql: string) => queryDuck(sql, "json");

const models = ["ridge", "random_forest", "gbdt", "gbdt_tuned", "ensemble"];

const SPEC = `version: 1
seed: 7
stages:
  data:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 24, start: "2019-01-02", end: "2021-06-30", sectors: 3 }
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
    matrix: { model: [${models.join(", ")}] }
    params:
      folds: 3
      minTrainDates: 60
      horizon: 5
      lag: 1
      gbdt: { nTrees: 20, maxDepth: 3, minChildWeight: 20, maxBins: 32 }
      forest: { nTrees: 8, maxDepth: 4, minChildWeight: 20, maxBins: 32 }
      trials: 4
      startupTrials: 2
      tuneFolds: 2
`;

describe("train stage end to end", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": SPEC,
      ...repoStages("data.ts", "features.ts", "labels.ts", "train.ts"),
    });
  });
  afterAll(() => p.dispose());

  it(`runs train[model=${models.join("|")}] and writes every output`, () => {
    const r = p.runJson();
    expect(r.ok, r.stderr + JSON.stringify(r.raw.cells)).toBe(true);
    for (const m of models) {
      for (const f of ["predictions.parquet", "folds.parquet", "importance.parquet", "trials.parquet", "model.json"]) {
        expect(existsSync(join(p.root, `data/train/model=${m}`, f)), `${m}/${f}`).toBe(true);
      }
    }
    const lock = p.read("pipeline.lock");
    expect(lock).toMatch(/rank_ic:/);
  });

  for (const m of models) {
    it(`train[model=${m}]: predictions are exactly the test rows of the folds, ordered by (date, symbol)`, async () => {
      const dir = join(p.root, `data/train/model=${m}`);
      const preds = `read_parquet('${dir}/predictions.parquet', file_row_number = true)`;
      const folds = `read_parquet('${dir}/folds.parquet')`;
      const [c] = await query(`select
          (select count(*) from ${preds}) as n,
          (select sum(test_rows) from ${folds}) as test_rows,
          (select count(*) from ${preds} p where not exists (select 1 from ${folds} f where p.date between f.test_start
          and f.test_end)) as outside,
          (select count(*) from ${preds} where not isfinite(score)) as bad,
          (select min(date)::VARCHAR from ${preds}) as first,
          (select min(test_start)::VARCHAR from ${folds}) as first_test`);
      expect(c.outside).toBe("0");
      expect(c.bad).toBe("0");
      expect(c.n).toBe(String(c.test_rows));
      expect(c.first).toBe(c.first_test);
      const [o] = await query(`select count(*) as n from (
          select date, symbol, lag(date) over w as pd, lag(symbol) over w as ps from ${preds} window w as (order by
          file_row_number))
         where date < pd or (date = pd and symbol <= ps)`);
      expect(o.n).toBe("0");
      // Every test row is a labelled (date, symbol) of the panel, and no label-less date was predicted.
      const [t] = await query(
        `select count(*) as n from ${folds} where train_rows <= 0 or test_rows <= 0 or test_end < test_start`,
      );
      expect(t.n).toBe("0");
      const [s] = await query(
        `select round(sum(share), 9) as s, count(*) as n from read_parquet('${dir}/importance.parquet')`,
      );
      expect(s.s).toBe(1);
      const [tr] = await query(`select count(*) as n, count(distinct trial) as trials, min(status) as status,
          bool_and(json_valid(params)) as json from read_parquet('${dir}/trials.parquet')`);
      if (m === "gbdt_tuned") {
        // Every trial recorded with its params (the tuned keys), per-fold metric and status.
        expect(tr.trials).toBe("4");
        expect(tr.json).toBe(true);
        const [k] =
          await query(`select bool_and(json_exists(params, '$.learningRate') and json_exists(params, '$.nTrees')) as ok,
            bool_and(status in ('complete', 'pruned')) as st from read_parquet('${dir}/trials.parquet')`);
        expect(k).toEqual({ ok: true, st: true });
      } else {
        expect(tr).toMatchObject({ n: "3", trials: "1", status: "complete", json: true });
      }
    });
  }

  it("model.json loads, validates and predicts finite scores", () => {
    for (const m of models) {
      const model = loadModel(readFileSync(join(p.root, `data/train/model=${m}/model.json`), "utf8"));
      expect(model.kind).toBe(m === "gbdt_tuned" ? "gbdt" : m);
      const X = featureMatrix(
        model.features,
        model.features.map(() => [0, NaN]),
      );
      expect(Array.from(predict(model, X)).every(Number.isFinite)).toBe(true);
    }
  });

  it("is deterministic: pipeline verify re-executes the train cells byte-identically", () => {
    const v = p.cli(["verify", "train"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});
