/**
 * Walk-forward optimization (Pardo, "The Evaluation and Optimization of Trading Strategies",
 * 2nd ed., Wiley 2008, ch. 11): choose a strategy's parameters on a training window, trade them
 * on the test window that follows, slide both forward, and judge the strategy only on the test
 * windows stitched together.
 *
 * Windows are calendar months over the bars' dates: window k trains on
 * [start_k, start_k + train_months) and tests on [start_k + train_months, … + test_months),
 * start_k = first date + k·step_months (rolling), or every training window starts at the first
 * date (anchored: it grows). A window is kept while the data reaches its test end (within 5
 * calendar days: a weekend or holiday at the end of the data). Test windows never overlap a
 * later window's test when step_months ≥ test_months; every bar of a window's test is after
 * every bar of its training (what the optimizer may see), which a test proves by perturbing
 * the test prices.
 *
 * The summary per strategy: walk-forward efficiency (Pardo: annualized test return over
 * annualized training return, both averaged over windows), parameter stability (per parameter:
 * how many distinct values the windows chose, and the share of windows on the most chosen
 * one), and the robustness filters — at least `min_windows` windows, mean test Sharpe at least
 * `min_mean_sharpe`, the test Sharpe's deviation across windows at most `max_sharpe_std`, mean
 * test drawdown no worse than `max_mean_drawdown` (a negative decimal), at least `min_trades`
 * test trades in all — each failure named.
 */
import { StrataError } from "../../core/errors.ts";
import { mean } from "../stats/mean.ts";
import { deviation } from "../stats/deviation.ts";

export interface WalkForwardOptions {
  train_months: number;
  test_months: number;
  /** Months between two windows' starts (default test_months: consecutive test windows). */
  step_months?: number;
  /** Training windows all start at the first date (default false: rolling). */
  anchored?: boolean;
}

export interface WalkForwardWindow {
  index: number;
  /** Bar ranges [from, to) into the dates. */
  train: [number, number];
  test: [number, number];
  /** Calendar bounds, ISO: training [trainStart, testStart), test [testStart, testEnd). */
  trainStart: string;
  testStart: string;
  testEnd: string;
}

const DAY_MS = 86_400_000;
const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The epoch day `months` calendar months after `day` (the same day of the month, or the month's last). */
export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear(),
    m = d.getUTCMonth() + months,
    dom = d.getUTCDate();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(dom, last)) / DAY_MS;
}

function checkMonths(o: WalkForwardOptions): Required<WalkForwardOptions> {
  const step = o.step_months ?? o.test_months;
  for (const [k, v] of [
    ["train_months", o.train_months],
    ["test_months", o.test_months],
    ["step_months", step],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new StrataError("ARGUMENT", `walk-forward: ${k} = ${v}; expected a whole number of months ≥ 1`, {
        hint: "e.g. train_months: 12, test_months: 6, step_months: 6",
      });
  }
  return { train_months: o.train_months, test_months: o.test_months, step_months: step, anchored: !!o.anchored };
}

/** First bar at or after `day` (days ascending). */
function lowerBound(days: Int32Array, day: number): number {
  let lo = 0,
    hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid] < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The windows over ascending, distinct bar dates (epoch days). */
export function walkForwardWindows(days: Int32Array, options: WalkForwardOptions): WalkForwardWindow[] {
  const o = checkMonths(options);
  for (let t = 1; t < days.length; t++)
    if (!(days[t] > days[t - 1]))
      throw new StrataError("ARGUMENT", `walk-forward: dates must increase; row ${t} (${iso(days[t])}) does not`);
  if (!days.length) return [];
  const first = days[0],
    last = days[days.length - 1];
  const out: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const start = addMonths(first, k * o.step_months);
    const testStart = addMonths(start, o.train_months);
    const testEnd = addMonths(testStart, o.test_months);
    if (testEnd - 1 > last + 5) break;
    const trainFrom = o.anchored ? 0 : lowerBound(days, start);
    const from = lowerBound(days, testStart),
      to = lowerBound(days, testEnd);
    if (to <= from || from <= trainFrom) continue;
    out.push({
      index: out.length,
      train: [trainFrom, from],
      test: [from, to],
      trainStart: iso(o.anchored ? first : start),
      testStart: iso(testStart),
      testEnd: iso(testEnd),
    });
  }
  return out;
}

