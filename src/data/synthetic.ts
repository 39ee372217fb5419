/**
 * A synthetic daily equity market with known structure, for tests, demos and benchmarks.
 *
 * Log return of symbol i on day t (see docs/synthetic-market.md for the full write-up):
 *
 *   r[i,t] = β_i·m_t + γ_i·f[sector(i), t] + σ_i·√v_t·ε[i,t] + α[i,t]
 *   m_t    = μ(s_t) + σ_m·v_t·η_t                      market factor
 *   f[k,t] = σ_f·v_t·ζ[k,t]                           sector factors
 *   s_t    ∈ {calm, turbulent}, a 2-state Markov chain; v_t its volatility multiplier
 *   η, ζ, ε  Student-t innovations scaled to unit variance (fat tails)
 *   α[i,t] = κ·σ_i·(1/5)·Σ_{k=1..5} S[i,t−k]          the planted predictable part
 *   S[i,t] = clip(z(z(mom20[i,t]) + z(−ret5[i,t])), ±3) a cross-sectional score from closes ≤ t
 *
 * Point in time: S at t uses closes ≤ t only, and α at t uses S up to t−1. Streams are drawn
 * day by day, so with no late listings or delistings a later `end` only appends days; the
 * listing and delisting days are drawn as fractions of the whole calendar, so with them a
 * later `end` changes the universe (not the information) on earlier dates — unless
 * `universeEnd` pins that calendar, as `pipeline data update` does: then a later `end` only
 * appends days. `universeEnd` may also lie after `end`: the market is then the one ending at
 * `universeEnd` cut at `end` (the same rows dated ≤ end, value for value), which is how a retrain
 * "as of" a past day D sees exactly the bars the study had on those dates and nothing later.
 * These properties are tested in tests/data/synthetic.test.ts.
 *
 * Everything is typed arrays; randomness comes only from `createRng(seed)` and its forks (one
 * stream for the market, one for sectors, one per symbol, so the idiosyncratic path of a
 * symbol does not change when another symbol is added).
 */
import { createRng, type Rng } from "../core/rng.ts";
import { StrataError } from "../core/errors.ts";
import { businessDays } from "./calendar.ts";
import { exp, log } from "../core/math/index.ts";

/** Two-state Markov-switching volatility (Hamilton 1989). */
export interface RegimeParams {
  /** Daily probability of switching calm → turbulent. Default 0.02 (mean calm spell 50 days). */
  pCalmToTurbulent?: number;
  /** Daily probability of switching turbulent → calm. Default 0.08 (mean turbulent spell 12.5 days). */
  pTurbulentToCalm?: number;
  /** Volatility multiplier v in the calm regime. Default 0.85. */
  calmVol?: number;
  /** Volatility multiplier v in the turbulent regime. Default 1.9. */
  turbulentVol?: number;
}

export interface MarketOptions {
  /** Number of symbols (≥ 1). */
  symbols: number;
  /** First calendar date, "YYYY-MM-DD" (weekends are skipped). */
  start: string;
  /** Last calendar date, inclusive. */
  end: string;
  seed: number;
  /** Number of sectors; default 10 (capped at `symbols`). */
  sectors?: number;
  /**
   * κ, strength of the planted signal in units of each symbol's idiosyncratic daily vol.
   * Default 0.025, which gives a mean daily rank IC of 0.0394 (seed 42) and 0.0370 (seed
   * 2024), standard error 0.0015–0.0016, for the 5-day forward return with a 1-bar lag on 200
   * symbols 2012-01-03..2024-12-31; κ = 0 gives 0.0012 (seed 42), i.e. none. These are the
   * figures tests/data/synthetic.test.ts measures and pins. The score is persistent (20-day
   * momentum), so each day's drift adds up over the horizon: a small κ already gives a
   * visible IC. 0 disables it.
   */
  signalStrength?: number;
  /** Fraction of symbols listed after the start. Default 0.08. */
  lateListingFraction?: number;
  /** Fraction of symbols delisted before the end. Default 0.05. */
  delistingFraction?: number;
  /**
   * Last date of the calendar the listing and delisting days are drawn over, on or after start
   * (default: end). Those days are fractions of that calendar, so a later `end` alone would
   * move them; with this pinned to an earlier end, extending `end` only appends days (`pipeline
   * data update` pins it), and symbols not delisted by then trade to `end`. After `end` it cuts
   * the market ending at `universeEnd` at `end`: the rows dated ≤ end are identical, symbols
   * listing later have no rows, and those delisting later trade to `end`.
   */
  universeEnd?: string;
  /**
   * Degrees of freedom of the Student-t innovations. Default 4: daily stock returns fit a t
   * with about 4–5 d.o.f. (Blattberg & Gonedes 1974).
   */
  tailDf?: number;
  regime?: RegimeParams;
}

