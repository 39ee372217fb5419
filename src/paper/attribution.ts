/**
 * The paper book's attribution (src/quant/attribution): where the ledger's compounded return
 * came from, by symbol, year and month. The book held over day t is the ledger's positions at
 * the close of the previous recorded day (as shares × close, over that day's equity); a symbol's
 * return is its close-to-close move between the two days in the prices; the day's costs are
 * its recorded commission and slippage over the previous equity. The ledger's own daily
 * returns are the net series, so the terms add up to its compounded return exactly; whatever
 * the positions and costs do not explain (a fill away from the close) is `other`.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { roundOrNull } from "../core/round.ts";
import { contributionAttribution } from "../quant/attribution/index.ts";
import { readCloses } from "../data/closes.ts";
import { queryRows } from "../store/index.ts";
import type { Ledger } from "./ledger.ts";

const r = (x: number) => roundOrNull(x);

/** The ledger's attribution document (the fields of a backtest cell's attribution.json it can fill). */
export async function paperAttribution(
  ledger: Ledger,
  conn: DuckDBConnection,
  pricesPath: string,
): Promise<Record<string, unknown> | null> {
  const eq = await ledger.equityHistory();
  if (eq.length < 2) return null;
  const capital = await ledger.capital();
  const days = eq.map((e) => e.date);
  const pos = await queryRows<{ date: string; symbol: string; shares: number }>(
    ledger.conn,
    `SELECT date::VARCHAR AS date, symbol, shares FROM positions ORDER BY date, symbol`,
  );
  const symbols = [...new Set(pos.map((p) => p.symbol))].sort();
  const col = new Map(symbols.map((s, i) => [s, i]));
  const T = days.length,
    N = Math.max(1, symbols.length);
  const row = new Map(days.map((d, t) => [d, t]));
  const closes = (await readCloses(conn, pricesPath, { from: days[0], to: days[T - 1] })).rows;
  const close = new Float64Array(T * N).fill(NaN);
  for (const c of closes) {
    const t = row.get(c.date),
      i = col.get(c.symbol);
    if (t !== undefined && i !== undefined) close[t * N + i] = c.close;
  }
  const shares = new Float64Array(T * N);
  for (const p of pos) shares[row.get(p.date)! * N + col.get(p.symbol)!] = p.shares;
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
        c0 = close[(t - 1) * N + i],
        c1 = close[t * N + i];
      if (q !== 0) weights[t * N + i] = (q * c0) / before;
      if (c0 > 0 && c1 > 0) returns[t * N + i] = c1 / c0 - 1;
    }
  }
  const years = days.map((d) => d.slice(0, 4)),
    months = days.map((d) => d.slice(0, 7));
  const whole = contributionAttribution(weights, returns, costs, N, { net });
  const periods = (labels: string[]) =>
    contributionAttribution(weights, returns, costs, N, { net, periods: labels }).periods!.map((p) => ({
      period: p.label,
      days: p.rows,
      contribution: r(p.linked.total),
      own_return: r(p.own.total),
      own_cost: r(p.own.cost),
    }));
  const o = whole.overall;
  return {
    period: { start: days[0], end: days[T - 1], days: T },
    total_return: r(o.total),
    cost: r(o.cost),
    other: r(o.other),
    by_symbol: symbols
      .map((symbol, i) => ({ symbol, contribution: o.symbols[i] }))
      .filter((x) => x.contribution !== 0)
      .sort((a, b) => b.contribution - a.contribution || (a.symbol < b.symbol ? -1 : 1))
      .map((x) => ({ symbol: x.symbol, contribution: r(x.contribution) })),
    by_sector: null,
    brinson: null,
    by_year: periods(years),
    by_month: periods(months),
    by_regime: [],
    factors: null,
  };
}
