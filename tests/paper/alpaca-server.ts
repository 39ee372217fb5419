/**
 * A stand-in for Alpaca's Trading API v2 on loopback (node:http, port 0), holding its state in
 * memory: the endpoints the Alpaca adapter calls, with the documented contract (see the header of
 * src/paper/alpaca-broker.ts for the sources) — auth by the APCA-API-KEY-ID / APCA-API-SECRET-KEY
 * headers (401), market day orders with a client_order_id unique per account (422 on a
 * duplicate), 403 on insufficient buying power, 422 on invalid parameters, order lookup by id
 * and by client_order_id (404 when unknown), cancel (204, or 422 when no longer cancelable),
 * account and positions updated by fills, and the market clock. Decimals are sent as strings,
 * as Alpaca does.
 *
 * Behaviours a test sets: forced answers for the next k requests (429 with Retry-After, 5xx…),
 * a POST that creates the order and then answers 5xx (the response "lost"), delayed answers
 * (timeouts), per-symbol fills (partial, late after p polls, rejected after acceptance), and
 * error messages that echo the credentials back (to test that the adapter redacts them).
 *
 * Fill model: a new order is "accepted"; the first read of it (GET by id or by client id)
 * fills it at the symbol's price, unless the symbol's behaviour says otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  side: "buy" | "sell";
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  status: string;
  type: "market";
  time_in_force: "day";
  order_class: "";
  created_at: string;
  updated_at: string;
}

export interface SymbolBehaviour {
  /** Fill only this many shares; the order then stays partially_filled until cancelled. */
  partialQty?: number;
  /** The order stays "new" for this many reads, then fills. */
  fillAfterPolls?: number;
  /** Accepted, then rejected by the venue on the first read (nothing fills). */
  rejectAfterAccept?: boolean;
}

export interface ForcedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

type Match = (method: string, path: string) => boolean;

export interface FakeAlpacaOptions {
  keyId: string;
  secret: string;
  /** Starting cash (default 100 000); buying power = cash (a 1× account). */
  cash?: number;
  /** Last prices, by symbol; a symbol without a price is an unknown asset (422). */
  prices?: Record<string, number>;
  /** Initial positions, signed shares by symbol. */
  positions?: Record<string, number>;
  marketOpen?: boolean;
  /** The exchange's date the clock reports (New York time; default 2024-06-03). */
  today?: string;
}

/** Statuses after which an order changes no more. */
const FINAL = new Set(["filled", "canceled", "expired", "rejected", "replaced", "done_for_day", "calculated"]);

export class FakeAlpaca {
  url = "";
  cash: number;
  readonly prices: Map<string, number>;
  readonly held = new Map<string, number>();
  marketOpen: boolean;
  /** The exchange's date GET /v2/clock reports (YYYY-MM-DD, New York time). */
  today: string;
  /** When true every error message ends with the credentials the request carried. */
  echoSecretInErrors = false;
  readonly behaviours = new Map<string, SymbolBehaviour>();
  readonly orders = new Map<string, FakeOrder>();
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  private readonly byClientId = new Map<string, string>();
  private readonly pollsLeft = new Map<string, number>();
  private readonly forced: Array<{ match: Match; answer: ForcedAnswer; left: number }> = [];
  private readonly delays: Array<{ match: Match; ms: number; left: number }> = [];
  private commitThenFail = { left: 0, status: 500 };
  private nextId = 1;
  private server: Server | null = null;
  private readonly keyId: string;
  private readonly secret: string;

  constructor(opts: FakeAlpacaOptions) {
    this.keyId = opts.keyId;
    this.secret = opts.secret;
    this.cash = opts.cash ?? 100_000;
    this.prices = new Map(Object.entries(opts.prices ?? {}));
    for (const [s, q] of Object.entries(opts.positions ?? {})) if (q !== 0) this.held.set(s, q);
    this.marketOpen = opts.marketOpen ?? true;
    this.today = opts.today ?? "2024-06-03";
  }

  /** The next `count` requests matching `match` (default: any) get `answer` instead of being served. */
  failNext(count: number, answer: ForcedAnswer, match: Match = () => true): void {
    this.forced.push({ match, answer, left: count });
  }

