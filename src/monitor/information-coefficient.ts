/**
 * Information coefficient of live scores: per score date, the cross-sectional Pearson IC and
 * Spearman rank IC of score vs realized forward return, the quantile spread, and a trailing
 * rolling mean of the rank IC; then their means over the history. The ICs and their mean and
 * t-statistic are the shared ones of src/quant/stats/information-coefficient.ts (average ranks
 * for ties), so the live figures are computed exactly as the train stage's.
 */
import { crossSectionIc, icSummary } from "../quant/stats/information-coefficient.ts";
import { quantileSpread } from "./quantile-spread.ts";
import type { DailyIc, IcSummary, MonitorThresholds, ScoreRow } from "./types.ts";

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function meanOf(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Scores are matched to `forward` (score date → symbol → realized return, see
 * forward-returns.ts); score dates after `asOf` and names without a realized return are left
 * out, so nothing here can see past `asOf`.
 */
export function informationCoefficients(
  scores: readonly ScoreRow[],
  forward: ReadonlyMap<string, ReadonlyMap<string, number>>,
  asOf: string,
  t: Pick<MonitorThresholds, "quantiles" | "minNamesPerDate" | "icRollingWindow" | "icRollingMinPeriods">,
): IcSummary {
  const byDate = new Map<string, ScoreRow[]>();
  for (const s of scores) {
    if (s.date > asOf || !forward.has(s.date) || !Number.isFinite(s.score)) continue;
    let rows = byDate.get(s.date);
    if (!rows) byDate.set(s.date, (rows = []));
    rows.push(s);
  }
  const dates = [...byDate.keys()].sort();
  const daily: DailyIc[] = [];
  const bucketSums = new Float64Array(t.quantiles),
    bucketDays = new Int32Array(t.quantiles);
  for (const date of dates) {
    const fwd = forward.get(date)!;
    const x: number[] = [],
      y: number[] = [];
    // Symbol order makes the sums (and so the last bits) independent of the input row order.
    const rows = byDate
      .get(date)!
      .slice()
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    for (const row of rows) {
      const f = fwd.get(row.symbol);
      if (f === undefined) continue;
      x.push(row.score);
      y.push(f);
    }
    if (x.length === 0) continue;
    const enough = x.length >= t.minNamesPerDate;
    let spread: number | null = null;
    if (enough) {
      const q = quantileSpread(x, y, t.quantiles);
      spread = q.spread;
      q.means.forEach((m, b) => {
        if (m !== null) {
          bucketSums[b] += m;
          bucketDays[b]++;
        }
      });
    }
    daily.push({
      date,
      n: x.length,
      ic: enough ? finiteOrNull(crossSectionIc(x, y)) : null,
      rankIc: enough ? finiteOrNull(crossSectionIc(x, y, { rank: true })) : null,
      spread,
      rollingRankIc: null,
    });
  }
  // Rolling mean over the last icRollingWindow dates that have a rank IC.
  const withIc = daily.filter((d) => d.rankIc !== null);
  for (let i = 0; i < withIc.length; i++) {
    const lo = Math.max(0, i - t.icRollingWindow + 1);
    if (i - lo + 1 < t.icRollingMinPeriods) continue;
    let s = 0;
    for (let k = lo; k <= i; k++) s += withIc[k].rankIc!;
    withIc[i].rollingRankIc = s / (i - lo + 1);
  }
  // Mean and t = mean / (sd / √days) of the rank ICs; null without ICs, or with fewer than two
  // or a zero sd for t.
  const rank = icSummary(withIc.map((d) => d.rankIc!));
  const meanRankIc = rank.n > 0 ? rank.mean : null;
  const tStat = rank.n >= 2 && rank.std > 0 ? finiteOrNull(rank.tStat) : null;
  const pearsonIc = icSummary(daily.flatMap((d) => (d.ic === null ? [] : [d.ic])));
  return {
    days: daily.length,
    lastRealizedDate: daily.length > 0 ? daily[daily.length - 1].date : null,
    meanIc: pearsonIc.n > 0 ? pearsonIc.mean : null,
    meanRankIc,
    rankIcTStat: tStat,
    meanSpread: meanOf(daily.flatMap((d) => (d.spread === null ? [] : [d.spread]))),
    quantileMeans: Array.from(bucketSums, (s, b) => (bucketDays[b] > 0 ? s / bucketDays[b] : null)),
    daily,
  };
}
