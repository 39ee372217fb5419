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
import { createTempProject, type TempProject } from "../e2e/helpers.ts";
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
