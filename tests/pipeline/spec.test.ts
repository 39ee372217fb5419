import { symlinkSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StrataError } from "../../src/core/errors.ts";
import { formatProblems, loadPipeline } from "../../src/pipeline/spec.ts";
import {
  brief,
  parseIn,
  removeTempProjects,
  STAGE_SOURCE,
  tempProject,
  writeFiles,
  yaml,
} from "../fixtures/specs/project.ts";

afterAll(removeTempProjects);

/** A project with the stage modules and input files most tests refer to. */
function standardProject(): string {
  return tempProject({
    "stages/data.ts": STAGE_SOURCE,
    "stages/features.ts": STAGE_SOURCE,
    "stages/train.ts": STAGE_SOURCE,
    "stages/backtest.ts": STAGE_SOURCE,
    "stages/stats.ts": STAGE_SOURCE,
    "data/raw/prices.csv": "date,symbol,close\n",
  });
}

function problemsOf(text: string, root = standardProject()) {
  const { spec, problems } = parseIn(root, text);
  expect(spec).toBeUndefined();
  return problems;
}

describe("parsePipelineText: a valid pipeline", () => {
  it("returns the spec with defaults, resolved paths and positions", () => {
    const root = standardProject();
    const { spec, problems } = parseIn(
      root,
      yaml(
        "version: 1",
        "stages:",
        "  data:",
        "    uses: stages/data.ts",
        "    files: [./data/raw/prices.csv]",
        "    description: Load prices",
        "  train:",
        "    uses: stages/train.ts",
        "    needs: [data]",
        "    params: { lr: 0.1 }",
        "    matrix: { model: [ridge, gbdt], depth: [2, 4] }",
        "  backtest:",
        "    uses: stages/backtest.ts",
        "    needs: [train]",
        "    matrix:",
        "      model: { from: train }",
      ),
    );
    expect(problems).toEqual([]);
    expect(spec!.seed).toBe(42);
    expect(spec!.version).toBe(1);
    expect(spec!.root).toBe(root);
    expect(spec!.file).toBe(join(root, "pipeline.yaml"));
    const [data, train, backtest] = spec!.stages;
    expect(data).toMatchObject({
      name: "data",
      uses: "stages/data.ts",
      usesPath: join(root, "stages/data.ts"),
      needs: [],
      params: {},
      matrix: [],
      files: ["data/raw/prices.csv"],
      description: "Load prices",
      pos: { line: 3, col: 3 },
    });
    expect(train.params).toEqual({ lr: 0.1 });
    expect(train.matrix).toEqual([
      ["model", { kind: "values", values: ["ridge", "gbdt"], pos: { file: spec!.file, line: 11, col: 15 } }],
      ["depth", { kind: "values", values: [2, 4], pos: { file: spec!.file, line: 11, col: 37 } }],
    ]);
    expect(backtest.matrix).toEqual([
      ["model", { kind: "from", stage: "train", pos: { file: spec!.file, line: 16, col: 7 } }],
    ]);
  });

  it("keeps an explicit seed", () => {
    const { spec } = parseIn(
      standardProject(),
      yaml("version: 1", "seed: 7", "stages:", "  data: { uses: stages/data.ts }"),
    );
    expect(spec!.seed).toBe(7);
  });
});

describe("parsePipelineText: YAML problems", () => {
  it("reports a syntax error at its line and column, naming the unclosed bracket", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  data:", "    uses: stages/data.ts", "    needs: [a, b"),
    );
    expect(brief(problems)).toEqual([
      "6:1 YAML syntax error: flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(problems[0].hint).toBe(
      "a '[' opened above is not closed: add the missing ']' (or indent its continuation lines)",
    );
  });

  it("reports tab indentation with a hint to use spaces", () => {
    const problems = problemsOf("version: 1\nstages:\n\tdata: {}\n");
    expect(problems.map((p) => [p.pos.line, p.hint])).toContainEqual([3, expect.stringMatching(/spaces/)]);
  });

  it("reports a duplicate key at the repeat, naming the first line", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  data:", "    uses: stages/data.ts", "    uses: stages/train.ts"),
    );
    expect(brief(problems)).toEqual(["5:5 duplicate key 'uses' in stages.data (first defined at line 4)"]);
  });

  it("reports a stage declared twice", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  data: { uses: stages/data.ts }", "  data: { uses: stages/data.ts }"),
    );
    expect(brief(problems)).toEqual(["4:3 duplicate key 'data' in stages (first defined at line 3)"]);
  });
});

