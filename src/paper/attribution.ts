/**
 * The paper book's attribution, read the way a backtest cell's is (the one document builder,
 * src/quant/attribution/document.ts): by symbol, by sector with Brinson–Fachler allocation and
 * selection against the 1/N universe, by year, month and market regime, and the book's
 * exposures to the price-only factors with the alpha they leave.
 *
 * The universe is every symbol of the prices file; the panel runs from the file's first date to
 * the ledger's last day, so the regimes and factors have the history a backtest cell's have. The
 * book held over day t is the ledger's positions at the close of the previous recorded day (as
 * shares × close, over that day's equity); a symbol's return is its close-to-close move between
 * the two days; the day's costs are its recorded commission and slippage over the previous
 * equity. The ledger's own daily returns are the net series, so the terms add up to its
 * compounded return exactly; whatever the positions and costs do not explain (a fill away from
 * the close) is `other`.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { StrataError } from "../core/errors.ts";
import { attributionDocument } from "../quant/attribution/index.ts";
import { pricePanel } from "../quant/backtest/panel.ts";
import { panelMarket } from "../quant/backtest/market.ts";
import {
  f64Column,
  formatIsoDate,
  i32Column,
  queryRows,
  readColumns,
  readParquetSql,
  sqlString,
  stringColumn,
} from "../store/index.ts";
import type { Ledger } from "./ledger.ts";

/** What the attribution reads of a paper book: its capital, daily equity and costs, and positions. */
export interface PaperBookRecord {
  capital: number;
  /** Recorded days in order: YYYY-MM-DD, equity at the close, the day's costs. */
  equity: { date: string; equity: number; costs: number }[];
  /** Shares held at each day's close, in date order. */
  positions: { date: string; symbol: string; shares: number }[];
}

/** The ledger's attribution document (the fields of a backtest cell's attribution.json). */
export async function paperAttribution(
  ledger: Ledger,
  conn: DuckDBConnection,
  pricesPath: string,
): Promise<Record<string, unknown> | null> {
  return bookAttribution(
    {
      capital: await ledger.capital(),
      equity: await ledger.equityHistory(),
      positions: await queryRows<{ date: string; symbol: string; shares: number }>(
        ledger.conn,
        `SELECT date::VARCHAR AS date, symbol, shares FROM positions ORDER BY date, symbol`,
      ),
    },
    conn,
    pricesPath,
  );
}

/** A paper book's attribution document, from its record (null with fewer than two days). */
export async function bookAttribution(
  book: PaperBookRecord,
  conn: DuckDBConnection,
  pricesPath: string,
): Promise<Record<string, unknown> | null> {
  const eq = book.equity;
  if (eq.length < 2) return null;
  const capital = book.capital;
  const days = eq.map((e) => e.date);
  const T = days.length;
  const pos = book.positions;
  const m = await readMarket(conn, pricesPath, days[T - 1]);
  const { panel } = m;
  const N = panel.nAssets;
  const col = new Map(panel.symbols.map((s, i) => [s, i]));
  const rowOf = new Map<string, number>();
  panel.days.forEach((d, t) => rowOf.set(formatIsoDate(d), t));
  const rows = days.map((d) => {
    const t = rowOf.get(d);
    if (t === undefined)
      throw new StrataError("DATA", `attribution paper: the ledger's day ${d} has no price in ${pricesPath}`, {
        hint: "pass the prices the book was traded on: --prices PATH",
      });
    return t;
  });
  const shares = new Float64Array(T * N);
  const dayOf = new Map(days.map((d, t) => [d, t]));
  for (const p of pos) {
    const i = col.get(p.symbol);
    if (i === undefined)
      throw new StrataError(
        "DATA",
        `attribution paper: the ledger holds ${p.symbol}, which ${pricesPath} never lists`,
        {
          hint: "pass the prices the book was traded on: --prices PATH",
        },
      );
    shares[dayOf.get(p.date)! * N + i] = p.shares;
  }
  const close = panel.close;
  const weights = new Float64Array(T * N),
    returns = new Float64Array(T * N).fill(NaN),
    costs = new Float64Array(T),
    net = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const before = t === 0 ? capital : eq[t - 1].equity;
    costs[t] = eq[t].costs / before;
    net[t] = eq[t].equity / before - 1;
    if (t === 0) continue;
    for (let i = 0; i < N; i++) {
      const q = shares[(t - 1) * N + i],
        c0 = close[rows[t - 1] * N + i],
        c1 = close[rows[t] * N + i];
      if (q !== 0) weights[t * N + i] = (q * c0) / before;
      if (c0 > 0 && c1 > 0) returns[t * N + i] = c1 / c0 - 1;
    }
  }
  // The factors' panel: every row before the first paper day (their history), then the paper
  // days themselves in order — a day the ledger skipped folds into the next day's move.
  const factorRows = [...Array.from({ length: rows[0] }, (_, t) => t), ...rows];
  const pick = (a: Float64Array) => {
    const out = new Float64Array(factorRows.length * N);
    factorRows.forEach((t, k) => out.set(a.subarray(t * N, (t + 1) * N), k * N));
    return out;
  };
  return attributionDocument({
    symbols: panel.symbols,
    dates: days,
    weights,
    returns,
    costs,
    net,
    sectors: m.sectors,
    regimes: rows.map((t) => m.states[t] ?? "unknown"),
    factorPanel: { close: pick(close), volume: m.volume ? pick(m.volume) : undefined },
    subject: "book",
  });
}

/** The prices file up to `to` as a panel, with volumes, sectors and the market's regime states. */
async function readMarket(conn: DuckDBConnection, pricesPath: string, to: string) {
  const src = readParquetSql(pricesPath);
  const names = stringColumn(await readColumns(conn, `DESCRIBE SELECT * FROM ${src}`), "column_name");
  const hasVolume = names.includes("volume"),
    hasSector = names.includes("sector");
  const data = await readColumns(
    conn,
    `SELECT date, symbol, CAST(close AS DOUBLE) AS close` +
      `${hasVolume ? ", CAST(volume AS DOUBLE) AS volume" : ""}${hasSector ? ", sector" : ""} FROM ${src}
      WHERE date <= ${sqlString(to)}::DATE AND close > 0 AND isfinite(close) ORDER BY date, symbol`,
  );
  const d = i32Column(data, "date"),
    sym = stringColumn(data, "symbol");
  const panel = pricePanel(d, sym, f64Column(data, "close"));
  const N = panel.nAssets;
  const col = new Map(panel.symbols.map((s, i) => [s, i]));
  const row = new Map<number, number>();
  panel.days.forEach((x, t) => row.set(x, t));
  let volume: Float64Array | null = null;
  if (hasVolume) {
    const v = f64Column(data, "volume");
    volume = new Float64Array(panel.nRows * N).fill(NaN);
    for (let k = 0; k < d.length; k++) volume[row.get(d[k])! * N + col.get(sym[k]!)!] = v[k];
  }
  let sectors: string[] | null = null;
  if (hasSector) {
    const sc = stringColumn(data, "sector");
    sectors = new Array<string>(N).fill("");
    for (let k = 0; k < d.length; k++) if (sc[k]) sectors[col.get(sym[k]!)!] = sc[k]!;
    sectors = sectors.map((s) => s || "unknown");
  }
  // The backtest's regime rule and windows (src/quant/backtest/book-params.ts defaults).
  const { states } = panelMarket(panel, { volWindow: 63, trendWindow: 126, minHistory: 126 });
  return { panel, volume, sectors, states };
}
