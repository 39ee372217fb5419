/**
 * The Alpaca adapter against a local stand-in of Alpaca's Trading API v2 (alpaca-server.ts),
 * through real HTTP on loopback: fills, account and positions, every error path (401, 403,
 * 422, 429, 5xx, timeouts, network errors), partial fills with the cancel of the remainder,
 * idempotent resubmission after a crash, and that the credentials never appear in any message,
 * hint, detail, fill reason or log line.
 */
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isStrataError, type StrataError } from "../../src/core/errors.ts";
import type { OrderRequest } from "../../src/paper/broker.ts";
import { type AlpacaBrokerOptions, createAlpacaBroker } from "../../src/paper/alpaca-broker.ts";
import { FakeAlpaca } from "./alpaca-server.ts";

const KEY = "PKTEST0KEYID0A1B2C3D";
const SECRET = "sEcReT-0123456789-never-print-me-ZyXw";
const env = { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET };

let server: FakeAlpaca;

beforeEach(async () => {
  server = new FakeAlpaca({ keyId: KEY, secret: SECRET, cash: 100_000, prices: { AAA: 100, BBB: 50, CCC: 20 } });
  await server.start();
});
afterEach(async () => {
  await server.close();
});

/** A broker on the fake server; sleeps are recorded (and not waited), log lines collected. */
function open(extra: AlpacaBrokerOptions = {}) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const broker = createAlpacaBroker({
    baseUrl: server.url,
    env,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => logs.push(line),
    ...extra,
  });
  return { broker, sleeps, logs };
}

const order = (key: string, symbol: string, side: "buy" | "sell", shares: number): OrderRequest => ({
  key,
  symbol,
  side,
  shares,
});
const isGet = (path: string) => (m: string, p: string) => m === "GET" && p === path;
const isPost = (m: string, p: string) => m === "POST" && p === "/v2/orders";

async function caught(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    if (isStrataError(e)) return e;
    throw e;
  }
  throw new Error("expected a StrataError");
}

