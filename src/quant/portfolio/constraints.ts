/**
 * Portfolio constraints and their translation into the linear rows of `solveQp`.
 *
 * Semantics (all weights are fractions of capital, decimal):
 * - `longOnly` (default true): w_i ≥ 0. Otherwise w_i ≥ −maxWeight (or `minWeight`).
 * - `netExposure` (default 1): Σ w_i — every fully-invested optimizer hits it exactly; Kelly does
 *   not target it (its exposure comes from the bet sizes) but respects the caps.
 * - `maxWeight`: per-position cap on |w_i| (default 1 long-only, none long-short).
 * - `grossExposure`: cap on Σ |w_i| (long-short; long-only gross = net).
 * - `sectors`: cap on the net exposure Σ_{i∈s} w_i of each listed sector (and ≥ −cap when
 *   long-short); unlisted sectors are uncapped.
 * - `budgets` — hierarchical risk budgets, as capital limits at three levels:
 *   portfolio (default 0.80): gross exposure ≤ 80% of capital, and the net target is lowered to
 *   it (the rest stays in cash); strategy (default 0.40): each strategy's gross exposure ≤ 40%
 *   (assets are mapped to strategies by `strategyOf`); position (default 0.15): |w_i| ≤ 15%.
 *   A level tightens, never loosens, `maxWeight` / `grossExposure`.
 * When the caps cannot add up to the net target (e.g. 4 assets × 15% < 80%), the optimizer
 * invests the most it can and says so in `notes` — that is data, not a contract violation.
 *
 * Long-short problems with a gross cap (or strategy budgets) are solved over split variables
 * x = [p; m], w = p − m, p, m ≥ 0, so that Σ(p + m) is linear; a tiny ridge keeps the QP
 * strictly convex (it also makes p_i·m_i = 0 at the optimum).
 */
import { StrataError } from "../../core/errors.ts";
import { solveQp, type LinearConstraint } from "./qp.ts";

export interface SectorCaps {
  /** Sector of each asset, in asset order. */
  of: readonly string[];
  /** Cap on the net exposure of each listed sector (decimal). */
  caps: Readonly<Record<string, number>>;
}

export interface RiskBudgets {
  /** Strategy of each asset, in asset order (omit: one strategy). */
  strategyOf?: readonly string[];
  /** Gross exposure cap of the whole portfolio (default 0.80). */
  portfolio?: number;
  /** Gross exposure cap of each strategy (default 0.40). */
  strategy?: number;
  /** |w| cap of each position (default 0.15). */
  position?: number;
}

export interface PortfolioConstraints {
  longOnly?: boolean;
  netExposure?: number;
  maxWeight?: number;
  /** Lower bound of each weight when long-short (default −maxWeight). */
  minWeight?: number;
  grossExposure?: number;
  sectors?: SectorCaps;
  budgets?: RiskBudgets;
}

export const DEFAULT_BUDGETS = { portfolio: 0.8, strategy: 0.4, position: 0.15 } as const;

export interface Group {
  members: number[];
  cap: number;
  /** true: cap on Σ|w| (strategy budget); false: cap on |Σ w| (sector). */
  gross: boolean;
  label: string;
}

/** Constraints with defaults applied, in a form the optimizers use directly. */
export interface ResolvedConstraints {
  n: number;
  longOnly: boolean;
  net: number;
  lower: Float64Array;
  upper: Float64Array;
  gross: number;
  groups: Group[];
  /** Solve over split variables [p; m] (see the module comment). */
  split: boolean;
}

function checkNumber(v: number | undefined, name: string, ok: (v: number) => boolean, expect: string): void {
  if (v !== undefined && !(typeof v === "number" && ok(v))) {
    throw new StrataError("ARGUMENT", `portfolio constraints: ${name} must be ${expect}, got ${v}`, {
      hint: `fix ${name} in the optimizer options`,
    });
  }
}

