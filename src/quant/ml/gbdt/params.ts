/**
 * Hyper-parameters of the histogram GBDT and of the random forest built on the same tree
 * engine, with their defaults and validation. Names follow XGBoost's where they coincide
 * (https://xgboost.readthedocs.io/en/stable/parameter.html); differences are documented in
 * docs/gbdt.md (notably `gamma`, which is the γ of Chen & Guestrin 2016 eq. 7).
 */
import { StrataError } from "../../../core/errors.ts";

export interface GbdtParams {
  /** Boosting rounds (trees). Default 100. */
  nTrees: number;
  /** Shrinkage η applied to every leaf value. Default 0.1. */
  learningRate: number;
  /** Maximum depth of a tree (root = depth 0). Default 6. For leafwise growth, ≤ 0 means unlimited. */
  maxDepth: number;
  /** "depthwise" (XGBoost's default) or "leafwise" (best-first, LightGBM-style). Default depthwise. */
  growth: "depthwise" | "leafwise";
  /** Maximum leaves per tree, leafwise growth only. Default 31. */
  maxLeaves: number;
  /** Minimum sum of hessians (= rows × weight for squared error) in each child. Default 1. */
  minChildWeight: number;
  /** L2 regularization λ on leaf weights. Default 1. */
  lambda: number;
  /** Minimum split gain γ (Chen & Guestrin 2016 eq. 7: split iff ½[…] − γ > 0). Default 0. */
  gamma: number;
  /** Fraction of rows sampled (without replacement, Bernoulli per row) for each tree. Default 1. */
  subsample: number;
  /** Fraction of features sampled for each tree. Default 1. */
  colsample: number;
  /** Maximum bins per feature, 2…256, missing values included when a feature has any. Default 256. */
  maxBins: number;
  /** Stop after this many rounds without improvement of the validation MSE (0 = off; needs opts.valid). */
  earlyStoppingRounds: number;
}

export const GBDT_DEFAULTS: Readonly<GbdtParams> = Object.freeze({
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 6,
  growth: "depthwise",
  maxLeaves: 31,
  minChildWeight: 1,
  lambda: 1,
  gamma: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 256,
  earlyStoppingRounds: 0,
});

export interface RandomForestParams {
  /** Trees in the forest. Default 200. */
  nTrees: number;
  /** Maximum depth of each tree. Default 8. */
  maxDepth: number;
  /** Minimum (bootstrap-weighted) rows in each child. Default 5. */
  minChildWeight: number;
  /** Fraction of features considered at each split (Breiman's mtry = colsample × features). Default 0.5. */
  colsample: number;
  /** Sample rows with replacement for each tree. Default true. */
  bootstrap: boolean;
  /** Rows drawn per tree as a fraction of the training rows. Default 1. */
  sampleFraction: number;
  /** Maximum bins per feature (≤ 256). Default 256. */
  maxBins: number;
}

export const FOREST_DEFAULTS: Readonly<RandomForestParams> = Object.freeze({
  nTrees: 200,
  maxDepth: 8,
  minChildWeight: 5,
  colsample: 0.5,
  bootstrap: true,
  sampleFraction: 1,
  maxBins: 256,
});

type Check = [name: string, ok: (v: number) => boolean, expect: string];

const int =
  (lo: number, hi = Infinity) =>
  (v: number) =>
    Number.isInteger(v) && v >= lo && v <= hi;
const num =
  (lo: number, hi = Infinity, loOpen = false) =>
  (v: number) =>
    Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v <= hi;

function checkAll(where: string, p: Record<string, unknown>, defaults: Record<string, unknown>, checks: Check[]): void {
  const issues: string[] = [];
  for (const key of Object.keys(p)) {
    if (!(key in defaults)) issues.push(`unknown parameter '${key}' (known: ${Object.keys(defaults).join(", ")})`);
  }
  for (const [name, ok, expect] of checks) {
    const v = p[name];
    if (typeof v !== "number" || !ok(v)) issues.push(`${name} = ${JSON.stringify(v)}: expected ${expect}`);
  }
  if (issues.length) {
    throw new StrataError("ARGUMENT", `${where}: invalid parameters:\n  - ${issues.join("\n  - ")}`, {
      hint: "fix the listed parameters (see docs/gbdt.md for ranges and defaults)",
      details: { issues },
    });
  }
}

/** Defaults merged with `params`, validated (every issue reported at once). */
export function resolveGbdtParams(params: Partial<GbdtParams> = {}): GbdtParams {
  const p = { ...GBDT_DEFAULTS, ...stripUndefined(params) } as GbdtParams;
  checkAll("fitGbdt", p as unknown as Record<string, unknown>, GBDT_DEFAULTS as unknown as Record<string, unknown>, [
    ["nTrees", int(1), "an integer ≥ 1"],
    ["learningRate", num(0, Infinity, true), "a number > 0"],
    [
      "maxDepth",
      p.growth === "leafwise" ? int(-Infinity, 64) : int(1, 64),
      p.growth === "leafwise" ? "an integer ≤ 64 (≤ 0 = unlimited)" : "an integer in 1…64",
    ],
    ["maxLeaves", int(2, 1 << 20), "an integer ≥ 2"],
    ["minChildWeight", num(0), "a number ≥ 0"],
    ["lambda", num(0), "a number ≥ 0"],
    ["gamma", num(0), "a number ≥ 0"],
    ["subsample", num(0, 1, true), "a number in (0, 1]"],
    ["colsample", num(0, 1, true), "a number in (0, 1]"],
    ["maxBins", int(2, 256), "an integer in 2…256"],
    ["earlyStoppingRounds", int(0), "an integer ≥ 0"],
  ]);
  if (p.growth !== "depthwise" && p.growth !== "leafwise") {
    throw new StrataError(
      "ARGUMENT",
      `fitGbdt: growth = ${JSON.stringify(p.growth)}: expected "depthwise" or "leafwise"`,
      {
        hint: 'use growth: "depthwise" (XGBoost-like) or "leafwise" (LightGBM-like, bounded by maxLeaves)',
      },
    );
  }
  return p;
}

export function resolveForestParams(params: Partial<RandomForestParams> = {}): RandomForestParams {
  const p = { ...FOREST_DEFAULTS, ...stripUndefined(params) } as RandomForestParams;
  checkAll(
    "fitRandomForest",
    p as unknown as Record<string, unknown>,
    FOREST_DEFAULTS as unknown as Record<string, unknown>,
    [
      ["nTrees", int(1), "an integer ≥ 1"],
      ["maxDepth", int(1, 64), "an integer in 1…64"],
      ["minChildWeight", num(0), "a number ≥ 0"],
      ["colsample", num(0, 1, true), "a number in (0, 1]"],
      ["sampleFraction", num(0, Infinity, true), "a number > 0"],
      ["maxBins", int(2, 256), "an integer in 2…256"],
    ],
  );
  if (typeof p.bootstrap !== "boolean") {
    throw new StrataError(
      "ARGUMENT",
      `fitRandomForest: bootstrap = ${JSON.stringify(p.bootstrap)}: expected true or false`,
    );
  }
  if (!p.bootstrap && p.sampleFraction > 1) {
    throw new StrataError(
      "ARGUMENT",
      `fitRandomForest: sampleFraction = ${p.sampleFraction} > 1 needs bootstrap: true`,
      {
        hint: "sampling without replacement can draw at most every row once; use sampleFraction ≤ 1",
      },
    );
  }
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
