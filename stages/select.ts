/**
 * select — pick a champion among the backtest cells, only when the evidence holds.
 *
 * 1. Thresholds (every one must hold; each failure is recorded with the value and the bound):
 *      dsr ≥ min_dsr                      deflated Sharpe ratio against the cell's benchmark
 *                                         (stats' dsr_active: the DSR of the returns in
 *                                         excess of 1/N for a long-only cell, of the returns
 *                                         themselves for a long-short one), 0.95 by default
 *      max_drawdown > max_drawdown        e.g. −0.20: better than −20 %
 *      turnover ≤ max_turnover            one-sided annual turnover (fund convention: half of
 *                                         Σ|Δw| per year), 0.40 = 40 % a year
 *      sharpe > benchmark's Sharpe        the 1/N baseline over the same dates (beat_benchmark)
 * 2. Score of the candidates that pass: Σ weight × normalized metric, where each metric is
 *    min–max normalized across the passing candidates to [0, 1], 1 = best (higher Sharpe,
 *    drawdown closer to 0, higher Calmar, lower turnover, higher regime consistency); a metric
 *    equal for every candidate scores 1 for all. Defaults: Sharpe 0.30, max drawdown 0.25,
 *    Calmar 0.20, turnover 0.15, regime consistency 0.10. Ties break by cell id.
 * 3. The best is the champion: `champion.json` (cell, model, optimizer, metrics, the backtest
 *    cell's params, seed and returns hash, model file hash, data hash — all read from the inputs;
 *    the cells' fingerprints are in pipeline.lock under the cell ids it names)
 *    and `model.json` (the train cell's final model). With no candidate passing: champion null,
 *    an empty model.json ({"champion": null}), every candidate's reasons in selection.json; the
 *    stage succeeds (downstream stages keep their previous champion or stay flat).
 * `selection.json` lists every candidate: pass/fail, each threshold's value, normalized
 * metrics, score and rank.
 *
 * Candidates are the cells the stats stage analysed (its `candidates` stages): backtest cells,
 * and rule strategies walked forward (stages/strategies.ts) beside them. A rule strategy is
 * judged on its stitched out-of-sample returns by the same thresholds and score, plus its
 * walk-forward robustness filters (a failed filter fails the candidate); its turnover comes from
 * its summary, its Calmar ratio from the statistics' CAGR and drawdown. A rule champion's
 * champion.json names the kind and the parameters of its last window (`source: "strategy"`).
 * With `book: { sleeves }`, selection.json also lists the book stages/book.ts trades: the best
 * passing candidates, one per model or kind (`distinct`). The git commit at promotion goes to the lock's metrics (not into the
 * artifacts, which stay a pure function of the inputs).
 */
import { readFileSync } from "node:fs";
import { defineStage, z, StrataError, type StageContext } from "../src/index.ts";
import { readColumns, f64Column, stringColumn } from "../src/store/index.ts";
import { sha256File } from "../src/core/hash.ts";
import { gitCommit } from "../src/core/git.ts";
import { roundOrNull } from "../src/core/round.ts";

