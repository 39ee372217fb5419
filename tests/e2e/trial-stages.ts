/**
 * Two tiny stages for registry and experiment tests: `sim`, a trial stage whose cells (matrix
 * axis `variant: [v1, v2, …]`) report Sharpe = edge × k + noise for variant vk, and `summary`,
 * which reads the registry (readsTrials) and writes how many `sim` trials it saw.
 */
export const SIM_STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ edge: z.number(), noise: z.number().default(0) }),
  outputs: ["returns"],
  trial: { metrics: ["sharpe", "observations"], outputs: ["returns"] },
  async run(ctx) {
    const k = Number(String(ctx.cell.variant).slice(1));
    const sharpe = ctx.params.edge * k + ctx.params.noise;
    await ctx.writeTable("returns", "SELECT range AS day, " + sharpe + " / 100.0 AS net FROM range(10)");
    ctx.metric("sharpe", sharpe);
    ctx.metric("observations", 10);
  },
});
`;

export const SUMMARY_STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({}),
  outputs: ["summary"],
  readsTrials: true,
  async run(ctx) {
    const t = await ctx.trials("sim");
    ctx.metric("trials", t.length);
    await ctx.writeJson("summary", { n: t.length, sharpes: t.map((r) => r.metrics.sharpe).sort() });
  },
});
`;