describe("parsePipelineText: top level", () => {
  it("reports an empty file with a starter example", () => {
    const problems = problemsOf("");
    expect(brief(problems)).toEqual(["1:1 the pipeline file is empty"]);
    expect(problems[0].hint).toContain("version: 1");
  });

  it("reports a file that is not a map", () => {
    expect(brief(problemsOf("- a\n- b\n"))).toEqual([
      "1:1 the file: expected a map with 'version' and 'stages', found a list",
    ]);
  });

  it("reports a missing version and a missing stages map", () => {
    const problems = problemsOf("seed: 3\n");
    expect(brief(problems)).toEqual([
      "1:1 missing required top-level key 'version'",
      "1:1 missing required top-level key 'stages'",
    ]);
    expect(problems[0].hint).toBe("add `version: 1` as the first line");
  });

  it("reports an unsupported version and a fractional seed at their values", () => {
    const problems = problemsOf(yaml("version: 2", "seed: 1.5", "stages:", "  data: { uses: stages/data.ts }"));
    expect(brief(problems)).toEqual([
      "1:10 version: expected 1 (the only version so far), found the number 2",
      "2:7 seed: expected an integer, found the number 1.5",
    ]);
  });

  it("reports an unknown top-level key with did-you-mean", () => {
    const problems = problemsOf(yaml("version: 1", "stages:", "  data: { uses: stages/data.ts }", "sede: 3"));
    expect(brief(problems)).toEqual(["4:1 unknown key 'sede' at the top level"]);
    expect(problems[0].hint).toBe("did you mean 'seed'? allowed: 'version', 'seed', 'remote', 'executor', 'stages'");
  });

  it("checks the remote's form at parse time, with the line", () => {
    const problems = problemsOf(
      yaml("version: 1", "remote: https://example.com/cache", "stages:", "  data: { uses: stages/data.ts }"),
    );
    expect(brief(problems)[0]).toMatch(/^2:9 remote: must be file:\/\/\/absolute\/folder or s3:\/\/bucket\/prefix/);
    const ok = parseIn(
      standardProject(),
      yaml("version: 1", "remote: s3://b/p", "stages:", "  data: { uses: stages/data.ts }"),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.spec?.remote).toBe("s3://b/p");
  });

  it("checks the executor's form at parse time, and keeps passwords out of the file", () => {
    const bad = problemsOf(yaml("version: 1", "executor: amqp://q", "stages:", "  data: { uses: stages/data.ts }"));
    expect(brief(bad)[0]).toMatch(/^2:11 executor: must be local or redis:\/\/host:port\/db/);
    const secret = problemsOf(
      yaml("version: 1", "executor: redis://u:pw@h:6379/0", "stages:", "  data: { uses: stages/data.ts }"),
    );
    expect(brief(secret)[0]).toMatch(/^2:11 executor: must not hold credentials \(set STRATA_REDIS_PASSWORD instead\)/);
    const ok = parseIn(
      standardProject(),
      yaml("version: 1", "executor: redis://h:6379/0?queue=a", "stages:", "  data: { uses: stages/data.ts }"),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.spec?.executor).toBe("redis://h:6379/0?queue=a");
  });

  it("reports an empty stages map", () => {
    expect(brief(problemsOf(yaml("version: 1", "stages: {}")))).toEqual(["2:9 no stages declared"]);
  });

  it("reports stages given as a list", () => {
    expect(brief(problemsOf(yaml("version: 1", "stages:", "  - data")))).toEqual([
      "3:3 stages: expected a map from stage name to stage, found a list",
    ]);
  });
});

