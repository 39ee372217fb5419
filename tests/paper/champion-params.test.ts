/**
 * Paper trading reads the champion's backtest params with the backtest stage's own schema
 * (src/quant/backtest/book-params.ts): the same defaults, and a book param it does not know is
 * an error naming it — never a book silently built differently from the one backtested.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadChampion } from "../../src/paper/champion.ts";
import { fitRidge } from "../../src/quant/ml/ridge.ts";
import { saveModel } from "../../src/quant/ml/model-io.ts";
import { featureMatrix } from "../../src/quant/ml/types.ts";
import backtestStage from "../../stages/backtest.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function championDir(params: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-champion-"));
  dirs.push(dir);
  const X = featureMatrix(["a"], [Float32Array.from([0, 1, 2, 3])]);
  writeFileSync(join(dir, "model.json"), saveModel(fitRidge(X, [0, 1, 2, 3])));
  writeFileSync(
    join(dir, "champion.json"),
    JSON.stringify({
      champion: "backtest[model=ridge,optimizer=equal_weight]",
      cell: "backtest[model=ridge,optimizer=equal_weight]",
      model: "ridge",
      optimizer: "equal_weight",
      backtest: { params },
      metrics: { sharpe: 1 },
    }),
  );
  return dir;
}

describe("champion params", () => {
  it("default to exactly the backtest stage's defaults", () => {
    const found = loadChampion(championDir({}));
    expect(found.ok).toBe(true);
    const stageDefaults = backtestStage.params!.parse({}) as Record<string, unknown>;
    const { warn: _warn, ...book } = stageDefaults;
    expect(found.ok && found.champion.params).toEqual(book);
  });

  it("reject a book param the backtest stage does not know, naming it", () => {
    expect(() => loadChampion(championDir({ selection: { side: "long", topp: 10 } }))).toThrow(
      /champion\.json: backtest\.params do not describe a backtest cell: selection: .*topp/,
    );
  });
});
