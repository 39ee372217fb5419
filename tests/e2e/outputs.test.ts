/**
 * The outputs of a real small study (data → features, labels → train → baselines →
 * backtest[model × optimizer] → stats → champion) as other tools read them: DuckDB with
 * hive_partitioning over the matrix's folders, and pyarrow (Debian's python3-pyarrow, for
 * /usr/bin/python3) when it is installed. Row counts are the lock's, count columns are
 * integers, and every column of every table carries its description in the file's key-value
 * metadata (key `strata.columns`, a JSON object), the main tables a real one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, queryDuck, type TempProject } from "./helpers.ts";
import { studySpec, studyStages } from "./small-study.ts";
import { parseLock } from "../../src/pipeline/lock.ts";

const OPTIMIZERS = ["equal_weight", "hrp"];
const SPEC = studySpec({ seed: 5, optimizers: OPTIMIZERS, resamples: 100, pboSplits: 4 });

/** Text of the engine's default description (a stage that describes nothing). */
const DEFAULT_DESCRIPTION = "(the stage gives no description)";

/** Names that count something or number something: never DOUBLE. */
const COUNT_NAME =
  /^(n|n_.+|.+_rows|rows|observations|.+_days|days|years?|fold|trial|window|seq|searched|.+_trades|.+_dates|.*_cluster)$/;

/** Integer columns of the main tables, by output (stage/output) → column → DuckDB type. */
const INTEGERS: Record<string, Record<string, string>> = {
  "stats/cells": {
    observations: "INTEGER",
    up_days: "INTEGER",
    down_days: "INTEGER",
    years: "INTEGER",
    trial_cluster: "INTEGER",
    active_trial_cluster: "INTEGER",
  },
  "stats/windows": { year: "INTEGER", days: "INTEGER" },
  "backtest/returns": { n_names: "INTEGER" },
  "baselines/returns": { n_names: "INTEGER" },
  "train/folds": { fold: "INTEGER", train_rows: "INTEGER", test_rows: "INTEGER", test_dates: "INTEGER" },
  "train/trials": { trial: "INTEGER", fold: "INTEGER" },
  "data/symbols": { rows: "BIGINT" },
};

/** DuckDB type → the Arrow type pyarrow reports for it. */
const ARROW: Record<string, string> = {
  INTEGER: "int32",
  BIGINT: "int64",
  DOUBLE: "double",
  VARCHAR: "string",
  DATE: "date32[day]",
  BOOLEAN: "bool",
};

interface Table {
  cell: string;
  /** "stage/output". */
  key: string;
  path: string;
  rows: number;
}

/**
 * A python that imports pyarrow, or why there is none: $STRATA_PYTHON when set, then
 * /usr/bin/python3 (Debian's python3-pyarrow is for it, not for a pyenv python3 on PATH), then
 * python3.
 */