describe("parsePipelineText: stage shape", () => {
  it("suggests 'needs' for an unknown key 'need'", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  data: { uses: stages/data.ts }",
        "  train:",
        "    uses: stages/train.ts",
        "    need: [data]",
      ),
    );
    expect(brief(problems)).toEqual(["6:5 unknown key 'need' in stage 'train'"]);
    expect(problems[0].hint).toBe(
      "did you mean 'needs'? allowed: 'uses', 'needs', 'params', 'matrix', 'files', 'description'",
    );
    expect(problems[0].path).toBe("stages.train.need");
  });

  it("points a key that looks like a parameter to params", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  data:", "    uses: stages/data.ts", "    symbols: 200"),
    );
    expect(problems[0].hint).toMatch(/stage parameters go under params:$/);
  });

  it("reports a misspelt required key once, not also as missing", () => {
    const problems = problemsOf(yaml("version: 1", "stages:", "  data:", "    use: stages/data.ts"));
    expect(brief(problems)).toEqual(["4:5 unknown key 'use' in stage 'data'"]);
    expect(problems[0].hint).toMatch(/^did you mean 'uses'\?/);
  });

  it("reports a missing 'uses' at the stage name", () => {
    const problems = problemsOf(yaml("version: 1", "stages:", "  data:", "    params: {}"));
    expect(brief(problems)).toEqual(["3:3 stage 'data' has no 'uses'"]);
    expect(problems[0].hint).toBe("add the module that runs it, e.g. uses: stages/data.ts");
  });

  it("reports a stage that is not a map", () => {
    expect(brief(problemsOf(yaml("version: 1", "stages:", "  data: stages/data.ts")))).toEqual([
      "3:9 stages.data: expected a map with at least 'uses', found the string 'stages/data.ts'",
    ]);
  });

  it("reports wrong types with what was expected and what was found", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  data:",
        "    uses: 3",
        "    needs: features",
        "    params: [1, 2]",
        "    files: data/raw/prices.csv",
        "  features:",
        "    uses: stages/features.ts",
        "    needs: [data, 7]",
        "    description: 12",
      ),
    );
    expect(brief(problems)).toEqual([
      "4:11 stages.data.uses: expected a module path relative to the project root, found the number 3",
      "5:12 stages.data.needs: expected a list of stage names, found the string 'features'",
      "6:13 stages.data.params: expected a map of parameters, found a list",
      "7:12 stages.data.files: expected a list of file paths relative to the project root, found the string " +
        "'data/raw/prices.csv'",
      "10:19 stages.features.needs[1]: expected a stage name, found the number 7",
      "11:18 stages.features.description: expected a string, found the number 12",
    ]);
    expect(problems[1].hint).toBe("write needs: [features]");
    expect(problems[3].hint).toBe("write files: [data/raw/prices.csv]");
  });

  it("reports an empty value as empty rather than as null", () => {
    const problems = problemsOf(yaml("version: 1", "stages:", "  data:", "    uses: stages/data.ts", "    needs:"));
    expect(brief(problems)).toEqual(["5:5 stages.data.needs: expected a list of stage names, found an empty value"]);
  });
});

describe("parsePipelineText: stage names", () => {
  it("rejects names that cannot be folders or cell ids", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  1st: { uses: stages/data.ts }", "  a.b: { uses: stages/data.ts }"),
    );
    expect(brief(problems)).toEqual([
      "3:3 stage name '1st' is not valid: it becomes the folder data/1st and part of cell ids",
      "4:3 stage name 'a.b' is not valid: it becomes the folder data/a.b and part of cell ids",
    ]);
    expect(problems[0].hint).toBe("start with a letter, then use letters, digits, '_' and '-'");
  });

  it("reserves 'raw', whose folder holds the inputs", () => {
    const problems = problemsOf(yaml("version: 1", "stages:", "  raw: { uses: stages/data.ts }"));
    expect(brief(problems)).toEqual(["3:3 stage name 'raw' is reserved: data/raw holds the pipeline's inputs"]);
  });

  it("reports names equal ignoring case as a duplicate output folder", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  train: { uses: stages/train.ts }", "  Train: { uses: stages/train.ts }"),
    );
    expect(brief(problems)).toEqual([
      "4:3 duplicate output folder data/train: stage 'Train' differs from stage 'train' (line 3) only in letter case",
    ]);
  });
});

