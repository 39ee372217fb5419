/**
 * The champion as paper trading reads it: champion.json (the backtest cell, its params and
 * provenance) and model.json written by the champion stage (stages/select.ts). The backtest
 * params decide the portfolio exactly as the backtest built it: selection, optimizer,
 * covariance, constraints, schedule and costs. Missing keys take the backtest stage's defaults.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { StrataError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { modelFromJson, type Model } from "../quant/ml/model-io.ts";
import { PORTFOLIO_METHODS, type PortfolioMethod } from "../quant/portfolio/types.ts";

/** The backtest stage's params that shape the book (defaults as in stages/backtest.ts). */
const backtestParams = z.object({
  model: z.string().optional(),
  optimizer: z.enum(PORTFOLIO_METHODS as [PortfolioMethod, ...PortfolioMethod[]]).default("equal_weight"),
  rebalance: z.enum(["daily", "weekly", "monthly"]).default("weekly"),
  lag: z.number().int().min(1).default(1),
  regimes: z.object({ vol_window: z.number().int().default(63), trend_window: z.number().int().default(126), min_history: z.number().int().default(126) }).default({ vol_window: 63, trend_window: 126, min_history: 126 }),
  selection: z.object({
    side: z.enum(["long", "long_short"]).default("long"),
    top: z.number().int().min(1).optional(),
    quantile: z.number().gt(0).max(1).optional(),
    leg_exposure: z.number().positive().default(0.5),
  }).default({ side: "long", leg_exposure: 0.5 }),
  covariance: z.object({
    estimator: z.enum(["sample", "ledoit_wolf", "ewma"]).default("ledoit_wolf"),
    window: z.number().int().min(2).default(126),
    min_observations: z.number().int().min(2).optional(),
    half_life: z.number().positive().optional(),
  }).default({ estimator: "ledoit_wolf", window: 126 }),
  expected_returns: z.enum(["score", "historical"]).default("score"),
  horizon: z.number().int().min(1).default(5),
  constraints: z.object({
    max_weight: z.number().positive().max(1).default(0.15),
    sector_cap: z.number().positive().max(1).optional(),
    budgets: z.union([z.boolean(), z.object({ portfolio: z.number().positive(), strategy: z.number().positive(), position: z.number().positive() }).partial()]).default(false),
  }).default({ max_weight: 0.15, budgets: false }),
  trading: z.object({ band: z.number().min(0).default(0), max_turnover: z.number().positive().optional() }).default({ band: 0 }),
  vol_target: z.object({ target: z.number().positive(), max_leverage: z.number().positive().default(1) }).nullable().default(null),
  costs: z.object({
    commission_bps: z.number().min(0).default(1),
    slippage_bps: z.number().min(0).default(2),
  }).passthrough().default({ commission_bps: 1, slippage_bps: 2 }),
  risk_free: z.number().default(0),
  linkage: z.enum(["single", "complete", "average", "ward"]).default("single"),
  kelly_fraction: z.number().gt(0).max(1).default(0.5),
}).passthrough();

export type ChampionParams = z.output<typeof backtestParams>;

export interface Champion {
  /** e.g. "backtest[model=ridge,optimizer=max_sharpe]". */
  cell: string;
  model: string;
  optimizer: PortfolioMethod;
  params: ChampionParams;
  /** sha256 of champion.json + model.json: part of every order's idempotency key. */
  fingerprint: string;
  /** The fitted model (scores = predict(model, features of the decision date)). */
  fitted: Model;
  /** The champion's backtest Sharpe ratio (monitoring compares live performance to it). */
  backtestSharpe: number | null;
}

export type ChampionLookup = { ok: true; champion: Champion } | { ok: false; reason: string };

/**
 * Reads the champion from `dir` (data/champion). No champion — the folder or files missing, or
 * the stage promoted none — is a normal outcome ({ ok: false, reason }): the cycle stays flat.
 * A corrupt file is an error naming it.
 */
export function loadChampion(dir: string): ChampionLookup {
  const cPath = join(dir, "champion.json"), mPath = join(dir, "model.json");
  if (!existsSync(cPath)) return { ok: false, reason: `no champion: ${cPath} does not exist (run the champion stage: pipeline run champion)` };
  const cText = readFileSync(cPath, "utf8");
  let doc: { champion?: unknown; cell?: string; model?: string; optimizer?: string; backtest?: { params?: unknown }; metrics?: { sharpe?: number }; reason?: string };
  try {
    doc = JSON.parse(cText);
  } catch (cause) {
    throw new StrataError("DATA", `${cPath} is not valid JSON (${(cause as Error).message})`, { cause, hint: "rerun the champion stage: pipeline run champion --force" });
  }
  if (doc.champion === null || !doc.cell) return { ok: false, reason: `no champion promoted: ${doc.reason ?? "the champion stage selected none"} (${cPath})` };
  if (!existsSync(mPath)) return { ok: false, reason: `no champion model: ${mPath} does not exist (run the champion stage)` };
  const mText = readFileSync(mPath, "utf8");
  let fitted: Model;
  try {
    fitted = modelFromJson(JSON.parse(mText));
  } catch (cause) {
    throw new StrataError("DATA", `${mPath}: cannot load the champion's model (${(cause as Error).message})`, { cause, hint: "rerun the champion stage: pipeline run champion --force" });
  }
  const parsed = backtestParams.safeParse(doc.backtest?.params ?? {});
  if (!parsed.success) {
    throw new StrataError("DATA", `${cPath}: backtest.params do not describe a backtest cell: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
      hint: "rerun the champion stage with this version of Strata",
    });
  }
  const params = parsed.data;
  const optimizer = params.optimizer;
  return {
    ok: true,
    champion: {
      cell: doc.cell, model: String(doc.model ?? params.model ?? ""), optimizer, params,
      fingerprint: sha256(cText + "\n" + mText), fitted,
      backtestSharpe: typeof doc.metrics?.sharpe === "number" ? doc.metrics.sharpe : null,
    },
  };
}
