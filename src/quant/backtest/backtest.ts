/**
 * Daily portfolio backtest over T rows × N assets: weights drift with prices between
 * rebalances, trades are the difference between the targets and the drifted weights, costs
 * are charged on traded notional.
 *
 * Timing (DESIGN.md, quant conventions). Row t's return r_i[t] is the simple return from the
 * close of t − 1 to the close of t. Targets decided at the close of row d trade at the close
 * of row d + lag (default lag 1), so they earn returns from row d + lag + 1 on. Per row t:
 *
 *   g[t]   = Σ_i h_i[t−1]·r_i[t] + c[t−1]·ρ[t]        c = 1 − Σ_i h_i (cash), ρ = cashRate
 *   w_i    = h_i[t−1]·(1 + r_i[t]) / (1 + g[t])       drift (weights of the pre-trade book)
 *   Δw_i   = target_i − w_i                            on trade rows only
 *   τ[t]   = Σ_i |Δw_i|                                turnover
 *   k[t]   = (commission + slippage)/10⁴ · τ[t] + Σ_i impact_i
 *   n[t]   = g[t] − k[t],  E[t] = E[t−1]·(1 + n[t])
 *   h_i[t] = target_i (traded assets), w_i·(1 + g)/(1 + n) (untraded assets: same value, equity net of costs)
 *
 * Costs are a deduction from the row's return (net = gross − cost exactly), the convention of
 * most academic backtests (e.g. Novy-Marx & Velikov 2016, "A Taxonomy of Anomalies and Their
 * Trading Costs", RFS 29(1), where net return = gross − Σ|Δw|·cost). Exact cash accounting
 * would charge the bps on the pre-trade equity E[t−1]·(1+g) instead of E[t−1]; the two differ
 * by g·k per rebalance (second order: 1 % × 10 bp = 10⁻⁵ of equity).
 *
 * Turnover counts every trade once, buys and sells together (Σ|Δw|, as DeMiguel, Garlappi &
 * Uppal 2009, RFS 22(5), and PyPortfolioOpt's transaction-cost term): switching a fully
 * invested book from one asset to another is 2.0. The "one-sided" figure of fund reports
 * (SEC form N-1A: min(purchases, sales) / NAV) is half of it for a fully invested book.
 *
 * Not trading (r_i[t] NaN): the asset's price is held at its last value (return 0 that row)
 * and it cannot be traded at that close: a trade asked for it is skipped (counted in
 * `skippedTrades`) and its weight stays as drifted; the next rebalance on which it trades
 * catches up. Encode a delisting as a final return on the last traded row and set its target
 * to 0 before then; afterwards a remaining weight stays frozen in the book.
 *
 * Shorts (h < 0) and leverage (Σ|h| > 1) are allowed; short proceeds and borrowing go through
 * cash at `cashRate` (frictionless: no borrow fee, no margin). If equity reaches ≤ 0 the run is
 * ruined: `ruinedAt` is set, and later rows return 0 with empty holdings.
 *
 * Causal by construction: row t reads returns and targets of rows ≤ t only.
 */
import { StrataError } from "../../core/errors.ts";
import { tradeSchedule } from "./targets.ts";
import type { BacktestOptions, BacktestResult, TargetRow, TargetRule, Targets } from "./types.ts";
import { impactCost, impactLaw, linearCostRate } from "./costs.ts";

function perAssetOrMatrix(name: string, a: Float64Array, nRows: number, nAssets: number): boolean {
  if (a.length === nAssets) return false;
  if (a.length === nRows * nAssets) return true;
  throw new StrataError(
    "ARGUMENT",
    `backtest: impact.${name} has ${a.length} values, expected N = ${nAssets} or T × N = ${nRows * nAssets}`,
  );
}

function badReturn(r: number, j: number, N: number): StrataError {
  const t = Math.floor(j / N);
  return new StrataError(
    "ARGUMENT",
    `backtest: return of asset ${j - t * N} at row ${t} is ${r}, expected a simple return ≥ −1 or NaN (not trading)`,
  );
}

