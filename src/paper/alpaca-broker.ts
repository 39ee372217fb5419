/**
 * A `Broker` over Alpaca's Trading API v2 (paper by default): market day orders in whole shares,
 * the account, the positions and the market clock. See docs/brokers.md for the setup.
 *
 * API facts used here (Alpaca reference, https://docs.alpaca.markets/reference/):
 *   auth        headers APCA-API-KEY-ID / APCA-API-SECRET-KEY; 401 when they are not accepted
 *               (https://alpaca.markets/learn/how-to-fix-common-trading-api-errors-at-alpaca)
 *   orders      POST /v2/orders {symbol, qty, side, type, time_in_force, client_order_id}
 *               (https://docs.alpaca.markets/reference/postorder); client_order_id ≤ 48 characters
 *               and unique per account: a second order with the same id is refused with 422.
 *               403 when the account may not place it (buying power, shorting, permissions:
 *               https://docs.alpaca.markets/api-documentation/api-v2/ "Release Notes"), 422 when
 *               the parameters are invalid. Decimal fields (qty, filled_qty, filled_avg_price…)
 *               are JSON strings (https://docs.alpaca.markets/reference/orders, "Sample Order Object").
 *   order get   GET /v2/orders/{order_id}; GET /v2/orders:by_client_order_id?client_order_id=…
 *   cancel      DELETE /v2/orders/{order_id}: 204 when the cancel is accepted, 422 when the order is
 *               no longer cancelable (https://docs.alpaca.markets/reference/cancel-an-order-by-id)
 *   account     GET /v2/account: cash, equity = cash + long_market_value + short_market_value
 *               (short_market_value ≤ 0) (https://docs.alpaca.markets/reference/getaccount-1)
 *   positions   GET /v2/positions: symbol, qty, side (long/short), current_price, market_value
 *               (https://docs.alpaca.markets/docs/working-with-positions)
 *   clock       GET /v2/clock: timestamp, is_open, next_open, next_close
 *   rate limit  200 requests per minute per account; above it 429 "Too Many Requests"
 *               (https://alpaca.markets/support/usage-limit-api-calls/); responses carry
 *               X-Ratelimit-Reset (epoch seconds) (https://forum.alpaca.markets/t/executing-orders/12029)
 *
 * Credentials never leave the request headers: every message, hint, detail, fill reason and log
 * line this module produces passes through `redact`, which blanks the key id and the secret
 * (a server that echoes them back cannot leak them either), and no returned object holds them.
 */
import { StrataError, type StrataErrorCode } from "../core/errors.ts";
import type { Account, Broker, Fill, OrderRequest, Position } from "./broker.ts";

export const ALPACA_PAPER_URL = "https://paper-api.alpaca.markets";
const ALPACA_LIVE_HOST = "api.alpaca.markets";
/** Alpaca's limit on client_order_id (characters). */
const MAX_CLIENT_ORDER_ID = 48;

export interface AlpacaRetryPolicy {
  /** Retries after the first attempt, for 429, 5xx, timeouts and network errors (default 4). */
  retries?: number;
  /** Backoff before retry i (0-based) = min(baseDelayMs × 2^i, maxDelayMs), ms (defaults 500, 8 000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A 429 asking to wait longer than this (ms) is an error, not a wait (default 60 000). */
  maxRetryAfterMs?: number;
}

export interface AlpacaFillWait {
  /** How long one order may take to reach a final status before its remainder is cancelled, ms (default 60 000). */
  timeoutMs?: number;
  /** Interval between two status polls of an open order, ms (default 1 000). */
  pollMs?: number;
  /** Polls after a cancel request, waiting for the order to settle as canceled/filled (default 10). */
  cancelPolls?: number;
}