export interface SymbolInfo {
  symbol: string;
  sector: string;
  /** Market beta β_i. */
  beta: number;
  /** Loading γ_i on its sector factor. */
  sectorLoading: number;
  /** Idiosyncratic volatility σ_i, annualized (×√252). */
  idioVol: number;
  /**
   * Index into `days` of the first and last trading day. lastIndex ≤ days.length − 1; a symbol
   * listing after `end` (possible when `universeEnd` is later) has firstIndex > lastIndex and no rows.
   */
  firstIndex: number;
  lastIndex: number;
}

export interface MarketData {
  rows: number;
  /** Days since 1970-01-01 (DuckDB DATE), one per row; rows sorted by (date, symbol). */
  date: Int32Array;
  symbol: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Shares traded (integer-valued). */
  volume: Float64Array;
  sector: string[];
  /**
   * The planted score S[i,t] of each row, known at its close. NaN until the symbol has 21
   * closes (t−20..t), and on days when fewer than 3 symbols have.
   */
  score: Float64Array;
  /** The business-day calendar. */
  days: Int32Array;
  dates: string[];
  /** Regime of each calendar day: 0 calm, 1 turbulent. */
  regime: Uint8Array;
  universe: SymbolInfo[];
}

// Annualized volatilities and drifts, converted to daily with 252 trading days.
const TRADING_DAYS = 252;
/** Market factor vol before the regime multiplier: 16 %/yr, near the long-run S&P 500 figure. */
const MARKET_VOL = 0.16;
/** Market log drift per regime: +12 %/yr calm, −25 %/yr turbulent (bear regimes, Ang & Bekaert 2002). */
const MARKET_DRIFT = [0.12, -0.25];
/** Sector factor vol: 8 %/yr. */
const SECTOR_VOL = 0.08;
/** Idiosyncratic vol: log-normal around 25 %/yr, log-sd 0.3 (clipped to 10–60 %). */
const IDIO_VOL_MEDIAN = 0.25;
/** Overnight gap as a share of the day's total vol. */
const GAP_VOL_SHARE = 0.35;
/**
 * High/low extension beyond max/min(open, close): half-normal with scale 0.5·σ_day, so the
 * expected range is ≈ 1.6·σ_day, matching Parkinson (1980): E[high − low] = √(8/π)·σ for
 * Brownian log prices.
 */
const RANGE_SCALE = 0.5;
/** Volume: log-level per symbol ~ N(ln 1e6, 1); response to |r|/σ (Karpoff 1987); AR(1) noise. */
const VOLUME_MEDIAN = 1e6,
  VOLUME_LOG_SD = 1.0,
  VOLUME_ABS_RET = 0.45,
  VOLUME_REGIME = 0.6;
const VOLUME_AR = 0.7,
  VOLUME_NOISE = 0.3;
/** Momentum and reversal look-backs of the planted score, and the horizon it drives. */
const MOM_LOOKBACK = 20,
  REV_LOOKBACK = 5,
  SIGNAL_HORIZON = 5;

function checkOptions(opts: MarketOptions): void {
  const bad = (what: string, value: unknown, expect: string): never => {
    throw new StrataError("ARGUMENT", `generateMarket: ${what} = ${JSON.stringify(value)}; expected ${expect}`);
  };
  if (!Number.isInteger(opts.symbols) || opts.symbols < 1) bad("symbols", opts.symbols, "an integer ≥ 1");
  if (opts.sectors !== undefined && (!Number.isInteger(opts.sectors) || opts.sectors < 1))
    bad("sectors", opts.sectors, "an integer ≥ 1");
  if (!Number.isFinite(opts.seed)) bad("seed", opts.seed, "a finite number");
  for (const k of ["lateListingFraction", "delistingFraction"] as const) {
    const v = opts[k];
    if (v !== undefined && !(v >= 0 && v <= 0.5)) bad(k, v, "a fraction in [0, 0.5]");
  }
  if (opts.tailDf !== undefined && !(opts.tailDf >= 3))
    bad("tailDf", opts.tailDf, "≥ 3 (finite variance and kurtosis)");
  if (opts.universeEnd !== undefined && !(opts.universeEnd >= opts.start))
    bad("universeEnd", opts.universeEnd, `a date on or after start ${opts.start}`);
}