describe("parsePipelineText: uses", () => {
  const one = (uses: string) => yaml("version: 1", "stages:", "  data:", `    uses: ${uses}`);

  it("reports a module that does not exist, suggesting a near name", () => {
    const problems = problemsOf(one("stages/dtaa.ts"));
    expect(brief(problems)).toEqual(["4:11 uses 'stages/dtaa.ts' does not exist"]);
    expect(problems[0].hint).toBe("did you mean 'stages/data.ts'?");
  });

  it("says how to create a missing module when nothing is close", () => {
    const problems = problemsOf(one("stages/portfolio.ts"));
    expect(problems[0].hint).toBe(
      "create stages/portfolio.ts with `export default defineStage({...})`, or fix the path (relative to the project " +
        "root)",
    );
  });

  it("rejects an absolute path", () => {
    const root = standardProject();
    const problems = problemsOf(one(join(root, "stages/data.ts")), root);
    expect(brief(problems)).toEqual([
      `4:11 uses '${join(root, "stages/data.ts")}' is an absolute path; paths must be relative to the project root`,
    ]);
    expect(problems[0].hint).toMatch(/^write 'stages\/data.ts'/);
  });

  it("rejects a ../ escape from the project root", () => {
    const root = standardProject();
    const problems = problemsOf(one("../elsewhere/stage.ts"), root);
    expect(brief(problems)).toEqual([`4:11 uses '../elsewhere/stage.ts' points outside the project root (${root})`]);
    expect(problems[0].hint).toMatch(/move it in$/);
  });

  it("rejects a symlink whose real path leaves the project root", () => {
    const outside = tempProject({ "shared/stage.ts": STAGE_SOURCE });
    const root = standardProject();
    symlinkSync(join(outside, "shared"), join(root, "linked"));
    const problems = problemsOf(one("linked/stage.ts"), root);
    expect(brief(problems)).toEqual([
      `4:11 uses 'linked/stage.ts' is a symlink that resolves to ${join(outside, "shared/stage.ts")}, outside the ` +
        `project root`,
    ]);
    expect(problems[0].hint).toMatch(/^copy the file into the project/);
  });

  it("accepts a symlink that stays inside the project", () => {
    const root = standardProject();
    symlinkSync(join(root, "stages/data.ts"), join(root, "stages/alias.ts"));
    expect(parseIn(root, one("stages/alias.ts")).problems).toEqual([]);
  });

  it("rejects a module that is not .ts, .js or .mjs, suggesting the extension", () => {
    const problems = problemsOf(one("stages/data"));
    expect(brief(problems)).toEqual([
      "4:11 uses 'stages/data' is not a stage module: expected a .ts, .js or .mjs file",
    ]);
    expect(problems[0].hint).toBe("did you mean 'stages/data.ts'?");
  });

  it("rejects a folder named like a module", () => {
    const root = standardProject();
    mkdirSync(join(root, "stages/dir.ts"));
    expect(brief(problemsOf(one("stages/dir.ts"), root))).toEqual([
      "4:11 uses 'stages/dir.ts' is a folder, expected a file",
    ]);
  });
});

