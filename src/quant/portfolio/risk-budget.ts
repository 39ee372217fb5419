/**
 * Hierarchical risk budgets for a book of several strategies ("sleeves"), at one decision date:
 *
 *   1. strategy budgets — each sleeve's share of capital: inverse volatility of its own trailing
 *      returns (equal risk when the sleeves are uncorrelated: b_s ∝ 1/σ_s gives b_s·σ_s equal;
 *      Maillard, Roncalli & Teïletche 2010, "The Properties of Equally Weighted Risk Contribution
 *      Portfolios", J. Portfolio Management 36(4), the diagonal case), equal shares, or fixed
 *      shares given by the caller;
 *   2. strategy cap — no sleeve above `strategyMax` of capital; the excess goes to the uncapped
 *      sleeves in proportion to their shares (water-filling, repeated while a share crosses the
 *      cap), and to cash once every sleeve is capped;
 *   3. portfolio budget — the budgets add up to `portfolioMax` of capital when no cap binds, and
 *      the netted book's gross exposure Σ|w| is scaled down to `portfolioMax` if it is above it
 *      (levered sleeves);
 *   4. netting — w_i = Σ_s b_s · w_{s,i}: opposite positions of two sleeves cancel (and so do
 *      their trades: the book pays for the net trade only);
 *   5. position cap — |w_i| ≤ `positionMax`; the excess goes to cash (not to other names).
 *
 * Units: weights and budgets are fractions of the book's capital (decimal); σ is the standard
 * deviation (ddof 1) of a sleeve's simple daily returns, not annualized.
 *
 * Point in time: a sleeve's volatility at decision row `at` reads its returns on rows
 * (at − window, at] only — the return of row `at` is known at its close, when the book decides.
 *
 * Every function is pure and deterministic (sums in a fixed order, no randomness).
 */
import { StrataError } from "../../core/errors.ts";

export type BudgetMethod = "inverse_vol" | "equal" | "fixed";

export interface RiskBudgetLimits {
  /** Cap on the book's gross exposure Σ|w_i|, and the sum of the budgets (default 1.0). */
  portfolioMax?: number;
  /** Cap on each sleeve's budget (default 0.40). */
  strategyMax?: number;
  /** Cap on each |w_i| of the netted book (default 0.15). */
  positionMax?: number;
}

export const DEFAULT_RISK_BUDGET_LIMITS = { portfolioMax: 1, strategyMax: 0.4, positionMax: 0.15 } as const;

export interface TrailingVolOptions {
  /** Rows in the trailing window, the decision row included (default 63: a quarter). */
  window?: number;
  /** Finite returns the window must hold for a volatility (default 20); fewer: NaN. */
  minObservations?: number;
}

/**
 * Standard deviation (ddof 1) of the finite values of `returns` on rows (at − window, at]:
 * NaN with fewer than `minObservations` of them (NaN rows are rows the sleeve did not exist).
 * Welford's update, in row order.
 */
export function trailingVolatility(returns: ArrayLike<number>, at: number, options: TrailingVolOptions = {}): number {
  const window = options.window ?? 63,
    minObs = Math.max(2, options.minObservations ?? 20);
  if (!Number.isInteger(window) || window < 2)
    throw new StrataError("ARGUMENT", `trailingVolatility: window = ${window}, expected an integer ≥ 2`);
  let n = 0,
    m = 0,
    s2 = 0;
  const to = Math.min(at, returns.length - 1);
  for (let t = Math.max(0, at - window + 1); t <= to; t++) {
    const x = returns[t];
    if (!Number.isFinite(x)) continue;
    n++;
    const d = x - m;
    m += d / n;
    s2 += d * (x - m);
  }
  return n >= minObs ? Math.sqrt(s2 / (n - 1)) : NaN;
}

export interface BudgetShares {
  /** Shares of the budget, ≥ 0, summing to 1 (in sleeve order). */
  shares: Float64Array;
  /** The method that produced them: "equal" when inverse_vol lacked a usable volatility. */
  method: BudgetMethod;
  /** Why the method fell back, or null. */
  fallback: string | null;
}

/**
 * Shares of the budget by `method`: inverse_vol → 1/σ_s normalized (all sleeves equal if any σ is
 * NaN or 0: mixing units of risk with equal shares would favour the unknown sleeve); equal →
 * 1/S; fixed → `weights` (≥ 0, not all 0) normalized to sum 1.
 */
