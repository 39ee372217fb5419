/**
 * The report site in a real browser: every page built by `pipeline report` loads from file://
 * (the study's pages plus paper trading and monitoring, after a month of `pipeline paper run`)
 * with no console error and no request outside the site, every figure holds an SVG with marks,
 * the navigation links lead to pages that exist, and nothing overflows a phone's width.
 * Screenshots land in tests/artifacts/browser/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTempProject, queryDuck, type TempProject } from "../e2e/helpers.ts";
import { figureStats, launchBrowser, screenshot, watchPage } from "./browser.ts";
import { STUDY_SPEC, STUDY_STAGES } from "./study.ts";

describe("report site in chromium", () => {
  let p: TempProject;
  let browser: Browser;
  let pages: Array<{ file: string; bytes: number }> = [];
  let outDir = "";

  beforeAll(async () => {
    p = createTempProject({ "pipeline.yaml": STUDY_SPEC, ...STUDY_STAGES });
    const r = p.runJson();
    if (!r.ok) throw new Error(r.stderr + JSON.stringify(r.raw.cells));
    // A month of paper trading: the ledger and the daily monitoring reports feed two more pages.
    const paper = p.cli(["paper", "run", "--from", "2021-03-01", "--to", "2021-03-31", "--json"]);
    if (paper.code !== 0)
      throw new Error(`pipeline paper run failed (${paper.code}):\n${paper.stdout}\n${paper.stderr}`);
    const rep = p.cli(["report", "--json"]);
    if (rep.code !== 0) throw new Error(`pipeline report failed (${rep.code}):\n${rep.stdout}\n${rep.stderr}`);
    const json = JSON.parse(rep.stdout) as { outDir: string; pages: Array<{ file: string; bytes: number }> };
    outDir = json.outDir;
    pages = json.pages;
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    p?.dispose();
  });

  it("builds the overview and the stage pages", () => {
    const files = pages.map((x) => x.file);
    expect(files).toContain("index.html");
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files).toContain("paper.html");
    expect(files).toContain("monitoring.html");
    for (const f of files) expect(existsSync(join(outDir, f)), f).toBe(true);
  });

  it("every page loads with no console error, no outside request, figures drawn, phone width respected", async () => {
    const site = pathToFileURL(outDir).href;
    for (const { file } of pages) {
      const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await ctx.newPage();
      const w = watchPage(page);
      await page.goto(pathToFileURL(join(outDir, file)).href, { waitUntil: "load" });
      expect(w.errors, `${file}: console errors`).toEqual([]);
      expect(
        w.requests.filter((u) => !u.startsWith(site)),
        `${file}: requests outside the site`,
      ).toEqual([]);
      expect(w.dialogs, file).toEqual([]);
      const figs = await figureStats(page);
      expect(figs.empty, `${file}: figures without SVG marks`).toEqual([]);
      // The overview and the tearsheets' list are tables and links.
      if (file !== "index.html" && file !== "tearsheets.html")
        expect(figs.figures, `${file}: no figure`).toBeGreaterThan(0);
      await expect(page.locator("footer.stamp .lock-hash").textContent()).resolves.toMatch(
        /^[0-9a-f]{64}$|^[0-9a-f]{12,}/,
      );
      await screenshot(page, `report-${file}`);
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${file}: wider than a phone by ${overflow}px`).toBeLessThanOrEqual(1);
      await screenshot(page, `report-phone-${file}`);
      await ctx.close();
    }
  }, 180_000);

  it("navigation links work: each one opens an existing page of the site", async () => {
    const page = await browser.newPage();
    const w = watchPage(page);
    await page.goto(pathToFileURL(join(outDir, "index.html")).href);
    const hrefs = await page
      .locator("nav.pages a")
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));
    expect(hrefs.length).toBeGreaterThanOrEqual(5);
    for (const href of hrefs) {
      await page.locator(`nav.pages a[href="${href}"]`).first().click();
      await page.waitForLoadState("load");
      expect(page.url(), href).toBe(pathToFileURL(join(outDir, href)).href);
      await expect(page.locator("main h1").first().textContent(), href).resolves.toBeTruthy();
      await expect(page.locator(`nav.pages a[aria-current="page"]`).getAttribute("href")).resolves.toBe(href);
    }
    expect(w.errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("every page passes axe-core's checks with no serious or critical violation", async () => {
    const axe = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
    const found: string[] = [];
    for (const { file } of pages) {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(outDir, file)).href, { waitUntil: "load" });
      await page.addScriptTag({ path: axe });
      const violations = await page.evaluate(async () => {
        const r = await (
          window as unknown as {
            axe: {
              run(
                ctx: Document,
                o: object,
              ): Promise<{
                violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
              }>;
            };
          }
        ).axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          at: v.nodes.slice(0, 2).map((n) => n.target.join(" ")),
        }));
      });
      for (const v of violations)
        if (v.impact === "serious" || v.impact === "critical")
          found.push(`${file}: ${v.id} (${v.impact}) ${v.help} at ${v.at.join(" | ")}`);
      await page.close();
    }
    expect(found).toEqual([]);
  }, 180_000);

  it("charts and tables are interactive: tooltip, zoom, legend toggle, sort, filter, CSV = Parquet, search", async () => {
    // Served over HTTP on loopback, as a published report is (from file:// a browser shows a CSV
    // instead of saving it).
    const server = await serveFolder(outDir);
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    const w = watchPage(page);
    await page.goto(`${server.url}/backtest.html`, { waitUntil: "load" });

    // Tooltip: point at a vertex in the middle of the equity chart's first line; the tip names a
    // series, a date and a value.
    const equity = page.locator("figure.figure.can-zoom").first();
    await equity.scrollIntoViewIfNeeded();
    const svg = equity.locator("svg[viewBox]").first();
    const box = (await svg.boundingBox())!;
    const vertex = await svg.evaluate((s: SVGSVGElement) => {
      const path = s.querySelector('g[aria-label="line"] path') as SVGPathElement;
      const pt = path.getPointAtLength(path.getTotalLength() / 2);
      const m = path.getScreenCTM()!;
      return { x: m.a * pt.x + m.c * pt.y + m.e, y: m.b * pt.x + m.d * pt.y + m.f };
    });
    await page.mouse.move(vertex.x, vertex.y);
    const tip = equity.locator(".tip");
    await expect(tip.isVisible()).resolves.toBe(true);
    const tipText = (await tip.textContent()) ?? "";
    expect(tipText).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(tipText).toMatch(/: −?[\d.,]+/);

    // Zoom: drag across a fifth of the plot; fresh x ticks span less than the chart's whole domain.
    const domain = await equity.evaluate((f: HTMLElement) =>
      (JSON.parse(f.dataset.chart ?? "{}").x.domain as string[]).map((d) => Date.parse(d)),
    );
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 6 });
    await page.mouse.up();
    await expect(equity.getAttribute("class")).resolves.toContain("zoomed");
    const ticks = await equity.evaluate((f) =>
      [...f.querySelectorAll(".zoom-axes text.x")].map((t) => Date.parse(t.textContent ?? "")),
    );
    const dates = ticks.filter(Number.isFinite);
    expect(dates.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...dates) - Math.min(...dates)).toBeLessThan((domain[1] - domain[0]) / 2);
    for (const d of dates) expect(d).toBeGreaterThan(domain[0]);
    await screenshot(page, "interactive-zoomed");
    await equity.locator("button.zoom-reset").click();
    await expect(equity.getAttribute("class")).resolves.not.toContain("zoomed");

    // Legend toggle: the first swatch hides the marks of its colour and shows them again.
    const swatch = page.locator(".toggle").first();
    // The equity chart draws one line per series with a colour legend: there is a swatch to press.
    expect(await swatch.count()).toBe(1);
    const color = await swatch.evaluate((s) => s.querySelector("svg")?.getAttribute("fill") ?? "");
    const shown = () =>
      swatch.evaluate((s, c) => {
        const fig = s.closest("figure.figure")!;
        return [...fig.querySelectorAll(`svg[viewBox] [stroke="${c}"], svg[viewBox] [fill="${c}"]`)].filter(
          (e) => getComputedStyle(e).display !== "none",
        ).length;
      }, color);
    expect(await shown()).toBeGreaterThan(0);
    await swatch.click();
    expect(await shown()).toBe(0);
    await swatch.click();
    expect(await shown()).toBeGreaterThan(0);

    // Sort: a numeric column of the first table with a filter box sorts ascending, then descending.
    const table = page.locator(".table-tools + .table-wrap table").first();
    await table.evaluate((t) => t.closest("details")?.setAttribute("open", ""));
    const numCol = await table.evaluate((t: HTMLTableElement) =>
      [...t.tBodies[0].rows[0].cells].findIndex((c) => c.classList.contains("num")),
    );
    expect(numCol).toBeGreaterThanOrEqual(0);
    const column = () =>
      table.evaluate(
        (t: HTMLTableElement, i) =>
          [...t.tBodies[0].rows].map((r) =>
            Number((r.cells[i].textContent ?? "").replace(/,/g, "").replace("\u2212", "-")),
          ),
        numCol,
      );
    await table.locator("th button.sort").nth(numCol).click();
    const asc = (await column()).filter(Number.isFinite);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await table.locator("th button.sort").nth(numCol).click();
    const desc = (await column()).filter(Number.isFinite);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    // Filter: typing a word keeps only the rows containing it.
    const word = await table.evaluate((t: HTMLTableElement) => t.tBodies[0].rows[0].cells[0].textContent ?? "");
    await page.locator(".table-tools input").first().fill(word);
    const visible = await table.evaluate((t: HTMLTableElement) =>
      [...t.tBodies[0].rows].filter((r) => !r.hidden).map((r) => r.textContent ?? ""),
    );
    expect(visible.length).toBeGreaterThan(0);
    for (const r of visible) expect(r.toLowerCase()).toContain(word.toLowerCase());

    // Download: the CSV of a table equals, cell for cell, the Parquet file beside it.
    const link = page.locator('p.downloads a[href$=".csv"]:visible').first();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const csvPath = await download.path();
    const csv = readFileSync(csvPath, "utf8").trimEnd().split("\n").map(parseCsvLine);
    const parquetHref = (await link.getAttribute("href"))!.replace(/\.csv$/, ".parquet");
    await expect(page.locator(`p.downloads a[href="${parquetHref}"]`).count()).resolves.toBe(1);
    const rows = await queryDuck(`SELECT * FROM '${join(outDir, parquetHref)}'`, "js");
    expect(csv[0]).toEqual(Object.keys(rows[0]));
    expect(csv.length - 1).toBe(rows.length);
    rows.forEach((r, i) =>
      csv[0].forEach((col, j) => {
        const v = r[col];
        const text = csv[i + 1][j];
        if (v === null) expect(text, `${col} row ${i}`).toBe("");
        else if (typeof v === "number") expect(Number(text), `${col} row ${i}`).toBe(v);
        else if (v instanceof Date) expect(text, `${col} row ${i}`).toBe(v.toISOString().slice(0, text.length));
        else expect(text, `${col} row ${i}`).toBe(String(v));
      }),
    );

    // Search: the header's box finds a figure on another page and links to it.
    await page.locator(".search input").fill("drawdown");
    const hit = page.locator(".search-results a").first();
    await expect(hit.getAttribute("href")).resolves.toMatch(/\.html(#.+)?$/);
    expect(w.errors).toEqual([]);
    await ctx.close();
    await server.close();
  }, 120_000);

  it("dark mode keeps chart text readable; print hides the navigation", async () => {
    const page = await browser.newPage();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(pathToFileURL(join(outDir, "backtest.html")).href, { waitUntil: "load" });
    // The page turns dark, the charts keep a light background with dark text (legends included).
    const bodyBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bodyBg).toBe("rgb(15, 20, 25)");
    const colors = await page.evaluate(() =>
      [...document.querySelectorAll("figure svg")].map((s) => getComputedStyle(s).color),
    );
    expect(colors.length).toBeGreaterThan(0);
    for (const c of colors) expect(c).toBe("rgb(29, 35, 43)");
    await page.emulateMedia({ media: "print", colorScheme: "light" });
    await expect(page.evaluate(() => getComputedStyle(document.querySelector("nav.pages")!).display)).resolves.toBe(
      "none",
    );
    await page.close();
  });
});

/** One line of RFC 4180 CSV (quoted fields with doubled quotes; no newline inside a field here). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        v += line[i] === '"' ? '"' : line[i];
        i += line[i] === '"' ? 2 : 1;
      }
      out.push(v);
      i += 2;
    } else {
      const end = line.indexOf(",", i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

/** A static file server for `dir` on a random loopback port (GET only; 404 outside the folder). */
async function serveFolder(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = {
    html: "text/html; charset=utf-8",
    js: "text/javascript",
    csv: "text/csv",
    parquet: "application/vnd.apache.parquet",
  };
  const server = createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+/, "");
    if (rel.includes("..")) return void res.writeHead(403).end();
    try {
      const body = await readFile(join(dir, rel || "index.html"));
      res.writeHead(200, { "content-type": types[rel.split(".").pop() ?? ""] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}
