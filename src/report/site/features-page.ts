/**
 * Features page: rank IC of every feature against the labels' forward returns (mean and
 * t-statistic over sampled dates), IC decay over horizons computed from the prices, and the
 * cross-sectional rank correlation between features. The rows of the sampled dates (every k-th
 * date) are read in one pass (readSampled); the rank IC itself is the shared one
 * (src/quant/stats/information-coefficient.ts: Spearman with average ranks for ties, per date,
 * then mean, sd and t over the dates), each date's ranks shared by the pairs (daily-ic-pairs.ts).
 */
import * as Plot from "@observablehq/plot";
import type { DuckDBConnection } from "@duckdb/node-api";
import { f64Column, i32Column, queryRows, readColumns, sqlIdent } from "../../store/index.ts";
import { roundDecimals } from "../../core/round.ts";
import { dailyIcPairs } from "../../quant/stats/daily-ic-pairs.ts";
import { icSummary } from "../../quant/stats/information-coefficient.ts";
import type { CatalogCell } from "../catalog.ts";
import { figure, labelMargin } from "../figure.ts";
import { html, join, type SafeHtml } from "../html.ts";
import { cellsWith, readableCells, sourceStatus, stagesOf } from "./cells.ts";
import { heatmap } from "./heatmap.ts";
import { sharedRead } from "./shared-reads.ts";
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

/** Which sample a row's date is in: a bit each (a date may be in several). */
const IC_SAMPLE = 1,
  DECAY_SAMPLE = 2,
  CORR_SAMPLE = 4;

/**
 * One features cell's rows on every sampled date, read in one pass over its Parquet file (the
 * file is the page's largest read: 28 columns × 650 k rows): the features as DOUBLE, the labels'
 * `y` as `__y` and the forward returns of each horizon as `__r<h>` (NULL, read as NaN, where the
 * labels or prices have no row), in (date, symbol) order, each row flagged with the samples its
 * date belongs to. A sample's rows are then the flagged rows, in the order the per-sample
 * queries this replaces returned them; rows without a label or a price are left out pairwise by
 * the IC, as the inner joins left them out.
 */
interface SampledRows {
  columns: Map<string, Float64Array>;
  dates: Int32Array;
  samples: Uint8Array;
  /** Every `icStep`th labelled date is in the IC sample. */
  icStep: number;
}

async function readSampled(
  conn: DuckDBConnection,
  featuresSrc: string,
  feats: readonly string[],
  labels: { src: string; y: string } | undefined,
  pricesSrc: string | undefined,
): Promise<SampledRows> {
  const featureDates = `select distinct date from ${featuresSrc}`;
  const labelDates = labels && `select distinct date from ${labels.src} where ${sqlIdent(labels.y)} is not null`;
  const [{ nf, nl }] = await queryRows<{ nf: number; nl: number }>(
    conn,
    `select (select count(*) from (${featureDates}))::INTEGER as nf, ` +
      `${labelDates ? `(select count(*) from (${labelDates}))::INTEGER` : "0"} as nl`,
  );
  const icStep = Math.max(5, Math.ceil(nl / IC_DATES));
  // The IC decay needs the labels (its features are the IC's strongest) and the closes.
  const decay = labelDates !== undefined && pricesSrc !== undefined;
  const picks = [
    labelDates && `select date, ${IC_SAMPLE} as s from (${sampledDates(labelDates, nl, IC_DATES, 5)})`,
    decay && `select date, ${DECAY_SAMPLE} as s from (${sampledDates(featureDates, nf, IC_DATES, 5)})`,
    `select date, ${CORR_SAMPLE} as s from (${sampledDates(featureDates, nf, CORR_DATES, 1)})`,
  ].filter(Boolean);
  const names = [...feats, ...(labels ? ["__y"] : []), ...(decay ? HORIZONS.map((h) => `__r${h}`) : [])];
  const select = [
    "f.date",
    "pick.s::UTINYINT as __s",
    ...feats.map((c) => `f.${sqlIdent(c)}::DOUBLE as ${sqlIdent(c)}`),
    ...(labels ? [`l.${sqlIdent(labels.y)}::DOUBLE as __y`] : []),
    ...(decay ? HORIZONS.map((h) => `(p.c${h} / p.c0 - 1)::DOUBLE as __r${h}`) : []),
  ];
  let from = `${featuresSrc} f join pick using (date)`;
  if (labels) from += ` left join ${labels.src} l using (date, symbol)`;
  if (decay) {
    const leads = [0, ...HORIZONS].map((h) => `lead(close, ${h + 1}) over w as c${h}`).join(", ");
    from +=
      ` left join (select date, symbol, ${leads} from ${pricesSrc} ` +
      `window w as (partition by symbol order by date)) p using (date, symbol)`;
  }
  const cols = await readColumns(
    conn,
    `with pick as (select date, bit_or(s) as s from (${picks.join(" union all ")}) group by date) ` +
      `select ${select.join(", ")} from ${from} order by f.date, f.symbol`,
  );
  return {
    columns: new Map(names.map((c) => [c, f64Column(cols, c)])),
    dates: i32Column(cols, "date"),
    samples: Uint8Array.from(f64Column(cols, "__s")),
    icStep,
  };
}

