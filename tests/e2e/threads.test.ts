/**
 * DuckDB threads per cell: a cell whose upstream tables are all small gets one thread (DuckDB
 * 1.5.5's parallel window operator can fail on small inputs, src/store/database.ts); a cell
 * without upstream tables keeps DuckDB's default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTempProject, type TempProject } from "./helpers.ts";

const STAGE = (withInput: boolean) => `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["rows"],
  async run(ctx) {
    const t = await ctx.db.runAndReadAll("SELECT current_setting('threads')::INTEGER");
    ctx.metric("threads", Number(t.getRows()[0][0]));
    await ctx.writeTable("rows", ${withInput ? `"SELECT * FROM " + ctx.input("source", "rows")` : `"SELECT range AS i FROM range(10)"`});
  },
});
`;

describe("DuckDB threads per cell", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({
      "pipeline.yaml":
        "version: 1\nstages:\n  source:\n    uses: stages/source.ts\n  reader:\n    uses: stages/reader.ts\n    " +
        "needs: [source]\n",
      "stages/source.ts": STAGE(false),
      "stages/reader.ts": STAGE(true),
    });
  });
  afterAll(() => p.dispose());

  it("one thread for a cell reading only small tables, the default for a cell without inputs", async () => {
    const r = p.runJson();
    expect(r.ok, r.stderr).toBe(true);
    const lock = p.read("pipeline.lock");
    const threadsOf = (cell: string) =>
      Number(new RegExp(`\\n  ${cell}:[\\s\\S]*?\\n      threads: (\\d+)`).exec(lock)?.[1]);
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    const byDefault = Number((await c.runAndReadAll("SELECT current_setting('threads')::INTEGER")).getRows()[0][0]);
    c.closeSync();
    db.closeSync();
    expect(threadsOf("source")).toBe(byDefault);
    expect(threadsOf("reader")).toBe(1);
  });
});
