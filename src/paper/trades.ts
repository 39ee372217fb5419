/**
 * Target weights → orders in whole shares. Sizing uses the decision close P: target shares =
 * trunc(w × E_P / close_P) (toward zero, so a rounded book never needs more than its equity),
 * the trade is target − held. Each trade carries its side, notional at close_P, estimated
 * commission and slippage (the broker's bps and per-share rates), its share of ADV and a
 * liquidity flag above `liquidityFlagAdv` of ADV. Trades below `minNotional` are skipped
 * unless they close a position. Sells come first (they fund the buys), then buys, each by symbol.
 */
import { bpsRate, orderCommission } from "../quant/backtest/costs.ts";
import type { Side } from "./broker.ts";

export interface TradeInput {
  date: string;
  /** Champion fingerprint (part of the idempotency key). */
  fingerprint: string;
  /** symbol → target weight (NaN: keep as is). Symbols held but absent here are sold to 0. */
  targets: ReadonlyMap<string, number>;
  /** symbol → shares held at the decision close. */
  held: ReadonlyMap<string, number>;
  /** symbol → decision close. */
  prices: ReadonlyMap<string, number>;
  /** Equity at the decision close. */
  equity: number;
  adv: ReadonlyMap<string, number>;
  commissionBps: number;
  commissionPerShare: number;
  slippageBps: number;
  minNotional: number;
  liquidityFlagAdv: number;
  /** Trades above this share of equity are clipped to it when `clip` (else left for the safety check). */
  maxTrade: number;
  clip: boolean;
}

export interface Trade {
  key: string;
  symbol: string;
  side: Side;
  shares: number;
  refPrice: number;
  notional: number;
  weightBefore: number;
  weightTarget: number;
  estCommission: number;
  estSlippage: number;
  advShare: number | null;
  liquidityFlag: boolean;
  note: string | null;
}

export interface SkippedTrade {
  symbol: string;
  shares: number;
  reason: string;
}

/** The idempotency key of an order: one order per (trade day, symbol, side, champion). */
export function orderKey(date: string, symbol: string, side: Side, fingerprint: string): string {
  return `${date}:${symbol}:${side}:${fingerprint.slice(0, 16)}`;
}

export function generateTrades(x: TradeInput): { trades: Trade[]; skipped: SkippedTrade[] } {
  const symbols = [...new Set([...x.targets.keys(), ...x.held.keys()])].sort();
  const trades: Trade[] = [],
    skipped: SkippedTrade[] = [];
  for (const symbol of symbols) {
    const w = x.targets.has(symbol) ? x.targets.get(symbol)! : 0;
    if (w !== w) continue; // held by the no-trade band
    const price = x.prices.get(symbol)!;
    const have = x.held.get(symbol) ?? 0;
    const want = Math.trunc((w * x.equity) / price);
    let delta = want - have;
    if (delta === 0) continue;
    let note: string | null = null;
    const cap = Math.floor((x.maxTrade * x.equity) / price);
    if (x.clip && Math.abs(delta) > cap) {
      note = `clipped from ${Math.abs(delta)} to ${cap} shares (max trade ${(x.maxTrade * 100).toFixed(1)}% of equity)`;
      delta = Math.sign(delta) * cap;
      if (delta === 0) {
        skipped.push({ symbol, shares: want - have, reason: note });
        continue;
      }
    }
    const shares = Math.abs(delta);
    const notional = shares * price;
    if (notional < x.minNotional && want !== 0) {
      skipped.push({ symbol, shares: delta, reason: `notional ${notional.toFixed(2)} < minimum ${x.minNotional}` });
      continue;
    }
    const side: Side = delta > 0 ? "buy" : "sell";
    const adv = x.adv.get(symbol);
    const advShare = adv !== undefined && adv > 0 ? shares / adv : null;
    trades.push({
      key: orderKey(x.date, symbol, side, x.fingerprint),
      symbol,
      side,
      shares,
      refPrice: price,
      notional,
      weightBefore: (have * price) / x.equity,
      weightTarget: w,
      estCommission: orderCommission(notional, shares, x),
      estSlippage: bpsRate(x.slippageBps) * notional,
      advShare,
      liquidityFlag: advShare === null || advShare > x.liquidityFlagAdv,
      note,
    });
  }
  trades.sort((a, b) => (a.side === b.side ? (a.symbol < b.symbol ? -1 : 1) : a.side === "sell" ? -1 : 1));
  return { trades, skipped };
}