/**
 * Throws on the first return (row-major from `from`) that is not ≥ −1 and finite. The main
 * loop checks each row as it reads it; this catches the rest before any other error is thrown
 * (and after a ruin), so a bad return is reported first, as if all were checked up front.
 */
function validateReturns(returns: Float64Array, N: number, from: number): void {
  for (let j = from; j < returns.length; j++) {
    const r = returns[j];
    if (r !== r) continue;
    if (!(r >= -1) || r === Infinity) throw badReturn(r, j, N);
  }
}

/** The output buffers: fresh, or those of `reuse` (same shape), zeroed where the loop does not write every value. */
type Outputs = Pick<
  BacktestResult,
  (typeof ROW_SERIES)[number] | "holdings" | "contribution" | "contributionTotal" | "costTotal"
> & {
  /** The buffers come from `reuse`: the T × N rows the loop does not reach (after a ruin) must be cleared. */
  reused: boolean;
};

const ROW_SERIES = [
  "gross",
  "net",
  "equity",
  "turnover",
  "costs",
  "grossExposure",
  "netExposure",
  "cash",
  "nNames",
  "traded",
] as const;

function outputs(
  T: number,
  N: number,
  matrices: boolean,
  reuse: BacktestResult | undefined,
  inputs: unknown[],
): Outputs {
  if (reuse) checkReuse(reuse, T, N, matrices, inputs);
  // One object literal for both paths (one hidden class for the loop to see).
  const out: Outputs = {
    gross: reuse ? reuse.gross : new Float64Array(T),
    net: reuse ? reuse.net : new Float64Array(T),
    equity: reuse ? reuse.equity : new Float64Array(T),
    turnover: reuse ? reuse.turnover : new Float64Array(T),
    costs: reuse ? reuse.costs : new Float64Array(T),
    grossExposure: reuse ? reuse.grossExposure : new Float64Array(T),
    netExposure: reuse ? reuse.netExposure : new Float64Array(T),
    cash: reuse ? reuse.cash : new Float64Array(T),
    nNames: reuse ? reuse.nNames : new Int32Array(T),
    traded: reuse ? reuse.traded : new Uint8Array(T),
    // The T × N matrices are taken when this call fills them and reuse has them (a lean result has none).
    holdings: !matrices
      ? new Float64Array(0)
      : reuse && reuse.holdings.length === T * N
        ? reuse.holdings
        : new Float64Array(T * N),
    contribution: !matrices
      ? new Float64Array(0)
      : reuse && reuse.contribution.length === T * N
        ? reuse.contribution
        : new Float64Array(T * N),
    contributionTotal: reuse ? reuse.contributionTotal : new Float64Array(N),
    costTotal: reuse ? reuse.costTotal : new Float64Array(N),
    reused: reuse !== undefined,
  };
  if (reuse) {
    for (const key of ROW_SERIES) out[key].fill(0);
    out.contributionTotal.fill(0);
    out.costTotal.fill(0);
  }
  return out;
}

