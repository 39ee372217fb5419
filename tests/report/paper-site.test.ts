/**
 * The paper-trading and monitoring pages on a small real study with a champion (the paper
 * tests' study, plus a `paper` stage and a `report` stage needing it): a period traded
 * through `pipeline paper run --from --to` (real ledger, real reports/paper/<date>/), an
 * alert with a hostile title and a link sent through the real alerter, then
 * `pipeline report --json`. Figures with SVG marks and data tables, the equity table equal
 * to the ledger, escaping, no link printed, byte-identical rebuilds, a locked ledger reported
 * on the page, and the report stage's paper page (stage outputs only) verified by
 * `pipeline verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, exitOf, repoStages, waitForOutput, type TempProject } from "../e2e/helpers.ts";
import { createAlerter } from "../../src/monitor/index.ts";
import { SPEC as PAPER_SPEC, STAGES as PAPER_STAGES, ledgerRows } from "../paper/study.ts";
import { spawn } from "node:child_process";
import { pageScriptCount, withoutOwnMarkup } from "./page-text.ts";

const EVIL = "<img src=x onerror=alert(1)>";
const LINK = "https://hooks.slack.com/services/T000/B000/notasecret";
const FROM = "2021-03-01",
  TO = "2021-04-16";

const SPEC = `${PAPER_SPEC}  paper:
    uses: stages/paper.ts
    needs: [data, features, champion]
    params: { from: "2021-03-01", to: "2021-03-12" }
  report:
    uses: stages/report.ts
    needs: [backtest, champion, paper]
`;

const money = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

describe("paper trading and monitoring pages", () => {
  let p: TempProject;
  let out: { ok: boolean; outDir: string; pages: Array<{ file: string; bytes: number; figures: number }> };
  const page = (file: string) => readFileSync(join(out.outDir, file), "utf8");
  const ledger = () => join(p.root, "data/paper/ledger.duckdb");

  beforeAll(async () => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...PAPER_STAGES, ...repoStages("report.ts") });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr + JSON.stringify(r.raw.cells));
    const run = p.cli(["paper", "run", "--from", FROM, "--to", TO, "--json"]);
    if (run.code !== 0) throw new Error(`paper run failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
    const alerter = createAlerter({ dir: join(p.root, "data/paper/alerts"), webhookEnv: "STRATA_TEST_UNSET_WEBHOOK" });
    await alerter.send({
      key: `test:${EVIL}`,
      severity: "warning",
      date: TO,
      title: `Symbol ${EVIL} misbehaves`,
      message: `see ${LINK} for the thread`,
    });
    const rep = p.cli(["report", "--json"]);
    if (rep.code !== 0) throw new Error(`pipeline report failed (${rep.code}):\n${rep.stdout}\n${rep.stderr}`);
    out = JSON.parse(rep.stdout);
  }, 400_000);
  afterAll(() => p?.dispose());

  it("pipeline report includes the paper and monitoring pages, linked from every page", () => {
    const files = out.pages.map((x) => x.file);
    // One tearsheet page per chosen series, listed on tearsheets.html.
    expect(files.filter((f) => f.startsWith("tearsheets-")).length).toBeGreaterThan(0);
    // The paper book has its tearsheet too: its daily return after costs, from the ledger.
    expect(files).toContain("tearsheets-paper-book.html");
    expect(page("tearsheets-paper-book.html")).toContain("Paper book (data/paper/ledger.duckdb)");
    expect(page("tearsheets-paper-book.html")).toMatch(/<figure id="underwater[^"]*" class="figure"/);
    expect(files.filter((f) => !f.startsWith("tearsheets-"))).toEqual([
      "index.html",
      "data.html",
      "features.html",
      "models.html",
      "backtest.html",
      "tearsheets.html",
      "attribution.html",
      "statistics.html",
      "selection.html",
      "paper.html",
      "monitoring.html",
    ]);
    for (const f of files) {
      expect(page(f), f).toContain('<a href="paper.html"');
      expect(page(f), f).toContain('<a href="monitoring.html"');
    }
    expect(out.pages.find((x) => x.file === "paper.html")!.figures).toBeGreaterThanOrEqual(9);
    expect(out.pages.find((x) => x.file === "monitoring.html")!.figures).toBeGreaterThanOrEqual(7);
    for (const pg of out.pages) expect(pg.bytes, pg.file).toBeLessThan(2 * 1024 * 1024);
  });

  it("every figure has a title, an SVG with marks and a collapsible data table", () => {
    for (const file of ["paper.html", "monitoring.html"]) {
      const text = page(file);
      const blocks = text
        .split(/class="figure"(?: data-chart='[^']*')?>/)
        .slice(1)
        .map((b) => b.slice(0, b.indexOf("</details></figure>")));
      expect(blocks.length, file).toBe(out.pages.find((x) => x.file === file)!.figures);
      const ids = [...text.matchAll(/<figure id="([^"]+)" class="figure"[ >]/g)].map((m) => m[1]);
      expect(new Set(ids).size, `${file}: duplicate figure ids`).toBe(ids.length);
      for (const b of blocks) {
        const title = /<h3>(.+?)<\/h3>/.exec(b)?.[1];
        expect(title, file).toBeTruthy();
        expect(b, `${file}: ${title}`).toMatch(/<svg[^>]*viewBox/);
        expect(b, `${file}: ${title}`).toMatch(/<(rect|path|circle|line)\b/);
        expect(b, `${file}: ${title}`).toMatch(
          /<details><summary>Data \([\d,]+ rows\)<\/summary><div class="table-wrap" tabindex="0"><table>/,
        );
        expect(b, `${file}: ${title}`).toMatch(/aria-label="[^"]*axis/);
      }
    }
    const paper = page("paper.html");
    for (const t of [
      "Equity against the backtest",
      "Drawdown",
      "Daily return distribution",
      "Invested and cash",
      "Status of each day",
    ])
      expect(paper).toContain(`<h3>${t}</h3>`);
    const mon = page("monitoring.html");
    for (const t of [
      "Rank IC and its rolling mean",
      "Top − bottom quantile spread",
      "Live Sharpe ratio against the backtest",
      "Data freshness",
      "Average pairwise correlation of the book",
      "Alerts by day and severity",
    ])
      expect(mon).toContain(`<h3>${t}</h3>`);
  });

  it("the ledger section's equity table is the ledger's equity, day by day, next to the backtest", async () => {
    const ledgerPart = page("paper.html").split("<h2>Stage <code>paper</code>")[0];
    expect(ledgerPart).toContain("<h2>Ledger <code>data/paper/ledger.duckdb</code></h2>");
    const eq = await ledgerRows(ledger(), "SELECT date::VARCHAR AS date, equity FROM equity ORDER BY date");
    expect(eq.length).toBeGreaterThan(25);
    const table = ledgerPart.slice(ledgerPart.indexOf('id="ledger-equity"'));
    for (const r of eq)
      expect(table, String(r.date)).toContain(`<tr><td>${r.date}</td><td class="num">${money(Number(r.equity))}</td>`);
    expect(table.slice(0, table.indexOf("</details></figure>"))).toMatch(/<th>backtest_growth<\/th>/);
    const last = eq[eq.length - 1];
    expect(ledgerPart).toContain(`<div class="v">${money(Number(last.equity))}</div>`);
    const book = await ledgerRows(
      ledger(),
      "SELECT symbol FROM positions WHERE date = (SELECT max(date) FROM positions) AND shares <> 0 ORDER BY symbol",
    );
    expect(ledgerPart).toContain(`Positions at the close of ${last.date} (${book.length})`);
    for (const b of book) expect(ledgerPart).toContain(`<td>${b.symbol}</td>`);
    const kills = await ledgerRows(ledger(), "SELECT count(*)::INTEGER AS n FROM events WHERE kind = 'kill_switch'");
    if (Number(kills[0].n) > 0) expect(ledgerPart).toMatch(/kill_switch [1-9]/);
  });

  it("the monitoring page reads every daily report and the alert log; hostile text escaped, links removed", () => {
    const dates = readdirSync(join(p.root, "reports/paper"))
      .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
      .sort();
    expect(dates.length).toBeGreaterThan(25);
    const mon = page("monitoring.html");
    expect(mon).toContain(`${dates.length} daily monitoring reports`);
    expect(mon).toContain(`<h2>Latest: ${dates[dates.length - 1]}</h2>`);
    expect(mon).toContain(`Every monitoring report (${dates.length})`);
    const latest = JSON.parse(
      readFileSync(join(p.root, "reports/paper", dates[dates.length - 1], "monitoring.json"), "utf8"),
    );
    expect(mon).toContain(`below ${latest.thresholds.minRollingIc} (dashed)`);
    expect(mon).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(mon).not.toContain("hooks.slack.com");
    expect(mon).toContain("[link removed]");
    for (const f of ["paper.html", "monitoring.html"]) {
      expect(page(f), f).not.toContain("<img src=x");
      expect(pageScriptCount(page(f))).toBe(1);
      expect(withoutOwnMarkup(page(f))).not.toMatch(/<script|<link\b|@import|url\(http/);
    }
  });

  it("the same ledger and reports give byte-identical pages", () => {
    const before = Object.fromEntries(["paper.html", "monitoring.html"].map((f) => [f, page(f)]));
    const again = p.cli(["report", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    for (const f of Object.keys(before)) expect(page(f) === before[f], f).toBe(true);
  });

  it("the report stage shows the paper stage's outputs only, monitoring as not part of it, and verifies", () => {
    const dir = join(p.root, "data/report");
    const paper = readFileSync(join(dir, "paper.html"), "utf8");
    expect(paper).toContain("<h2>Stage <code>paper</code></h2>");
    expect(paper).not.toContain("<h2>Ledger");
    expect(paper).toMatch(/<th>backtest_growth<\/th>/);
    expect(readFileSync(join(dir, "monitoring.html"), "utf8")).toContain("Not part of this report");
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain('<a href="paper.html"');
    expect(readFileSync(join(dir, "index.html"), "utf8")).not.toContain('<a href="monitoring.html"');
    const v = p.cli(["verify", "report"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 120_000);

  it("a ledger locked by a writer is reported on the page, not a failure", async () => {
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { DuckDBInstance } from "@duckdb/node-api"; const db = await ` +
          `DuckDBInstance.create(${JSON.stringify(ledger())}); await (await db.connect()).run("SELECT 1"); ` +
          `console.log("holding"); setInterval(() => {}, 1000);`,
      ],
      { cwd: p.root, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await waitForOutput(holder, /holding/);
      const r = p.cli(["report", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const paper = page("paper.html");
      expect(paper).toContain("locked by a running <code>pipeline paper run</code>");
      expect(paper).toContain("<h2>Stage <code>paper</code></h2>");
    } finally {
      holder.kill("SIGTERM");
      await exitOf(holder);
    }
    expect(existsSync(ledger())).toBe(true);
  }, 60_000);
});
