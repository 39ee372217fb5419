/**
 * report — the static report site as a stage: the same pages as `pipeline report`, built from
 * whatever the stage `needs` (list the stages to report on), written as its outputs.
 *
 * Deterministic: the pages are a pure function of the inputs. They are stamped with a digest
 * of the input hashes (not the lock hash, which changes with every run), carry no git commit
 * and no durations, and DuckDB runs on one thread so aggregates come out bit-identical.
 * Every page of the site registry is a declared output; a page whose inputs are not among the
 * needs is written as a one-line "not part of this report" page and left out of the navigation.
 *
 * Paper trading: with `paper` among the needs, paper.html shows the paper stage's outputs
 * (and `backtest` among the needs adds the champion's backtest to compare). The ledger of
 * `pipeline paper run` and its daily monitoring reports are files outside any stage, so the
 * stage never reads them: monitoring.html is always a placeholder here, and both are built
 * from those files by `pipeline report` only.
 */
import { defineStage, z } from "../src/index.ts";
import { SITE_PAGES, catalogFromInputs, renderSite } from "../src/report/site/index.ts";

export default defineStage({
  description:
    "Static HTML report of the stages it needs (overview, data, features, models, backtests, statistics, selection, " +
    "paper trading)",
  params: z.object({}).strict(),
  outputs: SITE_PAGES.map((p) => p.file),
  async run(ctx) {
    await ctx.db.run("SET threads = 1");
    const inputs = ctx.upstream();
    const catalog = catalogFromInputs(inputs, {
      root: ctx.root,
      self: { name: ctx.stage, uses: "stages/report.ts" },
      seed: 0,
    });
    const pages = await renderSite(catalog, { conn: ctx.db, provenance: "inputs", placeholders: true });
    for (const p of pages) await ctx.writeFile(p.file, p.html);
    ctx.metric("pages", pages.filter((p) => p.figures > 0 || p.file === "index.html").length);
    ctx.metric("max_page_bytes", Math.max(...pages.map((p) => p.bytes)));
    ctx.metric("inputs", inputs.length);
  },
});