export interface AlpacaBrokerOptions {
  /** Trading API root (default https://paper-api.alpaca.markets). */
  baseUrl?: string;
  /** The live host api.alpaca.markets trades real money: refused unless this is true (default false). */
  allowLive?: boolean;
  /** Where APCA_API_KEY_ID / APCA_API_SECRET_KEY are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** HTTP client (default the global fetch). */
  fetch?: typeof fetch;
  /** Waits between retries and polls (default a timer); tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock in epoch ms, for Retry-After dates and X-Ratelimit-Reset (default Date.now). */
  now?: () => number;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
  retry?: AlpacaRetryPolicy;
  fillWait?: AlpacaFillWait;
  /**
   * "require" (default): submit() reads GET /v2/clock first and, when the market is closed,
   * rejects every order without sending it (a day order sent after the close would wait for the
   * next session, beyond the fill wait). "ignore": send anyway.
   */
  marketHours?: "require" | "ignore";
  /**
   * The price a fill is measured against (the Fill's `reference`), e.g. the decision close or the
   * last trade when the order was sent. Default (or null): the fill price itself, so slippage is 0.
   */
  referencePrice?: (order: OrderRequest) => number | null | undefined;
  /** Receives one line per retry, wait, lookup and cancel (credentials redacted). Default: silent. */
  log?: (line: string) => void;
}

/** The market clock (GET /v2/clock); times as the ISO strings Alpaca sends. */
export interface AlpacaClock {
  timestamp: string;
  isOpen: boolean;
  nextOpen: string;
  nextClose: string;
}

/** The fields of Alpaca's order object this adapter reads. */
export interface AlpacaOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  side: string;
  qty: string | null;
  filled_qty: string;
  filled_avg_price: string | null;
  status: string;
  type?: string;
  time_in_force?: string;
}

export interface AlpacaBroker extends Broker {
  clock(): Promise<AlpacaClock>;
  /** The order Alpaca holds under this client_order_id (our order key), or null. */
  orderByKey(key: string): Promise<AlpacaOrder | null>;
}

/**
 * Statuses after which an order fills no further shares today. done_for_day and calculated end
 * the day's execution; "stopped" and the pending_* statuses may still fill
 * (https://docs.alpaca.markets/docs/orders-at-alpaca, "Order Lifecycle").
 */
const FINAL = new Set(["filled", "canceled", "expired", "rejected", "replaced", "done_for_day", "calculated"]);
/** Final statuses an order can end in with nothing filled: its key is spent for a rerun of the day. */
const UNFILLED_END = new Set(["canceled", "expired", "rejected"]);
/** Attempt keys `<key>~1` … `<key>~9` after the first. */
const MAX_ATTEMPT_KEYS = 9;
const SPENT = Symbol("spent");

interface HttpResult {
  status: number;
  body: unknown;
  headers: Headers;
}

interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  /**
   * For POST /v2/orders: a 5xx, a timeout or a network error leaves it unknown whether Alpaca
   * created the order. Before any retry this is asked; a result it returns (the order found by
   * client_order_id) ends the call instead of a second POST.
   */
  beforeRetry?: () => Promise<HttpResult | null>;
}

class TransportError extends Error {}

/** An Alpaca order answer as a number (decimals arrive as strings); NaN when absent. */
function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return Number.NaN;
}

function messageOf(body: unknown): string {
  if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string")
    return (body as { message: string }).message;
  if (typeof body === "string" && body.trim()) return body.trim().slice(0, 300);
  return "no message";
}

/**
 * The Alpaca broker (see the file comment). Long on purpose (~460 lines): the credentials live
 * only in this closure — never on an object that inspect(), JSON or an error could print (tested
 * against a server that echoes them) — and every request, retry, error and fill helper below
 * needs them, directly or through `redact`; split into module functions, each would take the
 * secret as a parameter and the guarantee would rest on every caller.
 */
