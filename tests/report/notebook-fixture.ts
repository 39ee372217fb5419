/**
 * A small real project for the notebook tests: a `src` stage writing a prices table (with a
 * symbol that is an HTML injection attempt) and a JSON, and a matrix stage `bt[model=a|b]`
 * writing returns and metrics from it. Run through the real CLI; outputs are real Parquet.
 */
import { join } from "node:path";
import { loadCatalog } from "../../src/cli/catalog.ts";
import type { Catalog } from "../../src/report/catalog.ts";
import { createTempProject, type TempProject } from "../e2e/helpers.ts";

export const EVIL = "<img src=x onerror=alert(1)>";

const SRC = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ v: z.number().default(1) }),
  outputs: ["prices", "info"],
  async run(ctx) {
    await ctx.writeTable("prices", \`select * from (values
      (DATE '2024-01-02', 'AAA', \${ctx.params.v}::DOUBLE),
      (DATE '2024-01-02', '${EVIL}', 2.5::DOUBLE),
      (DATE '2024-01-03', 'AAA', 3.0::DOUBLE)) t(date, symbol, close)\`, { orderBy: ["date", "symbol"] });
    await ctx.writeJson("info", { v: ctx.params.v, note: "${EVIL}" });
  },
});
`;

const BT =
  `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["returns", "metrics"],
  async run(ctx) {
    const prices = ctx.input("src", "prices");
    const k = ctx.cell.model === "a" ? 1 : 2;
    await ctx.writeTable("returns", \`select date, sum(close) * \${k} as net, count(*)::BIGINT as n from \${prices} ` +
  `group by date\`, { orderBy: ["date"] });
    await ctx.writeJson("metrics", { model: ctx.cell.model, k });
  },
});
`;

export const SPEC = (v: number) => `version: 1
stages:
  src:
    uses: stages/src.ts
    params: { v: ${v} }
  bt:
    uses: stages/bt.ts
    needs: [src]
    matrix: { model: [a, b] }
`;

export function notebookProject(): TempProject {
  const p = createTempProject({ "pipeline.yaml": SPEC(1), "stages/src.ts": SRC, "stages/bt.ts": BT });
  const run = p.runJson();
  if (!run.ok) throw new Error(`fixture pipeline failed: ${run.stderr}`);
  return p;
}

export function catalogOf(p: TempProject): Promise<Catalog> {
  return loadCatalog({ file: join(p.root, "pipeline.yaml") });
}

/** A notebook from cells: Markdown text between them as given. */
export function md(...parts: string[]): string {
  return parts.join("\n");
}

export const cell = (code: string) => "```ts\n" + code + "\n```";
