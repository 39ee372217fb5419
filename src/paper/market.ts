/**
 * Point-in-time market data for the cycle of trade day D, read from the prices Parquet file.
 *
 * Convention (DESIGN.md "Point in time"): the decision for D is formed at the close of the
 * previous trading day P (the last price date before D) from prices dated ≤ P only; the
 * orders trade on D's bar (open or close). So everything here that shapes the decision reads
 * `date <= P`; only `fillBars` reads D's own bar, and only the simulated broker uses it.
 *
 * Bad rows (close NULL, NaN, ≤ 0 or infinite) are left out of the panel and reported: a
 * name without a valid close is not trading that day (no return, not eligible, no trade).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import {
  f64Column,
  formatIsoDate,
  i32Column,
  readColumns,
  readParquetSql,
  sqlString,
  stringColumn,
} from "../store/index.ts";
import { pricePanel, type PricePanel } from "../quant/backtest/panel.ts";
import type { Regime } from "../quant/regime/market-regimes.ts";
import { panelMarket } from "../quant/backtest/market.ts";
import type { Bar } from "./sim-broker.ts";
import { nyseHolidayDates, type ExchangeCalendar } from "../data/exchange-calendar.ts";

export interface BadPrice {
  symbol: string;
  date: string;
  close: number | null;
}

export interface DecisionMarket {
  /** Last price date before the trade day (the decision close). */
  decisionDate: string;
  /** Trailing panel ending at the decision date (its last row). */
  panel: PricePanel;
  /** Sector of each panel symbol (null without a sector column). */
  sectors: string[] | null;
  /** Mean volume (shares) of each panel symbol's last `advWindow` rows ≤ decision date (NaN if none). */
  adv: Map<string, number>;
  /** Market regime at the decision date, from the equal-weight market return (full history ≤ decision). */
  regime: Regime | null;
  /** Rows with an unusable close inside the loaded window (left out of the panel). */
  bad: BadPrice[];
}

export interface DecisionMarketOptions {
  /** Trailing rows needed for the covariance (the champion's covariance.window). */
  window: number;
  advWindow: number;
  regimes: { vol_window: number; trend_window: number; min_history: number };
}

const src = readParquetSql;

/** Last price date strictly before `day` (ISO), or null. */
export async function lastPriceDateBefore(
  conn: DuckDBConnection,
  pricesPath: string,
  day: string,
): Promise<string | null> {
  const r = await readColumns(
    conn,
    `SELECT max(date) AS d FROM ${src(pricesPath)} WHERE date < ${sqlString(day)}::DATE`,
  );
  const d = r.d;
  if (d instanceof Int32Array) return formatIsoDate(d[0]);
  return null;
}

/** The prices' first, second and last dates (ISO), or null when the file has no row. */
export async function priceDates(
  conn: DuckDBConnection,
  pricesPath: string,
): Promise<{ first: string; second: string | null; last: string } | null> {
  const r = await readColumns(
    conn,
    `SELECT date FROM (SELECT DISTINCT date FROM ${src(pricesPath)} WHERE date IS NOT NULL) ORDER BY date LIMIT 2`,
  );
  const d = r.date;
  if (!(d instanceof Int32Array) || d.length === 0) return null;
  const last = await readColumns(conn, `SELECT max(date) AS d FROM ${src(pricesPath)}`);
  return {
    first: formatIsoDate(d[0]),
    second: d.length > 1 ? formatIsoDate(d[1]) : null,
    last: formatIsoDate((last.d as Int32Array)[0]),
  };
}

/**
 * The calendar the prices follow: "weekdays" when they have bars on NYSE holidays of the three
 * years up to `day` (a market trading every weekday, e.g. the synthetic one), else "nyse".
 */
export async function calendarOfData(
  conn: DuckDBConnection,
  pricesPath: string,
  day: string,
): Promise<ExchangeCalendar> {
  const from = `${Number(day.slice(0, 4)) - 3}${day.slice(4)}`;
  const holidays = nyseHolidayDates(from, day);
  if (holidays.length === 0) return "nyse";
  const r = await readColumns(
    conn,
    `SELECT count(*)::DOUBLE AS n FROM ${src(pricesPath)} WHERE date IN ` +
      `(${holidays.map((h) => `${sqlString(h)}::DATE`).join(", ")})`,
  );
  const n = r.n;
  return n instanceof Float64Array && n[0] > 0 ? "weekdays" : "nyse";
}

