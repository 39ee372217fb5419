import { afterAll, describe, expect, it } from "vitest";
import { StrataError } from "../../src/core/errors.ts";
import { findCycles, topoOrder } from "../../src/pipeline/dag.ts";
import { cellDir, cellId, expandCells } from "../../src/pipeline/matrix.ts";
import { removeTempProjects, specFromYaml, yaml } from "../fixtures/specs/project.ts";

afterAll(removeTempProjects);

/** The pipeline of DESIGN.md, trimmed to two models and two optimizers. */
const studyYaml = yaml(
  "version: 1",
  "stages:",
  "  data: { uses: stages/data.ts }",
  "  features: { uses: stages/features.ts, needs: [data] }",
  "  train:",
  "    uses: stages/train.ts",
  "    needs: [features]",
  "    matrix: { model: [ridge, gbdt] }",
  "  backtest:",
  "    uses: stages/backtest.ts",
  "    needs: [train, data]",
  "    matrix:",
  "      model: { from: train }",
  "      optimizer: [hrp, kelly]",
  "  stats: { uses: stages/stats.ts, needs: [backtest] }",
);

describe("cellId and cellDir", () => {
  it("name a plain stage by itself and its folder data/<stage>", () => {
    expect(cellId("data", {}, [])).toBe("data");
    expect(cellDir("data", {}, [])).toBe("data/data");
  });

  it("list axes in the given order, with numbers and booleans as text", () => {
    const values = { lr: 0.1, deep: true, model: "gbdt" };
    expect(cellId("train", values, ["model", "lr", "deep"])).toBe("train[model=gbdt,lr=0.1,deep=true]");
    expect(cellDir("train", values, ["model", "lr", "deep"])).toBe("data/train/model=gbdt/lr=0.1/deep=true");
  });
});