describe("Alpaca broker: fills, account, positions", () => {
  it("submits market day orders keyed by client_order_id, fills them, and the book reflects it", async () => {
    const { broker, sleeps } = open();
    const fills = await broker.submit([order("k-aaa", "AAA", "buy", 10), order("k-bbb", "BBB", "buy", 20)]);
    expect(fills).toEqual([
      {
        key: "k-aaa",
        symbol: "AAA",
        side: "buy",
        requested: 10,
        shares: 10,
        reference: 100,
        price: 100,
        notional: 1_000,
        commission: 0,
        slippage: 0,
        status: "filled",
        reason: null,
      },
      {
        key: "k-bbb",
        symbol: "BBB",
        side: "buy",
        requested: 20,
        shares: 20,
        reference: 50,
        price: 50,
        notional: 1_000,
        commission: 0,
        slippage: 0,
        status: "filled",
        reason: null,
      },
    ]);
    // What reached the server: one market day order per key, qty as a string.
    const [a] = server.ordersWithKey("k-aaa");
    expect(a).toMatchObject({ symbol: "AAA", side: "buy", qty: "10", type: "market", time_in_force: "day" });
    expect(server.count("GET", "/v2/clock")).toBe(1);
    // Each order is "accepted" when posted and filled at the first poll: one poll interval each.
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(await broker.positions()).toEqual([
      { symbol: "AAA", shares: 10, price: 100, value: 1_000 },
      { symbol: "BBB", shares: 20, price: 50, value: 1_000 },
    ]);
    // cash 100 000 − 2 000; positions 2 000; equity unchanged
    expect(await broker.account()).toEqual({ cash: 98_000, positionsValue: 2_000, equity: 100_000 });
    expect(await broker.fills()).toEqual(fills);
  });

  it("measures slippage against the given reference price, signed as a cost", async () => {
    server.held.set("BBB", 30);
    const ref = new Map([
      ["AAA", 99.5],
      ["BBB", 51],
    ]);
    const { broker } = open({ referencePrice: (o) => ref.get(o.symbol) });
    const [buy, sell] = await broker.submit([order("b", "AAA", "buy", 10), order("s", "BBB", "sell", 30)]);
    // buy 10 at 100 against 99.5: paid 0.5 more a share → cost +5
    expect(buy).toMatchObject({ reference: 99.5, price: 100, slippage: 5 });
    // sell 30 at 50 against 51: received 1 less a share → cost +30
    expect(sell).toMatchObject({ reference: 51, price: 50, slippage: 30 });
  });

  it("reads short positions as negative shares and values the book as cash + long + short", async () => {
    server.held.set("BBB", -10);
    const { broker } = open();
    expect(await broker.positions()).toEqual([{ symbol: "BBB", shares: -10, price: 50, value: -500 }]);
    expect(await broker.account()).toEqual({ cash: 100_000, positionsValue: -500, equity: 99_500 });
  });

  it("reads the market clock, and sends nothing while the market is closed", async () => {
    server.marketOpen = false;
    const { broker } = open();
    expect(await broker.clock()).toEqual({
      timestamp: "2024-06-03T10:00:00-04:00",
      isOpen: false,
      nextOpen: "2024-06-04T09:30:00-04:00",
      nextClose: "2024-06-03T16:00:00-04:00",
    });
    const fills = await broker.submit([order("k1", "AAA", "buy", 1), order("k2", "BBB", "buy", 1)]);
    expect(fills.map((f) => f.status)).toEqual(["rejected", "rejected"]);
    expect(fills[0].reason).toMatch(/market closed .*next open 2024-06-04T09:30/);
    expect(server.count("POST", "/v2/orders")).toBe(0);
  });

  it("checks every order before sending any: fractional shares, over-long keys", async () => {
    const { broker } = open();
    const e1 = await caught(broker.submit([order("ok", "AAA", "buy", 1), order("half", "AAA", "buy", 1.5)]));
    expect(e1.code).toBe("ARGUMENT");
    expect(e1.message).toMatch(/1\.5 shares/);
    const e2 = await caught(broker.submit([order("x".repeat(49), "AAA", "buy", 1)]));
    expect(e2.message).toMatch(/49 characters.*1 to 48/);
    expect(server.count("POST", "/v2/orders")).toBe(0);
  });
});