/** The rows of one sample: their dates and the named columns, in read order. */
function sampleOf(rows: SampledRows, bit: number, names: readonly string[]) {
  const keep: number[] = [];
  for (let r = 0; r < rows.samples.length; r++) if (rows.samples[r] & bit) keep.push(r);
  const pick = <T extends Int32Array | Float64Array>(v: T): T => {
    const out = new (v.constructor as new (n: number) => T)(keep.length);
    for (let i = 0; i < keep.length; i++) out[i] = v[keep[i]];
    return out;
  };
  return { dates: pick(rows.dates), columns: names.map((c) => pick(rows.columns.get(c) as Float64Array)) };
}

/**
 * Rank IC of each pair (x column, y column) over one sample's rows: the rank IC of x with y on
 * each date, then mean_ic, sd_ic (null below two dates), the number of dates with an IC and
 * t_stat = mean / (sd / √dates). Rows in (date, symbol) order, so each day's sums run in the
 * same order whatever DuckDB's threads do; rounded to 12 (mean, sd) and 10 (t) decimals so the
 * page's order and text do not hang on last bits.
 */
function rankIcRows(
  rows: SampledRows,
  bit: number,
  pairs: ReadonlyArray<{ x: string; y: string; keys: Record<string, unknown> }>,
): Record<string, unknown>[] {
  const names = [...new Set(pairs.flatMap((p) => [p.x, p.y]))];
  const { dates, columns } = sampleOf(rows, bit, names);
  const at = (c: string) => names.indexOf(c);
  const daily = dailyIcPairs(
    columns,
    pairs.map((p) => [at(p.x), at(p.y)] as const),
    dates,
    { rank: true, minNames: MIN_PAIRS },
  );
  const out: Record<string, unknown>[] = [];
  pairs.forEach((p, i) => {
    // NaN (NULL) is left out by the IC with the other non-finite values.
    const s = icSummary(daily[i].ic);
    if (s.n > 0) {
      out.push({
        ...p.keys,
        mean_ic: roundDecimals(s.mean, 12),
        sd_ic: s.n >= 2 ? roundDecimals(s.std, 12) : null,
        dates: s.n,
        t_stat: Number.isFinite(s.tStat) ? roundDecimals(s.tStat, 10) : NaN,
      });
    }
  });
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

/** Rank IC of each feature vs the labels' `y` (`__y`) on the IC sample's dates. */
function featureIc(rows: SampledRows, feats: readonly string[]): FeatureIc[] {
  const pairs = [...feats].sort().map((feature) => ({ x: feature, y: "__y", keys: { feature } }));
  return rankIcRows(rows, IC_SAMPLE, pairs).map(
    (r) => ({ ...r, mean_ic: num(r.mean_ic), sd_ic: num(r.sd_ic), t_stat: num(r.t_stat) }) as FeatureIc,
  );
}

/** Rank IC of each of `feats` vs the forward returns of each horizon, on the decay sample's dates. */
function icDecay(rows: SampledRows, feats: readonly string[]): Record<string, unknown>[] {
  const pairs = [...feats]
    .sort()
    .flatMap((feature) => HORIZONS.map((h) => ({ x: feature, y: `__r${h}`, keys: { feature, horizon: h } })));
  return rankIcRows(rows, DECAY_SAMPLE, pairs).map((r) => ({
    ...r,
    horizon: num(r.horizon),
    mean_ic: num(r.mean_ic),
    t_stat: num(r.t_stat),
  }));
}

/** Cross-sectional rank correlation of every pair of features, on the correlation sample's dates. */
function correlations(rows: SampledRows, feats: readonly string[]): Record<string, unknown>[] {
  if (feats.length < 2) return [];
  const { dates, columns } = sampleOf(rows, CORR_SAMPLE, feats);
  // Cross-sectional ranks scaled to (0, 1] per date, then pooled Pearson = mean rank correlation.
  const ranks = scaledRanks(dates, columns);
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
function icDecayFigure(rows: SampledRows, pcell: CatalogCell, ic: FeatureIc[]): SafeHtml {
  const top = [...ic]
    .sort((a, b) => Math.abs(b.t_stat) - Math.abs(a.t_stat) || (a.feature < b.feature ? -1 : 1))
    .slice(0, DECAY_FEATURES)
    .map((r) => r.feature);
  const decay = icDecay(rows, top);
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

/** The labels cell's table and its target column. */
async function labelsOf(conn: DuckDBConnection, lcell: CatalogCell): Promise<{ src: string; y: string }> {
  const src = parquet(lcell, "labels");
  const lcols = (await columnsOf(conn, src)).map((c) => c.name);
  return { src, y: lcols.includes("fwd_ret") ? "fwd_ret" : "label" };
}

/** What a features cell's section reads, once (prefetched at the start of `pipeline report`). */
function sectionData(
  ctx: SiteContext,
  fcell: CatalogCell,
  lcell: CatalogCell | undefined,
  pcell: CatalogCell | undefined,
) {
  return sharedRead(ctx, `features:${fcell.id}`, async (conn) => {
    const fsrc = parquet(fcell, "features");
    const feats = await featureColumns(conn, fsrc);
    const labels = lcell && (await labelsOf(conn, lcell));
    const rows = await readSampled(conn, fsrc, feats, labels, pcell && parquet(pcell, "prices"));
    return { feats, labels, rows };
  });
}

/** The cells the page draws from: every readable features cell, the first labels and prices cells. */
function pageCells(ctx: SiteContext) {
  return {
    fcells: readableCells(ctx.catalog, ["features"]),
    lcell: readableCells(ctx.catalog, ["labels"])[0],
    pcell: readableCells(ctx.catalog, ["prices"])[0],
  };
}

async function section(
  ctx: SiteContext,
  fcell: CatalogCell,
  lcell: CatalogCell | undefined,
  pcell: CatalogCell | undefined,
): Promise<SafeHtml> {
  const { feats, labels, rows } = await sectionData(ctx, fcell, lcell, pcell);
  const parts: SafeHtml[] = [];
  let order = [...feats];
  if (lcell && labels) {
    const ic = featureIc(rows, feats);
    ic.sort((a, b) => b.mean_ic - a.mean_ic || (a.feature < b.feature ? -1 : 1));
    order = ic.map((r) => r.feature);
    parts.push(icFigure(ic, order, lcell.id, labels.y, rows.icStep));
    if (pcell && ic.length) parts.push(icDecayFigure(rows, pcell, ic));
  } else {
    parts.push(
      html`<p class="note">No labels among the sources: the IC needs a cell with a <code>labels</code> table.</p>`,
    );
  }
  const corr = correlations(rows, feats);
  parts.push(correlationHeatmap(corr, order, feats.length));
  return html`<h2><code>${fcell.id}</code></h2><p class="note">${feats.length} numeric features.</p>${parts}`;
}

export const featuresPage: PageBuilder = {
  file: "features.html",
  label: "Features",
  title: "Features",
  needs: [["features"]],
  async prefetch(ctx: SiteContext): Promise<void> {
    const { fcells, lcell, pcell } = pageCells(ctx);
    for (const f of fcells) await sectionData(ctx, f, lcell, pcell);
  },
  async build(ctx: SiteContext): Promise<SafeHtml> {
    const { fcells, lcell, pcell } = pageCells(ctx);
    const sources = stagesOf([...cellsWith(ctx.catalog, ["features"]), ...cellsWith(ctx.catalog, ["labels"])]);
    const sections: SafeHtml[] = [];
    for (const f of fcells) sections.push(await section(ctx, f, lcell, pcell));
    return join([
      html`<h1>Features</h1><p class="lead">Predictive power (rank IC), its decay with the horizon, and redundancy `,
      html`between features.</p>${sourceStatus(ctx.catalog, sources)}${sections}`,
    ]);
  },
};