export function budgetShares(method: BudgetMethod, vols: ArrayLike<number>, weights?: ArrayLike<number>): BudgetShares {
  const S = vols.length;
  if (S === 0) return { shares: new Float64Array(0), method, fallback: null };
  const equal = () => new Float64Array(S).fill(1 / S);
  if (method === "equal") return { shares: equal(), method, fallback: null };
  if (method === "fixed") {
    if (!weights || weights.length !== S)
      throw new StrataError(
        "ARGUMENT",
        `budgetShares: fixed budgets need one weight per sleeve (${S}), got ${weights ? weights.length : "none"}`,
        { hint: "give budgets.weights, one per sleeve of the book, in its order" },
      );
    let sum = 0;
    for (let s = 0; s < S; s++) {
      if (!(weights[s] >= 0) || weights[s] === Infinity)
        throw new StrataError(
          "ARGUMENT",
          `budgetShares: fixed weight ${s} is ${weights[s]}, expected a finite number ≥ 0`,
        );
      sum += weights[s];
    }
    if (!(sum > 0)) throw new StrataError("ARGUMENT", "budgetShares: the fixed weights are all 0");
    return { shares: Float64Array.from({ length: S }, (_, s) => weights[s] / sum), method, fallback: null };
  }
  if (method !== "inverse_vol")
    throw new StrataError("ARGUMENT", `budgetShares: method '${String(method)}' is not inverse_vol, equal or fixed`);
  for (let s = 0; s < S; s++) {
    if (!(vols[s] > 0) || vols[s] === Infinity) {
      const why = vols[s] === 0 ? "a volatility of 0" : "too few returns for a volatility";
      return { shares: equal(), method: "equal", fallback: `sleeve ${s} has ${why}` };
    }
  }
  let sum = 0;
  for (let s = 0; s < S; s++) sum += 1 / vols[s];
  return { shares: Float64Array.from({ length: S }, (_, s) => 1 / vols[s] / sum), method, fallback: null };
}

export interface CappedBudgets {
  /** Budget of each sleeve (fraction of capital): ≤ cap, Σ = min(total, S·cap) up to rounding. */
  budgets: Float64Array;
  /** Sleeves held at the cap. */
  capped: boolean[];
  /** total − Σ budgets: left in cash because every sleeve is capped (0 otherwise). */
  cash: number;
}

/**
 * Budgets `total · shares`, each capped at `cap`, the excess of capped sleeves redistributed to
 * the others in proportion to their shares, repeated until no budget exceeds the cap (at most S
 * rounds: each round caps at least one more sleeve). When every sleeve with a share is capped
 * the rest stays in cash. A sleeve with share 0 gets nothing.
 */
export function capBudgets(shares: ArrayLike<number>, total: number, cap: number): CappedBudgets {
  const S = shares.length;
  if (!(total >= 0) || !(cap > 0))
    throw new StrataError("ARGUMENT", `capBudgets: total = ${total}, cap = ${cap}; expected total ≥ 0 and cap > 0`);
  const budgets = new Float64Array(S);
  const capped = new Array<boolean>(S).fill(false);
  let left = total;
  for (let round = 0; round <= S; round++) {
    let free = 0;
    for (let s = 0; s < S; s++) if (!capped[s]) free += shares[s];
    if (!(free > 0) || left <= 0) {
      for (let s = 0; s < S; s++) if (!capped[s]) budgets[s] = 0;
      break;
    }
    let crossed = false;
    for (let s = 0; s < S; s++) {
      if (capped[s]) continue;
      budgets[s] = (left * shares[s]) / free;
      if (budgets[s] > cap) crossed = true;
    }
    if (!crossed) {
      left = 0;
      break;
    }
    // Cap every sleeve above the cap, then share what is left among the others.
    for (let s = 0; s < S; s++) {
      if (!capped[s] && budgets[s] > cap) {
        capped[s] = true;
        budgets[s] = cap;
        left -= cap;
      }
    }
  }
  let sum = 0;
  for (let s = 0; s < S; s++) sum += budgets[s];
  return { budgets, capped, cash: Math.max(0, total - sum) };
}

/** w_i = Σ_s budgets[s] · sleeves[s][i], summed in sleeve order. */
export function netPositions(sleeves: readonly ArrayLike<number>[], budgets: ArrayLike<number>, nAssets: number) {
  if (sleeves.length !== budgets.length)
    throw new StrataError("ARGUMENT", `netPositions: ${sleeves.length} sleeves for ${budgets.length} budgets`);
  const w = new Float64Array(nAssets);
  sleeves.forEach((x, s) => {
    if (x.length !== nAssets)
      throw new StrataError("ARGUMENT", `netPositions: sleeve ${s} has ${x.length} weights, expected ${nAssets}`);
    const b = budgets[s];
    if (b === 0) return;
    for (let i = 0; i < nAssets; i++) w[i] += b * x[i];
  });
  return w;
}

const grossOf = (w: ArrayLike<number>) => {
  let g = 0;
  for (let i = 0; i < w.length; i++) g += Math.abs(w[i]);
  return g;
};

