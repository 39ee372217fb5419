/**
 * A real browser for page tests: Debian's `chromium` driven by playwright-core (no bundled
 * browser download). `.ci/run` installs chromium; set STRATA_CHROMIUM to use another binary.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { REPO } from "../e2e/helpers.ts";

/** Where screenshots go (git-ignored; kept by CI as test artifacts). */
export const ARTIFACTS = join(REPO, "tests/artifacts/browser");

export function chromiumPath(): string {
  const candidates = [process.env.STRATA_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `no chromium found (looked at ${candidates.join(", ")}): install it with \`apt-get install -y chromium\` or ` +
        `set STRATA_CHROMIUM`,
    );
  }
  return found;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

export interface PageWatch {
  /** console.error messages and uncaught page errors. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
  /** alert()/confirm() dialogs opened (an injected script would open one). */
  dialogs: string[];
}

/** Record errors, requests and dialogs of a page from now on. */
export function watchPage(page: Page): PageWatch {
  const w: PageWatch = { errors: [], requests: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") w.errors.push(m.text());
  });
  page.on("pageerror", (e) => w.errors.push(String(e)));
  page.on("request", (r) => w.requests.push(r.url()));
  page.on("dialog", (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  return w;
}

/** Save a full-page screenshot under tests/artifacts/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9_.-]+/g, "-")}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Figures of the page: how many, and how many hold an SVG with drawn marks. */
export async function figureStats(page: Page): Promise<{ figures: number; withSvg: number; empty: string[] }> {
  return page.evaluate(() => {
    const figs = [...document.querySelectorAll("figure")];
    const empty: string[] = [];
    let withSvg = 0;
    for (const f of figs) {
      const svg = f.querySelector("svg");
      const marks = svg ? svg.querySelectorAll("path, rect, circle, line, text, polyline").length : 0;
      if (svg && marks > 0) withSvg++;
      // A chart of nothing said in words instead (figure's `empty`): not an empty figure.
      else if (!svg && f.querySelector("p.said")) continue;
      else empty.push(f.id || f.querySelector("h3")?.textContent || "(figure)");
    }
    return { figures: figs.length, withSvg, empty };
  });
}
