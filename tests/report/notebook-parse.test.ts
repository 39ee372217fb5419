import { describe, expect, it } from "vitest";
import { parseNotebook } from "../../src/report/notebook/parse.ts";
import { compileCell } from "../../src/report/notebook/compile.ts";
import { decodeMappings, originalLine } from "../../src/report/notebook/source-map.ts";

describe("parseNotebook", () => {
  it("splits Markdown and ts cells with the .md line of each cell's first code line", () => {
    const text = [
      "# Title here",
      "",
      "Intro.",
      "```ts",
      "const a = 1;",
      "```",
      "",
      "```sql",
      "select 1",
      "```",
      "",
      "~~~typescript",
      "a + 1",
      "~~~",
      "tail",
    ].join("\n");
    const nb = parseNotebook(text);
    expect(nb.title).toBe("Title here");
    expect(nb.cells.map((c) => [c.index, c.line, c.code])).toEqual([
      [1, 5, "const a = 1;"],
      [2, 13, "a + 1"],
    ]);
    expect(nb.blocks.map((b) => b.kind)).toEqual(["markdown", "cell", "markdown", "cell", "markdown"]);
    // the sql fence stays a code block inside the Markdown between the cells
    const between = nb.blocks[2];
    expect(between.kind === "markdown" && between.text).toContain("```sql\nselect 1\n```");
  });

  it("does not read a ts fence nested inside a longer fence as a cell", () => {
    const nb = parseNotebook(["````md", "```ts", "not a cell", "```", "````", "```ts", "real()", "```"].join("\n"));
    expect(nb.cells).toHaveLength(1);
    expect(nb.cells[0]).toMatchObject({ code: "real()", line: 7 });
  });

  it("handles CRLF and an unclosed final cell", () => {
    const nb = parseNotebook("# T\r\n```ts\r\nx()\r\ny()");
    expect(nb.cells).toEqual([{ kind: "cell", index: 1, code: "x()\ny()", line: 3 }]);
  });
});

describe("compileCell", () => {
  it("finds top-level declarations, rewrites imports and the last expression", () => {
    const r = compileCell(
      `import { readFileSync as rf } from "node:fs";\nimport * as path from "node:path";\ntype T = { a: number ` +
        `};\nconst { a, b: [c] }: any = { a: 1, b: [2] };\nlet d = 1;\nfunction f(x: T) { return x; }\nclass K {}\na ` +
        `+ c`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.cell.declared]).toEqual([
      ["rf", "const"],
      ["path", "const"],
      ["a", "const"],
      ["c", "const"],
      ["d", "let"],
      ["f", "let"],
      ["K", "let"],
    ]);
    expect(r.cell.imports).toEqual(["node:fs", "node:path"]);
    expect(r.cell.js).toContain('__nb.bindImport("node:fs", ["readFileSync"])');
    expect(r.cell.js).toContain("__nb.last((a + c));");
    // line count kept: the source map still points at the right lines
    expect(r.cell.js.split("\n").length).toBeGreaterThanOrEqual(7);
  });

  it("reports a syntax error at its line in the cell", () => {
    const r = compileCell("const ok = 1;\n\nconst broken = ;\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.line).toBe(2);
    expect(r.error.message).toMatch(/^SyntaxError/);
  });

  it("maps generated lines back through the source map", () => {
    // "AAAA;AACA" : line 0 → original 0, line 1 → original 1; "AAEA" adds 2 lines
    const map = decodeMappings("AAAA;AACA;;AAEA");
    expect(originalLine(map, 0, 0)).toBe(0);
    expect(originalLine(map, 1, 5)).toBe(1);
    expect(originalLine(map, 2, 0)).toBe(1);
    expect(originalLine(map, 3, 0)).toBe(3);
  });
});
