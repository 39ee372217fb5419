/**
 * The champion as paper trading reads it: champion.json (the backtest cell, its params and
 * provenance) and model.json written by the champion stage (stages/select.ts). The backtest
 * params decide the portfolio exactly as the backtest built it: selection, optimizer,
 * covariance, constraints, schedule and costs, through the same schema and mapping
 * (src/quant/backtest/book-params.ts). Missing keys take the backtest stage's defaults.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { StrataError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { modelFromJson, type Model } from "../quant/ml/model-io.ts";
import type { PortfolioMethod } from "../quant/portfolio/types.ts";
import { bookParamsShape } from "../quant/backtest/book-params.ts";

/**
 * The backtest cell's params as champion.json records them: the book's params are validated by
 * the backtest stage's own schema (book-params.ts), so a key paper trading does not know is an
 * error rather than a silently different book; the stage's other keys (warnings…) pass through.
 */
const backtestParams = z.object({ model: z.string().optional(), ...bookParamsShape }).passthrough();

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
  const cPath = join(dir, "champion.json"),
    mPath = join(dir, "model.json");
  if (!existsSync(cPath))
    return {
      ok: false,
      reason: `no champion: ${cPath} does not exist (run the champion stage: pipeline run champion)`,
    };
  const cText = readFileSync(cPath, "utf8");
  let doc: {
    champion?: unknown;
    cell?: string;
    model?: string;
    optimizer?: string;
    backtest?: { params?: unknown };
    metrics?: { sharpe?: number };
    reason?: string;
    source?: string;
    strategy?: { kind?: string };
  };
  try {
    doc = JSON.parse(cText);
  } catch (cause) {
    throw new StrataError("DATA", `${cPath} is not valid JSON (${(cause as Error).message})`, {
      cause,
      hint: "rerun the champion stage: pipeline run champion --force",
    });
  }
  if (doc.champion === null || !doc.cell)
    return {
      ok: false,
      reason: `no champion promoted: ${doc.reason ?? "the champion stage selected none"} (${cPath})`,
    };
  if (doc.source === "strategy")
    return {
      ok: false,
      reason:
        `the champion ${doc.cell} is a rule strategy (${doc.strategy?.kind ?? "?"}): the paper book trades a model's ` +
        `scores only and stays flat; leave the strategies stages out of the stats' candidates to promote a model (${cPath})`,
    };
  if (!existsSync(mPath))
    return { ok: false, reason: `no champion model: ${mPath} does not exist (run the champion stage)` };
  const mText = readFileSync(mPath, "utf8");
  let fitted: Model;
  try {
    fitted = modelFromJson(JSON.parse(mText));
  } catch (cause) {
    throw new StrataError("DATA", `${mPath}: cannot load the champion's model (${(cause as Error).message})`, {
      cause,
      hint: "rerun the champion stage: pipeline run champion --force",
    });
  }
  const parsed = backtestParams.safeParse(doc.backtest?.params ?? {});
  if (!parsed.success) {
    throw new StrataError(
      "DATA",
      `${cPath}: backtest.params do not describe a backtest ` +
        `cell: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      {
        hint: "rerun the champion stage with this version of Strata",
      },
    );
  }
  const params = parsed.data;
  const optimizer = params.optimizer;
  return {
    ok: true,
    champion: {
      cell: doc.cell,
      model: String(doc.model ?? params.model ?? ""),
      optimizer,
      params,
      fingerprint: sha256(cText + "\n" + mText),
      fitted,
      backtestSharpe: typeof doc.metrics?.sharpe === "number" ? doc.metrics.sharpe : null,
    },
  };
}