function symbolNames(n: number): string[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => `SYM${String(i + 1).padStart(width, "0")}`);
}

function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Cross-sectional z-score in place over the entries where `ok` is set; others untouched. */
function zscore(x: Float64Array, ok: Uint8Array, n: number): void {
  let cnt = 0,
    mean = 0,
    m2 = 0;
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    cnt++;
    const d = x[i] - mean; // Welford
    mean += d / cnt;
    m2 += d * (x[i] - mean);
  }
  const sd = cnt > 1 ? Math.sqrt(m2 / (cnt - 1)) : 0;
  for (let i = 0; i < n; i++) if (ok[i]) x[i] = sd > 0 ? (x[i] - mean) / sd : 0;
}

/** Each symbol's fixed draws: sector, loadings, volatility, starting levels and listing span. */
interface Universe {
  sectorOf: Int32Array;
  /** Market beta β_i and sector loading γ_i. */
  beta: Float64Array;
  gamma: Float64Array;
  /** Idiosyncratic vol σ_i, annualized. */
  idio: Float64Array;
  /** Log price before the first day, and the symbol's log-volume level. */
  logP0: Float64Array;
  logV0: Float64Array;
  /** First and last day index the symbol trades. */
  first: Int32Array;
  last: Int32Array;
}

/**
 * The universe: sectors (shuffled round-robin, so none is empty), loadings, levels, then listing
 * spans, all from the one `uni` stream in this order. Listing and delisting days are drawn over
 * the Tu days up to `universeEnd`; when Tu > T, a listing day ≥ T leaves the symbol without rows
 * and a delisting day ≥ T is clamped to T − 1 after its draw, so the draws, and every day before
 * T, are those of the market with T = Tu.
 */
function drawUniverse(opts: MarketOptions, N: number, K: number, T: number, Tu: number, uni: Rng): Universe {
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  shuffle(perm, uni);
  const sectorOf = new Int32Array(N);
  for (let p = 0; p < N; p++) sectorOf[perm[p]] = p % K;
  const beta = new Float64Array(N),
    gamma = new Float64Array(N),
    idio = new Float64Array(N);
  const logP0 = new Float64Array(N),
    logV0 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    beta[i] = Math.min(2, Math.max(0.3, 1 + 0.3 * uni.normal()));
    gamma[i] = 0.5 + uni.next();
    idio[i] = Math.min(0.6, Math.max(0.1, IDIO_VOL_MEDIAN * exp(0.3 * uni.normal())));
    logP0[i] = log(40) + 0.7 * uni.normal();
    logV0[i] = log(VOLUME_MEDIAN) + VOLUME_LOG_SD * uni.normal();
  }
  const first = new Int32Array(N),
    last = new Int32Array(N).fill(T - 1);
  shuffle(perm, uni);
  const nLate = Tu > 120 ? Math.round(N * (opts.lateListingFraction ?? 0.08)) : 0;
  const nGone = Tu > 120 ? Math.round(N * (opts.delistingFraction ?? 0.05)) : 0;
  for (let p = 0; p < nLate; p++) first[perm[p]] = 20 + uni.int(Math.floor(0.6 * Tu) - 20);
  for (let p = nLate; p < nLate + nGone; p++)
    last[perm[p]] = Math.min(T - 1, Math.floor(0.3 * Tu) + uni.int(Math.floor(0.7 * Tu) - 20));
  return { sectorOf, beta, gamma, idio, logP0, logV0, first, last };
}

/** The per-row output columns, sized for every listed (symbol, day), plus the regime per day. */
type Columns = Pick<
  MarketData,
  "rows" | "date" | "symbol" | "open" | "high" | "low" | "close" | "volume" | "sector" | "score" | "regime"
>;

