/**
 * Features page: rank IC of every feature against the labels' forward returns (mean and
 * t-statistic over sampled dates), IC decay over horizons computed from the prices, and the
 * cross-sectional rank correlation between features. The joins run in DuckDB on sampled dates
 * (every k-th date), so the page builds in about a second on 650 k rows; the rank IC itself is
 * the shared one (src/quant/stats/information-coefficient.ts: Spearman with average ranks
 * for ties, per date, then mean, sd and t over the dates).
 */
import * as Plot from "@observablehq/plot";
import type { DuckDBConnection } from "@duckdb/node-api";
import { f64Column, i32Column, queryRows, readColumns, sqlIdent } from "../../store/index.ts";
import { roundDecimals } from "../../core/round.ts";
import { dailyIc, icSummary } from "../../quant/stats/information-coefficient.ts";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { cellsWith, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { heatmap } from "./heatmap.ts";
import { columnsOf, num, parquet } from "./sql.ts";
import type { PageBuilder, SiteContext } from "./types.ts";

/** Dates sampled for the IC (at most this many; at least 5 days apart so 5-day returns do not overlap). */
const IC_DATES = 150;
/** Dates sampled for the correlation heatmap. */
const CORR_DATES = 40;
/** Horizons (trading days) of the IC decay, returns entered one bar after the signal. */
const HORIZONS = [1, 5, 20, 60];
/** Features shown in the decay plot: the strongest by |t|. */
const DECAY_FEATURES = 6;

const NUMERIC = /^(DOUBLE|FLOAT|REAL|DECIMAL|INTEGER|BIGINT|SMALLINT|HUGEINT)/;
/** A date's rank IC needs at least this many (x, y) pairs. */
const MIN_PAIRS = 3;

/**
 * Rank IC of each pair (x column, y column) of `wide` (one row per date and symbol): the rank IC
 * of x with y on each date, then mean_ic, sd_ic (null below two dates), the number of dates with
 * an IC and t_stat = mean / (sd / √dates). Read once, wide, in (date, symbol) order, so each
 * day's sums run in the same order whatever DuckDB's threads do; rounded to 12 (mean, sd) and
 * 10 (t) decimals so the page's order and text do not hang on last bits.
 */
async function rankIcWide(
  conn: DuckDBConnection,
  wide: string,
  pairs: ReadonlyArray<{ x: string; y: string; keys: Record<string, unknown> }>,
): Promise<Record<string, unknown>[]> {
  const names = [...new Set(pairs.flatMap((p) => [p.x, p.y]))];
  const cols = await readColumns(
    conn,
    `select date, ${names.map((c) => `${sqlIdent(c)}::DOUBLE as ${sqlIdent(c)}`).join(", ")} from (${wide}) ` +
      `order by date, symbol`,
  );
  const dates = i32Column(cols, "date");
  const out: Record<string, unknown>[] = [];
  for (const p of pairs) {
    // NULL reads as NaN, which dailyIc leaves out with the other non-finite values.
    const s = icSummary(
      dailyIc(f64Column(cols, p.x), f64Column(cols, p.y), dates, { rank: true, minNames: MIN_PAIRS }).ic,
    );
    if (s.n > 0) {
      out.push({
        ...p.keys,
        mean_ic: roundDecimals(s.mean, 12),
        sd_ic: s.n >= 2 ? roundDecimals(s.std, 12) : null,
        dates: s.n,
        t_stat: Number.isFinite(s.tStat) ? roundDecimals(s.tStat, 10) : NaN,
      });
    }
  }
  return out;
}

/** Every k-th date of `dates` (a relation with a `date` column), at most `max` of them. */
function sampledDates(datesSql: string, count: number, max: number, minStep: number): string {
  const k = Math.max(minStep, Math.ceil(count / max));
  return `select date from (${datesSql}) qualify (row_number() over (order by date) - 1) % ${k} = 0`;
}

async function featureColumns(conn: DuckDBConnection, src: string): Promise<string[]> {
  return (await columnsOf(conn, src))
    .filter((c) => c.name !== "date" && c.name !== "symbol" && NUMERIC.test(c.type))
    .map((c) => c.name);
}

export type FeatureIc = {
  feature: string;
  mean_ic: number;
  sd_ic: number;
  dates: number;
  t_stat: number;
};

/** Rank IC of each feature column of `featuresSrc` vs `y` of `labelsSrc` on sampled dates. */
export async function featureIc(
  conn: DuckDBConnection,
  featuresSrc: string,
  labelsSrc: string,
  y: string,
  feats: readonly string[],
): Promise<{ ic: FeatureIc[]; step: number }> {
  const dates = `select distinct date from ${labelsSrc} where ${sqlIdent(y)} is not null`;
  const [{ n }] = await queryRows<{ n: number }>(conn, `select count(*)::INTEGER as n from (${dates})`);
  const step = Math.max(5, Math.ceil(n / IC_DATES));
  const joined =
    `select f.date, f.symbol, ${feats.map((c) => `f.${sqlIdent(c)}`).join(", ")}, l.${sqlIdent(y)} as __y ` +
    `from ${featuresSrc} f join ${labelsSrc} l using (date, symbol) ` +
    `where f.date in (${sampledDates(dates, n, IC_DATES, 5)})`;
  const pairs = [...feats].sort().map((feature) => ({ x: feature, y: "__y", keys: { feature } }));
  const ic = (await rankIcWide(conn, joined, pairs)).map(
    (r) => ({ ...r, mean_ic: num(r.mean_ic), sd_ic: num(r.sd_ic), t_stat: num(r.t_stat) }) as FeatureIc,
  );
  return { ic, step };
}

async function icDecay(
  conn: DuckDBConnection,
  featuresSrc: string,
  pricesSrc: string,
  feats: readonly string[],
): Promise<Record<string, unknown>[]> {
  const dates = `select distinct date from ${featuresSrc}`;
  const [{ n }] = await queryRows<{ n: number }>(conn, `select count(*)::INTEGER as n from (${dates})`);
  const leads = [0, ...HORIZONS].map((h) => `lead(close, ${h + 1}) over w as c${h}`).join(", ");
  const fwd = `select date, symbol, ${leads} from ${pricesSrc} window w as (partition by symbol order by date)`;
  const joined =
    `select f.date, ` +
    `f.symbol, ${feats.map((c) => `f.${sqlIdent(c)}`).join(", ")}, ${HORIZONS.map((h) => `p.c${h} / p.c0 - 1 as __r${h}`).join(", ")}
     from ${featuresSrc} f join (${fwd}) p using (date, symbol) where f.date in ` +
    `(${sampledDates(dates, n, IC_DATES, 5)})`;
  const pairs = [...feats]
    .sort()
    .flatMap((feature) => HORIZONS.map((h) => ({ x: feature, y: `__r${h}`, keys: { feature, horizon: h } })));
  return (await rankIcWide(conn, joined, pairs)).map((r) => ({
    ...r,
    horizon: num(r.horizon),
    mean_ic: num(r.mean_ic),
    t_stat: num(r.t_stat),
  }));
}

async function correlations(
  conn: DuckDBConnection,
  featuresSrc: string,
  feats: readonly string[],
): Promise<Record<string, unknown>[]> {
  if (feats.length < 2) return [];
  const dates = `select distinct date from ${featuresSrc}`;
  const [{ n }] = await queryRows<{ n: number }>(conn, `select count(*)::INTEGER as n from (${dates})`);
  const cols = await readColumns(
    conn,
    `select date, ${feats.map((f) => `${sqlIdent(f)}::DOUBLE as ${sqlIdent(f)}`).join(", ")} from ${featuresSrc} ` +
      `where date in (${sampledDates(dates, n, CORR_DATES, 1)}) order by date, symbol`,
  );
  // Cross-sectional ranks scaled to (0, 1] per date, then pooled Pearson = mean rank correlation.
  const ranks = scaledRanks(
    i32Column(cols, "date"),
    feats.map((f) => f64Column(cols, f)),
  );
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < feats.length; i++)
    for (let j = 0; j < feats.length; j++)
      out.push({
        feature_a: feats[i],
        feature_b: feats[j],
        correlation: i === j ? 1 : pooledCorrelation(ranks[i], ranks[j]),
      });
  return out;
}