describe("Alpaca broker: errors", () => {
  it("401: a wrong key is a clear ARGUMENT error naming the variables to set", async () => {
    const { broker } = open({ env: { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: "wrong-secret-value-xyz" } });
    const e = await caught(broker.account());
    expect(e.code).toBe("ARGUMENT");
    expect(e.message).toMatch(/refused the API key on GET \/v2\/account \(401: request is not authorized\)/);
    expect(e.hint).toMatch(/set APCA_API_KEY_ID and APCA_API_SECRET_KEY/);
    // Orders too: the clock read before them fails the same way; nothing is posted.
    expect((await caught(broker.submit([order("k", "AAA", "buy", 1)]))).message).toMatch(/401/);
    expect(server.count("POST", "/v2/orders")).toBe(0);
  });

  it("missing credentials or the live host are refused when the broker is created", () => {
    expect(() => createAlpacaBroker({ baseUrl: server.url, env: {} })).toThrow(
      /APCA_API_KEY_ID and APCA_API_SECRET_KEY are not set/,
    );
    expect(() => createAlpacaBroker({ env, baseUrl: "https://api.alpaca.markets" })).toThrow(/live trading API/);
  });

  it("403 on an order (insufficient buying power) is that order's rejected fill; the others go through", async () => {
    server.cash = 3_000;
    const { broker } = open();
    const fills = await broker.submit([order("big", "AAA", "buy", 50), order("small", "BBB", "buy", 10)]);
    expect(fills[0]).toMatchObject({ key: "big", status: "rejected", shares: 0, notional: 0, commission: 0 });
    expect(fills[0].reason).toBe("Alpaca refused the order (403): insufficient buying power");
    expect(fills[1]).toMatchObject({ key: "small", status: "filled", shares: 10 });
    expect(server.ordersWithKey("big")).toEqual([]);
  });

  it("403 on the account is a clear error", async () => {
    server.failNext(1, { status: 403, body: { code: 40310000, message: "forbidden." } }, isGet("/v2/account"));
    const { broker } = open();
    const e = await caught(broker.account());
    expect(e.code).toBe("ARGUMENT");
    expect(e.message).toMatch(/forbade GET \/v2\/account \(403: forbidden\.\)/);
    expect(e.hint).toMatch(/ACTIVE/);
  });

  it("422 on an invalid order is that order's rejected fill, after checking the key holds no order", async () => {
    const { broker } = open();
    const [f] = await broker.submit([order("bad", "ZZZ", "buy", 5)]);
    expect(f).toMatchObject({ status: "rejected", shares: 0 });
    expect(f.reason).toBe("Alpaca refused the order as invalid (422): asset not found: ZZZ");
    expect(server.count("GET", "/v2/orders:by_client_order_id")).toBe(1);
    expect(server.orders.size).toBe(0);
  });

  it("an order the venue rejects after accepting it is a rejected fill", async () => {
    server.behaviours.set("AAA", { rejectAfterAccept: true });
    const { broker } = open();
    const [f] = await broker.submit([order("r", "AAA", "buy", 5)]);
    expect(f).toMatchObject({ status: "rejected", reason: "Alpaca rejected the order (status rejected)" });
  });

  it("a rerun of the day sends an order whose key ended unfilled under the next attempt key, once", async () => {
    // First attempt: accepted, then rejected (the day is not recorded: every order failed).
    server.behaviours.set("AAA", { rejectAfterAccept: true });
    const [first] = await open().broker.submit([order("d1:AAA:buy", "AAA", "buy", 5)]);
    expect(first.status).toBe("rejected");
    // The cause is fixed; the rerun's key is spent, so the order goes as d1:AAA:buy~1 and fills.
    server.behaviours.delete("AAA");
    const { broker, logs } = open();
    const [again] = await broker.submit([order("d1:AAA:buy", "AAA", "buy", 5)]);
    expect(again).toMatchObject({ key: "d1:AAA:buy", status: "filled", shares: 5 });
    expect(server.ordersWithKey("d1:AAA:buy~1")).toHaveLength(1);
    expect(logs.join("\n")).toMatch(
      /order d1:AAA:buy ended unfilled in an earlier attempt of the day; sending it as d1:AAA:buy~1/,
    );
    // A third run (a crash after the fill, before the ledger recorded it) adopts ~1: nothing new is sent.
    const posts = server.count("POST", "/v2/orders");
    const [third] = await open().broker.submit([order("d1:AAA:buy", "AAA", "buy", 5)]);
    expect(third).toMatchObject({ status: "filled", shares: 5 });
    expect(server.count("POST", "/v2/orders") - posts).toBe(2); // d1:AAA:buy (422) and ~1 (422), both looked up
    expect(server.ordersWithKey("d1:AAA:buy~2")).toHaveLength(0);
  });

  it("429: waits as long as Retry-After says (through the injected sleep), then succeeds", async () => {
    server.failNext(2, { status: 429, headers: { "Retry-After": "3" } }, isGet("/v2/account"));
    const { broker, sleeps, logs } = open();
    expect((await broker.account()).equity).toBe(100_000);
    expect(sleeps).toEqual([3_000, 3_000]);
    expect(logs[0]).toMatch(/rate limited \(429\); retry 1\/4 in 3000 ms/);
  });

  it("429 without Retry-After waits until X-Ratelimit-Reset; a too long wait or too many 429s fail", async () => {
    const t0 = 1_700_000_000_000;
    server.failNext(1, { status: 429, headers: { "X-Ratelimit-Reset": String(t0 / 1000 + 5) } }, isGet("/v2/account"));
    const { broker, sleeps } = open({ now: () => t0 });
    await broker.account();
    expect(sleeps).toEqual([5_000]);

    server.failNext(1, { status: 429, headers: { "Retry-After": "600" } }, isGet("/v2/account"));
    const e1 = await caught(broker.account());
    expect(e1.code).toBe("DATA");
    expect(e1.message).toMatch(/asks to wait 600 s, more than the 60 s allowed/);

    server.failNext(3, { status: 429, headers: { "Retry-After": "1" } }, isGet("/v2/positions"));
    const e2 = await caught(open({ retry: { retries: 2 } }).broker.positions());
    expect(e2.message).toMatch(/still rate limited \(429\) after 2 retries/);
    expect(e2.hint).toMatch(/200 requests a minute/);
  });

  it("5xx: bounded exponential backoff, then success; past the bound a DATA error that says to rerun", async () => {
    server.failNext(2, { status: 503 }, isGet("/v2/positions"));
    const { broker, sleeps, logs } = open();
    expect(await broker.positions()).toEqual([]);
    expect(sleeps).toEqual([500, 1_000]);
    expect(logs[1]).toMatch(/GET \/v2\/positions: HTTP 503 \(internal server error\); retry 2\/4 in 1000 ms/);

    server.failNext(10, { status: 500 }, isGet("/v2/account"));
    const run = open({ retry: { retries: 5, baseDelayMs: 1_000, maxDelayMs: 4_000 } });
    const e = await caught(run.broker.account());
    expect(run.sleeps).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(e.code).toBe("DATA");
    expect(e.message).toMatch(/failed after 6 attempts: HTTP 500/);
    expect(e.hint).toMatch(/not sent twice/);
  });

  it("a 5xx on POST /v2/orders looks the key up before resending: a created order is never duplicated", async () => {
    // The order is created but its response is lost (500).
    server.commitThenFailPosts(1, 500);
    const { broker, logs } = open();
    const [f] = await broker.submit([order("lost", "AAA", "buy", 10)]);
    expect(f).toMatchObject({ status: "filled", shares: 10, price: 100 });
    expect(server.count("POST", "/v2/orders")).toBe(1);
    expect(server.ordersWithKey("lost")).toHaveLength(1);
    expect(logs.some((l) => /created despite the failed response/.test(l))).toBe(true);

    // The POST fails before creating anything (502): the lookup finds nothing, the order is resent once.
    server.failNext(1, { status: 502 }, isPost);
    const [g] = await broker.submit([order("retry", "BBB", "buy", 4)]);
    expect(g).toMatchObject({ status: "filled", shares: 4 });
    expect(server.count("POST", "/v2/orders")).toBe(3);
    expect(server.ordersWithKey("retry")).toHaveLength(1);
    expect(server.held.get("AAA")).toBe(10);
  });

  it("a timed-out POST is looked up and resent; the late original does not make a second order", async () => {
    server.delayNext(1, 800, isPost);
    const { broker, logs } = open({ timeoutMs: 250 });
    const [f] = await broker.submit([order("slow", "AAA", "buy", 3)]);
    expect(f).toMatchObject({ status: "filled", shares: 3 });
    expect(logs.some((l) => /POST \/v2\/orders: timed out after 250 ms; retry 1\/4/.test(l))).toBe(true);
    await new Promise((r) => setTimeout(r, 900)); // let the late original reach the server (it is refused: 422)
    expect(server.ordersWithKey("slow")).toHaveLength(1);
    // by completion: the resend created the order; the late original was refused as a duplicate
    expect(server.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([200, 422]);
    expect(server.held.get("AAA")).toBe(3);
  });

  it("a network error (nothing listening) is retried, then a DATA error", async () => {
    const { broker, sleeps } = open({ retry: { retries: 2 } });
    await server.close();
    const e = await caught(broker.account());
    expect(e.code).toBe("DATA");
    expect(e.message).toMatch(/GET \/v2\/account failed after 3 attempts: network error: ECONNREFUSED/);
    expect(sleeps).toEqual([500, 1_000]);
  });
});

describe("Alpaca broker: fill wait, partial fills, cancels", () => {
  it("an order that stays new fills after p polls, within the wait", async () => {
    server.behaviours.set("AAA", { fillAfterPolls: 3 });
    const { broker, sleeps } = open({ fillWait: { timeoutMs: 10_000, pollMs: 1_000 } });
    const [f] = await broker.submit([order("late", "AAA", "buy", 7)]);
    expect(f).toMatchObject({ status: "filled", shares: 7 });
    // three reads answer "new", the fourth fills
    expect(sleeps).toEqual([1_000, 1_000, 1_000, 1_000]);
    expect(server.count("DELETE", `/v2/orders/${server.ordersWithKey("late")[0].id}`)).toBe(0);
  });

  it("a partial fill past the wait: the remainder is cancelled and the fill is partial", async () => {
    server.behaviours.set("CCC", { partialQty: 40 });
    const { broker, logs } = open({ fillWait: { timeoutMs: 5_000, pollMs: 1_000 } });
    const [f] = await broker.submit([order("part", "CCC", "buy", 100)]);
    const [o] = server.ordersWithKey("part");
    expect(server.count("DELETE", `/v2/orders/${o.id}`)).toBe(1);
    expect(o.status).toBe("canceled");
    expect(f).toMatchObject({ status: "partial", requested: 100, shares: 40, price: 20, notional: 800 });
    expect(f.reason).toBe(
      "partial: 40 of 100 shares filled (Alpaca status canceled); 60 cancelled; " +
        "not final within the 5 s fill wait; the remainder was cancelled",
    );
    expect(logs.some((l) => /still partially_filled after 5000 ms; cancelling the remainder/.test(l))).toBe(true);
    expect(await broker.positions()).toEqual([{ symbol: "CCC", shares: 40, price: 20, value: 800 }]);
  });

  it("an order that never fills within the wait is cancelled and rejected", async () => {
    server.behaviours.set("AAA", { fillAfterPolls: 1_000 });
    const { broker, sleeps } = open({ fillWait: { timeoutMs: 3_000, pollMs: 1_000 } });
    const [f] = await broker.submit([order("never", "AAA", "buy", 5)]);
    expect(sleeps).toEqual([1_000, 1_000, 1_000]);
    expect(f).toMatchObject({ status: "rejected", shares: 0 });
    expect(f.reason).toMatch(/^nothing filled \(Alpaca status canceled\); not final within the 3 s fill wait/);
    expect(server.ordersWithKey("never")[0].status).toBe("canceled");
  });
});

describe("Alpaca broker: idempotency", () => {
  it("crash between submit and record: the same keys again return the same fills, one order per key", async () => {
    const orders = [
      order("2024-06-03:AAA:buy:abc", "AAA", "buy", 10),
      order("2024-06-03:BBB:buy:abc", "BBB", "buy", 5),
    ];
    const first = await open().broker.submit(orders);
    // The process dies before the ledger commit; the rerun opens a new broker and submits again.
    const rerun = open();
    const second = await rerun.broker.submit(orders);
    expect(second).toEqual(first);
    expect(server.orders.size).toBe(2);
    for (const o of orders) expect(server.ordersWithKey(o.key)).toHaveLength(1);
    expect(server.count("POST", "/v2/orders")).toBe(4); // the rerun's two POSTs were refused as duplicates (422)
    expect(rerun.logs.filter((l) => /exists already .*not sent again/.test(l))).toHaveLength(2);
    expect(await rerun.broker.positions()).toEqual([
      { symbol: "AAA", shares: 10, price: 100, value: 1_000 },
      { symbol: "BBB", shares: 5, price: 50, value: 250 },
    ]);
    expect((await rerun.broker.account()).cash).toBe(98_750);
    expect(await rerun.broker.fills()).toEqual(first);
  });

  it("a key already used for a different order is rejected, not confused with it", async () => {
    const { broker } = open();
    await broker.submit([order("same", "AAA", "buy", 10)]);
    const [f] = await broker.submit([order("same", "AAA", "sell", 10)]);
    expect(f.status).toBe("rejected");
    expect(f.reason).toMatch(/already names a different order at Alpaca \(buy 10 AAA, id ord-/);
    expect(server.held.get("AAA")).toBe(10);
  });
});

describe("Alpaca broker: credentials never leak", () => {
  it("no error message, hint, detail, cause, fill reason or log line holds the key or the secret", async () => {
    server.echoSecretInErrors = true;
    const texts: string[] = [];
    const logs: string[] = [];
    const mk = (extra: AlpacaBrokerOptions = {}) =>
      createAlpacaBroker({ baseUrl: server.url, env, sleep: async () => {}, log: (l) => logs.push(l), ...extra });
    const keep = async (p: Promise<unknown>) => {
      try {
        texts.push(inspect(await p, { depth: null }));
      } catch (e) {
        texts.push(inspect(e, { depth: null }), String((e as Error).message), JSON.stringify(e));
        if (isStrataError(e)) texts.push(e.hint ?? "", JSON.stringify(e.details ?? {}));
      }
    };
    const b = mk({ retry: { retries: 1 } });
    // 401 (the server echoes the credentials it received)
    await keep(mk({ env: { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: `${SECRET}-x` } }).account());
    // 403 on the account, on an order; 422 on an order; 5xx and 429 exhausted; 429 too long
    server.failNext(1, { status: 403, body: { message: "forbidden" } }, isGet("/v2/account"));
    await keep(b.account());
    server.cash = 10;
    await keep(b.submit([order("bp", "AAA", "buy", 5), order("inv", "ZZZ", "buy", 1)]));
    server.cash = 100_000;
    server.failNext(5, { status: 500 }, isGet("/v2/positions"));
    await keep(b.positions());
    server.failNext(5, { status: 429, headers: { "Retry-After": "1" } }, isGet("/v2/positions"));
    await keep(b.positions());
    server.failNext(1, { status: 429, headers: { "Retry-After": "9999" } }, isGet("/v2/positions"));
    await keep(b.positions());
    // unexpected status, a 5xx on POST, partial fill and cancel, timeouts
    server.failNext(1, { status: 418, body: { message: "teapot" } }, isGet("/v2/clock"));
    await keep(b.clock());
    server.failNext(1, { status: 503 }, isPost);
    server.behaviours.set("CCC", { partialQty: 1 });
    await keep(mk({ fillWait: { timeoutMs: 1_000, pollMs: 1_000 } }).submit([order("p", "CCC", "buy", 3)]));
    server.delayNext(2, 200, isGet("/v2/account"));
    await keep(mk({ timeoutMs: 50, retry: { retries: 1 } }).account());
    texts.push(inspect(b, { depth: null }), JSON.stringify(b), JSON.stringify(await b.fills()));
    // credentials missing; the live host
    try {
      createAlpacaBroker({ env: { APCA_API_KEY_ID: KEY } });
    } catch (e) {
      texts.push(inspect(e, { depth: null }));
    }
    try {
      createAlpacaBroker({ env, baseUrl: "https://api.alpaca.markets" });
    } catch (e) {
      texts.push(inspect(e, { depth: null }));
    }
    // network error
    await server.close();
    await keep(b.account());

    const all = [...texts, ...logs].join("\n");
    // The paths above were taken: each left its trace.
    for (const m of [/401/, /403/, /422/, /429/, /HTTP 500/, /HTTP 503/, /418/, /partial/, /timed out/, /ECONNREFUSED/])
      expect(all).toMatch(m);
    expect(all).toContain("[redacted]"); // the echoed credentials were there, and blanked
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(KEY);
  });
});
