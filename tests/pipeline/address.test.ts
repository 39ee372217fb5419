import { afterAll, describe, expect, it } from "vitest";
import { StrataError } from "../../src/core/errors.ts";
import { downstreamOf, parseTarget, selectCells, withUpstream } from "../../src/pipeline/address.ts";
import { expandCells } from "../../src/pipeline/matrix.ts";
import type { CellGraph } from "../../src/pipeline/types.ts";
import { removeTempProjects, specFromYaml, yaml } from "../fixtures/specs/project.ts";

afterAll(removeTempProjects);

let cached: CellGraph | undefined;
function study(): CellGraph {
  cached ??= expandCells(
    specFromYaml(
      yaml(
        "version: 1",
        "stages:",
        "  data: { uses: stages/data.ts }",
        "  train:",
        "    uses: stages/train.ts",
        "    needs: [data]",
        "    matrix: { model: [ridge, gbdt], lr: [0.1, 1] }",
        "  backtest:",
        "    uses: stages/backtest.ts",
        "    needs: [train]",
        "    matrix:",
        "      model: { from: train }",
        "      optimizer: [hrp, kelly]",
        "  stats: { uses: stages/stats.ts, needs: [backtest] }",
        "  report: { uses: stages/report.ts, needs: [data] }",
      ),
    ),
  );
  return cached;
}

const ids = (cells: ReadonlyArray<{ id: string }>) => cells.map((c) => c.id);

function targetError(run: () => unknown): StrataError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe("TARGET");
    return e as StrataError;
  }
  throw new Error("expected a TARGET error");
}

describe("parseTarget", () => {
  it("reads a bare stage", () => {
    expect(parseTarget("stats")).toEqual({ text: "stats", stage: "stats", where: [] });
  });

  it("reads axis filters in the order written, tolerating spaces", () => {
    expect(parseTarget("backtest[ optimizer = hrp , model=gbdt ]").where).toEqual([
      ["optimizer", "hrp"],
      ["model", "gbdt"],
    ]);
    expect(parseTarget("train[lr=0.1]").where).toEqual([["lr", "0.1"]]);
  });

  it.each([
    ["backtest[model=]", 16, "expected a value for axis 'model', found ']'"],
    ["backtest[model=gbdt", 20, "expected ']', found the end"],
    ["backtest[]", 10, "expected an axis name, found ']'"],
    ["backtest[model gbdt]", 16, "expected '=', found 'g'"],
    ["backtest[model=a b]", 18, "expected ']', found 'b'"],
    ["backtest[model=a]x", 18, "unexpected text after ']'"],
    ["[model=a]", 1, "expected a stage name, found '['"],
    ["9lives", 1, "'9lives' is not a stage name (stage names start with a letter)"],
    ["backtest[model=a,model=b]", 18, "axis 'model' is given twice"],
    ["backtest(model=a)", 9, "expected '[', found '('"],
  ])("rejects %j at column %i", (text, col, what) => {
    const err = targetError(() => parseTarget(text));
    expect(err.message).toContain(`malformed target '${text}': ${what} at column ${col}`);
    expect(err.message).toContain(`\n    ${text}\n    ${" ".repeat(col - 1)}^`);
    expect(err.details).toEqual({ target: text, column: col });
    expect(err.hint).toMatch(/backtest\[model=gbdt,optimizer=hrp\]/);
  });
});