export async function loadDecisionMarket(
  conn: DuckDBConnection,
  pricesPath: string,
  decisionDate: string,
  opts: DecisionMarketOptions,
): Promise<DecisionMarket> {
  const P = `${sqlString(decisionDate)}::DATE`;
  const describe = await readColumns(conn, `DESCRIBE SELECT * FROM ${src(pricesPath)}`);
  const names = stringColumn(describe, "column_name");
  for (const c of ["date", "symbol", "close"]) {
    if (!names.includes(c))
      throw new StrataError("DATA", `${pricesPath} has no '${c}' column`, {
        hint: "paper trading reads the data stage's prices(date, symbol, open, close, volume[, sector])",
      });
  }
  const hasSector = names.includes("sector"),
    hasVolume = names.includes("volume");
  // Margin rows: a name's first loaded row has no return, and a gap needs its previous close.
  const rowsNeeded = opts.window + 25;
  const data = await readColumns(
    conn,
    `
    WITH d AS (SELECT DISTINCT date FROM ${src(pricesPath)} WHERE date <= ${P} ORDER BY date DESC LIMIT ${rowsNeeded})
    SELECT p.date, p.symbol, CAST(p.close AS DOUBLE) AS close,
           ${hasVolume ? "CAST(p.volume AS DOUBLE)" : "NULL::DOUBLE"} AS
           volume, ${hasSector ? "p.sector" : "NULL::VARCHAR"} AS sector
      FROM ${src(pricesPath)} p WHERE p.date >= (SELECT min(date) FROM d) AND p.date <= ${P}
     ORDER BY p.date, p.symbol`,
  );
  const dates = i32Column(data, "date"),
    symbols = stringColumn(data, "symbol"),
    close = f64Column(data, "close");
  const volume = f64Column(data, "volume"),
    sectorCol = stringColumn(data, "sector");
  if (dates.length === 0)
    throw new StrataError("DATA", `${pricesPath} has no price on or before ${decisionDate}`, {
      hint: "check the data stage's start date",
    });
  const keep: number[] = [];
  const bad: BadPrice[] = [];
  for (let k = 0; k < dates.length; k++) {
    const c = close[k];
    if (c > 0 && Number.isFinite(c) && symbols[k]) keep.push(k);
    else bad.push({ symbol: String(symbols[k]), date: formatIsoDate(dates[k]), close: c === c ? c : null });
  }
  const panel = pricePanel(
    keep.map((k) => dates[k]),
    keep.map((k) => symbols[k]!),
    keep.map((k) => close[k]),
  );
  const N = panel.nAssets,
    T = panel.nRows;
  const col = new Map<string, number>();
  panel.symbols.forEach((s, i) => col.set(s, i));
  let sectors: string[] | null = hasSector ? new Array<string>(N).fill("") : null;
  // Volumes per symbol in date order, for the trailing ADV.
  const vols: number[][] = Array.from({ length: N }, () => []);
  for (const k of keep) {
    const i = col.get(symbols[k]!)!;
    if (sectors && sectorCol[k]) sectors[i] = sectorCol[k]!;
    const v = volume[k];
    if (v === v && v >= 0) vols[i].push(v);
  }
  if (sectors?.some((s) => s === "")) sectors = sectors.map((s) => s || "unknown");
  const adv = new Map<string, number>();
  panel.symbols.forEach((s, i) => {
    const v = vols[i].slice(-opts.advWindow);
    adv.set(s, v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  });
  if (formatIsoDate(panel.days[T - 1]) !== decisionDate) {
    throw new StrataError("DATA", `${pricesPath}: no valid close on ${decisionDate}`, {
      hint: "every price of the decision date is missing or corrupt; fix the data and rerun",
    });
  }
  const regime = await regimeAt(conn, pricesPath, decisionDate, opts.regimes);
  return { decisionDate, panel, sectors, adv, regime, bad };
}

/**
 * The regime at the decision date: the backtest's equal-weight market (src/quant/backtest/
 * market.ts) over the full history ≤ decision date, since the volatility percentile is
 * expanding; rows with an unusable close are left out, as in the panel above. Informational
 * (the book does not use it).
 */
async function regimeAt(
  conn: DuckDBConnection,
  pricesPath: string,
  decisionDate: string,
  rg: DecisionMarketOptions["regimes"],
): Promise<Regime | null> {
  const r = await readColumns(
    conn,
    `SELECT date, symbol, CAST(close AS DOUBLE) AS close FROM ${src(pricesPath)}
      WHERE date IS NOT NULL AND date <= ${sqlString(decisionDate)}::DATE AND close > 0 AND isfinite(close) AND symbol
      IS NOT NULL AND symbol <> ''
      ORDER BY date, symbol`,
  );
  const dates = i32Column(r, "date");
  if (dates.length === 0) return null;
  const panel = pricePanel(dates, stringColumn(r, "symbol"), f64Column(r, "close"));
  if (panel.nRows < 2) return null;
  const { states } = panelMarket(panel, {
    volWindow: rg.vol_window,
    trendWindow: rg.trend_window,
    minHistory: rg.min_history,
  });
  return states[states.length - 1] ?? null;
}

/** The trade day's bars (open, close, volume) by symbol; symbols without a row are absent, bad values kept as NaN. */
export async function fillBars(conn: DuckDBConnection, pricesPath: string, day: string): Promise<Map<string, Bar>> {
  // Close-only prices have no open or volume: those are NaN (an order needing them is rejected, and said why).
  const names = stringColumn(await readColumns(conn, `DESCRIBE SELECT * FROM ${src(pricesPath)}`), "column_name");
  const col = (c: string) => (names.includes(c) ? `CAST(${c} AS DOUBLE)` : "NULL::DOUBLE");
  const r = await readColumns(
    conn,
    `SELECT symbol, ${col("open")} AS open, CAST(close AS DOUBLE) AS close, ${col("volume")} AS volume
      FROM ${src(pricesPath)} WHERE date = ${sqlString(day)}::DATE ORDER BY symbol`,
  );
  const s = stringColumn(r, "symbol"),
    o = f64Column(r, "open"),
    c = f64Column(r, "close"),
    v = f64Column(r, "volume");
  const out = new Map<string, Bar>();
  for (let k = 0; k < s.length; k++) out.set(s[k]!, { open: o[k], close: c[k], volume: v[k] });
  return out;
}

/** A held symbol the prices stopped listing: its last usable close and the market's dates since. */
export interface LastListing {
  symbol: string;
  /** Its last date with a usable close (≤ P), and that close. */
  last: string;
  close: number;
  /** The market's trading dates after `last` up to P (dates any symbol has a row). */
  marketDays: number;
}

/**
 * For held symbols without a close at the decision close P: where each one's prices end. A
 * symbol with no usable close at all up to P is left out (nothing to value it at).
 */
export async function lastListings(
  conn: DuckDBConnection,
  pricesPath: string,
  symbols: readonly string[],
  P: string,
): Promise<LastListing[]> {
  if (!symbols.length) return [];
  const list = symbols.map(sqlString).join(", ");
  const r = await readColumns(
    conn,
    `WITH s AS (SELECT symbol, max(date) AS last, arg_max(CAST(close AS DOUBLE), date) AS close
                FROM ${src(pricesPath)}
                WHERE symbol IN (${list}) AND date <= ${sqlString(P)}::DATE AND close > 0 AND isfinite(close)
                GROUP BY symbol),
          d AS (SELECT DISTINCT date FROM ${src(pricesPath)} WHERE date <= ${sqlString(P)}::DATE)
     SELECT s.symbol, s.last::VARCHAR AS last, s.close,
            (SELECT count(*) FROM d WHERE d.date > s.last)::DOUBLE AS n
     FROM s ORDER BY s.symbol`,
  );
  const sym = stringColumn(r, "symbol"),
    last = stringColumn(r, "last"),
    close = f64Column(r, "close"),
    n = f64Column(r, "n");
  return sym.map((s, k) => ({ symbol: s!, last: last[k]!, close: close[k], marketDays: n[k] }));
}