/**
 * Each column's rank within its date among its finite values (ties share the lowest rank, as
 * SQL's rank()), divided by that date's count of finite values; NaN where the value is not
 * finite. Rows come grouped by date.
 */
export function scaledRanks(dates: Int32Array, columns: readonly Float64Array[]): Float64Array[] {
  return columns.map((v) => {
    const out = new Float64Array(v.length).fill(Number.NaN);
    for (let lo = 0; lo < v.length; ) {
      let hi = lo + 1;
      while (hi < v.length && dates[hi] === dates[lo]) hi++;
      const idx: number[] = [];
      for (let r = lo; r < hi; r++) if (Number.isFinite(v[r])) idx.push(r);
      idx.sort((a, b) => v[a] - v[b] || a - b);
      let rank = 0;
      idx.forEach((r, k) => {
        if (k === 0 || v[r] !== v[idx[k - 1]]) rank = k + 1;
        out[r] = rank / idx.length;
      });
      lo = hi;
    }
    return out;
  });
}

/** Pearson correlation over the rows where both are finite (two passes), to 6 decimals; NaN below two rows. */
export function pooledCorrelation(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let r = 0; r < a.length; r++)
    if (Number.isFinite(a[r]) && Number.isFinite(b[r])) {
      n++;
      sa += a[r];
      sb += b[r];
    }
  if (n < 2) return Number.NaN;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let r = 0; r < a.length; r++)
    if (Number.isFinite(a[r]) && Number.isFinite(b[r])) {
      cov += (a[r] - ma) * (b[r] - mb);
      va += (a[r] - ma) ** 2;
      vb += (b[r] - mb) ** 2;
    }
  return va > 0 && vb > 0 ? roundDecimals(cov / Math.sqrt(va * vb), 6) : Number.NaN;
}