/** The level a budget caps, and how much it bound at one decision. */
export interface LevelReport {
  /** The cap (fraction of capital). */
  cap: number;
  /** Largest value the level reached after it was enforced, over the cap (in [0, 1]). */
  utilization: number;
  /** Items above the cap before it was enforced (sleeves, the book, positions). */
  violations: number;
  /** Capital the cap moved: redistributed (strategy) or sent to cash (portfolio, position). */
  moved: number;
}

export interface CombinedBook {
  /** The book's target weights (length N). */
  weights: Float64Array;
  /** Each sleeve's budget, volatility (daily, NaN unknown) and whether it is at the strategy cap. */
  budgets: Float64Array;
  vols: Float64Array;
  capped: boolean[];
  method: BudgetMethod;
  fallback: string | null;
  /** Σ_s b_s·Σ_i|w_{s,i}| (before netting) and Σ_i|w_i| after netting, before the caps below. */
  grossBeforeNetting: number;
  grossAfterNetting: number;
  levels: { portfolio: LevelReport; strategy: LevelReport; position: LevelReport };
}

export interface CombineOptions extends RiskBudgetLimits, TrailingVolOptions {
  method?: BudgetMethod;
  /** Fixed shares (method "fixed"), one per sleeve. */
  weights?: ArrayLike<number>;
}

/**
 * The book at decision row `at`: sleeve targets `targets[s]` (length N each, fractions of the
 * sleeve's capital) and each sleeve's return series `returns[s]` (row-aligned; only rows ≤ at
 * are read) → budgets, capped, netted, capped per position. See the module comment for the order.
 */
export function combineSleeves(
  targets: readonly ArrayLike<number>[],
  returns: readonly ArrayLike<number>[],
  at: number,
  nAssets: number,
  options: CombineOptions = {},
): CombinedBook {
  const S = targets.length;
  if (returns.length !== S)
    throw new StrataError("ARGUMENT", `combineSleeves: ${S} sleeves' targets but ${returns.length} return series`);
  const lim = { ...DEFAULT_RISK_BUDGET_LIMITS, ...stripUndefined(options) };
  for (const k of ["portfolioMax", "strategyMax", "positionMax"] as const)
    if (!(lim[k] > 0)) throw new StrataError("ARGUMENT", `combineSleeves: ${k} = ${lim[k]}, expected > 0`);
  const method = options.method ?? "inverse_vol";
  const vols = Float64Array.from(returns, (r) =>
    trailingVolatility(r, at, { window: options.window, minObservations: options.minObservations }),
  );
  const sh = budgetShares(method, vols, options.weights);
  const cb = capBudgets(sh.shares, lim.portfolioMax, lim.strategyMax);
  let over = 0,
    top = 0;
  for (let s = 0; s < S; s++) {
    if (sh.shares[s] * lim.portfolioMax > lim.strategyMax) over++;
    top = Math.max(top, cb.budgets[s]);
  }
  let moved = 0;
  for (let s = 0; s < S; s++) if (cb.capped[s]) moved += sh.shares[s] * lim.portfolioMax - lim.strategyMax;
  const strategy: LevelReport = { cap: lim.strategyMax, utilization: top / lim.strategyMax, violations: over, moved };

  let before = 0;
  for (let s = 0; s < S; s++) before += cb.budgets[s] * grossOf(targets[s]);
  const w = netPositions(targets, cb.budgets, nAssets);
  const after = grossOf(w);
  const portfolio = capGross(w, lim.portfolioMax);
  const position = capPositions(w, lim.positionMax);
  return {
    weights: w,
    budgets: cb.budgets,
    vols,
    capped: cb.capped,
    method: sh.method,
    fallback: sh.fallback,
    grossBeforeNetting: before,
    grossAfterNetting: after,
    levels: { portfolio, strategy, position },
  };
}

/** Scales w in place so Σ|w| ≤ cap; reports the gross before (violations: 1 if above) and what went to cash. */
export function capGross(w: Float64Array, cap: number): LevelReport {
  const g = grossOf(w);
  if (g <= cap) return { cap, utilization: g / cap, violations: 0, moved: 0 };
  const k = cap / g;
  for (let i = 0; i < w.length; i++) w[i] *= k;
  return { cap, utilization: grossOf(w) / cap, violations: 1, moved: g - grossOf(w) };
}

/** Clips each |w_i| to cap in place (the excess to cash); reports the positions clipped and the capital moved. */
export function capPositions(w: Float64Array, cap: number): LevelReport {
  let n = 0,
    moved = 0,
    top = 0;
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]);
    if (a > cap) {
      n++;
      moved += a - cap;
      w[i] = Math.sign(w[i]) * cap;
    }
    top = Math.max(top, Math.abs(w[i]));
  }
  return { cap, utilization: top / cap, violations: n, moved };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