function findPyarrow(): { python: string; version: string } | { reason: string } {
  const candidates = [process.env.STRATA_PYTHON, "/usr/bin/python3", "python3"].filter((x): x is string => !!x);
  for (const python of candidates) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    const r = spawnSync(python, ["-c", "import pyarrow; print(pyarrow.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return { reason: `python3-pyarrow is not installed (none of ${candidates.join(", ")} imports pyarrow)` };
}
const PYARROW = findPyarrow();

// Reads every file and the backtest stage as one Hive-partitioned dataset; prints JSON.
const PY = `
import json, sys
import pyarrow.parquet as pq
import pyarrow.dataset as ds
req = json.load(sys.stdin)
out = {"files": {}, "dataset": None}
for path in req["files"]:
    f = pq.ParquetFile(path)
    meta = f.metadata.metadata or {}
    out["files"][path] = {
        "rows": f.metadata.num_rows,
        "types": {field.name: str(field.type) for field in f.schema_arrow},
        "descriptions": json.loads(meta[b"strata.columns"].decode()) if b"strata.columns" in meta else None,
    }
# A cell folder also holds JSON documents: the dataset is the stage's returns files, with the
# axes read from their folders (model=…/optimizer=…/) below the stage's folder.
d = ds.dataset(req["dataset"]["files"], format="parquet", partitioning="hive",
               partition_base_dir=req["dataset"]["base"])
t = d.to_table(columns=["model", "optimizer", "n_names"])
counts = {}
for m, o in zip(t.column("model").to_pylist(), t.column("optimizer").to_pylist()):
    counts[m + "/" + o] = counts.get(m + "/" + o, 0) + 1
out["dataset"] = {"counts": counts, "n_names": str(t.schema.field("n_names").type)}
print(json.dumps(out))
`;

describe("outputs any tool reads", () => {
  let p: TempProject;
  let tables: Table[];
  /** DuckDB's view of each file: column → type, and column → description. */
  const types = new Map<string, Record<string, string>>();
  const described = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...studyStages() });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr + JSON.stringify(r.raw.cells));
    const lock = parseLock(p.read("pipeline.lock"), "pipeline.lock");
    tables = Object.entries(lock.cells).flatMap(([cell, e]) =>
      Object.entries(e.outputs)
        .filter(([, o]) => o.path.endsWith(".parquet"))
        .map(([name, o]) => ({ cell, key: `${e.stage}/${name}`, path: join(p.root, o.path), rows: o.rows ?? -1 })),
    );
    for (const t of tables) {
      const cols = await queryDuck(
        `SELECT column_name AS c, column_type AS t FROM (DESCRIBE SELECT * FROM read_parquet('${t.path}', hive_partitioning = false))`,
      );
      types.set(t.path, Object.fromEntries(cols.map((r) => [r.c, r.t])));
      const kv = await queryDuck(
        `SELECT decode(value) AS v FROM parquet_kv_metadata('${t.path}') WHERE decode(key) = 'strata.columns'`,
      );
      described.set(t.path, kv.length === 1 ? JSON.parse(String(kv[0].v)) : {});
    }
  }, 600_000);
  afterAll(() => p?.dispose());

  it("covers every stage's tables", () => {
    const keys = new Set(tables.map((t) => t.key));
    for (const k of Object.keys(INTEGERS)) expect(keys, k).toContain(k);
    expect(tables.filter((t) => t.key === "backtest/returns")).toHaveLength(OPTIMIZERS.length);
  });

  it("DuckDB reads each file with the lock's row count, and the matrix as one Hive-partitioned table", async () => {
    for (const t of tables) {
      const [{ n }] = await queryDuck(`SELECT count(*)::INTEGER AS n FROM read_parquet('${t.path}')`);
      expect(n, `${t.cell} ${t.key}`).toBe(t.rows);
    }
    const rows = await queryDuck(
      `SELECT model, optimizer, count(*)::INTEGER AS n, typeof(any_value(n_names)) AS t FROM ` +
        `read_parquet('${p.root}/data/backtest/*/*/returns.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    );
    const lockRows = (o: string) =>
      tables.find((t) => t.cell === `backtest[model=ridge,optimizer=${o}]` && t.key === "backtest/returns")!.rows;
    expect(rows).toEqual(
      [...OPTIMIZERS].sort().map((o) => ({ model: "ridge", optimizer: o, n: lockRows(o), t: "INTEGER" })),
    );
  });

  it("integer columns are integers: the main tables' counts, and no count-like column anywhere is DOUBLE", () => {
    for (const t of tables) {
      const ty = types.get(t.path)!;
      for (const [c, want] of Object.entries(INTEGERS[t.key] ?? {})) expect(ty[c], `${t.key}.${c}`).toBe(want);
      for (const [c, got] of Object.entries(ty))
        if (COUNT_NAME.test(c)) expect(["INTEGER", "BIGINT"], `${t.key}.${c} is ${got}`).toContain(got);
    }
  });

  it("the counts of the stats table keep their values: observations = the returns' rows, up + down ≤ observations", async () => {
    const cells = await queryDuck(
      `SELECT cell, observations, up_days, down_days, years FROM '${p.root}/data/stats/cells.parquet' ORDER BY cell`,
    );
    expect(cells).toHaveLength(OPTIMIZERS.length);
    for (const c of cells) {
      const [{ n, y }] = await queryDuck(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT year(date))::INTEGER AS y FROM read_parquet('${p.root}/data/backtest/*/*/returns.parquet', hive_partitioning = true) ` +
          `WHERE 'backtest[model=' || model || ',optimizer=' || optimizer || ']' = '${c.cell}'`,
      );
      expect(c.observations).toBe(n);
      expect(c.years).toBe(y);
      expect((c.up_days as number) + (c.down_days as number)).toBeLessThanOrEqual(n as number);
    }
  });

  it("every column of every table has a description in the file's metadata; the main tables' are real ones", () => {
    for (const t of tables) {
      const d = described.get(t.path)!;
      expect(Object.keys(d), `${t.cell} ${t.key}`).toEqual(Object.keys(types.get(t.path)!));
      for (const [c, text] of Object.entries(d)) {
        expect(text.length, `${t.key}.${c}`).toBeGreaterThan(3);
        expect(text, `${t.key}.${c} has only the default description`).not.toContain(DEFAULT_DESCRIPTION);
      }
    }
    expect(described.get(join(p.root, "data/stats/cells.parquet"))!.observations).toBe(
      "Number of daily net returns analysed.",
    );
  });

  const pyTitle =
    "python" in PYARROW
      ? `pyarrow ${PYARROW.version} reads the same rows, integer types and descriptions, and the Hive partitions`
      : `pyarrow reads the same rows, types and descriptions — skipped: ${PYARROW.reason}`;
  it.skipIf(!("python" in PYARROW))(pyTitle, () => {
    if (!("python" in PYARROW)) return;
    const r = spawnSync(PYARROW.python, ["-c", PY], {
      input: JSON.stringify({
        files: tables.map((t) => t.path),
        dataset: {
          base: join(p.root, "data/backtest"),
          files: tables.filter((t) => t.key === "backtest/returns").map((t) => t.path),
        },
      }),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as {
      files: Record<string, { rows: number; types: Record<string, string>; descriptions: Record<string, string> }>;
      dataset: { counts: Record<string, number>; n_names: string };
    };
    for (const t of tables) {
      const f = got.files[t.path];
      expect(f.rows, `${t.key} rows`).toBe(t.rows);
      expect(f.descriptions, `${t.key} descriptions`).toEqual(described.get(t.path));
      const duck = types.get(t.path)!;
      for (const [c, ty] of Object.entries(duck))
        if (ARROW[ty]) expect(f.types[c], `${t.key}.${c}: ${ty}`).toBe(ARROW[ty]);
    }
    expect(got.dataset.n_names).toBe("int32");
    expect(got.dataset.counts).toEqual(
      Object.fromEntries(
        tables
          .filter((t) => t.key === "backtest/returns")
          .map((t) => [t.cell.replace(/^backtest\[model=(\w+),optimizer=(\w+)\]$/, "$1/$2"), t.rows]),
      ),
    );
  });
});