  /** The next `count` matching requests are answered after `ms` (served normally, just late). */
  delayNext(count: number, ms: number, match: Match = () => true): void {
    this.delays.push({ match, ms, left: count });
  }

  /** The next `count` valid order POSTs create the order, then answer `status` (the response is lost). */
  commitThenFailPosts(count: number, status = 500): void {
    this.commitThenFail = { left: count, status };
  }

  /** Orders under a client_order_id (0 or 1 — the contract). */
  ordersWithKey(key: string): FakeOrder[] {
    return [...this.orders.values()].filter((o) => o.client_order_id === key);
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path.split("?")[0] === path).length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ message: `fake server bug: ${(e as Error).message}` }));
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((ok) => s.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const gotKey = String(req.headers["apca-api-key-id"] ?? "");
    const gotSecret = String(req.headers["apca-api-secret-key"] ?? "");
    const echo = this.echoSecretInErrors ? ` (request had key ${gotKey}, secret ${gotSecret})` : "";

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: path + url.search, status });
      if (!res.writable) return;
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string, extra: Record<string, unknown> = {}) =>
      send(status, { code, message: message + echo, ...extra });

    const delay = this.take(this.delays, method, path);
    if (delay) await new Promise((r) => setTimeout(r, delay.ms));

    if (gotKey !== this.keyId || gotSecret !== this.secret) return error(401, 40110000, "request is not authorized");

    const forced = this.take(this.forced, method, path);
    if (forced) {
      const a = forced.answer;
      const body =
        a.body ?? (a.status >= 500 ? { code: 50010000, message: "internal server error" } : { message: "forced" });
      if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string")
        (body as { message: string }).message += echo;
      return send(a.status, body, a.headers);
    }

    if (method === "GET" && path === "/v2/account") return send(200, this.account());
    if (method === "GET" && path === "/v2/positions") return send(200, this.positions());
    if (method === "GET" && path === "/v2/clock") return send(200, this.clock());
    if (method === "POST" && path === "/v2/orders") return this.postOrder(raw, send, error);
    if (method === "GET" && path === "/v2/orders:by_client_order_id") {
      const id = this.byClientId.get(url.searchParams.get("client_order_id") ?? "");
      if (!id) return error(404, 40410000, "order not found");
      return send(200, this.read(id));
    }
    const m = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const id = decodeURIComponent(m[1]);
      if (!this.orders.has(id)) return error(404, 40410000, "order not found");
      return send(200, this.read(id));
    }
    if (m && method === "DELETE") {
      const o = this.orders.get(decodeURIComponent(m[1]));
      if (!o) return error(404, 40410000, "order not found");
      if (FINAL.has(o.status)) return error(422, 42210000, `order is not cancelable (status ${o.status})`);
      o.status = "canceled";
      o.updated_at = new Date().toISOString();
      return send(204, undefined);
    }
    return error(404, 40400000, "endpoint not found");
  }

  private take<T extends { match: Match; left: number }>(list: T[], method: string, path: string): T | null {
    const hit = list.find((f) => f.left > 0 && f.match(method, path));
    if (!hit) return null;
    hit.left--;
    return hit;
  }

  private postOrder(
    raw: string,
    send: (status: number, body: unknown) => void,
    error: (status: number, code: number, message: string, extra?: Record<string, unknown>) => void,
  ): void {
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(raw);
    } catch {
      return error(400, 40010000, "request body format is invalid");
    }
    const symbol = String(b.symbol ?? "");
    const qty = Number(b.qty);
    const side = b.side;
    const cid = typeof b.client_order_id === "string" ? b.client_order_id : `auto-${this.nextId}`;
    if (!this.prices.has(symbol)) return error(422, 40010001, `asset not found: ${symbol}`);
    if (!(Number.isInteger(qty) && qty > 0)) return error(422, 40010001, "qty must be a whole number > 0");
    if (side !== "buy" && side !== "sell") return error(422, 40010001, "invalid side");
    if (b.type !== "market") return error(422, 40010001, "invalid order type");
    if (b.time_in_force !== "day") return error(422, 40010001, "invalid time_in_force");
    if (cid.length > 48) return error(422, 40010001, "client_order_id must be no more than 48 characters");
    if (this.byClientId.has(cid)) return error(422, 40010001, "client_order_id must be unique");
    const price = this.prices.get(symbol)!;
    if (side === "buy" && qty * price > this.cash)
      return error(403, 40310000, "insufficient buying power", {
        buying_power: this.cash.toFixed(2),
        cost_basis: (qty * price).toFixed(2),
      });
    const now = new Date().toISOString();
    const id = `ord-${String(this.nextId++).padStart(6, "0")}`;
    const o: FakeOrder = {
      id,
      client_order_id: cid,
      symbol,
      side,
      qty: String(qty),
      filled_qty: "0",
      filled_avg_price: null,
      status: "accepted",
      type: "market",
      time_in_force: "day",
      order_class: "",
      created_at: now,
      updated_at: now,
    };
    this.orders.set(id, o);
    this.byClientId.set(cid, id);
    this.pollsLeft.set(id, this.behaviours.get(symbol)?.fillAfterPolls ?? 0);
    if (this.commitThenFail.left > 0) {
      this.commitThenFail.left--;
      return error(this.commitThenFail.status, 50010000, "internal server error");
    }
    send(200, { ...o });
  }

  /** A read of an order: time passes for it (it may fill), then its current state. */
  private read(id: string): FakeOrder {
    const o = this.orders.get(id)!;
    if (o.status === "accepted" || o.status === "new") {
      const left = this.pollsLeft.get(id) ?? 0;
      if (left > 0) {
        this.pollsLeft.set(id, left - 1);
        o.status = "new";
      } else {
        this.execute(o);
      }
    }
    return { ...o };
  }

  private execute(o: FakeOrder): void {
    const b = this.behaviours.get(o.symbol) ?? {};
    o.updated_at = new Date().toISOString();
    if (b.rejectAfterAccept) {
      o.status = "rejected";
      return;
    }
    const qty = Number(o.qty);
    const fill = Math.min(qty, b.partialQty ?? qty);
    const price = this.prices.get(o.symbol)!;
    const sign = o.side === "buy" ? 1 : -1;
    this.cash -= sign * fill * price;
    const q = (this.held.get(o.symbol) ?? 0) + sign * fill;
    if (q === 0) this.held.delete(o.symbol);
    else this.held.set(o.symbol, q);
    o.filled_qty = String(fill);
    o.filled_avg_price = price.toFixed(4);
    o.status = fill < qty ? "partially_filled" : "filled";
  }

  private account(): Record<string, unknown> {
    let long = 0,
      short = 0;
    for (const [s, q] of this.held) {
      const v = q * this.prices.get(s)!;
      if (q > 0) long += v;
      else short += v;
    }
    const equity = this.cash + long + short;
    return {
      id: "acct-0001",
      account_number: "PA0000001",
      status: "ACTIVE",
      currency: "USD",
      cash: this.cash.toFixed(2),
      buying_power: this.cash.toFixed(2),
      long_market_value: long.toFixed(2),
      short_market_value: short.toFixed(2),
      equity: equity.toFixed(2),
      portfolio_value: equity.toFixed(2),
      multiplier: "1",
      trading_blocked: false,
      account_blocked: false,
      shorting_enabled: true,
    };
  }

  private positions(): Array<Record<string, unknown>> {
    return [...this.held].map(([symbol, q]) => {
      const p = this.prices.get(symbol)!;
      return {
        symbol,
        asset_class: "us_equity",
        qty: String(q),
        side: q > 0 ? "long" : "short",
        current_price: p.toFixed(4),
        market_value: (q * p).toFixed(2),
        avg_entry_price: p.toFixed(4),
      };
    });
  }

  private clock(): Record<string, unknown> {
    return {
      timestamp: `${this.today}T10:00:00-04:00`,
      is_open: this.marketOpen,
      next_open: `${nextWeekday(this.today)}T09:30:00-04:00`,
      next_close: `${this.today}T16:00:00-04:00`,
    };
  }
}

/** The weekday after `day` (YYYY-MM-DD): the next open of the stand-in's clock. */
function nextWeekday(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d.toISOString().slice(0, 10);
}