/** Mean rank IC per feature against the labels (bars, by IC), with t-statistics in the table. */
function icFigure(ic: FeatureIc[], order: string[], labelsCell: string, y: string, step: number): SafeHtml {
  return figure({
    title: "Rank IC by factor",
    subtitle:
      `Spearman rank correlation of each feature with ${labelsCell}'s ${y} across symbols, per date, ` +
      `averaged over ${ic[0]?.dates ?? 0} dates (every ${step}th date, so forward returns do not overlap). Bars: ` +
      `mean IC; table: t-statistic = mean / (sd / √dates).`,
    data: ic,
    table: { columns: ["feature", "mean_ic", "sd_ic", "t_stat", "dates"] },
    plot: {
      height: Math.max(160, 40 + ic.length * 18),
      marginLeft: labelMargin(order),
      x: { label: "Mean rank IC (correlation, −1 to 1)", grid: true },
      y: { label: null, domain: order },
      color: { type: "categorical", domain: ["negative", "positive"], range: ["#e15759", "#4e79a7"] },
      marks: [
        Plot.barX(ic, {
          x: "mean_ic",
          y: "feature",
          fill: (d: FeatureIc) => (d.mean_ic < 0 ? "negative" : "positive"),
        }),
        Plot.ruleX([0]),
      ],
    },
  });
}

