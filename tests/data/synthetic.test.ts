import { describe, expect, it } from "vitest";
import { generateMarket, type MarketData } from "../../src/data/synthetic.ts";
import { meanRankIc } from "./rank-ic.ts";

const DEFAULT = { symbols: 200, start: "2012-01-03", end: "2024-12-31" } as const;

function logReturns(m: MarketData): Float64Array {
  // rows are (date, symbol)-sorted: index each symbol's previous close
  const prev = new Map<string, number>();
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const p = prev.get(m.symbol[r]);
    if (p !== undefined) out.push(Math.log(m.close[r] / p));
    prev.set(m.symbol[r], m.close[r]);
  }
  return Float64Array.from(out);
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return sab / Math.sqrt(saa * sbb);
}

describe("generateMarket", () => {
  const m = generateMarket({ ...DEFAULT, seed: 42 });

  it("planted score has a mean daily rank IC of 0.02–0.05 vs the 5-day forward return (1-bar lag)", () => {
    const ic = meanRankIc(m, m.score, { lag: 1, horizon: 5 });
    expect(ic.days).toBeGreaterThan(3000);
    expect(ic.mean).toBeGreaterThan(0.02);
    expect(ic.mean).toBeLessThan(0.05);
    // another seed stays in range too (the stage uses a per-cell seed)
    const other = generateMarket({ ...DEFAULT, seed: 2024 });
    const ic2 = meanRankIc(other, other.score);
    expect(ic2.mean).toBeGreaterThan(0.02);
    expect(ic2.mean).toBeLessThan(0.05);
  });

  it("without the planted signal the score carries no information (|IC| < 3 standard errors)", () => {
    const flat = generateMarket({ ...DEFAULT, seed: 42, signalStrength: 0 });
    const ic = meanRankIc(flat, flat.score);
    expect(Math.abs(ic.mean)).toBeLessThan(3 * ic.se + 0.005);
  });

  it("is deterministic: same seed ⇒ identical arrays, different seed ⇒ different", () => {
    const opts = { symbols: 30, start: "2020-01-01", end: "2021-06-30", seed: 7 };
    const a = generateMarket(opts), b = generateMarket(opts), c = generateMarket({ ...opts, seed: 8 });
    for (const k of ["date", "open", "high", "low", "close", "volume", "score"] as const) {
      expect(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer))).toBe(true);
    }
    expect(a.symbol).toEqual(b.symbol);
    expect(a.sector).toEqual(b.sector);
    expect(Buffer.from(a.close.buffer).equals(Buffer.from(c.close.buffer))).toBe(false);
  });

  it("rows are sorted by (date, symbol) with unique keys", () => {
    for (let r = 1; r < m.rows; r++) {
      const ok = m.date[r - 1] < m.date[r] || (m.date[r - 1] === m.date[r] && m.symbol[r - 1] < m.symbol[r]);
      if (!ok) throw new Error(`row ${r} out of order: ${m.date[r - 1]} ${m.symbol[r - 1]} / ${m.date[r]} ${m.symbol[r]}`);
    }
  });

  it("OHLC is consistent and prices and volumes are positive", () => {
    for (let r = 0; r < m.rows; r++) {
      const o = m.open[r], h = m.high[r], l = m.low[r], c = m.close[r];
      if (!(l > 0 && l <= o && l <= c && h >= o && h >= c && m.volume[r] >= 100 && Number.isInteger(m.volume[r]))) {
        throw new Error(`row ${r}: o=${o} h=${h} l=${l} c=${c} v=${m.volume[r]}`);
      }
    }
  });

  it("has late listings and delistings (rows absent outside each symbol's span)", () => {
    const late = m.universe.filter((s) => s.firstIndex > 0);
    const gone = m.universe.filter((s) => s.lastIndex < m.days.length - 1);
    expect(late.length).toBe(16); // 8 % of 200
    expect(gone.length).toBe(10); // 5 % of 200
    const rowsOf = (sym: string) => m.symbol.filter((s) => s === sym).length;
    for (const s of [...late.slice(0, 3), ...gone.slice(0, 3)]) expect(rowsOf(s.symbol)).toBe(s.lastIndex - s.firstIndex + 1);
    expect(m.rows).toBe(m.universe.reduce((a, s) => a + s.lastIndex - s.firstIndex + 1, 0));
  });

  it("has fat tails, regimes near their stationary share, plausible vol and volume tied to |return|", () => {
    const r = logReturns(m);
    let s1 = 0, s2 = 0, s4 = 0;
    for (const x of r) s1 += x;
    const mean = s1 / r.length;
    for (const x of r) { const d = x - mean; s2 += d * d; s4 += d ** 4; }
    const variance = s2 / r.length, kurt = s4 / r.length / variance ** 2 - 3;
    expect(kurt).toBeGreaterThan(2); // Student-t(4) innovations plus regime mixing
    const annVol = Math.sqrt(variance * 252);
    expect(annVol).toBeGreaterThan(0.2);
    expect(annVol).toBeLessThan(0.5);
    // stationary share of the turbulent state: p01 / (p01 + p10) = 0.02 / 0.10 = 0.2
    const turb = m.regime.reduce((a, b) => a + b, 0) / m.regime.length;
    expect(turb).toBeGreaterThan(0.1);
    expect(turb).toBeLessThan(0.3);
    // log volume vs |log return| within one symbol
    const sym = m.universe[5].symbol;
    const lv: number[] = [], ar: number[] = [];
    let prev = NaN;
    for (let k = 0; k < m.rows; k++) {
      if (m.symbol[k] !== sym) continue;
      if (Number.isFinite(prev)) { ar.push(Math.abs(Math.log(m.close[k] / prev))); lv.push(Math.log(m.volume[k])); }
      prev = m.close[k];
    }
    expect(corr(ar, lv)).toBeGreaterThan(0.15);
  });

  // Speed (500 symbols × 20 years < 3 s) is a goal of bench/data.bench.ts, not a unit test.

  it("rejects invalid options with the offending value", () => {
    expect(() => generateMarket({ ...DEFAULT, symbols: 0, seed: 1 })).toThrow(/symbols = 0/);
    expect(() => generateMarket({ ...DEFAULT, seed: 1, start: "2012-13-01" })).toThrow(/2012-13-01/);
  });
});