export function createAlpacaBroker(options: AlpacaBrokerOptions = {}): AlpacaBroker {
  const env = options.env ?? process.env;
  // The credentials live only in this closure: not on the returned object, not in any message.
  const keyId = env.APCA_API_KEY_ID ?? "";
  const secret = env.APCA_API_SECRET_KEY ?? "";
  const redact = (s: string): string => {
    let out = s;
    for (const k of [secret, keyId]) if (k) out = out.split(k).join("[redacted]");
    return out;
  };
  const fail = (code: StrataErrorCode, message: string, hint?: string, details?: Record<string, unknown>) =>
    new StrataError(code, redact(message), {
      hint: hint === undefined ? undefined : redact(hint),
      details: details === undefined ? undefined : JSON.parse(redact(JSON.stringify(details))),
    });
  const credentialsHint =
    "set APCA_API_KEY_ID and APCA_API_SECRET_KEY to the key pair of the Alpaca paper account " +
    "(paper and live keys differ; paper keys work only with https://paper-api.alpaca.markets)";

  const missing = [!keyId && "APCA_API_KEY_ID", !secret && "APCA_API_SECRET_KEY"].filter(Boolean);
  if (missing.length)
    throw fail(
      "ARGUMENT",
      `Alpaca broker: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set`,
      credentialsHint,
    );

  const base = (options.baseUrl ?? ALPACA_PAPER_URL).replace(/\/+$/, "");
  let host: string;
  try {
    const u = new URL(base);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    host = u.hostname;
  } catch {
    throw fail("ARGUMENT", `Alpaca broker: baseUrl '${base}' is not an http(s) URL`, `use ${ALPACA_PAPER_URL}`);
  }
  if (host === ALPACA_LIVE_HOST && !options.allowLive)
    throw fail(
      "ARGUMENT",
      `Alpaca broker: baseUrl ${base} is the live trading API (real money)`,
      `use ${ALPACA_PAPER_URL} for paper trading, or pass allowLive: true on purpose`,
    );

  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const log = (line: string) => options.log?.(redact(line));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retry?.retries ?? 4;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 60_000;
  const pollMs = options.fillWait?.pollMs ?? 1_000;
  const fillTimeoutMs = options.fillWait?.timeoutMs ?? 60_000;
  // The wait is counted in polls, not wall time, so an injected no-op sleep cannot spin.
  const maxPolls = Math.max(0, Math.ceil(fillTimeoutMs / Math.max(1, pollMs)));
  const cancelPolls = options.fillWait?.cancelPolls ?? 10;
  const marketHours = options.marketHours ?? "require";
  for (const [k, v] of Object.entries({ timeoutMs, retries, baseDelayMs, maxDelayMs, maxRetryAfterMs, pollMs }))
    if (!(v >= 0) || !Number.isFinite(v))
      throw fail("ARGUMENT", `Alpaca broker: ${k} = ${v}, expected a finite number ≥ 0`);

  const rateHint = "Alpaca allows 200 requests a minute per account; wait a minute and rerun";
  const backoff = (attempt: number) => Math.min(baseDelayMs * 2 ** attempt, maxDelayMs);

  /** ms to wait after a 429: Retry-After (seconds or an HTTP date), else X-Ratelimit-Reset (epoch s), else null. */
  const retryAfterMs = (h: Headers): number | null => {
    const ra = h.get("retry-after");
    if (ra !== null && ra.trim() !== "") {
      const s = Number(ra);
      if (Number.isFinite(s)) return Math.max(0, Math.round(s * 1000));
      const at = Date.parse(ra);
      if (Number.isFinite(at)) return Math.max(0, at - now());
    }
    const reset = Number(h.get("x-ratelimit-reset") ?? Number.NaN);
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now());
    return null;
  };

  /** One HTTP exchange within the timeout; a network failure or timeout is a TransportError. */
  const send = async (method: string, path: string, o: CallOptions): Promise<HttpResult> => {
    const qs = o.query ? `?${new URLSearchParams(o.query).toString()}` : "";
    const headers: Record<string, string> = {
      "APCA-API-KEY-ID": keyId,
      "APCA-API-SECRET-KEY": secret,
      Accept: "application/json",
    };
    if (o.body !== undefined) headers["Content-Type"] = "application/json";
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await doFetch(`${base}${path}${qs}`, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: ctl.signal,
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (a proxy's error page): kept as text for the message
      }
      return { status: res.status, body, headers: res.headers };
    } catch (e) {
      if (ctl.signal.aborted) throw new TransportError(`timed out after ${timeoutMs} ms`);
      // fetch's TypeError("fetch failed") names the cause (ECONNREFUSED…) in e.cause; it never holds headers.
      const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
      throw new TransportError(`network error: ${String(why)}`);
    } finally {
      clearTimeout(timer);
    }
  };

  /** A request with the retry policy: 429 waits as told, 5xx / timeouts / network errors back off. */
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<HttpResult> => {
    const what = `${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      let r: HttpResult | null = null;
      let problem = "";
      try {
        r = await send(method, path, o);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        problem = e.message;
      }
      if (r !== null) {
        if (r.status === 429) {
          const wait = retryAfterMs(r.headers);
          if (attempt >= retries)
            throw fail("DATA", `Alpaca: ${what} still rate limited (429) after ${retries} retries`, rateHint);
          if (wait !== null && wait > maxRetryAfterMs)
            throw fail(
              "DATA",
              `Alpaca: ${what} rate limited (429); it asks to wait ${Math.ceil(wait / 1000)} s, ` +
                `more than the ${maxRetryAfterMs / 1000} s allowed`,
              rateHint,
            );
          const ms = wait ?? backoff(attempt);
          log(`alpaca: ${what} rate limited (429); retry ${attempt + 1}/${retries} in ${ms} ms`);
          await sleep(ms);
          // A 429 was refused before processing: resending cannot duplicate an order.
          continue;
        }
        if (r.status < 500) return r;
        problem = `HTTP ${r.status} (${messageOf(r.body)})`;
      }
      if (attempt >= retries)
        throw fail(
          "DATA",
          `Alpaca: ${what} failed after ${retries + 1} attempts: ${problem}`,
          "Alpaca's service is unreachable or failing (https://status.alpaca.markets); rerun later — " +
            "orders already placed are found again by their key, not sent twice",
          { method, path, attempts: retries + 1 },
        );
      const ms = backoff(attempt);
      log(`alpaca: ${what}: ${problem}; retry ${attempt + 1}/${retries} in ${ms} ms`);
      await sleep(ms);
      if (o.beforeRetry) {
        const found = await o.beforeRetry();
        if (found) return found;
      }
    }
  };
  /** Throws the error for a status that means the credentials or permissions are wrong. */
  const authError = (what: string, r: HttpResult): StrataError => {
    const m = messageOf(r.body);
    if (r.status === 401) return fail("ARGUMENT", `Alpaca refused the API key on ${what} (401: ${m})`, credentialsHint);
    return fail(
      "ARGUMENT",
      `Alpaca forbade ${what} (403: ${m})`,
      "the key pair was accepted but may not do this: check that the account is ACTIVE and not blocked in " +
        "the Alpaca dashboard, and that the keys belong to the environment of baseUrl (paper vs live)",
    );
  };
  const unexpected = (what: string, r: HttpResult) =>
    fail("DATA", `Alpaca: unexpected answer to ${what}: HTTP ${r.status} (${messageOf(r.body)})`, undefined, {
      status: r.status,
    });

  /** GET returning the JSON body; 401/403 and other non-2xx are errors. */
  const getJson = async (path: string, query?: Record<string, string>): Promise<unknown> => {
    const what = `GET ${path}`;
    const r = await call("GET", path, { query });
    if (r.status === 401 || r.status === 403) throw authError(what, r);
    if (r.status < 200 || r.status >= 300) throw unexpected(what, r);
    return r.body;
  };

  const asOrder = (what: string, body: unknown): AlpacaOrder => {
    const o = body as Partial<AlpacaOrder> | null;
    if (!o || typeof o !== "object" || typeof o.id !== "string" || typeof o.status !== "string")
      throw fail("DATA", `Alpaca: ${what} did not return an order object`);
    return o as AlpacaOrder;
  };

  const orderByKey = async (key: string): Promise<AlpacaOrder | null> => {
    const path = "/v2/orders:by_client_order_id";
    const r = await call("GET", path, { query: { client_order_id: key } });
    if (r.status === 404) return null;
    if (r.status === 401 || r.status === 403) throw authError(`GET ${path}`, r);
    if (r.status < 200 || r.status >= 300) throw unexpected(`GET ${path}`, r);
    return asOrder(`GET ${path}`, r.body);
  };

  const orderById = async (id: string): Promise<AlpacaOrder> =>
    asOrder("GET /v2/orders/{id}", await getJson(`/v2/orders/${encodeURIComponent(id)}`));

  const clock = async (): Promise<AlpacaClock> => {
    const c = (await getJson("/v2/clock")) as Record<string, unknown> | null;
    if (!c || typeof c.is_open !== "boolean") throw fail("DATA", "Alpaca: GET /v2/clock did not return a clock");
    return {
      timestamp: String(c.timestamp),
      isOpen: c.is_open,
      nextOpen: String(c.next_open),
      nextClose: String(c.next_close),
    };
  };

  const done: Fill[] = [];
  const record = (f: Fill): Fill => {
    // Resubmitting a key returns the same order's fill: keep one entry per key, the latest.
    const i = done.findIndex((d) => d.key === f.key);
    if (i >= 0) done[i] = f;
    else done.push(f);
    return f;
  };

  const rejected = (o: OrderRequest, reason: string): Fill =>
    record({
      key: o.key,
      symbol: o.symbol,
      side: o.side,
      requested: o.shares,
      shares: 0,
      reference: Number.NaN,
      price: Number.NaN,
      notional: 0,
      commission: 0,
      slippage: 0,
      status: "rejected",
      reason: redact(reason),
    });

  /** The Fill of an order that fills no further: filled, partial (the rest cancelled) or rejected. */
  const toFill = (o: OrderRequest, a: AlpacaOrder, note: string | null): Fill => {
    const filled = num(a.filled_qty);
    const shares = Number.isFinite(filled) ? filled : 0;
    if (shares <= 0) {
      const why =
        a.status === "rejected"
          ? `Alpaca rejected the order (status rejected)`
          : `nothing filled (Alpaca status ${a.status})`;
      return rejected(o, note ? `${why}; ${note}` : why);
    }
    const price = num(a.filled_avg_price);
    if (!(price > 0))
      throw fail("DATA", `Alpaca: order ${a.id} (${o.key}) filled ${shares} shares without a filled_avg_price`);
    const given = options.referencePrice?.(o);
    const reference = given != null && given > 0 && Number.isFinite(given) ? given : price;
    const sign = o.side === "buy" ? 1 : -1;
    const partial = shares < o.shares;
    const reason = partial
      ? `partial: ${shares} of ${o.shares} shares filled (Alpaca status ${a.status}); ${o.shares - shares} cancelled` +
        (note ? `; ${note}` : "")
      : null;
    return record({
      key: o.key,
      symbol: o.symbol,
      side: o.side,
      requested: o.shares,
      shares,
      reference,
      price,
      notional: shares * price,
      // Alpaca charges no commission on API stock trades; paper accounts book none.
      commission: 0,
      // Signed cost against the reference: > 0 paid more (buy) / received less (sell), < 0 an improvement.
      slippage: sign * shares * (price - reference),
      status: partial ? "partial" : "filled",
      reason: reason === null ? null : redact(reason),
    });
  };

  /** Polls until the order is final; past the fill wait, cancels it and reports what filled. */
  const settle = async (o: OrderRequest, first: AlpacaOrder): Promise<Fill> => {
    let a = first;
    for (let poll = 0; !FINAL.has(a.status) && poll < maxPolls; poll++) {
      await sleep(pollMs);
      a = await orderById(a.id);
    }
    if (FINAL.has(a.status)) return toFill(o, a, null);
    // The deadline passed with the order open: cancel the remainder (a later fill of it would
    // trade against a target the next decision no longer has, as in the simulated broker).
    log(`alpaca: order ${o.key} still ${a.status} after ${fillTimeoutMs} ms; cancelling the remainder`);
    const path = `/v2/orders/${encodeURIComponent(a.id)}`;
    const r = await call("DELETE", path);
    if (r.status === 401 || r.status === 403) throw authError(`DELETE ${path}`, r);
    // 204: cancel accepted; 422: no longer cancelable (it filled meanwhile); 404: gone. Re-read in all cases.
    if (r.status !== 204 && r.status !== 200 && r.status !== 422 && r.status !== 404)
      throw unexpected(`DELETE ${path}`, r);
    a = await orderById(a.id);
    for (let poll = 0; !FINAL.has(a.status) && poll < cancelPolls; poll++) {
      await sleep(pollMs);
      a = await orderById(a.id);
    }
    const waited = `not final within the ${fillTimeoutMs / 1000} s fill wait; the remainder was cancelled`;
    if (!FINAL.has(a.status)) {
      // Cancel still pending: report what has filled so far; Alpaca may still fill or cancel the rest.
      return toFill(o, a, `${waited}, but the cancel was still ${a.status} (check order ${a.id} at Alpaca)`);
    }
    return toFill(o, a, a.status === "filled" ? null : waited);
  };

  /** The existing order under o.key, as the order o asks for, or a rejection naming the clash. */
  const adopt = (o: OrderRequest, a: AlpacaOrder): AlpacaOrder | string => {
    if (a.symbol !== o.symbol || a.side !== o.side || num(a.qty) !== o.shares)
      return (
        `the key ${o.key} already names a different order at Alpaca (${a.side} ${a.qty} ${a.symbol}, ` +
        `id ${a.id}); nothing sent`
      );
    return a;
  };

  /**
   * One order, under the ledger's key as client_order_id. A key can hold one order at Alpaca for
   * ever, so a day rerun after an attempt whose orders all ended unfilled (rejected after being
   * accepted, cancelled, expired: the day was not recorded) would find every key spent. Such a
   * key passes to the next attempt key, `<key>~1` … `<key>~9`, looked up the same way: an order
   * that filled or still works under one of them is adopted, never sent twice.
   */
  const submitOne = async (o: OrderRequest): Promise<Fill> => {
    for (let attempt = 0; ; attempt++) {
      const key = attempt === 0 ? o.key : `${o.key}~${attempt}`;
      const out = await submitUnder(o, key);
      if (out !== SPENT) return out;
      const next = `${o.key}~${attempt + 1}`;
      if (attempt + 1 > MAX_ATTEMPT_KEYS || next.length > MAX_CLIENT_ORDER_ID)
        return rejected(
          o,
          `every client_order_id for ${o.key} (up to ${key}) holds an order that ended unfilled at Alpaca; nothing sent`,
        );
      log(`alpaca: order ${key} ended unfilled in an earlier attempt of the day; sending it as ${next}`);
    }
  };

  const submitUnder = async (o: OrderRequest, key: string): Promise<Fill | typeof SPENT> => {
    const path = "/v2/orders";
    const body = {
      symbol: o.symbol,
      qty: String(o.shares),
      side: o.side,
      type: "market",
      time_in_force: "day",
      client_order_id: key,
    };
    const r = await call("POST", path, {
      body,
      beforeRetry: async () => {
        // The failed POST may have created the order: find it by its key before sending again.
        const found = await orderByKey(key);
        if (found) {
          log(`alpaca: order ${key} was created despite the failed response; continuing with ${found.id}`);
          return { status: 200, body: found, headers: new Headers() };
        }
        return null;
      },
    });
    if (r.status === 401) throw authError(`POST ${path}`, r);
    if (r.status === 403) {
      // Buying power, shorting or permissions: this order is refused, the others may pass.
      return rejected(o, `Alpaca refused the order (403): ${messageOf(r.body)}`);
    }
    let order: AlpacaOrder;
    if (r.status === 422) {
      // Either invalid, or the key exists already (a rerun after a crash between submit and
      // record): look the key up; an order under it is this order, never a second one.
      const existing = await orderByKey(key);
      if (!existing) return rejected(o, `Alpaca refused the order as invalid (422): ${messageOf(r.body)}`);
      const spent = UNFILLED_END.has(existing.status) && !(num(existing.filled_qty) > 0);
      if (spent && adopt(o, existing) === existing) return SPENT;
      log(`alpaca: order ${key} exists already (${existing.id}, ${existing.status}); not sent again`);
      const a = adopt(o, existing);
      if (typeof a === "string") return rejected(o, a);
      order = a;
    } else if (r.status >= 200 && r.status < 300) {
      // A fresh order, or the one the retry found under the key: either way it must be the order asked for.
      const a = adopt(o, asOrder(`POST ${path}`, r.body));
      if (typeof a === "string") return rejected(o, a);
      order = a;
    } else {
      throw unexpected(`POST ${path}`, r);
    }
    return settle(o, order);
  };

  return {
    async account(): Promise<Account> {
      const a = (await getJson("/v2/account")) as Record<string, unknown> | null;
      const cash = num(a?.cash);
      const long = num(a?.long_market_value);
      const short = num(a?.short_market_value);
      if (![cash, long, short].every(Number.isFinite))
        throw fail("DATA", "Alpaca: GET /v2/account lacks cash, long_market_value or short_market_value");
      // short_market_value is ≤ 0, so this is the signed book value, as in the simulated broker.
      const positionsValue = long + short;
      const equity = cash + positionsValue;
      const theirs = num(a?.equity);
      if (Number.isFinite(theirs) && Math.abs(theirs - equity) > 0.01)
        log(`alpaca: account equity ${theirs} differs from cash + market values ${equity.toFixed(2)}`);
      return { cash, positionsValue, equity };
    },

    async positions(): Promise<Position[]> {
      const list = await getJson("/v2/positions");
      if (!Array.isArray(list)) throw fail("DATA", "Alpaca: GET /v2/positions did not return a list");
      const out: Position[] = [];
      for (const p of list as Array<Record<string, unknown>>) {
        const symbol = String(p.symbol);
        const qty = num(p.qty);
        if (!Number.isFinite(qty)) throw fail("DATA", `Alpaca: position ${symbol} has no numeric qty`);
        if (!Number.isInteger(qty))
          throw fail(
            "DATA",
            `Alpaca: the account holds ${qty} shares of ${symbol}, a fractional position`,
            "paper trading works in whole shares: close the fractional part in the Alpaca dashboard, " +
              "or use a paper account that only this workbench trades",
          );
        // Short positions: side "short" (qty is reported negative; the sign is forced either way).
        const shares = p.side === "short" ? -Math.abs(qty) : qty;
        const price = num(p.current_price);
        const mv = num(p.market_value);
        out.push({ symbol, shares, price, value: Number.isFinite(mv) ? mv : shares * price });
      }
      return out.sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0));
    },

    async submit(orders: readonly OrderRequest[]): Promise<Fill[]> {
      // Check every order before sending any: a malformed list sends nothing.
      for (const o of orders) {
        if (!Number.isInteger(o.shares) || o.shares <= 0)
          throw fail(
            "ARGUMENT",
            `Alpaca broker: order ${o.key} asks for ${o.shares} shares of ${o.symbol}, expected a whole number > 0`,
          );
        const side: string = o.side;
        if (side !== "buy" && side !== "sell")
          throw fail("ARGUMENT", `Alpaca broker: order ${o.key} has side '${o.side}', expected buy or sell`);
        if (!o.key || o.key.length > MAX_CLIENT_ORDER_ID)
          throw fail(
            "ARGUMENT",
            `Alpaca broker: order key '${o.key}' has ${o.key.length} characters; ` +
              `Alpaca's client_order_id takes 1 to ${MAX_CLIENT_ORDER_ID}`,
            "shorten the key (trades.ts orderKey)",
          );
      }
      if (orders.length === 0) return [];
      if (marketHours === "require") {
        const c = await clock();
        if (!c.isOpen) {
          log(`alpaca: market closed at ${c.timestamp}; no order sent`);
          return orders.map((o) =>
            rejected(o, `market closed at ${c.timestamp} (next open ${c.nextOpen}); nothing sent to Alpaca`),
          );
        }
      }
      // One at a time, in the given order (the cycle sends sells first): a sell's proceeds count
      // toward buying power only once it has filled (https://alpaca.markets/docs/trading-on-alpaca/orders/,
      // "Buying Power"), so each order settles before the next is sent.
      const out: Fill[] = [];
      for (const o of orders) out.push(await submitOne(o));
      return out;
    },

    async fills(): Promise<Fill[]> {
      return [...done];
    },

    clock,
    orderByKey,
  };
}
