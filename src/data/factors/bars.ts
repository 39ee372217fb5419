/**
 * The per-bar relation every factor reads: prices plus a few same-day quantities, computed
 * once so that factor expressions only aggregate over windows.
 *
 *   n           row number of the bar within its symbol (1 on the symbol's first row)
 *   prev_close  previous close of the same symbol (NULL on its first row)
 *   ret         simple return close / prev_close − 1
 *   lr          log return ln(close / prev_close)
 *   gain, loss  max(close − prev_close, 0), max(prev_close − close, 0)  (Wilder 1978, RSI)
 *   tr          true range max(high − low, |high − prev_close|, |low − prev_close|) (Wilder 1978);
 *               high − low on the symbol's first row (no previous close; DuckDB's greatest skips NULLs)
 *   pk          ln(high / low)²                                  (Parkinson 1980)
 *   gk          ½ ln(high / low)² − (2 ln 2 − 1) ln(close / open)²  (Garman & Klass 1980)
 *   dv          dollar volume close × volume
 *   mkt         equal-weight mean of `ret` over every symbol with a return that date (only
 *               when a factor uses it); an ordered aggregate (`avg(ret ORDER BY symbol)`), so
 *               the sum runs in one canonical order whatever the threads or row order. The
 *               same rule as the backtest's equalWeightMarketReturns (src/quant/backtest/
 *               market.ts; tests/data/factors/market-return.test.ts compares the two).
 * Logarithms are guarded: a non-positive price gives NULL, never a DuckDB error.
 */
import type { BarColumn } from "./types.ts";

export function barsQuery(prices: string, uses: ReadonlySet<BarColumn>): string {
  const base = `SELECT date, symbol, open, high, low, close, volume,
      row_number() OVER w AS n,
      lag(close) OVER w AS prev_close
    FROM ${prices}
    WINDOW w AS (PARTITION BY symbol ORDER BY date)`;
  const perBar = `SELECT *,
      close / prev_close - 1 AS ret,
      CASE WHEN close > 0 AND prev_close > 0 THEN ln(close / prev_close) END AS lr,
      CASE WHEN prev_close IS NOT NULL THEN greatest(close - prev_close, 0) END AS gain,
      CASE WHEN prev_close IS NOT NULL THEN greatest(prev_close - close, 0) END AS loss,
      greatest(high - low, abs(high - prev_close), abs(low - prev_close)) AS tr,
      CASE WHEN high > 0 AND low > 0 THEN pow(ln(high / low), 2) END AS pk,
      CASE WHEN high > 0 AND low > 0 AND open > 0 AND close > 0
           THEN 0.5 * pow(ln(high / low), 2) - (2 * ln(2) - 1) * pow(ln(close / open), 2) END AS gk,
      close * volume AS dv
    FROM (${base})`;
  if (!uses.has("mkt")) return perBar;
  return `WITH per AS (${perBar}),
      market AS (SELECT date, avg(ret ORDER BY symbol) AS mkt FROM per GROUP BY date)
    SELECT per.*, market.mkt FROM per JOIN market ON per.date = market.date`;
}