/** Throws unless `reuse` is a result of T × N with distinct buffers none of the inputs lives in. */
function checkReuse(reuse: BacktestResult, T: number, N: number, matrices: boolean, inputs: unknown[]): void {
  if (reuse.nRows !== T || reuse.nAssets !== N) {
    throw new StrataError(
      "ARGUMENT",
      `backtest: reuse is a result of ${reuse.nRows} × ${reuse.nAssets}, expected T × N = ${T} × ${N}`,
      {
        hint: "reuse only a result of a run over returns of the same shape",
      },
    );
  }
  for (const key of ROW_SERIES) {
    if (reuse[key].length !== T)
      throw new StrataError("ARGUMENT", `backtest: reuse.${key} has ${reuse[key].length} values, expected T = ${T}`);
  }
  for (const key of ["contributionTotal", "costTotal"] as const) {
    if (reuse[key].length !== N)
      throw new StrataError("ARGUMENT", `backtest: reuse.${key} has ${reuse[key].length} values, expected N = ${N}`);
  }
  const buffers = new Set<ArrayBufferLike>();
  for (const key of [...ROW_SERIES, "holdings", "contribution", "contributionTotal", "costTotal"] as const) {
    const a = reuse[key];
    if (a.length === 0 || ((key === "holdings" || key === "contribution") && (!matrices || a.length !== T * N)))
      continue;
    if (buffers.has(a.buffer))
      throw new StrataError("ARGUMENT", `backtest: reuse.${key} shares its buffer with another output of reuse`);
    buffers.add(a.buffer);
  }
  // An input in one of these buffers would be overwritten while it is read.
  const check = (x: unknown, name: string) => {
    if (ArrayBuffer.isView(x) && x.byteLength > 0 && buffers.has(x.buffer)) {
      throw new StrataError(
        "ARGUMENT",
        `backtest: ${name} is stored in a buffer of reuse, which this call overwrites`,
        { hint: "copy it first, or reuse another result" },
      );
    }
  };
  const [returns, targets, rate, sigma, adv] = inputs;
  check(returns, "returns");
  if (Array.isArray(targets))
    for (const row of targets as TargetRow[]) check(row.weights, `the target weights of row ${row.t}`);
  else check(targets, "targets");
  check(rate, "cashRate");
  check(sigma, "impact.sigma");
  check(adv, "impact.adv");
}

/**
 * Rows after a ruin at row t keep the ruined equity and hold nothing (not even cash); the
 * holdings of rows ≥ t and the contributions of rows > t are 0 (cleared if the buffers are reused).
 */
function fillAfterRuin(out: Outputs, t: number, N: number): void {
  const { equity, cash } = out;
  for (let u = t + 1; u < equity.length; u++) {
    equity[u] = equity[t];
    cash[u] = 0;
  }
  if (out.reused) {
    out.holdings.fill(0, t * N);
    out.contribution.fill(0, (t + 1) * N);
  }
}

/**
 * Backtest `targets` over `returns` (T × N row-major simple returns, NaN = not trading).
 * Long on purpose (~160 lines): validation, then the row loop, which stays in one function so
 * that V8 keeps one optimized frame for it (see the comment before `result`); the per-asset
 * work is already in the row kernels (driftFull, driftLean, trade).
 */
