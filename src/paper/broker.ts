/**
 * What the daily cycle needs from a broker: the account, the positions, order submission and
 * the fills. The simulated broker (sim-broker.ts) implements it over daily bars, the Alpaca
 * adapter (alpaca-broker.ts) over Alpaca's paper-trading REST API.
 */

export type Side = "buy" | "sell";

/** An order in whole shares. `key` is the idempotency key: a broker must not fill the same key twice. */
export interface OrderRequest {
  key: string;
  symbol: string;
  side: Side;
  /** Whole shares, > 0. */
  shares: number;
}

export type FillStatus = "filled" | "partial" | "rejected";

export interface Fill {
  key: string;
  symbol: string;
  side: Side;
  /** Shares asked for and shares filled (0 when rejected); the rest is cancelled. */
  requested: number;
  shares: number;
  /** Bar price before slippage, and the price the shares were filled at (after slippage). */
  reference: number;
  price: number;
  /** shares × price (currency). */
  notional: number;
  /**
   * Commission charged (bps of notional + per share), and the slippage cost: shares × (price −
   * reference) for a buy, shares × (reference − price) for a sell — positive when the fill was
   * worse than the reference. The simulated broker always fills worse (≥ 0); a real broker's
   * price improvement is a negative cost (alpaca-broker.ts).
   */
  commission: number;
  slippage: number;
  status: FillStatus;
  /** Why an order was partial or rejected (null when filled in full). */
  reason: string | null;
}

export interface Position {
  symbol: string;
  /** Signed whole shares (negative = short). */
  shares: number;
  /** Last price it is valued at, and shares × price. */
  price: number;
  value: number;
}

export interface Account {
  cash: number;
  /** Σ position values at the last prices. */
  positionsValue: number;
  /** cash + positionsValue. */
  equity: number;
}

export interface Broker {
  account(): Promise<Account>;
  positions(): Promise<Position[]>;
  /** Submit orders; each order's outcome is one Fill (filled, partial or rejected). */
  submit(orders: readonly OrderRequest[]): Promise<Fill[]>;
  /** Every fill since the broker was opened, in submission order. */
  fills(): Promise<Fill[]>;
}