const params = z
  .object({
    thresholds: z
      .object({
        min_dsr: z.number().min(0).max(1).default(0.95),
        max_drawdown: z.number().max(0).default(-0.2),
        max_turnover: z.number().positive().default(0.4),
        beat_benchmark: z.boolean().default(true),
      })
      .strict()
      .default({ min_dsr: 0.95, max_drawdown: -0.2, max_turnover: 0.4, beat_benchmark: true }),
    weights: z
      .object({
        sharpe: z.number().min(0).default(0.3),
        max_drawdown: z.number().min(0).default(0.25),
        calmar: z.number().min(0).default(0.2),
        turnover: z.number().min(0).default(0.15),
        regime_consistency: z.number().min(0).default(0.1),
      })
      .strict()
      .default({ sharpe: 0.3, max_drawdown: 0.25, calmar: 0.2, turnover: 0.15, regime_consistency: 0.1 })
      .refine((w) => Object.values(w).some((v) => v > 0), { message: "at least one score weight must be > 0" }),
    /**
     * A book of several strategies (stages/book.ts trades it): the `sleeves` best passing
     * candidates by score, at most one per model or rule kind when `distinct` (three optimizers
     * of one model's scores are one idea, not three). Absent: no book, the champion alone.
     */
    book: z
      .object({
        sleeves: z.number().int().min(2).default(3),
        distinct: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict();

type Params = z.output<typeof params>;
type Metric = "sharpe" | "max_drawdown" | "calmar" | "turnover" | "regime_consistency";
/** +1: higher is better; −1: lower is better. */
const DIRECTION: Record<Metric, 1 | -1> = {
  sharpe: 1,
  max_drawdown: 1,
  calmar: 1,
  turnover: -1,
  regime_consistency: 1,
};

interface Candidate {
  cell: string;
  /** The stage whose cell this is, and its matrix values. */
  stage: string;
  coords: Record<string, string | number | boolean>;
  /** A backtest cell (a model's scores traded by an optimizer) or a rule strategy walked forward. */
  source: "backtest" | "strategy";
  model: string;
  optimizer: string;
  /**
   * What produced most of the cell's weights (backtest's optimizer_effective): a max_sharpe
   * cell that fell back to min_variance on every rebalance is a min_variance book, and is
   * presented as one ("max_sharpe → min_variance on 100 % of rebalances").
   */
  optimizerEffective: string;
  optimizerLabel: string;
  values: Record<Metric, number> & { dsr: number; dsr_vs_zero: number; benchmark_sharpe: number | null };
  /** What the DSR was tested against (stats' benchmark column). */
  dsrBenchmark: string;
  /** A rule strategy's walk-forward robustness verdict (its summary.json): a failure fails the candidate. */
  robustness?: { passes: boolean; reasons: string[] };
  failures: string[];
  normalized?: Record<Metric, number>;
  score?: number;
  rank?: number;
}

export default defineStage({
  description: "Thresholds, then a weighted score: promote a champion only when the evidence holds",
  params,
  outputs: ["selection", "champion", "model.json"],
  async run(ctx) {
    const p = ctx.params;
    const candidates = await loadCandidates(ctx);
    for (const c of candidates) recordFailures(c, p.thresholds);
    const passing = rankPassing(
      candidates.filter((c) => c.failures.length === 0),
      p.weights,
    );
    const champion = passing[0] ?? null;
    const selection: Record<string, unknown> = selectionDoc(p, champion, passing, candidates);
    if (p.book) {
      const book = chooseBook(passing, p.book);
      selection.book = book.map(bookEntry);
      if (book.length < p.book.sleeves)
        ctx.warn(
          `the book has ${book.length} of the ${p.book.sleeves} sleeves asked for: only ${passing.length} ` +
            `candidates passed every threshold${p.book.distinct ? ` (${book.length} distinct models or kinds)` : ""}; ` +
            "loosen the thresholds or ask for fewer sleeves",
        );
      ctx.metric("book", book.map((c) => c.cell).join(", "));
    }
    await ctx.writeJson("selection", selection);

    if (!champion) {
      ctx.log(String(selection.summary));
      const top = [...candidates].sort(
        (a, b) => a.failures.length - b.failures.length || b.values.sharpe - a.values.sharpe,
      )[0];
      if (top) ctx.log(`closest: ${top.cell} — ${top.failures.join("; ")}`);
      await ctx.writeJson("champion", { champion: null, reason: String(selection.summary) });
      await ctx.writeFile("model.json", JSON.stringify({ champion: null }) + "\n");
    } else {
      const doc = await provenance(ctx, champion);
      await ctx.writeJson("champion", doc.champion);
      await ctx.writeFile("model.json", doc.model);
      ctx.log(String(selection.summary));
    }
    ctx.metric("champion", champion?.cell ?? null);
    ctx.metric("passed", passing.length);
    ctx.metric("candidates", candidates.length);
    ctx.metric("git_commit", gitCommit(ctx.root));
  },
});

/** Step 1: each threshold the candidate misses, with its value and the bound, onto `c.failures`. */
function recordFailures(c: Candidate, t: Params["thresholds"]): void {
  const v = c.values;
  if (c.robustness && !c.robustness.passes)
    c.failures.push(`walk-forward robustness filters: ${c.robustness.reasons.join("; ")}`);
  if (!(v.dsr >= t.min_dsr))
    c.failures.push(`DSR against ${c.dsrBenchmark === "zero" ? "0" : c.dsrBenchmark} ${fmt(v.dsr)} < ${t.min_dsr}`);
  if (!(v.max_drawdown > t.max_drawdown))
    c.failures.push(`max drawdown ${pct(v.max_drawdown)} is not better than ${pct(t.max_drawdown)}`);
  if (!(v.turnover <= t.max_turnover)) c.failures.push(`turnover ${pct(v.turnover)} a year > ${pct(t.max_turnover)}`);
  if (t.beat_benchmark) {
    if (v.benchmark_sharpe === null)
      c.failures.push("no benchmark to beat (add the baselines stage to the backtest's needs)");
    else if (!(v.sharpe > v.benchmark_sharpe))
      c.failures.push(`Sharpe ${fmt(v.sharpe)} does not beat the 1/N baseline's ${fmt(v.benchmark_sharpe)}`);
  }
}

/**
 * Step 2: the passing candidates' normalized metrics, score and rank (set on each), best
 * first (ties by cell id). Returns the same array, sorted.
 */
function rankPassing(passing: Candidate[], w: Params["weights"]): Candidate[] {
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  for (const m of Object.keys(DIRECTION) as Metric[]) {
    const xs = passing.map((c) => c.values[m]);
    const lo = Math.min(...xs),
      hi = Math.max(...xs);
    for (const c of passing) {
      const x = c.values[m];
      const n =
        !(hi > lo) || !Number.isFinite(x)
          ? Number.isFinite(x)
            ? 1
            : 0
          : DIRECTION[m] > 0
            ? (x - lo) / (hi - lo)
            : (hi - x) / (hi - lo);
      (c.normalized ??= {} as Record<Metric, number>)[m] = n;
    }
  }
  for (const c of passing)
    c.score = (Object.keys(DIRECTION) as Metric[]).reduce((s, m) => s + (w[m] / total) * c.normalized![m], 0);
  passing.sort((a, b) => b.score! - a.score! || (a.cell < b.cell ? -1 : 1));
  passing.forEach((c, k) => {
    c.rank = k + 1;
  });
  return passing;
}

/**
 * `selection.json`: every candidate (passing ones by rank, then the others by cell id) and the
 * outcome in a sentence.
 */
function selectionDoc(p: Params, champion: Candidate | null, passing: readonly Candidate[], candidates: Candidate[]) {
  return {
    champion: champion?.cell ?? null,
    thresholds: p.thresholds,
    weights: p.weights,
    normalization: "min–max across the passing candidates, 1 = best; turnover: lower is better",
    candidates: [
      ...passing,
      ...candidates.filter((c) => c.failures.length > 0).sort((a, b) => (a.cell < b.cell ? -1 : 1)),
    ].map((c) => ({
      cell: c.cell,
      // Rule strategies say so (and where they come from); a backtest cell has no source field.
      ...(c.source === "strategy" ? { source: c.source, stage: c.stage } : {}),
      model: c.model,
      optimizer: c.optimizer,
      optimizer_effective: c.optimizerEffective,
      optimizer_label: c.optimizerLabel,
      passed: c.failures.length === 0,
      rank: c.rank ?? null,
      score: c.score === undefined ? null : roundOrNull(c.score),
      reasons: c.failures,
      values: Object.fromEntries(Object.entries(c.values).map(([k, v]) => [k, v === null ? null : roundOrNull(v)])),
      normalized: c.normalized
        ? Object.fromEntries(Object.entries(c.normalized).map(([k, v]) => [k, roundOrNull(v)]))
        : null,
    })),
    summary: champion
      ? `${champion.cell}${champion.optimizerLabel !== champion.optimizer ? ` (${champion.optimizerLabel})` : ""} ` +
        `passed every threshold and scored ${roundOrNull(champion.score!)} (${passing.length} ` +
        `of ${candidates.length} candidates passed)`
      : `no champion: none of ${candidates.length} candidates passed every threshold; downstream stages keep their ` +
        `previous champion or stay flat`,
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : String(v));

/** What a backtest cell's metrics.json tells the selection. */
type BacktestMetrics = {
  metrics: { calmar: number };
  turnover_annual: number;
  benchmark: { sharpe: number } | null;
  optimizer_effective?: string;
  optimizer_label?: string;
};

/** What a rule strategy's summary.json tells the selection (stages/strategies.ts). */
type StrategySummary = {
  kind: string;
  passes: boolean;
  reasons: string[];
  turnover_annual?: number;
  last_choice: Record<string, unknown>;
};

async function loadCandidates(ctx: StageContext<Params>): Promise<Candidate[]> {
  const stats = await readColumns(
    ctx.db,
    `SELECT cell, model, optimizer, sharpe, dsr, dsr_active, benchmark, max_drawdown, regime_consistency, cagr, ` +
      `excess_sharpe FROM ${ctx.input("stats", "cells")} ORDER BY cell`,
  );
  const cells = stringColumn(stats, "cell");
  if (cells.length === 0)
    throw new StrataError("DATA", "select: the stats stage has no cell", {
      hint: "run the backtest matrix and the stats stage first",
    });
  // Which stage each analysed cell belongs to, and its matrix values: from this stage's inputs.
  const upstream = new Map<string, { stage: string; cell: Candidate["coords"]; outputs: Set<string> }>();
  for (const u of ctx.upstream()) {
    const e = upstream.get(u.cellId) ?? { stage: u.stage, cell: { ...u.cell }, outputs: new Set<string>() };
    e.outputs.add(u.output);
    upstream.set(u.cellId, e);
  }
  const models = stringColumn(stats, "model"),
    optimizers = stringColumn(stats, "optimizer");
  const out: Candidate[] = [];
  for (const [k, cell] of cells.entries()) {
    const col = (name: string) => f64Column(stats, name)[k];
    const from = upstream.get(cell!);
    const common = {
      cell: cell!,
      dsrBenchmark: String(stringColumn(stats, "benchmark")[k]),
      failures: [],
      sharpe: col("sharpe"),
      dsr: col("dsr_active"),
      dsr_vs_zero: col("dsr"),
      max_drawdown: col("max_drawdown"),
      regime_consistency: col("regime_consistency"),
    };
    if (from?.outputs.has("summary") && !from.outputs.has("metrics")) {
      out.push(await strategyCandidate(ctx, from, common, col("cagr"), col("excess_sharpe")));
      continue;
    }
    let m: BacktestMetrics;
    try {
      m = await ctx.readJson<BacktestMetrics>("backtest", "metrics", { model: models[k]!, optimizer: optimizers[k]! });
    } catch (e) {
      throw new StrataError("DATA", `select: stats has cell ${cell} but its backtest metrics cannot be read`, {
        cause: e,
        // Not among the inputs: the stage is the cell id's prefix ("strategies[kind=…]").
        hint: `add ${from?.stage ?? String(cell).split("[")[0]} to the needs of select`,
      });
    }
    out.push({
      cell: cell!,
      stage: from?.stage ?? "backtest",
      coords: from?.cell ?? { model: models[k]!, optimizer: optimizers[k]! },
      source: "backtest",
      model: models[k]!,
      optimizer: optimizers[k]!,
      values: {
        sharpe: common.sharpe,
        dsr: common.dsr,
        dsr_vs_zero: common.dsr_vs_zero,
        max_drawdown: common.max_drawdown,
        regime_consistency: common.regime_consistency,
        calmar: m.metrics.calmar ?? NaN,
        // One-sided annual turnover: half of Σ|Δw| per year (buys and sells both counted there).
        turnover: m.turnover_annual / 2,
        benchmark_sharpe: m.benchmark?.sharpe ?? null,
      },
      dsrBenchmark: common.dsrBenchmark,
      optimizerEffective: m.optimizer_effective ?? optimizers[k]!,
      optimizerLabel: m.optimizer_label ?? optimizers[k]!,
      failures: [],
    });
  }
  return out;
}

/**
 * A rule strategy's cell as a candidate: the statistics of its stitched out-of-sample returns
 * (the same tests as a backtest cell's), its turnover from its summary, its Calmar ratio from the
 * statistics' CAGR and drawdown (the backtest's definition), the benchmark's Sharpe from the
 * statistics' excess Sharpe, and its walk-forward robustness verdict as one more threshold.
 */
async function strategyCandidate(
  ctx: StageContext<Params>,
  from: { stage: string; cell: Candidate["coords"] },
  c: {
    cell: string;
    dsrBenchmark: string;
    sharpe: number;
    dsr: number;
    dsr_vs_zero: number;
    max_drawdown: number;
    regime_consistency: number;
  },
  cagr: number,
  excessSharpe: number,
): Promise<Candidate> {
  const s = await ctx.readJson<StrategySummary>(from.stage, "summary", from.cell);
  if (typeof s.turnover_annual !== "number")
    throw new StrataError("DATA", `select: ${c.cell}'s summary.json has no turnover_annual`, {
      hint: `rerun the strategies stage with this version of Strata: pipeline run ${from.stage} --force`,
    });
  return {
    cell: c.cell,
    stage: from.stage,
    coords: from.cell,
    source: "strategy",
    model: s.kind,
    optimizer: "rule",
    values: {
      sharpe: c.sharpe,
      dsr: c.dsr,
      dsr_vs_zero: c.dsr_vs_zero,
      max_drawdown: c.max_drawdown,
      regime_consistency: c.regime_consistency,
      calmar: c.max_drawdown < 0 ? cagr / Math.abs(c.max_drawdown) : NaN,
      turnover: s.turnover_annual / 2,
      benchmark_sharpe: c.dsrBenchmark === "zero" ? 0 : c.sharpe - excessSharpe,
    },
    dsrBenchmark: c.dsrBenchmark,
    optimizerEffective: "rule",
    optimizerLabel: `rule: ${JSON.stringify(s.last_choice)}`,
    robustness: { passes: s.passes, reasons: s.reasons },
    failures: [],
  };
}

/** The book's sleeves: the best passing candidates by score, one per model or kind when `distinct`. */
function chooseBook(passing: readonly Candidate[], b: NonNullable<Params["book"]>): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const c of passing) {
    if (out.length === b.sleeves) break;
    const idea = `${c.source}:${c.model}`;
    if (b.distinct && seen.has(idea)) continue;
    seen.add(idea);
    out.push(c);
  }
  return out;
}

/** A sleeve of selection.json's `book`: where its targets and returns are (stages/book.ts reads it). */
const bookEntry = (c: Candidate) => ({
  id: c.cell,
  stage: c.stage,
  cell: c.coords,
  source: c.source,
  score: roundOrNull(c.score!),
  rank: c.rank ?? null,
});

/**
 * The champion's record, from this stage's inputs only (so a restored or re-run champion always
 * matches them): the backtest cell's params, seed and returns hash, the model file's and the
 * prices' hashes. The cells' fingerprints are in pipeline.lock under the cell ids named here.
 */
async function provenance(ctx: StageContext<Params>, c: Candidate): Promise<{ champion: unknown; model: string }> {
  if (c.source === "strategy") return strategyProvenance(ctx, c);
  const where = { model: c.model, optimizer: c.optimizer };
  const bt = await ctx.readJson<{ params: unknown; seed: number }>("backtest", "metrics", where);
  const returnsHash = await sha256File(ctx.inputPath("backtest", "returns", where));
  let model = JSON.stringify({ champion: c.cell, model: null, note: "no train cell for this model" }) + "\n";
  let modelHash: string | null = null;
  try {
    const path = ctx.inputPath("train", "model.json", { model: c.model });
    model = readFileSync(path, "utf8");
    modelHash = await sha256File(path);
  } catch {
    ctx.log(
      `warning: no train/model.json for model '${c.model}' among the inputs; champion.json records the cell only`,
    );
  }
  let prices: string | null = null;
  try {
    prices = await sha256File(ctx.inputPath("data", "prices"));
  } catch {
    ctx.log("warning: data/prices is not among the inputs; champion.json has no data hash (add data to the needs)");
  }
  return {
    model,
    champion: {
      cell: c.cell,
      model: c.model,
      optimizer: c.optimizer,
      optimizer_effective: c.optimizerEffective,
      optimizer_label: c.optimizerLabel,
      score: roundOrNull(c.score!),
      metrics: Object.fromEntries(Object.entries(c.values).map(([k, v]) => [k, v === null ? null : roundOrNull(v)])),
      model_file: { sha256: modelHash },
      data: { prices_sha256: prices },
      backtest: { cell: c.cell, seed: bt.seed ?? null, params: bt.params ?? null, returns_sha256: returnsHash },
      train: { cell: `train[model=${c.model}]`, model_sha256: modelHash },
    },
  };
}

/**
 * A rule strategy's champion record: its kind and the parameters its last walk-forward window
 * chose (what it would trade next), the hashes of its returns and summary, and the prices'. Its
 * model.json names the rule instead of a fitted model; the paper loop trades model champions
 * only and says so (src/paper/champion.ts).
 */
async function strategyProvenance(
  ctx: StageContext<Params>,
  c: Candidate,
): Promise<{ champion: unknown; model: string }> {
  const s = await ctx.readJson<StrategySummary>(c.stage, "summary", c.coords);
  const hash = async (output: string) => sha256File(ctx.inputPath(c.stage, output, c.coords));
  let prices: string | null = null;
  try {
    prices = await sha256File(ctx.inputPath("data", "prices"));
  } catch {
    ctx.log("warning: data/prices is not among the inputs; champion.json has no data hash (add data to the needs)");
  }
  const strategy = { kind: s.kind, params: s.last_choice };
  return {
    model: JSON.stringify({ champion: c.cell, model: null, strategy }) + "\n",
    champion: {
      cell: c.cell,
      source: "strategy",
      stage: c.stage,
      model: c.model,
      optimizer: c.optimizer,
      score: roundOrNull(c.score!),
      metrics: Object.fromEntries(Object.entries(c.values).map(([k, v]) => [k, v === null ? null : roundOrNull(v)])),
      strategy: {
        ...strategy,
        returns_sha256: await hash("returns"),
        summary_sha256: await hash("summary"),
      },
      data: { prices_sha256: prices },
    },
  };
}