export function backtest(
  returns: Float64Array,
  targets: Targets,
  nAssets: number,
  options: BacktestOptions = {},
): BacktestResult {
  const N = nAssets;
  if (!Number.isInteger(N) || N <= 0)
    throw new StrataError("ARGUMENT", `backtest: nAssets = ${N}, expected a positive integer`);
  const T = returns.length / N;
  if (!Number.isInteger(T)) {
    throw new StrataError(
      "ARGUMENT",
      `backtest: returns has ${returns.length} values, not a multiple of nAssets = ${N}`,
      { hint: "pass returns row-major, T × N (returns[t * N + i])" },
    );
  }
  const lag = options.lag ?? 1;
  if (!Number.isInteger(lag) || lag < 0)
    throw new StrataError(
      "ARGUMENT",
      `backtest: lag = ${lag}, expected an integer ≥ 0 (bars between decision and trade)`,
    );
  const commission = options.commissionBps ?? 0,
    slippage = options.slippageBps ?? 0;
  if (!(commission >= 0) || !(slippage >= 0)) {
    throw new StrataError(
      "ARGUMENT",
      `backtest: commissionBps = ${commission}, slippageBps = ${slippage}; expected numbers ≥ 0 (basis points per ` +
        `side)`,
    );
  }
  const kappa = linearCostRate(commission, slippage);
  const rate = options.cashRate ?? 0;
  if (rate instanceof Float64Array && rate.length !== T) {
    throw new StrataError(
      "ARGUMENT",
      `backtest: cashRate has ${rate.length} values, expected one per row (T = ${T}) or a single number`,
    );
  }
  const imp = options.impact;
  let sigmaT = false,
    advT = false;
  const { k: impK, exponent: impExponent, capital: impCapital } = impactLaw(imp ?? {});
  const sigma = imp?.sigma ?? new Float64Array(0),
    adv = imp?.adv ?? new Float64Array(0);
  const matrices = options.matrices ?? true;
  let schedule: (Float64Array | null)[];
  let out: Outputs;
  const w = new Float64Array(N);
  try {
    if (imp) {
      sigmaT = perAssetOrMatrix("sigma", imp.sigma, T, N);
      advT = perAssetOrMatrix("adv", imp.adv, T, N);
    }
    if (typeof targets === "function") {
      if (lag < 1) {
        throw new StrataError(
          "ARGUMENT",
          "backtest: a target rule needs lag ≥ 1 (it decides after a close, so it can trade at the next close at the " +
            "earliest)",
          {
            hint: "use lag 1 (the default), or pass precomputed targets for lag 0",
          },
        );
      }
      schedule = new Array(T).fill(null);
    } else {
      schedule = tradeSchedule(targets, T, N, lag);
    }
    if (options.initialWeights) {
      if (options.initialWeights.length !== N)
        throw new StrataError(
          "ARGUMENT",
          `backtest: initialWeights has ${options.initialWeights.length} values, expected N = ${N}`,
        );
      w.set(options.initialWeights);
    }
    out = outputs(T, N, matrices, options.reuse, [returns, targets, rate, sigma, adv]);
  } catch (e) {
    validateReturns(returns, N, 0); // a bad return is reported before any later contract violation
    throw e;
  }

  const rule = typeof targets === "function" ? targets : null;
  const {
    gross,
    net,
    equity,
    turnover,
    costs,
    grossExposure,
    netExposure,
    cash,
    nNames,
    traded,
    holdings,
    contribution,
    contributionTotal,
    costTotal,
  } = out;
  // Where the holdings of row t − 1 go when there is nothing to keep (row 0, or after a rule call).
  const sink = new Float64Array(N);
  // Assets left untraded on a trade row (their weight is rescaled once the row's costs are known).
  const untradedAt = new Int32Array(N);
  // Scalars exchanged with the row kernels (slots SUM_H ... below).
  const acc = new Float64Array(10);
  acc[KAPPA] = kappa;
  acc[CAPITAL] = impCapital;
  acc[IMPACT_K] = impK;
  acc[IMPACT_EXPONENT] = impExponent;
  let skippedTrades = 0;

  // Built before the loop and kept up to date inside it: after a loop that was compiled on the
  // fly (on-stack replacement) in the first call, code past the loop has no type feedback
  // and would drop the optimized code on every call.
  const result: BacktestResult = {
    nRows: T,
    nAssets: N,
    gross,
    net,
    equity,
    turnover,
    costs,
    grossExposure,
    netExposure,
    cash,
    nNames,
    traded,
    holdings,
    contribution,
    contributionTotal,
    costTotal,
    skippedTrades: 0,
    ruinedAt: -1,
  };
  // The book is kept lazily: h_i = w_i · sc. After a row without a trade w holds the drift
  // numerators h_i[t−1]·(1 + r_i[t]) and sc = 1/(1 + g[t]); after a trade (or when a rule needs
  // the book) w holds the weights themselves and sc = 1. Row t's pass multiplies out row t − 1's
  // weights (the same product h = w·(1/(1 + g)) as an eager pass, so the same bits), stores them
  // and their sums, and drifts them with row t's returns: one pass over N per row.
  let sc = 1;
  // Row t − 1's weights and sums are still to be stored (not yet materialized by a rule).
  let pending = false;
  let E = 1;

  for (let t = 0; t < T; t++) {
    const o = t * N;
    const rho = typeof rate === "number" ? rate : rate[t];
    // Gross return and contributions of the book carried from t − 1; w becomes h·(1 + r).
    acc[SCALE] = sc;
    if (matrices)
      driftFull(returns, o, N, w, contributionTotal, acc, pending ? holdings : sink, pending ? o - N : 0, contribution);
    else driftLean(returns, o, N, w, contributionTotal, acc);
    const s = acc[SUM_H];
    // A return of +∞ leaves Σc non-finite (the kernels check the other bad returns).
    if (!(Math.abs(acc[SUM_C]) < Infinity)) validateReturns(returns, N, o);
    if (pending) {
      netExposure[t - 1] = s;
      grossExposure[t - 1] = acc[SUM_ABS_H];
      cash[t - 1] = 1 - s;
      nNames[t - 1] = acc[NAMES];
    }
    const g = acc[SUM_C] + (1 - s) * rho;
    gross[t] = g;
    if (!(1 + g > 0)) {
      net[t] = g;
      equity[t] = E * (1 + g);
      validateReturns(returns, N, o + N);
      fillAfterRuin(out, t, N);
      result.skippedTrades = skippedTrades;
      result.ruinedAt = t;
      break;
    }
    const inv = 1 / (1 + g);
    sc = inv;
    let n = g;
    const target = schedule[t];
    if (target) {
      // Drift, then trade.
      traded[t] = 1;
      acc[SCALE] = inv;
      acc[PRE_EQUITY] = E * (1 + g);
      const bad = trade(returns, o, N, w, target, costTotal, untradedAt, acc, sigma, sigmaT ? o : 0, adv, advT ? o : 0);
      if (bad >= 0) {
        const sg = sigma[sigmaT ? o + bad : bad],
          v = adv[advT ? o + bad : bad];
        validateReturns(returns, N, o + N);
        throw new StrataError(
          "ARGUMENT",
          `backtest: impact needs sigma ≥ 0 and adv > 0 for asset ${bad} traded at row ${t}; got sigma = ${sg}, adv ` +
            `= ${v}`,
          {
            hint:
              "fill the volatility and ADV estimates of every asset that can trade (point in time), or drop the " +
              "impact model",
          },
        );
      }
      const cost = acc[COST],
        nUntraded = acc[UNTRADED];
      skippedTrades += acc[SKIPPED];
      n = g - cost;
      turnover[t] = acc[TURNOVER];
      costs[t] = cost;
      sc = 1;
      // Untraded assets keep their value; their weight grows as costs shrink equity.
      if (nUntraded > 0 && cost !== 0) {
        const scale = (1 + g) / (1 + n);
        for (let j = 0; j < nUntraded; j++) w[untradedAt[j]] *= scale;
      }
    }
    net[t] = n;
    E *= 1 + n;
    equity[t] = E;
    if (!(E > 0)) {
      validateReturns(returns, N, o + N);
      fillAfterRuin(out, t, N);
      result.skippedTrades = skippedTrades;
      result.ruinedAt = t;
      break;
    }
    result.skippedTrades = skippedTrades;
    pending = true;
    if (rule || t === T - 1) {
      // The rule sees the book itself; the last row has no next pass to store it.
      materialize(w, sc, matrices ? holdings : sink, matrices ? o : 0, out, t);
      sc = 1;
      pending = false;
      if (rule) decide(rule, t, w, E, schedule, lag, N, returns);
    }
  }
  return result;
}