describe("selectCells", () => {
  it("selects every cell when there are no targets", () => {
    expect(selectCells(study(), [])).toEqual(study().cells);
  });

  it("selects all cells of a stage by its name", () => {
    expect(ids(selectCells(study(), ["train"]))).toEqual([
      "train[model=ridge,lr=0.1]",
      "train[model=ridge,lr=1]",
      "train[model=gbdt,lr=0.1]",
      "train[model=gbdt,lr=1]",
    ]);
  });

  it("selects every cell matching a partial filter", () => {
    expect(ids(selectCells(study(), ["backtest[model=gbdt]"]))).toEqual([
      "backtest[model=gbdt,optimizer=hrp]",
      "backtest[model=gbdt,optimizer=kelly]",
    ]);
  });

  it("compares values as text, so lr=0.1 matches the number 0.1", () => {
    expect(ids(selectCells(study(), ["train[lr=0.1,model=gbdt]"]))).toEqual(["train[model=gbdt,lr=0.1]"]);
  });

  it("returns the union of several targets once each, in graph order", () => {
    expect(
      ids(
        selectCells(study(), ["stats", "backtest[optimizer=kelly]", "data", "backtest[model=ridge,optimizer=kelly]"]),
      ),
    ).toEqual(["data", "backtest[model=ridge,optimizer=kelly]", "backtest[model=gbdt,optimizer=kelly]", "stats"]);
  });

  it("names an unknown stage and suggests the closest", () => {
    const err = targetError(() => selectCells(study(), ["bactest"]));
    expect(err.message).toBe(
      "target 'bactest': no stage 'bactest' in pipeline.yaml\n  → did you mean 'backtest'? stages: 'data', 'train', " +
        "'backtest', 'stats', 'report'",
    );
  });

  it("names an unknown axis and lists the stage's axes", () => {
    const err = targetError(() => selectCells(study(), ["backtest[modle=gbdt]"]));
    expect(err.message).toBe(
      "target 'backtest[modle=gbdt]': stage 'backtest' has no axis 'modle'\n  → did you mean 'model'? axes of " +
        "backtest: 'model', 'optimizer'",
    );
  });

  it("names an unknown value and lists the axis values", () => {
    const err = targetError(() => selectCells(study(), ["backtest[model=gbd]"]));
    expect(err.message).toBe(
      "target 'backtest[model=gbd]': no cell of 'backtest' has model=gbd\n  → did you mean 'gbdt'? values of model: " +
        "'ridge', 'gbdt'",
    );
  });

  it("explains that a stage without matrix cannot be filtered", () => {
    const err = targetError(() => selectCells(study(), ["stats[model=gbdt]"]));
    expect(err.message).toBe(
      "target 'stats[model=gbdt]': stage 'stats' has no matrix, so it cannot be filtered\n  → address it as 'stats'",
    );
  });

  it("reports every target that matches nothing at once", () => {
    const err = targetError(() => selectCells(study(), ["stats", "nope", "train[model=xgb]"]));
    expect(err.message.split("\n")[0]).toBe("2 targets match nothing:");
    expect(err.message).toContain("no stage 'nope'");
    expect(err.message).toContain("no cell of 'train' has model=xgb");
  });
});

describe("withUpstream", () => {
  it("adds everything the cells read from, transitively, in graph order", () => {
    const g = study();
    const closure = withUpstream(g, [g.byId.get("backtest[model=gbdt,optimizer=hrp]")!]);
    expect(ids(closure)).toEqual([
      "data",
      "train[model=gbdt,lr=0.1]",
      "train[model=gbdt,lr=1]",
      "backtest[model=gbdt,optimizer=hrp]",
    ]);
  });

  it("keeps a cell without dependencies on its own", () => {
    const g = study();
    expect(ids(withUpstream(g, [g.byId.get("data")!]))).toEqual(["data"]);
  });
});

describe("downstreamOf", () => {
  it("returns every cell that reads, transitively, from the given cells, excluding them", () => {
    const g = study();
    expect([...downstreamOf(g, ["train[model=ridge,lr=1]"])]).toEqual([
      "backtest[model=ridge,optimizer=hrp]",
      "backtest[model=ridge,optimizer=kelly]",
      "stats",
    ]);
  });

  it("reaches the whole graph from the root", () => {
    const g = study();
    expect(downstreamOf(g, ["data"]).size).toBe(g.cells.length - 1);
  });

  it("is empty for a leaf", () => {
    expect(downstreamOf(study(), ["stats"]).size).toBe(0);
  });
});