function allocateColumns(u: Universe, N: number, T: number): Columns {
  let rows = 0;
  for (let i = 0; i < N; i++) rows += Math.max(0, u.last[i] - u.first[i] + 1);
  // string columns are appended in row order: `new Array(n)` for n > 100k starts in V8's slow
  // dictionary mode, pushing keeps fast elements.
  return {
    rows,
    date: new Int32Array(rows),
    symbol: [],
    sector: [],
    open: new Float64Array(rows),
    high: new Float64Array(rows),
    low: new Float64Array(rows),
    close: new Float64Array(rows),
    volume: new Float64Array(rows),
    score: new Float64Array(rows),
    regime: new Uint8Array(T),
  };
}

/** What the day loop reads and writes: the universe at daily scale, the paths so far, the output. */
interface Simulation {
  N: number;
  df: number;
  kappa: number;
  u: Universe;
  /** Daily idiosyncratic vol, and total daily vol at v = 1 (for the range and volume models). */
  sigI: Float64Array;
  sigTot: Float64Array;
  names: string[];
  sectorNames: string[];
  days: Int32Array;
  /** One stream per symbol, so adding a symbol leaves the others' paths alone. */
  symRng: Rng[];
  out: Columns;
  /** Log closes, day-major (t·N + i), NaN where the symbol does not trade. */
  logC: Float64Array;
  /** Planted score, day-major, 0 where undefined. */
  S: Float64Array;
  /** AR(1) state of each symbol's volume noise. */
  volNoise: Float64Array;
  /** Scratch for the score: momentum, reversal, eligibility. */
  mom: Float64Array;
  rev: Float64Array;
  ok: Uint8Array;
}

/** Generate the market. Deterministic in `opts` (same options ⇒ identical arrays). */
export function generateMarket(opts: MarketOptions): MarketData {
  checkOptions(opts);
  const { days, dates } = businessDays(opts.start, opts.end);
  const T = days.length,
    N = opts.symbols;
  const K = Math.min(opts.sectors ?? 10, N);
  const df = opts.tailDf ?? 4;
  const reg = opts.regime ?? {};
  const p01 = reg.pCalmToTurbulent ?? 0.02,
    p10 = reg.pTurbulentToCalm ?? 0.08;
  const vols = [reg.calmVol ?? 0.85, reg.turbulentVol ?? 1.9];

  const root = createRng(opts.seed);
  const names = symbolNames(N);
  const sectorNames = Array.from({ length: K }, (_, k) => `SEC${String(k + 1).padStart(2, "0")}`);
  const Tu = opts.universeEnd === undefined ? T : businessDays(opts.start, opts.universeEnd).days.length;
  const u = drawUniverse(opts, N, K, T, Tu, root.fork("universe"));

  const sqrtD = Math.sqrt(TRADING_DAYS);
  const sigM = MARKET_VOL / sqrtD,
    sigF = SECTOR_VOL / sqrtD;
  const mu = MARKET_DRIFT.map((m) => m / TRADING_DAYS);
  const sigI = Float64Array.from(u.idio, (v) => v / sqrtD);
  const sigTot = Float64Array.from(sigI, (s, i) =>
    Math.sqrt(u.beta[i] ** 2 * sigM ** 2 + u.gamma[i] ** 2 * sigF ** 2 + s * s),
  );
  const out = allocateColumns(u, N, T);
  const sim: Simulation = {
    N,
    df,
    kappa: opts.signalStrength ?? 0.025,
    u,
    sigI,
    sigTot,
    names,
    sectorNames,
    days,
    symRng: names.map((_, i) => root.fork(`symbol:${i}`)),
    out,
    logC: new Float64Array(T * N).fill(NaN),
    S: new Float64Array(T * N),
    volNoise: new Float64Array(N),
    mom: new Float64Array(N),
    rev: new Float64Array(N),
    ok: new Uint8Array(N),
  };

  const marketRng = root.fork("market"),
    sectorRng = root.fork("sectors");
  const f = new Float64Array(K);
  let state = 0;
  let row = 0;
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      const r = marketRng.next();
      state = state === 0 ? (r < p01 ? 1 : 0) : r < p10 ? 0 : 1;
    }
    out.regime[t] = state;
    const v = vols[state];
    const m = mu[state] + sigM * v * marketRng.studentT(df);
    for (let k = 0; k < K; k++) f[k] = sigF * v * sectorRng.studentT(df);
    const dayRow = row;
    row = drawDayRows(sim, t, v, m, f, row);
    plantScore(sim, t, dayRow, row);
  }

  const universe: SymbolInfo[] = names.map((symbol, i) => ({
    symbol,
    sector: sectorNames[u.sectorOf[i]],
    beta: u.beta[i],
    sectorLoading: u.gamma[i],
    idioVol: u.idio[i],
    firstIndex: u.first[i],
    lastIndex: u.last[i],
  }));
  const { rows, date, symbol, open, high, low, close, volume, sector, score, regime } = out;
  return { rows, date, symbol, open, high, low, close, volume, sector, score, days, dates, regime, universe };
}

