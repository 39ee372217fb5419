/**
 * `pipeline notebook render|new|serve` through the real CLI on a temp project; serve is
 * exercised over real HTTP on the loopback interface (index, a page, the SSE reload stream).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, type IncomingMessage } from "node:http";
import { createServer } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exitOf, waitForOutput, type TempProject } from "../e2e/helpers.ts";
import { SPEC, cell, md, notebookProject } from "./notebook-fixture.ts";

let p: TempProject;

beforeAll(() => {
  p = notebookProject();
}, 120_000);
afterAll(() => p?.dispose());

function fetchText(url: string): Promise<{ status: number; body: string; headers: IncomingMessage["headers"] }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on("error", reject);
  });
}

describe("pipeline notebook new / render", () => {
  it("scaffolds a notebook that renders, and refuses to overwrite it or take a bad name", () => {
    const r = p.cli(["notebook", "new", "first-look"]);
    expect(r.code, r.stderr).toBe(0);
    const text = p.read("notebooks/first-look.md");
    expect(text).toContain("sql`");
    expect(text).toContain("Plot.");
    expect(text).toContain("display(");
    const again = p.cli(["notebook", "new", "first-look"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; not overwriting/);
    expect(p.read("notebooks/first-look.md")).toBe(text);
    const bad = p.cli(["notebook", "new", "../escape"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid/);

    const render = p.cli(["notebook", "render", "notebooks/first-look.md", "--json"]);
    expect(render.code, render.stdout + render.stderr).toBe(0);
    const out = JSON.parse(render.stdout) as {
      ok: boolean;
      notebooks: Array<{ name: string; status: string; errors: number }>;
    };
    expect(out.notebooks).toEqual([expect.objectContaining({ name: "first-look", status: "rendered", errors: 0 })]);
    const page = p.read("reports/notebooks/first-look.html");
    expect(page).toMatch(/<svg[^>]*>/);
    expect(page).toContain("<table>");
    expect(existsSync(join(p.root, "reports/notebooks/index.html"))).toBe(true);
    // second render: from the cache
    const second = p.cli(["notebook", "render", "notebooks/first-look.md"]);
    expect(second.stdout).toMatch(/cached\s+notebooks\/first-look\.md/);
  });

  it("exits 1 when a cell fails, still writing the page with the error at its line", () => {
    p.write(
      "notebooks/broken.md",
      md("# Broken", cell("const a = 1;"), cell("throw new Error('boom <b>')"), cell("a + 1")),
    );
    const r = p.cli(["notebook", "render", "notebooks/broken.md"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error cell 2 at notebooks\/broken\.md:6: Error: boom <b>/);
    const page = p.read("reports/notebooks/broken.html");
    expect(page).toContain("boom &lt;b&gt;");
    expect(page).toContain(">2<");
  });
});

describe("pipeline notebook serve", () => {
  it("serves the index and a notebook on loopback and live-reloads after an edit", async () => {
    p.write("notebooks/live.md", md("# Live", cell("display(`value: ${1 + 1}`)")));
    const child = p.spawnCli(["notebook", "serve", "--port", "0", "--no-open"]);
    try {
      const seen = await waitForOutput(child, /Serving notebooks at (http:\/\/127\.0\.0\.1:\d+\/)/);
      const base = /Serving notebooks at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen)![1];
      const index = await fetchText(base);
      expect(index.status).toBe(200);
      expect(index.body).toContain('href="live.html"');
      expect(index.body).toContain('<script src="/__live.js"></script>');
      expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
      const first = await fetchText(`${base}notebooks/live.html`);
      expect(first.status).toBe(200);
      expect(first.body).toContain("value: 2");
      expect(first.body).toContain('<script src="/__live.js"></script>');
      expect((await fetchText(`${base}notebooks/..%2Fpipeline.html`)).status).toBe(404);
      expect((await fetchText(`${base}__live.js`)).body).toContain("EventSource");
      expect((await fetchText(`${base}favicon.ico`)).status).toBe(204); // no 404 in the browser console
      expect(first.body).toContain('<link rel="icon" href="data:,">');

      // Subscribe to the event stream, then edit the notebook.
      const events: string[] = [];
      const stream = await new Promise<IncomingMessage>((resolve, reject) =>
        get(`${base}__events`, resolve).on("error", reject),
      );
      stream.setEncoding("utf8");
      stream.on("data", (d: string) => events.push(d));
      await new Promise((r) => setTimeout(r, 150));
      const saved = Date.now();
      p.write("notebooks/live.md", md("# Live", cell("display(`value: ${40 + 2}`)")));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no reload event; got ${JSON.stringify(events)}`)), 5000);
        const check = setInterval(() => {
          if (events.join("").includes("event: reload\ndata: live\n")) {
            clearTimeout(t);
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      const after = await fetchText(`${base}notebooks/live.html`);
      expect(Date.now() - saved).toBeLessThan(2000);
      expect(after.body).toContain("value: 42");
      expect(readFileSync(join(p.root, "reports/notebooks/live.html"), "utf8")).toContain("value: 42");
      stream.destroy();
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exitOf(child)).toBe(0);
  });

  it("re-renders every notebook and reloads its pages after a run changes pipeline.lock", async () => {
    p.write(
      "notebooks/fromlock.md",
      md(
        "# From the lock",
        cell(
          "const [r] = await sql`SELECT close FROM prices WHERE symbol = 'AAA' AND date = DATE " +
            "'2024-01-02'`;\ndisplay(`close: ${r.close}`)",
        ),
      ),
    );
    const child = p.spawnCli(["notebook", "serve", "--port", "0", "--no-open"]);
    try {
      const seen = await waitForOutput(child, /Serving notebooks at (http:\/\/127\.0\.0\.1:\d+\/)/);
      const base = /Serving notebooks at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen)![1];
      expect((await fetchText(`${base}notebooks/fromlock.html`)).body).toContain("close: 1");
      const events: string[] = [];
      const stream = await new Promise<IncomingMessage>((resolve, reject) =>
        get(`${base}__events`, resolve).on("error", reject),
      );
      stream.setEncoding("utf8");
      stream.on("data", (d: string) => events.push(d));
      p.write("pipeline.yaml", SPEC(7));
      const run = p.runJson();
      expect(run.ok, run.stderr).toBe(true);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no reload event after the run; got ${JSON.stringify(events)}`)),
          10_000,
        );
        const check = setInterval(() => {
          if (events.join("").includes("event: reload\ndata: fromlock\n")) {
            clearTimeout(t);
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      const after = await fetchText(`${base}notebooks/fromlock.html`);
      expect(after.body).toContain("close: 7");
      stream.destroy();
    } finally {
      child.kill("SIGTERM");
      p.write("pipeline.yaml", SPEC(1));
      p.runJson();
    }
    expect(await exitOf(child)).toBe(0);
  });

  it("says the port is taken and suggests --port", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = p.cli(["notebook", "serve", "--port", String(port), "--no-open"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain("--port");
    } finally {
      blocker.close();
    }
  });
});