/** One window's outcome: the parameters chosen on its training, and both sides' figures. */
export interface WindowOutcome {
  params: Record<string, unknown>;
  /** Annualized Sharpe and annualized return on the training window (the chosen params'). */
  trainSharpe: number;
  trainReturn: number;
  /** The same on the test window, its max drawdown (≤ 0) and its trades. */
  testSharpe: number;
  testReturn: number;
  testDrawdown: number;
  testTrades: number;
}

export interface RobustnessFilters {
  min_windows: number;
  min_mean_sharpe: number;
  max_sharpe_std: number;
  /** Mean test drawdown no worse than this (a negative decimal). */
  max_mean_drawdown: number;
  min_trades: number;
}

export interface WalkForwardSummary {
  windows: number;
  /** Pardo's walk-forward efficiency: mean annualized test return / mean annualized training return. */
  efficiency: number | null;
  meanTestSharpe: number | null;
  testSharpeStd: number | null;
  meanTestDrawdown: number | null;
  testTrades: number;
  /** Per parameter: distinct values chosen, and the share of windows on the most chosen value. */
  stability: Record<string, { distinct: number; modeShare: number }>;
  passes: boolean;
  reasons: string[];
}

const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The summary and the robustness verdict of a strategy's windows. */
export function walkForwardSummary(outcomes: readonly WindowOutcome[], f: RobustnessFilters): WalkForwardSummary {
  const n = outcomes.length;
  const sharpes = finite(outcomes.map((w) => w.testSharpe));
  const meanTestSharpe = sharpes.length ? mean(sharpes) : null;
  const testSharpeStd = sharpes.length >= 2 ? deviation(sharpes) : null;
  const dds = finite(outcomes.map((w) => w.testDrawdown));
  const meanTestDrawdown = dds.length ? mean(dds) : null;
  const trainR = finite(outcomes.map((w) => w.trainReturn)),
    testR = finite(outcomes.map((w) => w.testReturn));
  const isMean = trainR.length ? mean(trainR) : NaN;
  const efficiency = testR.length && Number.isFinite(isMean) && isMean !== 0 ? mean(testR) / isMean : null;
  const testTrades = outcomes.reduce((a, w) => a + w.testTrades, 0);
  const stability: WalkForwardSummary["stability"] = {};
  for (const key of [...new Set(outcomes.flatMap((w) => Object.keys(w.params)))].sort()) {
    const counts = new Map<string, number>();
    for (const w of outcomes) {
      const v = JSON.stringify(w.params[key] ?? null);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    stability[key] = { distinct: counts.size, modeShare: n ? Math.max(...counts.values()) / n : 0 };
  }
  const reasons: string[] = [];
  if (n < f.min_windows) reasons.push(`${n} of ${f.min_windows} windows`);
  if (meanTestSharpe === null || meanTestSharpe < f.min_mean_sharpe)
    reasons.push(`mean test Sharpe ${meanTestSharpe?.toFixed(2) ?? "—"} < ${f.min_mean_sharpe}`);
  if (testSharpeStd !== null && testSharpeStd > f.max_sharpe_std)
    reasons.push(`test Sharpe deviation ${testSharpeStd.toFixed(2)} > ${f.max_sharpe_std}`);
  if (meanTestDrawdown !== null && meanTestDrawdown < f.max_mean_drawdown)
    reasons.push(`mean test drawdown ${pct(meanTestDrawdown)} beyond ${pct(f.max_mean_drawdown)}`);
  if (testTrades < f.min_trades) reasons.push(`${testTrades} test trades < ${f.min_trades}`);
  return {
    windows: n,
    efficiency,
    meanTestSharpe,
    testSharpeStd,
    meanTestDrawdown,
    testTrades,
    stability,
    passes: reasons.length === 0,
    reasons,
  };
}