/** IC decay of the features with the largest |t| over the forward horizons, from the closes. */
async function icDecayFigure(
  conn: DuckDBConnection,
  fsrc: string,
  pcell: CatalogCell,
  ic: FeatureIc[],
): Promise<SafeHtml> {
  const top = [...ic]
    .sort((a, b) => Math.abs(b.t_stat) - Math.abs(a.t_stat) || (a.feature < b.feature ? -1 : 1))
    .slice(0, DECAY_FEATURES)
    .map((r) => r.feature);
  const decay = await icDecay(conn, fsrc, parquet(pcell, "prices"), top);
  return figure({
    title: "IC decay",
    subtitle:
      `Mean rank IC of the ${top.length} features with the largest |t| against forward returns ` +
      `over ${HORIZONS.join(", ")} trading days (from ${pcell.id}'s closes, entered one bar after the signal).`,
    data: decay,
    table: { columns: ["feature", "horizon", "mean_ic", "t_stat", "dates"] },
    plot: {
      height: 300,
      x: { type: "log", label: "Horizon (trading days, log scale)", ticks: HORIZONS },
      y: { label: "Mean rank IC", grid: true },
      color: { legend: true, domain: top },
      marks: [
        Plot.ruleY([0]),
        Plot.lineY(decay, { x: "horizon", y: "mean_ic", stroke: "feature" }),
        Plot.dot(decay, { x: "horizon", y: "mean_ic", fill: "feature", r: 3 }),
      ],
    },
  });
}

/** Cross-sectional rank correlation between features, in IC order. */
function correlationHeatmap(corr: Array<Record<string, unknown>>, order: string[], nFeatures: number): SafeHtml {
  return heatmap({
    title: "Feature correlation",
    subtitle:
      `Cross-sectional rank correlation between features, pooled over ${CORR_DATES} sampled dates; features ` +
      `in IC order.`,
    rows: corr,
    x: "feature_b",
    y: "feature_a",
    value: "correlation",
    xLabel: "Feature",
    yLabel: "Feature",
    valueLabel: "Rank correlation (−1 to 1)",
    diverging: true,
    domain: [-1, 1],
    xDomain: order,
    yDomain: order,
    labels: nFeatures <= 12,
    rotateX: true,
    marginLeft: labelMargin(order),
  });
}

async function section(
  ctx: SiteContext,
  fcell: CatalogCell,
  lcell: CatalogCell | undefined,
  pcell: CatalogCell | undefined,
): Promise<SafeHtml> {
  const { conn } = ctx;
  const fsrc = parquet(fcell, "features");
  const feats = await featureColumns(conn, fsrc);
  const parts: SafeHtml[] = [];
  let order = [...feats];
  if (lcell) {
    const lsrc = parquet(lcell, "labels");
    const lcols = (await columnsOf(conn, lsrc)).map((c) => c.name);
    const y = lcols.includes("fwd_ret") ? "fwd_ret" : "label";
    const { ic, step } = await featureIc(conn, fsrc, lsrc, y, feats);
    ic.sort((a, b) => b.mean_ic - a.mean_ic || (a.feature < b.feature ? -1 : 1));
    order = ic.map((r) => r.feature);
    parts.push(icFigure(ic, order, lcell.id, y, step));
    if (pcell && ic.length) parts.push(await icDecayFigure(conn, fsrc, pcell, ic));
  } else {
    parts.push(
      html`<p class="note">No labels among the sources: the IC needs a cell with a <code>labels</code> table.</p>`,
    );
  }
  const corr = await correlations(conn, fsrc, feats);
  parts.push(correlationHeatmap(corr, order, feats.length));
  return html`<h2><code>${fcell.id}</code></h2><p class="note">${feats.length} numeric features.</p>${parts}`;
}

export const featuresPage: PageBuilder = {
  file: "features.html",
  label: "Features",
  title: "Features",
  needs: [["features"]],
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const fcells = readableCells(ctx.catalog, ["features"]);
    const lcell = readableCells(ctx.catalog, ["labels"])[0];
    const pcell = readableCells(ctx.catalog, ["prices"])[0];
    const sources = stagesOf([...cellsWith(ctx.catalog, ["features"]), ...cellsWith(ctx.catalog, ["labels"])]);
    const sections: SafeHtml[] = [];
    for (const f of fcells) sections.push(await section(ctx, f, lcell, pcell));
    return join([
      html`<h1>Features</h1><p class="lead">Predictive power (rank IC), its decay with the horizon, and redundancy `,
      html`between features.</p>${sourceStatus(ctx.catalog, sources)}${sections}`,
    ]);
  },
};
