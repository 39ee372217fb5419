/**
 * The real-data example (examples/real-stocks): built with its own setup script into a temp
 * folder, run through the real CLI — data → features, labels → train → baselines → backtest →
 * stats → champion → report — on PyPortfolioOpt's 20 stocks (a wide, close-only table). It must
 * finish with no error and with the warnings that are true of this data: three one-day moves
 * beyond ±50 % and the OHLCV factors left out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, queryDuck } from "./helpers.ts";

const EXAMPLE = join(REPO, "examples", "real-stocks");
const BIN = join(REPO, "bin", "pipeline.js");
const OHLCV = ["pk_20", "gk_20", "atr_14", "donch_20", "vlm_z_20", "dollar_vol_20", "dollar_vol_20_z"];
const CELLS = [
  "data",
  "features",
  "labels",
  "train[model=ridge]",
  "train[model=gbdt]",
  "baselines",
  ...["ridge", "gbdt"].flatMap((m) =>
    ["equal_weight", "inverse_vol", "hrp"].map((o) => `backtest[model=${m},optimizer=${o}]`),
  ),
  "stats",
  "champion",
  "report",
];

interface Warning {
  source: string;
  stage: string;
  cell?: string;
  message: string;
}
interface RunOut {
  ok: boolean;
  warnings: Warning[];
  cells: Array<{ id: string; status: string; error?: string; warnings?: string[] }>;
}

describe("examples/real-stocks end to end", () => {
  let root: string, parent: string;
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: root,
      env: { ...process.env, CI: "true", NO_COLOR: "1", TZ: "UTC" },
      encoding: "utf8",
      timeout: 240_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const run = (): RunOut & { code: number; stderr: string } => {
    const r = cli(["run", "--json"]);
    try {
      return { ...(JSON.parse(r.stdout) as RunOut), code: r.code, stderr: r.stderr };
    } catch {
      throw new Error(`run --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
  };
  let first: { code: number; stdout: string; stderr: string };
  let again: ReturnType<typeof run>;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), "strata-real-stocks-"));
    root = join(parent, "study");
    const s = spawnSync(process.execPath, [join(EXAMPLE, "setup.mjs"), root], { encoding: "utf8" });
    expect(s.status, s.stderr).toBe(0);
    first = cli(["run"]); // as a user would: progress, logs and warnings on stderr
    again = run(); // then --json: every cell fresh, its warnings kept in the lock
  }, 240_000);
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it("runs every stage, data to report, with no error, saying what it inferred", () => {
    const out = first.stdout + first.stderr;
    expect(first.code, out).toBe(0);
    expect(out).toMatch(new RegExp(`${CELLS.length} ran, 0 restored, 0 fresh`));
    expect(out).not.toMatch(/✗|error/i);
    expect(out).toContain(
      'data: data/raw/stock_prices.csv: wide table: 20 symbols (one column each, dates in "date"), close only — ' +
        "inferred from the header",
    );
    expect(again.cells.map((c) => c.id).sort()).toEqual([...CELLS].sort());
    expect(again.code).toBe(0);
  });

  it("warns about what is true of the data: three ±50 % days and the OHLCV factors left out", () => {
    const msgs = again.warnings.map((w) => `${w.stage}: ${w.message}`);
    // |close_t / close_{t−1} − 1| > 0.5 in the file (counted from its text in tests/data/ingest-sanity.test.ts)
    expect(
      msgs
        .filter((m) => m.startsWith("data: "))
        .map((m) =>
          m
            .match(/: (\w+) moved (\S+ %) in one bar on (\S+)/)!
            .slice(1)
            .join(" "),
        ),
    ).toEqual(["AAPL -51.9 % 2000-09-29", "AMD +52.3 % 2016-04-22", "RRC +53.4 % 1998-10-19"]);
    expect(msgs.filter((m) => m.startsWith("features: "))).toEqual([
      `features: left out ${OHLCV.join(", ")}: data/prices has no open, high, low, volume (close-only prices); to ` +
        `say so in pipeline.yaml and silence this, ` +
        "set rangeVolatility: [], atr: [], donchian: [], volumeZ: [], dollarVolume: [], zscore: [mom_60, vol_60, " +
        "beta_60] in the features params",
    ]);
    expect(first.stderr + first.stdout).toMatch(/\d+ warnings:\n/);
  });

  it("the prices are the file's 20 stocks from 2012, close only", async () => {
    const [p] =
      await queryDuck(`SELECT count(DISTINCT symbol)::INT AS syms, min(date)::VARCHAR AS first, max(date)::VARCHAR AS
        last,
        count(open)::INT AS open, count(volume)::INT AS volume FROM '${root}/data/data/prices.parquet'`);
    expect(p).toEqual({ syms: 20, first: "2012-01-03", last: "2018-04-11", open: 0, volume: 0 });
  });

  it("no OHLCV factor, and no all-NULL or constant column, reaches the models", async () => {
    const path = `${root}/data/features/features.parquet`;
    const cols = (await queryDuck(`DESCRIBE SELECT * FROM '${path}'`))
      .map((d) => String(d.column_name))
      .filter((c) => c !== "date" && c !== "symbol");
    for (const c of OHLCV) expect(cols).not.toContain(c);
    const [r] = await queryDuck(
      `SELECT ${cols.map((c, i) => `count("${c}")::INT AS n${i}, (min("${c}") < max("${c}")) AS v${i}`).join(", ")} ` +
        `FROM '${path}'`,
    );
    expect(cols.filter((_, i) => !(Number(r[`n${i}`]) > 0 && r[`v${i}`] === true))).toEqual([]);
    const model = JSON.parse(readFileSync(join(root, "data/train/model=gbdt/model.json"), "utf8")) as {
      features: string[];
    };
    expect(model.features).toEqual(cols);
  });

  it("the champion stage decides (a champion, or why none passed) and the report is written", () => {
    const sel = JSON.parse(readFileSync(join(root, "data/champion/selection.json"), "utf8")) as {
      champion: string | null;
      candidates: Array<{ cell: string; passed: boolean; reasons: string[] }>;
    };
    expect(sel.candidates).toHaveLength(6);
    if (sel.champion === null) for (const c of sel.candidates) expect(c.reasons.length, c.cell).toBeGreaterThan(0);
    else expect(sel.candidates.find((c) => c.cell === sel.champion)?.passed).toBe(true);
    expect(existsSync(join(root, "data/report/index.html"))).toBe(true);
    const rep = cli(["report"]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(join(root, "reports/index.html"), "utf8")).toContain("left out pk_20");
  });

  it("a second run has nothing to do", () => {
    expect(again.cells.filter((c) => c.status !== "fresh").map((c) => c.id)).toEqual([]);
  });

  it("asking for an OHLCV factor on a declared wide table fails at plan time (exit 2, nothing runs)", () => {
    const yaml = readFileSync(join(root, "pipeline.yaml"), "utf8");
    const lock = readFileSync(join(root, "pipeline.lock"), "utf8");
    writeFileSync(
      join(root, "pipeline.yaml"),
      yaml
        .replace("format: auto ", "format: wide ")
        .replace("volatility: [20, 60]", "volatility: [20, 60]\n      atr: [14]"),
    );
    const r = cli(["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /params ask for atr_14 \(atr; needs high, low\) \(the data stage reads a wide table: close only\)/,
    );
    expect(readFileSync(join(root, "pipeline.lock"), "utf8")).toBe(lock);
    writeFileSync(join(root, "pipeline.yaml"), yaml);
  });
});
