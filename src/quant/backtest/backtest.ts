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
import type { BacktestOptions, BacktestResult, TargetRule, Targets } from "./types.ts";

function perAssetOrMatrix(name: string, a: Float64Array, nRows: number, nAssets: number): boolean {
  if (a.length === nAssets) return false;
  if (a.length === nRows * nAssets) return true;
  throw new StrataError("ARGUMENT", `backtest: impact.${name} has ${a.length} values, expected N = ${nAssets} or T × N = ${nRows * nAssets}`);
}

function badReturn(r: number, j: number, N: number): StrataError {
  const t = Math.floor(j / N);
  return new StrataError("ARGUMENT", `backtest: return of asset ${j - t * N} at row ${t} is ${r}, expected a simple return ≥ −1 or NaN (not trading)`);
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

/** Rows after a ruin keep the ruined equity and hold nothing (not even cash). */
function fillAfterRuin(equity: Float64Array, cash: Float64Array, ruinedAt: number): void {
  for (let t = ruinedAt + 1; t < equity.length; t++) { equity[t] = equity[ruinedAt]; cash[t] = 0; }
}

/** Backtest `targets` over `returns` (T × N row-major simple returns, NaN = not trading). */
export function backtest(returns: Float64Array, targets: Targets, nAssets: number, options: BacktestOptions = {}): BacktestResult {
  const N = nAssets;
  if (!Number.isInteger(N) || N <= 0) throw new StrataError("ARGUMENT", `backtest: nAssets = ${N}, expected a positive integer`);
  const T = returns.length / N;
  if (!Number.isInteger(T)) {
    throw new StrataError("ARGUMENT", `backtest: returns has ${returns.length} values, not a multiple of nAssets = ${N}`, { hint: "pass returns row-major, T × N (returns[t * N + i])" });
  }
  const lag = options.lag ?? 1;
  if (!Number.isInteger(lag) || lag < 0) throw new StrataError("ARGUMENT", `backtest: lag = ${lag}, expected an integer ≥ 0 (bars between decision and trade)`);
  const commission = options.commissionBps ?? 0, slippage = options.slippageBps ?? 0;
  if (!(commission >= 0) || !(slippage >= 0)) {
    throw new StrataError("ARGUMENT", `backtest: commissionBps = ${commission}, slippageBps = ${slippage}; expected numbers ≥ 0 (basis points per side)`);
  }
  const kappa = (commission + slippage) / 1e4;
  const rate = options.cashRate ?? 0;
  if (rate instanceof Float64Array && rate.length !== T) {
    throw new StrataError("ARGUMENT", `backtest: cashRate has ${rate.length} values, expected one per row (T = ${T}) or a single number`);
  }
  const imp = options.impact;
  let sigmaT = false, advT = false;
  const impK = imp?.k ?? 1, impExponent = imp?.exponent ?? 0.5, impCapital = imp?.capital ?? 1;
  // Math.pow(x, 0.5) is Math.sqrt(x) bit for bit for x ≥ 0 (fdlibm's pow special-cases y = 0.5).
  const impSqrt = impExponent === 0.5;
  const sigma = imp?.sigma ?? new Float64Array(0), adv = imp?.adv ?? new Float64Array(0);
  let schedule: (Float64Array | null)[];
  const w = new Float64Array(N);
  try {
    if (imp) {
      sigmaT = perAssetOrMatrix("sigma", imp.sigma, T, N);
      advT = perAssetOrMatrix("adv", imp.adv, T, N);
    }
    if (typeof targets === "function") {
      if (lag < 1) {
        throw new StrataError("ARGUMENT", "backtest: a target rule needs lag ≥ 1 (it decides after a close, so it can trade at the next close at the earliest)", {
          hint: "use lag 1 (the default), or pass precomputed targets for lag 0",
        });
      }
      schedule = new Array(T).fill(null);
    } else {
      schedule = tradeSchedule(targets, T, N, lag);
    }
    if (options.initialWeights) {
      if (options.initialWeights.length !== N) throw new StrataError("ARGUMENT", `backtest: initialWeights has ${options.initialWeights.length} values, expected N = ${N}`);
      w.set(options.initialWeights);
    }
  } catch (e) {
    validateReturns(returns, N, 0); // a bad return is reported before any later contract violation
    throw e;
  }

  const rule = typeof targets === "function" ? targets : null;
  const gross = new Float64Array(T), net = new Float64Array(T), equity = new Float64Array(T);
  const turnover = new Float64Array(T), costs = new Float64Array(T);
  const grossExposure = new Float64Array(T), netExposure = new Float64Array(T), cash = new Float64Array(T);
  const nNames = new Int32Array(T), traded = new Uint8Array(T);
  const matrices = options.matrices ?? true;
  const holdings = new Float64Array(matrices ? T * N : 0), contribution = new Float64Array(matrices ? T * N : 0);
  const contributionTotal = new Float64Array(N), costTotal = new Float64Array(N);
  let skippedTrades = 0;

  // Built before the loop and kept up to date inside it: after a loop that was compiled on the
  // fly (on-stack replacement) in the first call, code past the loop has no type feedback
  // and would drop the optimized code on every call.
  const result: BacktestResult = {
    nRows: T, nAssets: N, gross, net, equity, turnover, costs, grossExposure, netExposure, cash, nNames, traded,
    holdings, contribution, contributionTotal, costTotal, skippedTrades: 0, ruinedAt: -1,
  };
  let sumW = 0;
  for (let i = 0; i < N; i++) sumW += w[i];
  let E = 1;

  for (let t = 0; t < T; t++) {
    const o = t * N;
    const rho = typeof rate === "number" ? rate : rate[t];
    // Gross return and contributions of the book carried from t − 1; w becomes h·(1 + r),
    // the drift numerator (the division by 1 + g follows once g is known: same rounding as
    // h·(1 + r)·(1/(1 + g)) in one go).
    let g = (1 - sumW) * rho;
    for (let i = 0; i < N; i++) {
      let r = returns[o + i];
      if (r !== r) r = 0;
      else if (!(r >= -1) || r === Infinity) throw badReturn(r, o + i, N);
      const wi = w[i];
      const c = wi * r;
      if (matrices) contribution[o + i] = c;
      contributionTotal[i] += c;
      g += c;
      w[i] = wi * (1 + r);
    }
    gross[t] = g;
    if (!(1 + g > 0)) {
      net[t] = g;
      equity[t] = E * (1 + g);
      validateReturns(returns, N, o + N);
      fillAfterRuin(equity, cash, t);
      result.skippedTrades = skippedTrades;
      result.ruinedAt = t;
      break;
    }
    const inv = 1 / (1 + g);
    let n = g, untraded = 0, cost = 0;
    const target = schedule[t];
    if (target) {
      // Drift, then trade.
      traded[t] = 1;
      const preEquity = E * (1 + g);
      let tau = 0;
      for (let i = 0; i < N; i++) {
        const wi = w[i] * inv;
        w[i] = wi;
        const x = target[i];
        if (x !== x) { untraded = 1; continue; }
        const d = x - wi;
        if (returns[o + i] !== returns[o + i]) {
          if (d !== 0) skippedTrades++;
          untraded = 1;
          continue;
        }
        if (d === 0) continue;
        const a = Math.abs(d);
        tau += a;
        let ci = kappa * a;
        if (imp) {
          const s = sigma[sigmaT ? o + i : i], v = adv[advT ? o + i : i];
          if (!(v > 0) || !(s >= 0)) {
            validateReturns(returns, N, o + N);
            throw new StrataError("ARGUMENT", `backtest: impact needs sigma ≥ 0 and adv > 0 for asset ${i} traded at row ${t}; got sigma = ${s}, adv = ${v}`, {
              hint: "fill the volatility and ADV estimates of every asset that can trade (point in time), or drop the impact model",
            });
          }
          // squareRootImpact(d, preEquity, s, v, { k, exponent, capital }), inlined.
          const q = (a * preEquity * impCapital) / v;
          ci += a * impK * s * (impSqrt ? Math.sqrt(q) : Math.pow(q, impExponent));
        }
        costTotal[i] += ci;
        cost += ci;
      }
      n = g - cost;
      turnover[t] = tau;
      costs[t] = cost;
    }
    net[t] = n;
    E *= 1 + n;
    equity[t] = E;
    if (!(E > 0)) {
      validateReturns(returns, N, o + N);
      fillAfterRuin(equity, cash, t);
      result.skippedTrades = skippedTrades;
      result.ruinedAt = t;
      break;
    }
    let s = 0, ga = 0, k = 0;
    if (target) {
      // Untraded assets keep their value; their weight grows as costs shrink equity.
      const scale = untraded && cost !== 0 ? (1 + g) / (1 + n) : 1;
      for (let i = 0; i < N; i++) {
        const x = target[i];
        const v = x !== x || returns[o + i] !== returns[o + i] ? w[i] * scale : x;
        w[i] = v;
        if (matrices) holdings[o + i] = v;
        s += v;
        ga += Math.abs(v);
        if (v !== 0) k++;
      }
    } else {
      for (let i = 0; i < N; i++) {
        const v = w[i] * inv;
        w[i] = v;
        if (matrices) holdings[o + i] = v;
        s += v;
        ga += Math.abs(v);
        if (v !== 0) k++;
      }
    }
    sumW = s;
    netExposure[t] = s;
    grossExposure[t] = ga;
    cash[t] = 1 - s;
    nNames[t] = k;
    result.skippedTrades = skippedTrades;
    if (rule) decide(rule, t, w, E, schedule, lag, N, returns);
  }
  return result;
}

/** Asks `rule` for row t's decision and schedules it at t + lag (validated like listed targets). */
function decide(rule: TargetRule, t: number, w: Float64Array, E: number, schedule: (Float64Array | null)[], lag: number, N: number, returns: Float64Array): void {
  const x = rule(t, w, E);
  if (x === null) return;
  if (!(x instanceof Float64Array) || x.length !== N) {
    validateReturns(returns, N, (t + 1) * N);
    throw new StrataError("ARGUMENT", `backtest: the target rule returned ${x instanceof Float64Array ? `${x.length} weights` : String(x)} at row ${t}, expected a Float64Array of N = ${N} weights or null`);
  }
  for (let i = 0; i < N; i++) {
    const v = x[i];
    if (v === v && !Number.isFinite(v)) {
      validateReturns(returns, N, (t + 1) * N);
      throw new StrataError("ARGUMENT", `backtest: target weight of asset ${i} decided at row ${t} is ${v}, expected a finite number or NaN (no trade)`);
    }
  }
  if (t + lag < schedule.length) schedule[t + lag] = x;
}
