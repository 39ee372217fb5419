/**
 * The report site on a small real study (data → features, labels → train → baselines →
 * backtest → stats → champion, plus a CSV-sourced price table with a hostile symbol) through
 * the real CLI: every page built from real Parquet via DuckDB, figures with SVG marks and data
 * tables, the lock hash stamped, escaping, page weights, a stale cell shown as stale,
 * `pipeline report --json`, and the report stage reproduced byte for byte by `pipeline verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, REPO, repoStages, type TempProject } from "../e2e/helpers.ts";
import { studySpec, studyStages } from "../e2e/small-study.ts";
import { loadCatalog } from "../../src/cli/catalog.ts";
import { createDatabase, queryRows } from "../../src/store/index.ts";
import { outputOf } from "../../src/report/catalog.ts";
import { slug } from "../../src/report/html.ts";
import { renderSite } from "../../src/report/site/index.ts";
import type { BuiltPage } from "../../src/report/site/index.ts";
import { pageSkeleton } from "./page-skeleton.ts";
import { pageScriptCount, withoutOwnMarkup } from "./page-text.ts";

const EVIL = "<img src=x onerror=alert(1)>";
const STAGES = studyStages("report.ts");

function csv(): string {
  const lines = ["Date,Ticker,Adj Close"];
  for (let d = 1; d <= 20; d++) {
    const date = `2020-01-${String(d).padStart(2, "0")}`;
    lines.push(`${date},AAA,${(100 + d).toFixed(2)}`, `${date},${EVIL},${(50 + d / 2).toFixed(2)}`);
  }
  return lines.join("\n") + "\n";
}

const SPEC = studySpec({
  symbols: 24,
  end: "2021-06-30",
  stressBps: [0, 5],
  momentum: { lookback: 120, skip: 10 },
  optimizers: ["equal_weight", "inverse_vol"],
  pboSplits: 4,
  extraStages: `  ingest:
    uses: stages/data.ts
    files: [data/raw/prices.csv]
    params: { source: csv, path: data/raw/prices.csv, columns: { date: Date, symbol: Ticker, close: Adj Close } }
  report:
    uses: stages/report.ts
    needs: [data, ingest, features, labels, train, baselines, backtest, stats, champion]
`,
});

const MB2 = 2 * 1024 * 1024;

/** The charts every tearsheet page has (issue 18, item 3), whatever the series. */
const TEARSHEET_CHARTS = [
  "Underwater (drawdown)",
  "Monthly returns",
  "Rolling Sharpe ratio (126 periods)",
  "Rolling volatility (126 periods)",
  "Worst drawdowns",
  "Distribution of returns",
];
describe("report site on a small study", () => {
  let p: TempProject;
  let pages: BuiltPage[];
  let lockHash: string;
  /** Every return series of the study: [label, kind], from each `returns` table (one per strategy of the baselines'). */
  let series: Array<[string, "cell" | "baseline"]>;
  beforeAll(async () => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...STAGES, "data/raw/prices.csv": csv() });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr + JSON.stringify(r.raw.cells));
    lockHash = createHash("sha256")
      .update(readFileSync(join(p.root, "pipeline.lock")))
      .digest("hex");
    const catalog = await loadCatalog({ cwd: p.root });
    const db = await createDatabase();
    const conn = await db.connect();
    try {
      pages = await renderSite(catalog, { conn });
      series = [];
      for (const cell of catalog.cells) {
        const returns = outputOf(cell, "returns");
        if (!returns) continue;
        const src = `read_parquet('${returns.path}')`;
        const cols = (await queryRows(conn, `select column_name from (describe select * from ${src})`)).map((r) =>
          String(r.column_name),
        );
        if (!cols.includes("net")) continue;
        if (!cols.includes("strategy")) series.push([cell.id, "cell"]);
        else
          for (const r of await queryRows(conn, `select distinct strategy from ${src} order by strategy`))
            series.push([String(r.strategy), "baseline"]);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }, 600_000);
  afterAll(() => p?.dispose());

  const get = (file: string) => {
    const pg = pages.find((x) => x.file === file);
    if (!pg) throw new Error(`no page ${file} among ${pages.map((x) => x.file).join(", ")}`);
    return pg.html;
  };

  it(
    "every page keeps its golden skeleton (headings, " + "figures and their SVG marks, tables; numbers to 4 digits)",
    () => {
      // tests/golden/report-pages.json; after an intended change: UPDATE_GOLDEN=1 npx vitest run
      // tests/report/site.test.ts, then review the golden file's diff in the commit.
      const golden = join(REPO, "tests/golden/report-pages.json");
      const got =
        JSON.stringify(Object.fromEntries(pages.map((pg) => [pg.file, pageSkeleton(pg.html)])), null, 1) + "\n";
      // Written only on request: a missing golden file is a failure, never a silent pass.
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, got);
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(got).toBe(readFileSync(golden, "utf8"));
    },
  );

  it("builds a page for every kind of output the study has", () => {
    expect(pages.map((x) => x.file)).toEqual([
      "index.html",
      "data.html",
      "features.html",
      "models.html",
      "backtest.html",
      "tearsheets.html",
      // Every cell (best Sharpe ratio first), then every baseline of the baselines stage.
      "tearsheets-backtest-model-ridge-optimizer-inverse-vol.html",
      "tearsheets-backtest-model-ridge-optimizer-equal-weight.html",
      "tearsheets-buy-and-hold.html",
      "tearsheets-equal-weight.html",
      "tearsheets-momentum.html",
      "tearsheets-reversal.html",
      "attribution.html",
      "statistics.html",
      "selection.html",
    ]);
  });

  it("a tearsheet holds the charts quants expect, and the worst drawdowns table", () => {
    const t = get("tearsheets-backtest-model-ridge-optimizer-equal-weight.html");
    for (const title of ["Cumulative return vs benchmark", ...TEARSHEET_CHARTS, "Exposure", "Turnover"])
      expect(t, title).toContain(`<h3>${title}</h3>`);
    // The worst drawdown's depth is the cell's max_drawdown metric (−22.78 % in this study's lock).
    const shown = JSON.parse(
      p.cli(["metrics", "show", "backtest[model=ridge,optimizer=equal_weight]", "--json"]).stdout,
    );
    const md = shown.metrics.find((m: { metric: string }) => m.metric === "max_drawdown").value as number;
    expect(t).toContain(`<td class="num">${(md * 100).toFixed(2).replace("-", "−")}%</td>`);
    expect(get("tearsheets.html")).toContain('<a href="tearsheets-equal-weight.html">equal_weight</a>');
  });

  it("every return series of the study has its tearsheet page with the charts quants expect, linked from a sortable list", () => {
    expect(series.filter(([, kind]) => kind === "cell")).toHaveLength(2);
    expect(series.filter(([, kind]) => kind === "baseline").map(([label]) => label)).toEqual([
      "buy_and_hold",
      "equal_weight",
      "momentum",
      "reversal",
    ]);
    const list = get("tearsheets.html");
    // One table, every series a link in it (the page script sorts and filters every table).
    expect(list.match(/<table>/g)).toHaveLength(1);
    expect(list).toContain("<th>series</th><th>kind</th><th>sharpe</th><th>max_drawdown</th>");
    for (const [label, kind] of series) {
      const file = `tearsheets-${slug(label)}.html`;
      expect(list, label).toContain(`<td><a href="${file}">${label.replace(/&/g, "&amp;")}</a></td><td>${kind}</td>`);
      const t = get(file);
      // Cumulative return against the equal-weight baseline (the benchmark itself has none).
      const cumulative = label === "equal_weight" ? "Cumulative return" : "Cumulative return vs benchmark";
      expect(t, label).toMatch(new RegExp(`<h3>${cumulative}( \\(log scale\\))?</h3>`));
      for (const title of TEARSHEET_CHARTS) expect(t, `${label}: ${title}`).toContain(`<h3>${title}</h3>`);
      // Monthly returns with each year's total; the five worst drawdowns with their dates, depth and length.
      expect(t, label).toMatch(/<td>\d{4}<\/td><td>Year<\/td>/);
      expect(t, label).toContain(
        "<th>rank</th><th>start</th><th>trough</th><th>recovery</th><th>depth</th><th>periods</th>",
      );
      // The distribution marks the 95 % VaR and CVaR.
      expect(t, label).toMatch(/95 % VaR −?[\d.]+% \(dashed\) and CVaR −?[\d.]+% \(solid\)/);
      // Turnover and exposure of the book, where the series has them (every backtest cell does).
      if (kind === "cell")
        for (const title of ["Exposure", "Turnover"]) expect(t, `${label}: ${title}`).toContain(`<h3>${title}</h3>`);
      // Its tables' downloads are named after the page.
      expect(t, label).toContain(`href="data/tearsheets-${slug(label)}-1.csv"`);
    }
  });

  it("every figure has an SVG with marks and a collapsible data table", () => {
    let figures = 0;
    for (const pg of pages) {
      const blocks = pg.html
        .split(/class="figure"(?: data-chart='[^']*')?>/)
        .slice(1)
        .map((b) => b.slice(0, b.indexOf("</figure></")));
      expect(blocks.length, pg.file).toBe(pg.figures);
      for (const b of blocks) {
        const title = /<h3>(.*?)<\/h3>/.exec(b)?.[1];
        // A chart of nothing (no missing value anywhere) is said in words instead.
        if (/<\/p><p class="note said">No column has a missing value/.test(b)) {
          expect(b).not.toMatch(/<svg/);
          figures++;
          continue;
        }
        expect(b, `${pg.file}: ${title}`).toMatch(/<svg[^>]*viewBox/);
        expect(b, `${pg.file}: ${title}`).toMatch(/<(rect|path|circle|line|text)\b/);
        expect(b, `${pg.file}: ${title}`).toMatch(
          /<details><summary>Data \([\d,]+ (rows|edges)\)<\/summary><div class="table-wrap" tabindex="0"><table>/,
        );
        figures++;
      }
      expect(pg.html).not.toMatch(/<figure[^>]*class="figure"><h3><\/h3>/);
    }
    expect(figures).toBeGreaterThanOrEqual(15);
    expect(get("features.html")).toContain("Rank IC by factor");
    expect(get("backtest.html")).toContain("Sharpe ratio under cost stress");
  });

  it(
    "stamps every page with the lock hash and git commit line, " + "links only relatively, requests nothing external",
    () => {
      for (const pg of pages) {
        expect(pg.html, pg.file).toContain(`<code class="lock-hash">${lockHash}</code>`);
        expect(pg.html, pg.file).toContain("git commit");
        expect(pg.html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
        expect(pageScriptCount(pg.html)).toBe(1);
        expect(withoutOwnMarkup(pg.html)).not.toMatch(/<script|<link\b|@import|url\(http/);
        // Links lead to pages of the site or to the tables' downloads (data/<page>-<n>.csv|parquet).
        const targets = new Set([
          ...pages.map((x) => x.file),
          ...pages.flatMap((x) => (x.downloads ?? []).flatMap((t) => [`${t.name}.csv`, `${t.name}.parquet`])),
          "data:,",
        ]);
        for (const [, href] of pg.html.matchAll(/href="([^"#]+)"/g)) expect(targets, pg.file).toContain(href);
        expect(pg.bytes, pg.file).toBeLessThan(MB2);
      }
    },
  );

  it("reads: p-values of 0 as < 1/B, seeds without separators, PSR/DSR on a nines axis", () => {
    const stats = get("statistics.html");
    // The bootstrap p-values: a number, or "< 1/B (1/B)" — never a bare 0 (2000 resamples here).
    for (const label of ["Reality Check p-value", "SPA p-value (consistent)"]) {
      const v = new RegExp(`${label.replace(/[()]/g, "\\$&")}</div><div class="v">([^<]*)<`).exec(stats)?.[1];
      expect(v, label).toMatch(/^(&lt; 1\/2000 \(0\.0005\)|0\.\d+|1)$/);
    }
    expect(stats).not.toMatch(/<th>reality_check\.p_value<\/th><td[^>]*>0</);
    expect(stats).toContain("Probability (nines scale: 0.9, 0.99, 0.999 evenly spaced)");
    // Every cell's seed in the overview: digits only (a seed is a name, not a quantity).
    const seeds = [...get("index.html").matchAll(/[0-9a-f]{16}<\/td><td class="num">([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(seeds.length).toBeGreaterThan(5);
    for (const s of seeds) expect(s).toMatch(/^\d+$/);
    expect(get("selection.html")).toMatch(/<th>backtest\.seed<\/th><td class="num">\d+<\/td>/);
    // Heatmap legends: wide enough for a label per threshold (at 400 px "−0.80−0.60" overlapped),
    // labels without trailing zeros.
    const ramp = /<figure id="sharpe-ratio-matrix"[\s\S]*?(<svg[^>]*class="plot-[^"]*-ramp"[^>]*>)[\s\S]*?<\/svg>/.exec(
      get("backtest.html"),
    );
    expect(Number(/ width="(\d+)"/.exec(ramp?.[1] ?? "")?.[1])).toBe(560);
    const ticks = [...(ramp?.[0] ?? "").matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(ticks.length).toBeGreaterThan(3);
    for (const t of ticks.filter((x) => /\d/.test(x))) expect(t).not.toMatch(/\.\d*0$/);
  });

  it("renders a hostile symbol as text", () => {
    const data = get("data.html");
    expect(data).toContain("&lt;img src=x onerror=alert(1)&gt;");
    for (const pg of pages) expect(pg.html, pg.file).not.toContain("<img src=x");
  });

  it("pipeline report --json writes the site and reports page weights", () => {
    const r = p.cli(["report", "--json"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      outDir: string;
      pages: Array<{ file: string; bytes: number }>;
      seconds: number;
    };
    expect(out.ok).toBe(true);
    expect(out.outDir).toBe(join(p.root, "reports"));
    expect(out.pages.map((x) => x.file)).toEqual(pages.map((x) => x.file));
    for (const pg of out.pages) {
      const text = readFileSync(join(out.outDir, pg.file), "utf8");
      expect(Buffer.byteLength(text)).toBe(pg.bytes);
      expect(text === get(pg.file), `${pg.file} differs between the CLI and an in-process build`).toBe(true);
    }
    expect(out.seconds).toBeGreaterThan(0);
    // Every table's download is beside the pages; a rebuild removes only its own stale files.
    const data = join(out.outDir, "data");
    const links = new Set(
      out.pages.flatMap((pg) => [...get(pg.file).matchAll(/href="(data\/[^"]+)"/g)].map((m) => m[1])),
    );
    expect(links.size).toBeGreaterThan(10);
    for (const l of links) expect(existsSync(join(out.outDir, l)), l).toBe(true);
    for (const pg of (out as unknown as { pages: Array<{ seconds: number }> }).pages)
      expect(pg.seconds).toBeGreaterThanOrEqual(0);
    const files = readdirSync(data).filter((f) => !f.startsWith("."));
    const before = new Map(
      files.map((f) => [f, [statSync(join(data, f)).mtimeMs, readFileSync(join(data, f))] as const]),
    );
    writeFileSync(join(data, "backtest-999.csv"), "stale\n");
    writeFileSync(join(data, "notes-1.csv"), "a file of the user's\n");
    // Corrupt one kept drawing: it is drawn again, never served torn.
    const cache = join(p.root, ".pipeline", "report-cache");
    const entries = readdirSync(cache);
    expect(entries.length).toBe(out.pages.filter((pg) => pg.file.startsWith("tearsheets-")).length);
    writeFileSync(join(cache, entries[0]), "{torn");
    const again = p.cli(["report", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    // The subpages drawn by the first build are read back: the same bytes as an in-process build.
    const second = JSON.parse(again.stdout) as { pages: Array<{ file: string; reused?: boolean }> };
    expect(second.pages.filter((pg) => pg.reused).length).toBe(entries.length - 1);
    for (const pg of second.pages)
      expect(readFileSync(join(out.outDir, pg.file), "utf8") === get(pg.file), `${pg.file} differs once kept`).toBe(
        true,
      );
    expect(existsSync(join(data, "backtest-999.csv"))).toBe(false);
    expect(readFileSync(join(data, "notes-1.csv"), "utf8")).toBe("a file of the user's\n");
    // Nothing changed, so no download was written again: every file keeps its mtime.
    for (const [f, [mtime]] of before) expect(statSync(join(data, f)).mtimeMs, f).toBe(mtime);
    // A download changed since (same size or not) is written anew, with the same bytes as before.
    const csv = files.find((f) => f.endsWith(".csv")) as string;
    const parquet = files.find((f) => f.endsWith(".parquet")) as string;
    const original = before.get(csv)?.[1] as Buffer;
    writeFileSync(join(data, csv), Buffer.alloc(original.length, 0x41));
    writeFileSync(join(data, parquet), "not parquet");
    expect(p.cli(["report", "--json"]).code).toBe(0);
    expect(readFileSync(join(data, csv)).equals(original), csv).toBe(true);
    expect(readFileSync(join(data, parquet)).equals(before.get(parquet)?.[1] as Buffer), parquet).toBe(true);
  });

  it("the report stage writes the same pages, stamped with its inputs' digest, byte-identical under verify", () => {
    const dir = join(p.root, "data/report");
    expect(readdirSync(dir).sort()).toEqual([
      "ablation.html",
      "attribution.html",
      "backtest.html",
      "book.html",
      "data.html",
      "features.html",
      "index.html",
      "models.html",
      "monitoring.html",
      "paper.html",
      "selection.html",
      "statistics.html",
      "strategies.html",
      "tearsheets.html",
    ]);
    for (const f of ["paper.html", "monitoring.html"])
      expect(readFileSync(join(dir, f), "utf8"), f).toContain("Not part of this report");
    const index = readFileSync(join(dir, "index.html"), "utf8");
    expect(index).toContain("the report stage&#39;s inputs");
    expect(index).not.toContain(lockHash);
    expect(index).not.toContain("git commit");
    expect(readFileSync(join(dir, "data.html"), "utf8")).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const v = p.cli(["verify", "report"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 120_000);

  it("shows a stale cell as stale, with its reason", () => {
    p.write("pipeline.yaml", SPEC.replace("max_turnover: 1000", "max_turnover: 999"));
    const r = p.cli(["report", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const index = readFileSync(join(p.root, "reports/index.html"), "utf8");
    expect(index).toMatch(
      /<code>champion<\/code><\/td><td><span class="badge warn">stale<\/span><\/td><td>[^<]*max_turnover: 1000 → 999/,
    );
    const selection = readFileSync(join(p.root, "reports/selection.html"), "utf8");
    expect(selection).toMatch(/<code>champion<\/code> <span class="badge warn">stale<\/span>/);
    expect(existsSync(join(p.root, "reports/backtest.html"))).toBe(true);
  });

  it("says to run the pipeline first when there is no lock", () => {
    const q = createTempProject({
      "pipeline.yaml":
        "version: 1\nseed: 1\nstages:\n  ingest:\n    uses: stages/data.ts\n    params: { source: synthetic, " +
        'symbols: 3, start: "2020-01-02", end: "2020-02-28" }\n',
      ...repoStages("data.ts"),
    });
    try {
      const r = q.cli(["report"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("run `pipeline run` first");
    } finally {
      q.dispose();
    }
  });
});
