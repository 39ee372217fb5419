/**
 * The data stage and `pipeline data validate` through the real CLI: synthetic market (small),
 * CSV ingest declared under `files:`, a file edit making the stage stale, bad input failing
 * with file and line, determinism via `pipeline verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, createTempProject, queryDuck, repoStages, type TempProject } from "./helpers.ts";

const fixture = (name: string) => readFileSync(join(REPO, "tests/fixtures/data", name), "utf8");

const query = (path: string, sql: string) => queryDuck(sql.replaceAll("$T", `read_parquet('${path}')`));

const SPEC = `version: 1
seed: 11
stages:
  market:
    uses: stages/data.ts
    params: { source: synthetic, symbols: 12, start: "2020-01-02", end: "2020-12-31", sectors: 3 }
  real:
    uses: stages/data.ts
    files: [data/raw/prices.csv]
    params:
      source: csv
      path: data/raw/prices.csv
      columns: { date: Date, symbol: Ticker, close: Adj Close }
`;

describe("data stage end to end", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml": SPEC,
      ...repoStages("data.ts"),
      "data/raw/prices.csv": fixture("pypfopt_long.csv"),
    });
  });
  afterAll(() => p.dispose());

  it("writes a synthetic market and an ingested CSV as sorted Parquet tables", async () => {
    const r = p.runJson();
    expect(r.ok, r.stderr + JSON.stringify(r.raw.cells)).toBe(true);
    const market = join(p.root, "data/market/prices.parquet");
    const [m] = await query(
      market,
      `select count(distinct symbol) as symbols, min(date)::VARCHAR as first, max(date)::VARCHAR as last,
              sum(case when high < low or close <= 0 or low > least(open, close) or high < greatest(open, close) then 1
              else 0 end) as bad
         from $T`,
    );
    expect(m).toEqual({ symbols: "12", first: "2020-01-02", last: "2020-12-31", bad: "0" });
    // Rows are ordered by (date, symbol): no row precedes its predecessor.
    const [o] = await query(
      market,
      `select count(*) as n from (
         select date, symbol, lag(date) over w as pd, lag(symbol) over w as ps
           from read_parquet('${market}', file_row_number = true) window w as (order by file_row_number))
        where date < pd or (date = pd and symbol <= ps)`,
    );
    expect(o.n).toBe("0");
    // 1,288 rows, 5 tickers in the PyPortfolioOpt slice (fixture README).
    const [c] = await query(
      join(p.root, "data/real/prices.parquet"),
      `select count(*) as n, count(distinct symbol) as s from $T`,
    );
    expect(c).toEqual({ n: "1288", s: "5" });
    const lock = p.read("pipeline.lock");
    expect(lock).toContain("data/raw/prices.csv:");
  });

  it("is deterministic: verify re-executes both cells byte-identically", () => {
    const v = p.cli(["verify"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("an edit of a declared input file makes only its stage stale, naming the file", () => {
    p.write(
      "data/raw/prices.csv",
      fixture("pypfopt_long.csv").replace("2014-06-02,AAPL,83.88562", "2014-06-02,AAPL,83.9"),
    );
    const st = JSON.parse(p.cli(["status", "--json"]).stdout).cells as Array<{
      cell: string;
      action: string;
      cause: string;
    }>;
    expect(st.find((c) => c.cell === "real")).toMatchObject({
      action: "run",
      cause: "file data/raw/prices.csv changed",
    });
    expect(st.find((c) => c.cell === "market")?.action).toBe("skip");
  });

  it("a bad price file fails the stage with the file and line, keeping the previous outputs", () => {
    const before = readFileSync(join(p.root, "data/real/prices.parquet"));
    p.write("data/raw/prices.csv", "Date,Ticker,Adj Close\n2014-06-02,AAPL,83.8\n2014-06-03,AAPL,-1\n");
    const r = p.runJson();
    expect(r.code).toBe(1);
    const err = r.raw.cells.find((c) => c.id === "real")?.error ?? "";
    expect(err).toContain("prices.csv");
    expect(err).toMatch(/line 3/);
    expect(readFileSync(join(p.root, "data/real/prices.parquet")).equals(before)).toBe(true);
  });

  it("a file source not declared under files: is refused with the fix", () => {
    p.write("pipeline.yaml", SPEC.replace("    files: [data/raw/prices.csv]\n", ""));
    const r = p.runJson(["real"]);
    expect(r.code).toBe(1);
    expect(r.raw.cells.find((c) => c.id === "real")?.error).toMatch(/add 'data\/raw\/prices.csv' to stages.real.files/);
  });
});

describe("pipeline data validate", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": "version: 1\nstages: {}\n" });
  });
  afterAll(() => p.dispose());

  it("reports each problem with its line and exits 1", () => {
    p.write("bad.csv", fixture("bad-high-low.csv"));
    const r = p.cli(["data", "validate", "bad.csv"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/line 3/);
    expect(r.stdout).toMatch(/high/);
  });

  it("accepts a good file with a column mapping and prints a summary (--json for scripts)", () => {
    p.write("good.csv", fixture("pypfopt_long.csv"));
    const r = p.cli(["data", "validate", "good.csv", "--columns", "date=Date,symbol=Ticker,close=Adj Close", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ ok: true, rows: 1288, symbols: 5, start: "2014-06-02", end: "2015-06-30" });
  });

  it("a missing file is a usage error", () => {
    const r = p.cli(["data", "validate", "nope.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such file: nope.csv");
  });
});
