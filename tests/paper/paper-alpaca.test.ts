/**
 * `pipeline paper run --broker alpaca` end to end: the real CLI (a child process) trading the
 * test study's champion through the Alpaca adapter against the loopback stand-in of Alpaca
 * (alpaca-server.ts) running in this process, with test credentials in the child's environment.
 *
 * Dates: 2021-03-01 is a Monday, so its cycle decides at Friday 2021-02-26's close (a weekly
 * rebalance). The prices given to each run end at the decision close: Alpaca fills at its own
 * prices, so the cycle must run without the trade day's bar (the simulated broker could not).
 * The stand-in's price of each symbol is the decision close less 0.1 %, so every fill has a
 * known, nonzero slippage against the close the trade list was built at.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paperConfig } from "../../src/paper/index.ts";
import { REPO, queryDuck, type TempProject } from "../e2e/helpers.ts";
import { FakeAlpaca } from "./alpaca-server.ts";
import { ledgerRows, paperStudy } from "./study.ts";

const BIN = join(REPO, "bin/pipeline.js");
const MONDAY = "2021-03-01",
  TUESDAY = "2021-03-02",
  FRIDAY = "2021-02-26";
const KEY = "PKTEST0PAPERCYCLE0001";
const SECRET = "sEcReT-paper-cycle-never-print-me";
const CAPITAL = 1_000_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe("paper config: broker.kind and broker.alpaca", () => {
  it("defaults to the simulated broker; an alpaca block needs kind alpaca", () => {
    expect(paperConfig().broker.kind).toBe("sim");
    const a = paperConfig({ broker: { kind: "alpaca", alpaca: { base_url: "http://127.0.0.1:9", poll_ms: 5 } } });
    expect(a.broker).toMatchObject({ kind: "alpaca", alpaca: { base_url: "http://127.0.0.1:9", poll_ms: 5 } });
    const issues = (input: unknown) => {
      try {
        paperConfig(input as never);
        return [];
      } catch (e) {
        return (e as { issues: Array<{ path: string[]; message: string }> }).issues.map(
          (i) => `${i.path.join(".")}: ${i.message}`,
        );
      }
    };
    const [clash] = issues({ broker: { alpaca: { poll_ms: 5 } } });
    expect(clash).toMatch(/^broker\.alpaca: .*broker\.kind is 'sim'.*set broker\.kind: alpaca/);
    expect(issues({ broker: { kind: "alpaca", alpaca: { base_url: "ftp://x" } } })[0]).toMatch(
      /^broker\.alpaca\.base_url/,
    );
    expect(issues({ broker: { kind: "alpaca", alpaca: { poll: 5 } } })[0]).toMatch(/^broker\.alpaca: .*poll/);
    expect(issues({ broker: { kind: "ibkr" } })[0]).toMatch(/^broker\.kind/);
  });
});

describe("paper trading on Alpaca (loopback stand-in)", () => {
  let p: TempProject;
  /** Decision closes (2021-02-26) and the stand-in's prices, by symbol. */
  const closeFri = new Map<string, number>();
  const fakePrices: Record<string, number> = {};
  let pricesFri = "",
    pricesMon = "";
  const servers: FakeAlpaca[] = [];
  const outputs: string[] = [];

  /** The CLI as a child process (asynchronous: the stand-in answers from this process's event loop). */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "paper", ...args], {
        cwd: p.root,
        env: {
          ...process.env,
          CI: "true",
          NO_COLOR: "1",
          TZ: "UTC",
          APCA_API_KEY_ID: KEY,
          APCA_API_SECRET_KEY: SECRET,
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "",
        stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        outputs.push(stdout, stderr);
        resolve({ code, signal, stdout, stderr });
      });
    });

  /** A stand-in Alpaca account with the capital in cash and the decision closes less 0.1 % as prices. */
  const server = async (opts: { cash?: number; marketOpen?: boolean; today?: string } = {}) => {
    const s = new FakeAlpaca({ keyId: KEY, secret: SECRET, cash: CAPITAL, prices: fakePrices, today: MONDAY, ...opts });
    await s.start();
    servers.push(s);
    return s;
  };

  /** A config file pointing the Alpaca block at a stand-in (kind comes from --broker). */
  const config = (name: string, s: FakeAlpaca) => {
    p.write(name, `broker:\n  alpaca: { base_url: "${s.url}", poll_ms: 1, fill_timeout_ms: 200 }\n`);
    return name;
  };

  /** The prices up to and including `last` (no later bar), as its own Parquet file. */
  const pricesThrough = async (last: string) => {
    const out = join(p.root, "data", `prices-to-${last}.parquet`);
    const src = join(p.root, "data/data/prices.parquet");
    await queryDuck(
      `COPY (SELECT * FROM read_parquet('${src}') WHERE date <= DATE '${last}') TO '${out}' (FORMAT parquet)`,
    );
    return out;
  };

  beforeAll(async () => {
    p = paperStudy();
    const rows = await queryDuck(
      `SELECT symbol, close FROM read_parquet('${join(p.root, "data/data/prices.parquet")}') WHERE date = DATE ` +
        `'${FRIDAY}'`,
    );
    for (const r of rows) {
      const c = Number(r.close);
      closeFri.set(String(r.symbol), c);
      fakePrices[String(r.symbol)] = Number((c * 0.999).toFixed(4));
    }
    pricesFri = await pricesThrough(FRIDAY);
    pricesMon = await pricesThrough(MONDAY);
  }, 300_000);

  afterAll(async () => {
    for (const s of servers) await s.close();
    // The credentials never reach any output of the runs.
    for (const o of outputs) {
      expect(o).not.toContain(SECRET);
      expect(o).not.toContain(KEY);
    }
    p?.dispose();
  });

  it("orders reach Alpaca keyed by the order keys, the ledger records the fills, and a rerun after a crash between " +
    "submit and record sends no order twice", async () => {
    const s = await server();
    const cfg = config("alpaca.yaml", s);
    const L = join(p.root, "ledgers/alpaca.duckdb");
    const common = ["--broker", "alpaca", "--config", cfg, "--ledger", L, "--reports", join(p.root, "reports/alp")];
    const args = ["run", "--date", MONDAY, "--prices", pricesFri, ...common, "--json"];

    // Killed (-9) mid-commit after 3 fills: every order has reached Alpaca, nothing is recorded.
    const killed = await cli(args, { STRATA_PAPER_CRASH_AFTER_FILLS: "3" });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const sent = [...s.orders.values()];
    expect(sent.length).toBeGreaterThan(3);
    for (const t of ["days", "orders", "fills", "positions", "equity"])
      expect((await ledgerRows(L, `SELECT count(*)::INTEGER AS n FROM ${t}`))[0].n, t).toBe(0);
    const cashAfterFirst = s.cash;

    // The rerun submits the same keys: Alpaca refuses each as a duplicate (422), the adapter adopts the order.
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    const day = JSON.parse(r.stdout).days[0];
    expect(day).toMatchObject({ date: MONDAY, status: "executed", decision_date: FRIDAY, rebalance: true });
    expect(day.orders).toBe(sent.length);
    expect(day.filled).toBe(sent.length);
    // The adapter's lookups are the day's notes (and its report's).
    expect(
      day.notes.filter((n: string) => /^alpaca: order .* exists already .*; not sent again$/.test(n)),
    ).toHaveLength(sent.length);
    expect(s.orders.size).toBe(sent.length);
    expect(s.cash).toBe(cashAfterFirst);
    const posts = s.requests.filter((q) => q.method === "POST" && q.path === "/v2/orders");
    expect(posts.filter((q) => q.status === 200)).toHaveLength(sent.length);
    expect(posts.filter((q) => q.status === 422)).toHaveLength(sent.length);

    const orders = await ledgerRows(L, `SELECT key, symbol, side, shares FROM orders ORDER BY key`);
    expect(orders.map((o) => o.key)).toEqual(sent.map((o) => o.client_order_id).sort());
    for (const o of orders) {
      const held = s.ordersWithKey(String(o.key));
      expect(held, String(o.key)).toHaveLength(1);
      expect(held[0]).toMatchObject({ symbol: o.symbol, side: o.side, qty: String(o.shares), status: "filled" });
    }

    const fills = await ledgerRows(L, `SELECT * FROM fills ORDER BY order_key`);
    expect(fills).toHaveLength(orders.length);
    for (const f of fills) {
      const sym = String(f.symbol);
      expect(f).toMatchObject({ date: MONDAY, status: "filled", commission: 0, reason: null });
      expect(f.shares).toBe(f.requested);
      expect(f.price).toBe(fakePrices[sym]);
      // Slippage against the decision close the trade list was built at (here a 0.1 % improvement: < 0).
      expect(f.reference).toBe(closeFri.get(sym));
      const sign = f.side === "buy" ? 1 : -1;
      expect(Number(f.slippage)).toBeCloseTo(sign * Number(f.shares) * (fakePrices[sym] - closeFri.get(sym)!), 6);
      expect(Number(f.slippage)).toBeLessThan(0);
    }

    // The book as Alpaca holds it.
    const [eq] = await ledgerRows(L, `SELECT cash, positions_value, equity FROM equity WHERE date = '${MONDAY}'`);
    expect(Number(eq.cash)).toBeCloseTo(s.cash, 2);
    expect(Number(eq.equity)).toBeCloseTo(Number(eq.cash) + Number(eq.positions_value), 6);
    const positions = await ledgerRows(
      L,
      `SELECT symbol, shares FROM positions WHERE date = '${MONDAY}' ORDER BY symbol`,
    );
    expect(Object.fromEntries(positions.map((q) => [q.symbol, q.shares]))).toEqual(Object.fromEntries(s.held));

    // The next day (not a rebalance day): no order, the Alpaca book carried into the ledger.
    s.today = TUESDAY;
    const tue = await cli(["run", "--date", TUESDAY, "--prices", pricesMon, ...common, "--json"]);
    expect(tue.code, tue.stderr).toBe(0);
    expect(JSON.parse(tue.stdout).days[0]).toMatchObject({ date: TUESDAY, status: "no_trade", orders: 0 });
    expect(s.orders.size).toBe(sent.length);
    const tuePositions = await ledgerRows(
      L,
      `SELECT symbol, shares FROM positions WHERE date = '${TUESDAY}' ORDER BY symbol`,
    );
    expect(tuePositions).toEqual(positions);
  }, 300_000);

  it("market closed, or an account that does not match the ledger: exit 1, nothing sent or recorded, a fix " +
    "hint", async () => {
    const s = await server({ marketOpen: false });
    const cfg = config("alpaca-rejects.yaml", s);
    const run = (ledger: string) =>
      cli(["run", "--date", MONDAY, "--prices", pricesFri, "--broker", "alpaca", "--config", cfg, "--ledger", ledger]);

    const closed = await run(join(p.root, "ledgers/closed.duckdb"));
    expect(closed.code, closed.stderr).toBe(1);
    expect(closed.stderr).toMatch(/the broker rejected every order .*market closed at/);
    expect(closed.stderr).toMatch(/→ rerun during market hours/);
    expect(s.count("POST", "/v2/orders")).toBe(0);

    // An account far smaller than the ledger's capital: refused before any order is sent.
    const small = await server({ cash: 1_000 });
    const poor = await cli([
      "run",
      "--date",
      MONDAY,
      "--prices",
      pricesFri,
      "--broker",
      "alpaca",
      "--config",
      config("alpaca-small.yaml", small),
      "--ledger",
      join(p.root, "ledgers/poor.duckdb"),
    ]);
    expect(poor.code, poor.stderr).toBe(1);
    expect(poor.stderr).toMatch(
      /differs from the Alpaca account's 1000\.00 by \d+\.\d %; nothing was sent or recorded/,
    );
    expect(poor.stderr).toMatch(/→ a new ledger starts from the paper config's capital: set it to the account's cash/);
    expect(small.count("POST", "/v2/orders")).toBe(0);
    const days = await ledgerRows(join(p.root, "ledgers/poor.duckdb"), `SELECT count(*)::INTEGER AS n FROM days`);
    expect(days[0].n).toBe(0);

    // A day that is not the exchange's today by Alpaca's clock (a backfill, a late rerun): the
    // orders would fill at today's prices under another day's date, so nothing is sent.
    const later = await server({ today: TUESDAY });
    const late = await cli([
      "run",
      "--date",
      MONDAY,
      "--prices",
      pricesFri,
      "--broker",
      "alpaca",
      "--config",
      config("alpaca-late.yaml", later),
      "--ledger",
      join(p.root, "ledgers/late.duckdb"),
    ]);
    expect(late.code, late.stderr).toBe(1);
    expect(late.stderr).toMatch(
      /Alpaca's clock says the exchange's date is 2021-03-02 .*recorded for 2021-03-01\. Nothing was sent or recorded/,
    );
    expect(late.stderr).toMatch(/→ run today's cycle \(--date 2021-03-02, or no --date\), or backfill 2021-03-01/);
    expect(later.count("POST", "/v2/orders")).toBe(0);
  }, 300_000);

  it("--broker: a bad value suggests the closest (exit 2); an alpaca block without kind alpaca is named; --help " +
    "lists it", async () => {
    const bad = await cli(["run", "--date", MONDAY, "--broker", "alpca", "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--broker 'alpca' is not a broker\n.*did you mean 'alpaca'\? brokers: 'sim', 'alpaca'/);

    p.write("alpaca-only.yaml", 'broker:\n  alpaca: { base_url: "http://127.0.0.1:9" }\n');
    const clash = await cli(["run", "--date", MONDAY, "--config", "alpaca-only.yaml", "--dry-run"]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/broker\.alpaca: .*set broker\.kind: alpaca \(or pass --broker alpaca\)/);
    // --broker sim chooses the simulated broker on purpose: the Alpaca block is left out, not refused.
    const sim = await cli([
      "run",
      "--date",
      MONDAY,
      "--config",
      "alpaca-only.yaml",
      "--broker",
      "sim",
      "--dry-run",
      "--ledger",
      join(p.root, "ledgers/dry.duckdb"),
    ]);
    expect(sim.code, sim.stderr).toBe(0);

    const help = await cli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--broker <kind>\s+who fills the orders/);
  }, 120_000);
});