export function resolveConstraints(n: number, c: PortfolioConstraints = {}): ResolvedConstraints {
  const longOnly = c.longOnly ?? true;
  checkNumber(c.netExposure, "netExposure", Number.isFinite, "a finite number");
  checkNumber(c.maxWeight, "maxWeight", (v) => v > 0, "> 0");
  checkNumber(c.minWeight, "minWeight", (v) => v <= 0, "≤ 0");
  checkNumber(c.grossExposure, "grossExposure", (v) => v > 0, "> 0");
  let net = c.netExposure ?? 1;
  let cap = c.maxWeight ?? (longOnly ? 1 : Infinity);
  let gross = c.grossExposure ?? Infinity;
  const groups: Group[] = [];
  if (c.sectors) {
    if (c.sectors.of.length !== n) {
      throw new StrataError(
        "ARGUMENT",
        `portfolio constraints: sectors.of has ${c.sectors.of.length} entries for ${n} assets`,
        { hint: "give one sector per asset, in asset order" },
      );
    }
    for (const [sector, sc] of Object.entries(c.sectors.caps)) {
      checkNumber(sc, `sectors.caps.${sector}`, (v) => v >= 0, "≥ 0");
      const members = [...c.sectors.of.keys()].filter((i) => c.sectors!.of[i] === sector);
      if (members.length) groups.push({ members, cap: sc, gross: false, label: `sector ${sector}` });
    }
  }
  if (c.budgets) {
    const b = { ...DEFAULT_BUDGETS, ...c.budgets };
    for (const k of ["portfolio", "strategy", "position"] as const)
      checkNumber(b[k], `budgets.${k}`, (v) => v > 0, "> 0");
    cap = Math.min(cap, b.position);
    gross = Math.min(gross, b.portfolio);
    net = Math.sign(net) * Math.min(Math.abs(net), b.portfolio);
    const of = c.budgets.strategyOf ?? new Array<string>(n).fill("all");
    if (of.length !== n) {
      throw new StrataError(
        "ARGUMENT",
        `portfolio constraints: budgets.strategyOf has ${of.length} entries for ${n} assets`,
        { hint: "give one strategy per asset, in asset order" },
      );
    }
    for (const s of [...new Set(of)].sort()) {
      groups.push({
        members: [...of.keys()].filter((i) => of[i] === s),
        cap: b.strategy,
        gross: true,
        label: `strategy ${s}`,
      });
    }
  }
  const lo = longOnly ? 0 : Math.max(c.minWeight ?? -cap, -cap);
  const lower = new Float64Array(n).fill(lo);
  const upper = new Float64Array(n).fill(cap);
  if (longOnly && net < 0) {
    throw new StrataError(
      "ARGUMENT",
      `portfolio constraints: netExposure ${net} is negative but the portfolio is long-only`,
      { hint: "set longOnly: false or a non-negative netExposure" },
    );
  }
  const split = !longOnly && (Number.isFinite(gross) || groups.some((g) => g.gross));
  return { n, longOnly, net, lower, upper, gross, groups, split };
}

/** Dimension of the QP variable. */
export function dimOf(r: ResolvedConstraints): number {
  return r.split ? 2 * r.n : r.n;
}

/** A linear form on w, lifted to the QP variable. */
export function lift(r: ResolvedConstraints, aw: ArrayLike<number>): Float64Array {
  const out = new Float64Array(dimOf(r));
  for (let i = 0; i < r.n; i++) {
    out[i] = aw[i];
    if (r.split) out[r.n + i] = -aw[i];
  }
  return out;
}

/** w from the QP variable. */
export function weightsOf(r: ResolvedConstraints, x: ArrayLike<number>): Float64Array {
  const w = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) w[i] = r.split ? x[i] - x[r.n + i] : x[i];
  return w;
}

/** QP variable from w (split: positive and negative parts). */
export function variableOf(r: ResolvedConstraints, w: ArrayLike<number>): Float64Array {
  const x = new Float64Array(dimOf(r));
  for (let i = 0; i < r.n; i++) {
    if (r.split) {
      x[i] = Math.max(w[i], 0);
      x[r.n + i] = Math.max(-w[i], 0);
    } else x[i] = w[i];
  }
  return x;
}

/** Σ lifted to the QP variable: [Σ −Σ; −Σ Σ] + ridge when split. */
export function liftCovariance(r: ResolvedConstraints, cov: ArrayLike<number>): Float64Array {
  const n = r.n;
  if (!r.split) return Float64Array.from(cov);
  const d = 2 * n;
  const q = new Float64Array(d * d);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += cov[i * n + i];
  const ridge = 1e-7 * Math.max(tr / n, 1e-300); // condition ≲ 1e7: enough for the active-set tests
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = cov[i * n + j];
      q[i * d + j] = v;
      q[(n + i) * d + (n + j)] = v;
      q[i * d + (n + j)] = -v;
      q[(n + i) * d + j] = -v;
    }
  }
  for (let i = 0; i < d; i++) q[i * d + i] += ridge;
  return q;
}

