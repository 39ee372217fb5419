/**
 * A simulated broker over daily bars. Orders submitted for trade day D fill at D's open or
 * close (the `fill` option), at that price moved against the order by the slippage
 * (buy: p·(1 + s), sell: p·(1 − s), s = slippageBps / 10⁴), with a commission of
 * commissionBps / 10⁴ × notional + commissionPerShare × shares.
 *
 * Liquidity: an order fills at most ⌊maxParticipation × ADV⌋ shares, ADV the mean daily volume
 * (shares) of the last `advWindow` bars before D. The rest of the order is cancelled, not
 * carried: the next decision re-targets from the positions actually held, so a carried
 * remainder could trade against a stale target. An order for a symbol without a bar on D, or
 * without volume history when a participation cap is set, is rejected.
 *
 * Deterministic: the same orders against the same bars give the same fills, in order.
 */
import { StrataError } from "../core/errors.ts";
import { orderCommission, slippedPrice } from "../quant/backtest/costs.ts";
import type { Account, Broker, Fill, OrderRequest, Position } from "./broker.ts";

export interface Bar {
  open: number;
  close: number;
  volume: number;
}

export interface SimBrokerOptions {
  /** Fill price: the bar's "open" or "close" (default "close"). */
  fill?: "open" | "close";
  /** Slippage, bps per side (default 0). */
  slippageBps?: number;
  /** Commission, bps per side on the filled notional (default 0). */
  commissionBps?: number;
  /** Commission per share, currency (default 0). */
  commissionPerShare?: number;
  /** Share of ADV one order may fill (default null: no cap). */
  maxParticipation?: number | null;
  /** ADV per symbol in shares (the cycle computes it from bars before D). */
  adv?: ReadonlyMap<string, number>;
  /** Trade day, for messages (YYYY-MM-DD). */
  date?: string;
}

export interface SimBrokerState {
  cash: number;
  /** symbol → signed shares. */
  positions: ReadonlyMap<string, number>;
}

export class SimBroker implements Broker {
  private cash: number;
  private readonly book = new Map<string, number>();
  private readonly done: Fill[] = [];
  private readonly keys = new Set<string>();
  private readonly opts: Required<Omit<SimBrokerOptions, "adv" | "date">> & {
    adv: ReadonlyMap<string, number>;
    date: string;
  };

  constructor(
    state: SimBrokerState,
    private readonly bars: ReadonlyMap<string, Bar>,
    options: SimBrokerOptions = {},
  ) {
    this.cash = state.cash;
    for (const [s, q] of state.positions) if (q !== 0) this.book.set(s, q);
    this.opts = {
      fill: options.fill ?? "close",
      slippageBps: options.slippageBps ?? 0,
      commissionBps: options.commissionBps ?? 0,
      commissionPerShare: options.commissionPerShare ?? 0,
      maxParticipation: options.maxParticipation ?? null,
      adv: options.adv ?? new Map(),
      date: options.date ?? "the trade day",
    };
    for (const k of ["slippageBps", "commissionBps", "commissionPerShare"] as const) {
      if (!(this.opts[k] >= 0))
        throw new StrataError("ARGUMENT", `SimBroker: ${k} = ${this.opts[k]}, expected a number ≥ 0`);
    }
  }

  async account(): Promise<Account> {
    let positionsValue = 0;
    for (const p of await this.positions()) positionsValue += p.value;
    return { cash: this.cash, positionsValue, equity: this.cash + positionsValue };
  }

  /** Positions valued at the bar's close (a symbol without a bar keeps NaN: the caller must check). */
  async positions(): Promise<Position[]> {
    return [...this.book.keys()].sort().map((symbol) => {
      const shares = this.book.get(symbol)!;
      const price = this.bars.get(symbol)?.close ?? NaN;
      return { symbol, shares, price, value: shares * price };
    });
  }

  async submit(orders: readonly OrderRequest[]): Promise<Fill[]> {
    return orders.map((o) => this.fillOne(o));
  }

  async fills(): Promise<Fill[]> {
    return [...this.done];
  }

  private fillOne(o: OrderRequest): Fill {
    if (!Number.isInteger(o.shares) || o.shares <= 0) {
      throw new StrataError(
        "ARGUMENT",
        `SimBroker: order ${o.key} asks for ${o.shares} shares of ${o.symbol}, expected a whole number > 0`,
      );
    }
    if (this.keys.has(o.key)) {
      throw new StrataError("ARGUMENT", `SimBroker: order key ${o.key} was already submitted`, {
        hint: "an idempotency key fills once",
      });
    }
    this.keys.add(o.key);
    const bar = this.bars.get(o.symbol);
    const base = { key: o.key, symbol: o.symbol, side: o.side, requested: o.shares };
    const reject = (reason: string): Fill => {
      const f: Fill = {
        ...base,
        shares: 0,
        reference: NaN,
        price: NaN,
        notional: 0,
        commission: 0,
        slippage: 0,
        status: "rejected",
        reason,
      };
      this.done.push(f);
      return f;
    };
    const ref = bar ? bar[this.opts.fill] : NaN;
    if (!bar || !(ref > 0) || !Number.isFinite(ref))
      return reject(`no valid ${this.opts.fill} price for ${o.symbol} on ${this.opts.date}`);
    let shares = o.shares;
    let reason: string | null = null;
    if (this.opts.maxParticipation !== null) {
      const adv = this.opts.adv.get(o.symbol);
      if (adv === undefined || !(adv > 0))
        return reject(`no volume history for ${o.symbol} before ${this.opts.date} (participation cap needs ADV)`);
      const cap = Math.floor(this.opts.maxParticipation * adv);
      if (cap <= 0)
        return reject(
          `${o.symbol}: ${this.opts.maxParticipation * 100}% of ADV ${adv.toFixed(0)} is less than one share`,
        );
      if (shares > cap) {
        reason =
          `partial: ${shares} shares > ${this.opts.maxParticipation * 100}% of ADV (${cap}); ${shares - cap} ` +
          `cancelled`;
        shares = cap;
      }
    }
    const sign = o.side === "buy" ? 1 : -1;
    const price = slippedPrice(ref, sign, this.opts.slippageBps);
    const notional = shares * price;
    const commission = orderCommission(notional, shares, this.opts);
    const slippage = shares * Math.abs(price - ref);
    this.cash -= sign * notional + commission;
    const q = (this.book.get(o.symbol) ?? 0) + sign * shares;
    if (q === 0) this.book.delete(o.symbol);
    else this.book.set(o.symbol, q);
    const f: Fill = {
      ...base,
      shares,
      reference: ref,
      price,
      notional,
      commission,
      slippage,
      status: shares < o.shares ? "partial" : "filled",
      reason,
    };
    this.done.push(f);
    return f;
  }
}