// Slots of the row kernels' scalars (acc): results, then inputs.
const SUM_H = 0,
  SUM_ABS_H = 1,
  NAMES = 2,
  SUM_C = 3;
const TURNOVER = 0,
  COST = 1,
  UNTRADED = 2,
  SKIPPED = 3;
const SCALE = 4,
  KAPPA = 5,
  PRE_EQUITY = 6,
  CAPITAL = 7,
  IMPACT_K = 8,
  IMPACT_EXPONENT = 9;

/**
 * Row pass without the T × N outputs: for the book carried in (h_i = w_i·acc[SCALE]) the sums
 * Σh, Σ|h| and #{h ≠ 0}, the contributions c_i = h_i·r_i (into cTot and Σc), and the drift
 * numerators w_i ← h_i·(1 + r_i). r NaN counts as 0; r < −1 or −∞ throws (the first bad
 * return of the row). r = +∞ is not caught here: it makes Σc non-finite (h·∞ is ±∞, 0·∞ NaN),
 * which the caller checks.
 */
function driftLean(
  returns: Float64Array,
  o: number,
  n: number,
  w: Float64Array,
  cTot: Float64Array,
  acc: Float64Array,
): void {
  const sc = acc[SCALE];
  let g = 0,
    s = 0,
    ga = 0,
    k = 0;
  let i = 0;
  // Two assets per iteration (the same operations in the same order as one at a time; fewer
  // checks per asset in V8's code), then the odd one.
  for (; i + 1 < n; i += 2) {
    const j = (o + i) | 0;
    let r0 = returns[j],
      r1 = returns[(j + 1) | 0];
    if (!(r0 >= -1)) {
      if (r0 !== r0) r0 = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    if (!(r1 >= -1)) {
      if (r1 !== r1) r1 = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    const h0 = w[i] * sc,
      h1 = w[i + 1] * sc;
    s += h0;
    ga += Math.abs(h0);
    k = (k + +(h0 !== 0)) | 0;
    s += h1;
    ga += Math.abs(h1);
    k = (k + +(h1 !== 0)) | 0;
    const c0 = h0 * r0,
      c1 = h1 * r1;
    cTot[i] += c0;
    cTot[i + 1] += c1;
    g += c0;
    g += c1;
    w[i] = h0 * (1 + r0);
    w[i + 1] = h1 * (1 + r1);
  }
  for (; i < n; i++) {
    let r = returns[(o + i) | 0];
    if (!(r >= -1)) {
      if (r !== r) r = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    const h = w[i] * sc;
    s += h;
    ga += Math.abs(h);
    k = (k + +(h !== 0)) | 0;
    const c = h * r;
    cTot[i] += c;
    g += c;
    w[i] = h * (1 + r);
  }
  acc[SUM_H] = s;
  acc[SUM_ABS_H] = ga;
  acc[NAMES] = k;
  acc[SUM_C] = g;
}

/** driftLean that also stores the book carried in at hOut[hOff + i] and the contributions at cOut[o + i]. */
function driftFull(
  returns: Float64Array,
  o: number,
  n: number,
  w: Float64Array,
  cTot: Float64Array,
  acc: Float64Array,
  hOut: Float64Array,
  hOff: number,
  cOut: Float64Array,
): void {
  const sc = acc[SCALE];
  let g = 0,
    s = 0,
    ga = 0,
    k = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const j = (o + i) | 0,
      jh = (hOff + i) | 0;
    let r0 = returns[j],
      r1 = returns[(j + 1) | 0];
    if (!(r0 >= -1)) {
      if (r0 !== r0) r0 = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    if (!(r1 >= -1)) {
      if (r1 !== r1) r1 = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    const h0 = w[i] * sc,
      h1 = w[i + 1] * sc;
    hOut[jh] = h0;
    hOut[(jh + 1) | 0] = h1;
    s += h0;
    ga += Math.abs(h0);
    k = (k + +(h0 !== 0)) | 0;
    s += h1;
    ga += Math.abs(h1);
    k = (k + +(h1 !== 0)) | 0;
    const c0 = h0 * r0,
      c1 = h1 * r1;
    cOut[j] = c0;
    cOut[(j + 1) | 0] = c1;
    cTot[i] += c0;
    cTot[i + 1] += c1;
    g += c0;
    g += c1;
    w[i] = h0 * (1 + r0);
    w[i + 1] = h1 * (1 + r1);
  }
  for (; i < n; i++) {
    const j = (o + i) | 0;
    let r = returns[j];
    if (!(r >= -1)) {
      if (r !== r) r = 0;
      else validateReturns(returns, n, o); // throws (at this row's first bad return)
    }
    const h = w[i] * sc;
    hOut[(hOff + i) | 0] = h;
    s += h;
    ga += Math.abs(h);
    k = (k + +(h !== 0)) | 0;
    const c = h * r;
    cOut[j] = c;
    cTot[i] += c;
    g += c;
    w[i] = h * (1 + r);
  }
  acc[SUM_H] = s;
  acc[SUM_ABS_H] = ga;
  acc[NAMES] = k;
  acc[SUM_C] = g;
}

/**
 * Trade pass of row t (o = t·N): drifts w (w_i·acc[SCALE]), then sets it to the targets where
 * both the target and the return are numbers; the others are listed in `untradedAt`. Sums
 * turnover and costs (bps, and square-root impact when `sigma` is not empty, on the pre-trade
 * equity) into acc with the untraded and skipped counts. Returns −1, or the first asset whose
 * impact estimates are unusable (nothing is valid past it). sOff/vOff: offsets of row t in
 * sigma/adv (0 for per-asset estimates).
 */
function trade(
  returns: Float64Array,
  o: number,
  n: number,
  w: Float64Array,
  target: Float64Array,
  costTotal: Float64Array,
  untradedAt: Int32Array,
  acc: Float64Array,
  sigma: Float64Array,
  sOff: number,
  adv: Float64Array,
  vOff: number,
): number {
  const inv = acc[SCALE],
    kappa = acc[KAPPA],
    preEquity = acc[PRE_EQUITY],
    capital = acc[CAPITAL],
    impK = acc[IMPACT_K],
    impExponent = acc[IMPACT_EXPONENT];
  const impact = sigma.length > 0;
  let tau = 0,
    cost = 0,
    nUntraded = 0,
    skipped = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i] * inv;
    const x = target[i];
    const r = returns[(o + i) | 0];
    if (x !== x || r !== r) {
      // No target for the asset, or it is not trading (the trade asked for is skipped).
      if (x === x && x - wi !== 0) skipped++;
      w[i] = wi;
      untradedAt[nUntraded++] = i;
      continue;
    }
    w[i] = x;
    const d = x - wi;
    if (d === 0) continue;
    const a = Math.abs(d);
    tau += a;
    let ci = kappa * a;
    if (impact) {
      const sg = sigma[(sOff + i) | 0],
        v = adv[(vOff + i) | 0];
      if (!(v > 0) || !(sg >= 0)) return i;
      ci += impactCost(a, preEquity, sg, v, impK, impExponent, capital);
    }
    costTotal[i] += ci;
    cost += ci;
  }
  acc[TURNOVER] = tau;
  acc[COST] = cost;
  acc[UNTRADED] = nUntraded;
  acc[SKIPPED] = skipped;
  return -1;
}

/** Multiplies out row t's weights (w ← w·sc), stores them and their sums. */
function materialize(w: Float64Array, sc: number, hOut: Float64Array, hOff: number, out: Outputs, t: number): void {
  let s = 0,
    ga = 0,
    k = 0;
  for (let i = 0; i < w.length; i++) {
    const h = w[i] * sc;
    w[i] = h;
    hOut[hOff + i] = h;
    s += h;
    ga += Math.abs(h);
    if (h !== 0) k++;
  }
  out.netExposure[t] = s;
  out.grossExposure[t] = ga;
  out.cash[t] = 1 - s;
  out.nNames[t] = k;
}

/** Asks `rule` for row t's decision and schedules it at t + lag (validated like listed targets). */
function decide(
  rule: TargetRule,
  t: number,
  w: Float64Array,
  E: number,
  schedule: (Float64Array | null)[],
  lag: number,
  N: number,
  returns: Float64Array,
): void {
  const x = rule(t, w, E);
  if (x === null) return;
  if (!(x instanceof Float64Array) || x.length !== N) {
    validateReturns(returns, N, (t + 1) * N);
    throw new StrataError(
      "ARGUMENT",
      `backtest: the target rule returned ${x instanceof Float64Array ? `${x.length} weights` : String(x)} at ` +
        `row ${t}, expected a Float64Array of N = ${N} weights or null`,
    );
  }
  for (let i = 0; i < N; i++) {
    const v = x[i];
    if (v === v && !Number.isFinite(v)) {
      validateReturns(returns, N, (t + 1) * N);
      throw new StrataError(
        "ARGUMENT",
        `backtest: target weight of asset ${i} decided at row ${t} is ${v}, expected a finite number or NaN (no trade)`,
      );
    }
  }
  if (t + lag < schedule.length) schedule[t + lag] = x;
}