/**
 * The rows of day `t` (volatility multiplier `v`, market factor `m`, sector factors `f`), one
 * per listed symbol in symbol order from `row`; returns the next free row.
 */
function drawDayRows(sim: Simulation, t: number, v: number, m: number, f: Float64Array, row: number): number {
  const { N, df, kappa, sigI, sigTot, symRng, logC, S, volNoise, names, sectorNames, days, out } = sim;
  const { sectorOf, beta, gamma, logP0, logV0, first, last } = sim.u;
  const sqrtV = Math.sqrt(v);
  for (let i = 0; i < N; i++) {
    if (t < first[i] || t > last[i]) continue;
    const rng = symRng[i];
    let alpha = 0;
    if (kappa !== 0) {
      let acc = 0;
      for (let k = 1; k <= SIGNAL_HORIZON && t - k >= 0; k++) acc += S[(t - k) * N + i];
      alpha = (kappa * sigI[i] * acc) / SIGNAL_HORIZON;
    }
    const r = beta[i] * m + gamma[i] * f[sectorOf[i]] + sigI[i] * sqrtV * rng.studentT(df) + alpha;
    const prevLog = t === first[i] ? logP0[i] : logC[(t - 1) * N + i];
    const lc = prevLog + r;
    logC[t * N + i] = lc;
    const sd = sigTot[i] * v;
    const gap = GAP_VOL_SHARE * sd * rng.normal();
    const o = exp(prevLog + gap),
      c = exp(lc);
    const hi = Math.max(o, c) * exp(RANGE_SCALE * sd * Math.abs(rng.normal()));
    const lo = Math.min(o, c) * exp(-RANGE_SCALE * sd * Math.abs(rng.normal()));
    volNoise[i] =
      t === first[i]
        ? (VOLUME_NOISE * rng.normal()) / Math.sqrt(1 - VOLUME_AR ** 2)
        : VOLUME_AR * volNoise[i] + VOLUME_NOISE * rng.normal();
    const logVol = logV0[i] + VOLUME_ABS_RET * (Math.abs(r) / sigTot[i] - 0.8) + VOLUME_REGIME * log(v) + volNoise[i];
    out.date[row] = days[t];
    out.symbol.push(names[i]);
    out.sector.push(sectorNames[sectorOf[i]]);
    out.open[row] = o;
    out.high[row] = hi;
    out.low[row] = lo;
    out.close[row] = c;
    out.volume[row] = Math.max(100, Math.round(exp(logVol)));
    row++;
  }
  return row;
}

/**
 * The planted score at the close of `t`, from closes ≤ t only (point in time), into S and into
 * the day's rows `dayRow`..`endRow` (NaN where the symbol or the day has no score).
 */
function plantScore(sim: Simulation, t: number, dayRow: number, endRow: number): void {
  const { N, logC, S, mom, rev, ok } = sim;
  const { first, last } = sim.u;
  let eligible = 0;
  for (let i = 0; i < N; i++) {
    ok[i] = t - first[i] >= MOM_LOOKBACK && t <= last[i] ? 1 : 0;
    if (!ok[i]) continue;
    eligible++;
    const lc = logC[t * N + i];
    mom[i] = lc - logC[(t - MOM_LOOKBACK) * N + i];
    rev[i] = -(lc - logC[(t - REV_LOOKBACK) * N + i]);
  }
  if (eligible >= 3) {
    zscore(mom, ok, N);
    zscore(rev, ok, N);
    for (let i = 0; i < N; i++) if (ok[i]) mom[i] += rev[i];
    zscore(mom, ok, N);
    for (let i = 0; i < N; i++) if (ok[i]) S[t * N + i] = Math.max(-3, Math.min(3, mom[i]));
  }
  const score = sim.out.score;
  for (let p = dayRow, i = 0; p < endRow; p++) {
    while (t < first[i] || t > last[i]) i++;
    score[p] = ok[i] && eligible >= 3 ? S[t * N + i] : NaN;
    i++;
  }
}