/** Every constraint except the net budget, as `a·x ≥ b` rows on the QP variable. */
export function inequalityRows(r: ResolvedConstraints): LinearConstraint[] {
  const n = r.n,
    d = dimOf(r);
  const rows: LinearConstraint[] = [];
  const unit = (i: number, v: number) => {
    const a = new Float64Array(d);
    a[i] = v;
    return a;
  };
  for (let i = 0; i < n; i++) {
    if (r.split) {
      rows.push({ a: unit(i, 1), b: 0, type: "ge" }, { a: unit(n + i, 1), b: 0, type: "ge" });
      if (Number.isFinite(r.upper[i])) rows.push({ a: unit(i, -1), b: -r.upper[i], type: "ge" });
      if (Number.isFinite(r.lower[i])) rows.push({ a: unit(n + i, -1), b: r.lower[i], type: "ge" });
    } else {
      if (Number.isFinite(r.lower[i])) rows.push({ a: unit(i, 1), b: r.lower[i], type: "ge" });
      if (Number.isFinite(r.upper[i])) rows.push({ a: unit(i, -1), b: -r.upper[i], type: "ge" });
    }
  }
  const grossRow = (members: number[]): Float64Array => {
    const a = new Float64Array(d);
    for (const i of members) {
      a[i] = -1;
      if (r.split) a[n + i] = -1;
    }
    return a;
  };
  if (Number.isFinite(r.gross)) rows.push({ a: grossRow([...Array(n).keys()]), b: -r.gross, type: "ge" });
  for (const g of r.groups) {
    if (g.gross || r.longOnly) {
      rows.push({ a: grossRow(g.members), b: -g.cap, type: "ge" });
    } else {
      const ind = new Float64Array(n);
      for (const i of g.members) ind[i] = 1;
      const a = lift(r, ind);
      rows.push({ a: a.map((v) => -v), b: -g.cap, type: "ge" }, { a, b: -g.cap, type: "ge" });
    }
  }
  return rows;
}

/** The net budget Σw = net as an equality row. */
export function netRow(r: ResolvedConstraints, net = r.net): LinearConstraint {
  return { a: lift(r, new Float64Array(r.n).fill(1)), b: net, type: "eq" };
}

/**
 * Largest |Σw| in the direction of `r.net` that the other constraints allow, by bisection on
 * the feasibility of {Σw = t} ∩ constraints (each test a tiny QP). Used to lower an
 * unreachable net target to what the caps permit (the rest is cash).
 */
export function maxFeasibleNet(r: ResolvedConstraints): number {
  const d = dimOf(r);
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) q[i * d + i] = 1;
  const rows = inequalityRows(r);
  const c = new Float64Array(d);
  const feasible = (t: number) => solveQp(q, c, [...rows, netRow(r, t)], { tolerance: 1e-13 }).status === "optimal";
  const sign = r.net >= 0 ? 1 : -1;
  if (feasible(r.net)) return Math.abs(r.net);
  let lo = 0,
    hi = Math.abs(r.net);
  if (!feasible(0)) return NaN;
  for (let k = 0; k < 60 && hi - lo > 1e-12; k++) {
    const mid = 0.5 * (lo + hi);
    if (feasible(sign * mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Check w against r (tolerance `tol`); returns the first violation, or null. */
export function violation(r: ResolvedConstraints, w: ArrayLike<number>, tol = 1e-8): string | null {
  let gross = 0;
  for (let i = 0; i < r.n; i++) {
    if (w[i] < r.lower[i] - tol) return `w[${i}] = ${w[i]} < lower bound ${r.lower[i]}`;
    if (w[i] > r.upper[i] + tol) return `w[${i}] = ${w[i]} > cap ${r.upper[i]}`;
    gross += Math.abs(w[i]);
  }
  if (gross > r.gross + tol) return `gross exposure ${gross} > cap ${r.gross}`;
  for (const g of r.groups) {
    let s = 0;
    for (const i of g.members) s += g.gross ? Math.abs(w[i]) : w[i];
    if (Math.abs(s) > g.cap + tol) return `${g.label}: exposure ${s} > cap ${g.cap}`;
  }
  return null;
}
