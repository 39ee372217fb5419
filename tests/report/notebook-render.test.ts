/**
 * renderNotebook over a real temp project (real Parquet outputs, real DuckDB): scope, errors at
 * their .md line, display kinds, sql views and artifact(), escaping, cache and staleness.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Catalog } from "../../src/report/catalog.ts";
import { markStale, renderNotebook } from "../../src/report/notebook/index.ts";
import type { TempProject } from "../e2e/helpers.ts";
import { EVIL, SPEC, catalogOf, cell, md, notebookProject } from "./notebook-fixture.ts";

let p: TempProject;
let catalog: Catalog;

/** Write notebooks/NAME.md and render it. */
async function render(name: string, text: string, cat = catalog) {
  p.write(`notebooks/${name}.md`, text);
  return renderNotebook(join(p.root, `notebooks/${name}.md`), cat);
}

/** The output HTML of each cell, in order. */
function outputs(html: string): string[] {
  return [...html.matchAll(/<div class="nb-out">([\s\S]*?)<\/div><\/section>/g)].map((m) => m[1]);
}

beforeAll(async () => {
  p = notebookProject();
  catalog = await catalogOf(p);
}, 120_000);
afterAll(() => p?.dispose());

describe("renderNotebook", () => {
  it("runs cells in one scope: later cells see earlier declarations, the last expression is shown", async () => {
    const r = await render(
      "scope",
      md(
        "# Scope",
        cell("const a: number = 40;\nlet b = 1;\nfunction inc(x: number) { return x + 1; }"),
        "text",
        cell("b = b + 1;\ninc(a) + b"),
        cell("class K { v = b * 10 }\nnew K().v"),
      ),
    );
    expect(r.errors).toBe(0);
    expect(r.title).toBe("Scope");
    const out = outputs(r.html);
    expect(out[0]).toBe("");
    expect(out[1]).toContain(">43<"); // 41 + 2: the reassignment of b is seen
    expect(out[2]).toContain(">20<");
    expect(existsSync(join(p.root, "reports/notebooks/scope.html"))).toBe(true);
  });

  it("shows an error in cell 2 at its .md line and still renders cell 3", async () => {
    const text = md(
      "# Errors",
      cell("const ok = 1;"),
      "",
      cell("const fine = 2;\nconst broken = (null as any).field;\nconst after = 3;"),
      cell("display(`still here ${ok + fine}`);"),
      cell("after + 1"),
      cell("const s = ;"),
    );
    const r = await render("errors", text);
    const lines = text.split("\n");
    const failing = lines.indexOf("const broken = (null as any).field;") + 1;
    expect(r.cells[1].error?.line).toBe(failing);
    expect(r.cells[1].error?.message).toMatch(/TypeError: Cannot read properties of null/);
    const out = outputs(r.html);
    expect(out[1]).toContain(`notebooks/errors.md:${failing}`);
    expect(out[2]).toContain("still here 3");
    expect(r.cells[3].error?.message).toMatch(/after is not defined.*cell 2, which failed/);
    expect(r.cells[4].error?.line).toBe(lines.indexOf("const s = ;") + 1);
    expect(r.errors).toBe(3);
  });

  it("displays each kind of value", async () => {
    const r = await render(
      "kinds",
      md(
        "# Kinds",
        cell("display([{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }])"),
        cell("import * as aq from 'arquero';\ndisplay(aq.table({ k: ['p', 'q'], v: [1, 2] }))"),
        cell("display(await sql`SELECT 7::BIGINT AS n, DATE '2024-01-02' AS d`)"),
        cell("display(Plot.plot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: 'x', y: 'y' })] }))"),
        cell("display(3.14159265); display(12345678901234567890n); display(true); display(null)"),
        cell("display('**bold** and <script>alert(1)</script>')"),
        cell("display(html`<b>${'<i>'}</b>`)"),
        cell("display({ nested: { x: [1, 2] } })"),
      ),
    );
    expect(r.errors).toBe(0);
    const out = outputs(r.html);
    expect(out[0]).toMatch(/<table>.*<th>a<\/th><th>b<\/th>.*<td class="num">2.500<\/td><td>y<\/td>/s);
    expect(out[1]).toMatch(/<th>k<\/th><th>v<\/th>.*<td>q<\/td><td class="num">2<\/td>/s);
    expect(out[2]).toMatch(/<td class="num">7<\/td><td>2024-01-02<\/td>/);
    expect(out[3]).toMatch(/<svg[^>]*>[\s\S]*<circle/);
    expect(out[4]).toContain(">3.14159<");
    expect(out[4]).toContain(">12345678901234567890<");
    expect(out[4]).toContain(">true<");
    expect(out[4]).toContain(">null<");
    expect(out[5]).toContain("<strong>bold</strong>");
    expect(out[5]).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out[5]).not.toContain("<script>");
    expect(out[6]).toContain("<b>&lt;i&gt;</b>");
    expect(out[7]).toContain("&quot;nested&quot;");
  });

  it("offers every output as views and artifact() reads tables and JSON", async () => {
    const r = await render(
      "views",
      md(
        "# Views",
        cell('display(await sql`SELECT count(*) AS n FROM "src/prices"`)'),
        cell("display(await sql`SELECT model, sum(net) AS total FROM bt_returns GROUP BY model ORDER BY model`)"),
        cell("display(await sql`SELECT model, count(*) AS n FROM returns GROUP BY ALL ORDER BY 1`)"),
        cell('display(await sql`SELECT net FROM "bt[model=b]/returns" ORDER BY date`)'),
        cell(
          'const sym = "AAA\' OR 1=1 --";\ndisplay(await sql`SELECT count(*) AS n FROM prices WHERE symbol = ${sym}`)',
        ),
        cell(
          "display(await sql`SELECT count(*) AS n FROM prices WHERE symbol IN ${['AAA', 'ZZZ']} AND close > ${0.5}`)",
        ),
        cell(
          'const info = await artifact("src", "info");\ndisplay(`v=${info.v}`);\nconst rows = await ' +
            'artifact("bt[model=a]", "returns");\ndisplay(rows)',
        ),
        cell('await artifact("bt[model=c]", "returns")'),
        cell('await artifact("src", "price")'),
      ),
    );
    const out = outputs(r.html);
    expect(out[0]).toContain('<td class="num">3</td>');
    // bt_returns: model column from the matrix axis; a: 1 × (1 + 2.5) + 1 × 3; b doubles it
    expect(out[1]).toMatch(/<td>a<\/td><td class="num">6.500<\/td>.*<td>b<\/td><td class="num">13<\/td>/s);
    expect(out[2]).toMatch(/<td>a<\/td><td class="num">2<\/td>/);
    expect(out[3]).toMatch(/<td class="num">7<\/td>.*<td class="num">6<\/td>/s);
    expect(out[4]).toContain('<td class="num">0</td>'); // the quote was bound as text, not SQL
    expect(out[5]).toContain('<td class="num">2</td>');
    expect(out[6]).toContain("v=1");
    expect(out[6]).toMatch(/<th>date<\/th><th>net<\/th><th>n<\/th>.*2024-01-02/s);
    expect(r.cells[7].error?.message).toMatch(
      /no cell 'bt\[model=c\]'.*Did you mean 'bt\[model=a\]'.*Cells: src, bt\[model=a\], bt\[model=b\]/s,
    );
    expect(r.cells[8].error?.message).toMatch(
      /no output 'price'.*Did you mean 'prices'.*Its outputs: info, prices|no output 'price'.*Did you mean 'prices'.*Its outputs: prices, info/s,
    );
    // reads recorded with the lock's hashes
    const hashOf = (id: string, out: string) =>
      catalog.cells.find((c) => c.id === id)!.outputs.find((o) => o.name === out)!.hash;
    expect(r.reads).toEqual(
      expect.arrayContaining([
        { cell: "src", output: "prices", hash: hashOf("src", "prices") },
        { cell: "bt[model=a]", output: "returns", hash: hashOf("bt[model=a]", "returns") },
        { cell: "bt[model=b]", output: "returns", hash: hashOf("bt[model=b]", "returns") },
        { cell: "src", output: "info", hash: expect.any(String) },
      ]),
    );
  });

  it("renders a symbol that is an HTML injection attempt as text", async () => {
    const r = await render(
      "xss",
      md(
        "# Symbols",
        cell("display(await sql`SELECT DISTINCT symbol FROM prices ORDER BY symbol`)"),
        cell('display((await artifact("src", "info")).note)'),
        cell(
          "display(Plot.plot({ marks: [Plot.barY(await sql`SELECT symbol, sum(close) AS c FROM prices GROUP BY 1`, { " +
            "x: 'symbol', y: 'c' })] }))",
        ),
      ),
    );
    expect(r.errors).toBe(0);
    expect(r.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(r.html).not.toContain(EVIL);
    expect(r.html).not.toMatch(/<img/i);
    expect(r.html).not.toMatch(/<[^>]*\sonerror=/i);
  });

  it("is deterministic: the same notebook over the same artifacts gives the same bytes", async () => {
    const text = md(
      "# Same",
      cell(
        "const rows = await sql`SELECT * FROM bt_returns ORDER BY model, date`;\ndisplay(rows);\nPlot.plot({ marks: " +
          "[Plot.line(rows, { x: 'n', y: 'net', stroke: 'model' })] })",
      ),
    );
    const first = await render("same", text);
    rmSync(join(p.root, ".pipeline/notebooks"), { recursive: true, force: true });
    const second = await render("same", text);
    expect(second.cached).toBe(false);
    expect(second.html).toBe(first.html);
  });

  it(
    "re-renders an unchanged notebook from the cache without running it, and runs it again once an artifact " +
      "changes",
    async () => {
      const counter = join(p.root, "counter.txt");
      const text = md(
        "# Cache",
        cell(`import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(counter)}, "x");`),
        cell("display(await sql`SELECT sum(close) AS s FROM prices`)"),
      );
      const first = await render("cache", text);
      expect(first.cached).toBe(false);
      expect(readFileSync(counter, "utf8")).toBe("x");
      const second = await render("cache", text);
      expect(second.cached).toBe(true);
      expect(second.cells.every((c) => c.status === "cached")).toBe(true);
      expect(second.html).toBe(first.html);
      expect(readFileSync(counter, "utf8")).toBe("x"); // not executed

      // An edit of cell 2 re-runs the notebook from the top.
      const third = await render("cache", text.replace("AS s", "AS total"));
      expect(third.cached).toBe(false);
      expect(readFileSync(counter, "utf8")).toBe("xx");

      // Upstream change: new prices → new hash → the page that read them is stale, then re-runs.
      p.write("pipeline.yaml", SPEC(5));
      expect(p.runJson().ok).toBe(true);
      const changed = await catalogOf(p);
      const status = markStale(changed, join(p.root, "reports"));
      const cachePage = status.find((s) => s.name === "cache")!;
      expect(cachePage.stale).toBe(true);
      expect(cachePage.changed).toEqual([expect.objectContaining({ cell: "src", output: "prices" })]);
      const page = readFileSync(join(p.root, "reports/notebooks/cache.html"), "utf8");
      expect(page).toMatch(/<span class="badge warn">stale<\/span>/);
      expect(page).toContain("<code>src/prices</code> changed");
      // a page that read nothing upstream is not stale
      expect(status.find((s) => s.name === "scope")!.stale).toBe(false);

      const fourth = await render("cache", text.replace("AS s", "AS total"), changed);
      expect(fourth.cached).toBe(false);
      expect(readFileSync(counter, "utf8")).toBe("xxx");
      expect(outputs(fourth.html)[1]).toContain(">10.50<"); // 5 + 2.5 + 3
      expect(fourth.html).not.toContain('class="badge warn">stale');
      expect(markStale(changed, join(p.root, "reports")).find((s) => s.name === "cache")!.stale).toBe(false);
    },
  );
});