describe("parsePipelineText: needs", () => {
  it("reports an unknown stage with did-you-mean, a self need and a repeat", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  features: { uses: stages/features.ts }",
        "  train:",
        "    uses: stages/train.ts",
        "    needs: [featurs, train, features, features]",
      ),
    );
    expect(brief(problems)).toEqual([
      "6:13 stage 'train' needs 'featurs', which is not a stage in this pipeline",
      "6:22 stage 'train' needs itself",
      "6:39 stage 'train' lists 'features' twice in needs",
    ]);
    expect(problems[0].hint).toBe("did you mean 'features'? stages: 'features'");
    expect(problems[0].path).toBe("stages.train.needs[0]");
  });

  it("explains that data/raw is not a stage", () => {
    const problems = problemsOf(
      yaml("version: 1", "stages:", "  data:", "    uses: stages/data.ts", "    needs: [raw]"),
    );
    expect(problems[0].hint).toBe("data/raw is not a stage: list the input files the stage reads under files:");
  });

  it("reports a cycle once, printed a → b → c → a", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  a: { uses: stages/data.ts, needs: [b] }",
        "  b: { uses: stages/data.ts, needs: [c] }",
        "  c: { uses: stages/data.ts, needs: [a] }",
      ),
    );
    expect(brief(problems)).toEqual(["3:38 needs form a cycle: a → b → c → a"]);
    expect(problems[0].hint).toMatch(/remove one of these needs$/);
  });

  it("reports each of two cycles through the same stage", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  a: { uses: stages/data.ts, needs: [b, c] }",
        "  b: { uses: stages/data.ts, needs: [a] }",
        "  c: { uses: stages/data.ts, needs: [a] }",
      ),
    );
    expect(brief(problems)).toEqual(["3:38 needs form a cycle: a → b → a", "3:41 needs form a cycle: a → c → a"]);
  });
});

describe("parsePipelineText: matrix", () => {
  const withTrain = (...matrixLines: string[]) =>
    yaml(
      "version: 1",
      "stages:",
      "  data: { uses: stages/data.ts }",
      "  train:",
      "    uses: stages/train.ts",
      "    needs: [data]",
      "    matrix:",
      ...matrixLines,
    );

  it("rejects axis names and values that cannot be folder names or cell ids", () => {
    const problems = problemsOf(
      withTrain("      2fold: [a]", "      model: [ridge, 'a b', '..']", "      lr: [0.1, .nan]"),
    );
    expect(brief(problems)).toEqual([
      "8:7 matrix axis name '2fold' in stage 'train' is not valid",
      "9:22 matrix value 'a b' of axis 'model' in stage 'train' cannot be a folder name or part of a cell id",
      "9:29 matrix value '..' of axis 'model' in stage 'train' cannot be a folder name or part of a cell id",
      "10:17 stages.train.matrix.lr[1]: expected a string, finite number or boolean, found the number NaN",
    ]);
  });

  it("rejects repeated values, including 1 and '1' which share a folder", () => {
    const problems = problemsOf(withTrain("      lr: [1, 2, '1']"));
    expect(brief(problems)).toEqual([
      "8:18 duplicate value '1' in matrix axis 'lr' of stage 'train' (first at line 8, column 12)",
    ]);
  });

  it("rejects an axis without values", () => {
    const problems = problemsOf(withTrain("      model: []"));
    expect(brief(problems)).toEqual(["8:14 matrix axis 'model' of stage 'train' has no values"]);
  });

  it("points at the one bad item of an axis list", () => {
    const problems = problemsOf(withTrain("      model: [ridge, { a: 1 }]"));
    expect(brief(problems)).toEqual([
      "8:22 stages.train.matrix.model[1]: expected a string, finite number or boolean, found a map",
    ]);
  });

  it("rejects an axis that is neither a list nor { from }", () => {
    const problems = problemsOf(withTrain("      model: ridge"));
    expect(brief(problems)).toEqual([
      "8:14 stages.train.matrix.model: expected a list of values or { from: STAGE }, found the string 'ridge'",
    ]);
  });

  it("requires the stage named by 'from' to be in needs, and to have that axis", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  train:",
        "    uses: stages/train.ts",
        "    matrix: { model: [ridge, gbdt] }",
        "  data: { uses: stages/data.ts }",
        "  backtest:",
        "    uses: stages/backtest.ts",
        "    needs: [data]",
        "    matrix:",
        "      model: { from: train }",
        "      window: { from: data }",
      ),
    );
    expect(brief(problems)).toEqual([
      "11:22 stage 'backtest' takes matrix axis 'model' from 'train' but does not need it",
      "12:23 stage 'data' has no matrix axis 'window' for stage 'backtest' to take",
    ]);
    expect(problems[0].hint).toBe(
      "add 'train' to backtest.needs; each backtest cell is then wired to the train cells with the same model",
    );
    expect(problems[1].hint).toBe("declare matrix: { window: [...] } on 'data', or list the values here");
  });

  it("suggests the upstream axis when the names differ by a typo", () => {
    const problems = problemsOf(
      yaml(
        "version: 1",
        "stages:",
        "  train: { uses: stages/train.ts, matrix: { model: [a] } }",
        "  backtest:",
        "    uses: stages/backtest.ts",
        "    needs: [train]",
        "    matrix: { modle: { from: train } }",
      ),
    );
    expect(brief(problems)).toEqual(["7:30 stage 'train' has no matrix axis 'modle' for stage 'backtest' to take"]);
    expect(problems[0].hint).toBe("the axis name must match one of 'train': did you mean 'model'? axes: 'model'");
  });

  it("rejects 'from' naming an unknown stage or the stage itself", () => {
    const problems = problemsOf(withTrain("      model: { from: trian }", "      depth: { from: train }"));
    expect(brief(problems)).toEqual([
      "8:22 matrix axis 'model' of stage 'train' takes its values from 'trian', which is not a stage",
      "9:22 matrix axis 'depth' of stage 'train' takes its values from the stage itself",
    ]);
    expect(problems[0].hint).toBe("stages: 'data'");
  });

  it("suggests 'from' for a misspelt key and does not also report it missing", () => {
    const problems = problemsOf(withTrain("      model: { form: data }"));
    expect(brief(problems)).toEqual(["8:16 unknown key 'form' in matrix axis 'model' of stage 'train'"]);
    expect(problems[0].hint).toBe("did you mean 'from'? allowed: 'from'");
  });
});