describe("expandCells", () => {
  it("makes one cell per plain stage and the product of axes, first axis outermost", () => {
    const graph = expandCells(
      specFromYaml(
        yaml("version: 1", "stages:", "  grid:", "    uses: stages/grid.ts", "    matrix: { a: [1, 2], b: [x, y, z] }"),
      ),
    );
    expect(graph.cells.map((c) => c.id)).toEqual([
      "grid[a=1,b=x]",
      "grid[a=1,b=y]",
      "grid[a=1,b=z]",
      "grid[a=2,b=x]",
      "grid[a=2,b=y]",
      "grid[a=2,b=z]",
    ]);
    expect(graph.cells[4]).toEqual({
      id: "grid[a=2,b=y]",
      stage: "grid",
      values: { a: 2, b: "y" },
      deps: [],
      dir: "data/grid/a=2/b=y",
    });
  });

  it("wires a from-axis cell only to the upstream cell with the same value, and a plain need to every cell", () => {
    const graph = expandCells(specFromYaml(studyYaml));
    expect(graph.byStage.get("backtest")!.map((c) => [c.id, c.deps])).toEqual([
      ["backtest[model=ridge,optimizer=hrp]", ["data", "train[model=ridge]"]],
      ["backtest[model=ridge,optimizer=kelly]", ["data", "train[model=ridge]"]],
      ["backtest[model=gbdt,optimizer=hrp]", ["data", "train[model=gbdt]"]],
      ["backtest[model=gbdt,optimizer=kelly]", ["data", "train[model=gbdt]"]],
    ]);
  });

  it("fans a plain stage in over every cell of a matrix stage it needs, deps sorted", () => {
    const graph = expandCells(specFromYaml(studyYaml));
    expect(graph.byId.get("stats")!.deps).toEqual([
      "backtest[model=gbdt,optimizer=hrp]",
      "backtest[model=gbdt,optimizer=kelly]",
      "backtest[model=ridge,optimizer=hrp]",
      "backtest[model=ridge,optimizer=kelly]",
    ]);
    expect(graph.byId.get("train[model=gbdt]")!.deps).toEqual(["features"]);
  });

  it("fans a matrix stage in over every upstream cell through a plain need", () => {
    const graph = expandCells(
      specFromYaml(
        yaml(
          "version: 1",
          "stages:",
          "  train: { uses: stages/train.ts, matrix: { model: [a, b] } }",
          "  report: { uses: stages/report.ts, needs: [train], matrix: { format: [html, pdf] } }",
        ),
      ),
    );
    expect(graph.byId.get("report[format=pdf]")!.deps).toEqual(["train[model=a]", "train[model=b]"]);
  });

  it("orders cells topologically by stage, then in product order, whatever the declaration order", () => {
    const graph = expandCells(
      specFromYaml(
        yaml(
          "version: 1",
          "stages:",
          "  stats: { uses: stages/stats.ts, needs: [train] }",
          "  train: { uses: stages/train.ts, needs: [data], matrix: { model: [b, a] } }",
          "  data: { uses: stages/data.ts }",
        ),
      ),
    );
    expect(graph.cells.map((c) => c.id)).toEqual(["data", "train[model=b]", "train[model=a]", "stats"]);
  });

  it("takes the upstream values in the upstream order, through a chain of from-axes", () => {
    const graph = expandCells(
      specFromYaml(
        yaml(
          "version: 1",
          "stages:",
          "  train: { uses: stages/train.ts, matrix: { model: [z, a, m] } }",
          "  backtest: { uses: stages/backtest.ts, needs: [train], matrix: { model: { from: train } } }",
          "  report: { uses: stages/report.ts, needs: [backtest], matrix: { model: { from: backtest } } }",
        ),
      ),
    );
    expect(graph.byStage.get("report")!.map((c) => [c.id, c.deps])).toEqual([
      ["report[model=z]", ["backtest[model=z]"]],
      ["report[model=a]", ["backtest[model=a]"]],
      ["report[model=m]", ["backtest[model=m]"]],
    ]);
  });

  it("wires a from-axis to every upstream cell sharing the value when the upstream has more axes", () => {
    const graph = expandCells(
      specFromYaml(
        yaml(
          "version: 1",
          "stages:",
          "  train: { uses: stages/train.ts, matrix: { model: [a, b], fold: [1, 2] } }",
          "  pick: { uses: stages/pick.ts, needs: [train], matrix: { model: { from: train } } }",
        ),
      ),
    );
    expect(graph.byId.get("pick[model=b]")!.deps).toEqual(["train[model=b,fold=1]", "train[model=b,fold=2]"]);
  });

  it("indexes every cell by id and by stage", () => {
    const graph = expandCells(specFromYaml(studyYaml));
    expect(graph.cells).toHaveLength(1 + 1 + 2 + 4 + 1);
    expect([...graph.byStage.keys()]).toEqual(["data", "features", "train", "backtest", "stats"]);
    for (const cell of graph.cells) expect(graph.byId.get(cell.id)).toBe(cell);
  });
});

describe("topoOrder", () => {
  it("puts needs first and breaks ties by declaration order", () => {
    const order = topoOrder([
      { name: "report", needs: ["b", "a"] },
      { name: "b", needs: [] },
      { name: "a", needs: [] },
      { name: "c", needs: ["a"] },
    ]);
    expect(order).toEqual(["b", "a", "report", "c"]);
  });

  it("throws a SPEC error printing the cycle", () => {
    const run = () =>
      topoOrder([
        { name: "a", needs: ["b"] },
        { name: "b", needs: ["a"] },
      ]);
    expect(run).toThrow(StrataError);
    expect(run).toThrow(/a → b → a/);
  });
});

describe("findCycles", () => {
  it("returns each cycle once, starting at its earliest-declared stage", () => {
    const cycles = findCycles([
      { name: "x", needs: [] },
      { name: "c", needs: ["a"] },
      { name: "a", needs: ["b"] },
      { name: "b", needs: ["c", "b"] },
    ]);
    expect(cycles).toEqual([["c", "a", "b"]]);
  });

  it("is empty for a DAG", () => {
    expect(
      findCycles([
        { name: "a", needs: [] },
        { name: "b", needs: ["a"] },
      ]),
    ).toEqual([]);
  });
});