describe("parsePipelineText: files", () => {
  const filesOf = (...files: string[]) =>
    yaml(
      "version: 1",
      "stages:",
      "  train: { uses: stages/train.ts }",
      "  data:",
      "    uses: stages/data.ts",
      "    files:",
      ...files.map((f) => `      - ${f}`),
    );

  it("reports a missing file, an escape and an absolute path", () => {
    const root = standardProject();
    const problems = problemsOf(filesOf("data/raw/price.csv", "../secret.csv", "/etc/hosts"), root);
    expect(brief(problems)).toEqual([
      "7:9 file 'data/raw/price.csv' does not exist",
      `8:9 file '../secret.csv' points outside the project root (${root})`,
      "9:9 file '/etc/hosts' is an absolute path; paths must be relative to the project root",
    ]);
    expect(problems[0].hint).toBe("did you mean 'data/raw/prices.csv'?");
  });

  it("rejects a symlinked file whose real path leaves the root", () => {
    const outside = tempProject({ "secret.csv": "x\n" });
    const root = standardProject();
    symlinkSync(join(outside, "secret.csv"), join(root, "data/raw/secret.csv"));
    const problems = problemsOf(filesOf("data/raw/secret.csv"), root);
    expect(brief(problems)).toEqual([
      `7:9 file 'data/raw/secret.csv' is a symlink that resolves to ${join(outside, "secret.csv")}, outside the ` +
        `project root`,
    ]);
  });

  it("rejects another stage's outputs, pointing to needs", () => {
    const problems = problemsOf(filesOf("data/train/model.json", "data/data/x.json"));
    expect(brief(problems)).toEqual([
      "7:9 stage 'data' lists 'data/train/model.json' under files, but it is inside data/train/, the output folder " +
        "of stage 'train'",
      "8:9 stage 'data' lists 'data/data/x.json' under files, but it is inside data/data/, the output folder of " +
        "stage 'data'",
    ]);
    expect(problems[0].hint).toBe(
      "read it through needs: add 'train' to data.needs and use ctx.input('train', ...) or ctx.inputPath(...)",
    );
    expect(problems[1].hint).toBe("a stage cannot read its own outputs; keep inputs under data/raw/");
  });

  it("normalizes accepted paths to project-relative posix form", () => {
    const root = standardProject();
    writeFiles(root, { "config/universe.txt": "AAPL\n" });
    const { spec, problems } = parseIn(root, filesOf("./data/raw/prices.csv", "config/../config/universe.txt"));
    expect(problems).toEqual([]);
    expect(spec!.stages[1].files).toEqual(["data/raw/prices.csv", "config/universe.txt"]);
  });
});

describe("parsePipelineText: reporting", () => {
  const broken = yaml(
    "version: 1",
    "stages:",
    "  data:",
    "    uses: stages/missing.ts",
    "    need: [x]",
    "  train:",
    "    uses: stages/train.ts",
    "    needs: [dta]",
    "    matrix: { model: [a, a] }",
  );

  it("collects every problem, sorted by position", () => {
    const problems = problemsOf(broken);
    expect(brief(problems)).toEqual([
      "4:11 uses 'stages/missing.ts' does not exist",
      "5:5 unknown key 'need' in stage 'data'",
      "8:13 stage 'train' needs 'dta', which is not a stage in this pipeline",
      "9:26 duplicate value 'a' in matrix axis 'model' of stage 'train' (first at line 9, column 23)",
    ]);
  });

  it("formatProblems prints file:line:col, the message and the hint", () => {
    const root = standardProject();
    const text = formatProblems(problemsOf(broken, root).slice(1, 3));
    const shown = relative(process.cwd(), join(root, "pipeline.yaml"));
    const file = shown.startsWith("..") ? join(root, "pipeline.yaml") : shown;
    expect(text).toBe(
      [
        `${file}:5:5: unknown key 'need' in stage 'data'`,
        "  → did you mean 'needs'? allowed: 'uses', 'needs', 'params', 'matrix', 'files', 'description'",
        `${file}:8:13: stage 'train' needs 'dta', which is not a stage in this pipeline`,
        "  → did you mean 'data'? stages: 'data'",
      ].join("\n"),
    );
  });
});

describe("loadPipeline", () => {
  it("returns the spec of a valid file", async () => {
    const root = standardProject();
    writeFiles(root, { "pipeline.yaml": yaml("version: 1", "stages:", "  data: { uses: stages/data.ts }") });
    const spec = await loadPipeline(join(root, "pipeline.yaml"));
    expect(spec.stages.map((s) => s.name)).toEqual(["data"]);
  });

  it("throws SPEC with every problem, a count and structured details", async () => {
    const root = standardProject();
    writeFiles(root, {
      "pipeline.yaml": yaml("version: 1", "stages:", "  data:", "    uses: stages/x.ts", "    need: []"),
    });
    const err = await loadPipeline(join(root, "pipeline.yaml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    const e = err as StrataError;
    expect(e.code).toBe("SPEC");
    expect(e.message).toMatch(/pipeline\.yaml:4:11: uses 'stages\/x\.ts' does not exist/);
    expect(e.message).toMatch(/pipeline\.yaml:5:5: unknown key 'need'/);
    expect(e.message.endsWith("\n\n2 problems in pipeline.yaml")).toBe(true);
    expect((e.details!.problems as unknown[]).length).toBe(2);
  });

  it("says how to create a missing pipeline.yaml", async () => {
    const root = tempProject();
    const err = (await loadPipeline(join(root, "pipeline.yaml")).catch((e: unknown) => e)) as StrataError;
    expect(err.code).toBe("SPEC");
    expect(err.message).toMatch(/^no pipeline file at .*pipeline\.yaml/);
    expect(err.hint).toContain("version: 1");
  });
});
