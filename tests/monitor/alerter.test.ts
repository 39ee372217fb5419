/**
 * createAlerter against a real webhook receiver on loopback: up, down (connection refused),
 * slow (time limit), cooldown and de-duplication, and the URL kept off disk and out of errors.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Alert } from "../../src/monitor/alert.ts";
import { ALERTS_FILE, STATE_FILE, createAlerter } from "../../src/monitor/index.ts";
import { closedPort, startWebhookServer, type WebhookServer } from "./webhook-server.ts";

// Secret-looking, as a Slack webhook path is: the whole URL is the credential.
const TOKEN = "T0SECRET9/B0SECRET7/xoxzq9SeCrEtT0kEn4f8Kx2Lm";
const ENV = "STRATA_TEST_ALERT_WEBHOOK";
const urlFor = (port: number) => `http://127.0.0.1:${port}/services/${TOKEN}`;

const alert = (key: string, extra: Partial<Alert> = {}): Alert => ({
  key,
  severity: "critical",
  title: `Kill switch: daily loss −3.4% beyond −3.0% <${key}>`,
  message: "Trading halted. Inspect the fills, then clear the switch.",
  date: "2024-07-01",
  ...extra,
});

function events(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, ALERTS_FILE), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

let dir: string;
const servers: WebhookServer[] = [];
const hook = async (port?: number) => {
  const s = await startWebhookServer(port);
  servers.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-alerts-"));
  delete process.env[ENV];
});
afterEach(async () => {
  delete process.env[ENV];
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("webhook up", () => {
  it("posts Slack-compatible JSON and records the alert in alerts.jsonl", async () => {
    const s = await hook();
    process.env[ENV] = urlFor(s.port);
    const alerter = createAlerter({ dir, webhookEnv: ENV });
    const r = await alerter.send(alert("kill-switch:daily-loss"));
    expect(r).toEqual({ channels: ["file", "webhook"], queued: false, suppressed: false });
    expect(s.received).toHaveLength(1);
    const [msg] = s.received;
    expect(msg.path).toBe(`/services/${TOKEN}`);
    expect(msg.contentType).toMatch(/^application\/json/);
    expect(msg.body.text).toBe(
      "[CRITICAL] Kill switch: daily loss −3.4% beyond −3.0% <kill-switch:daily-loss> (2024-07-01)",
    );
    // Slack mrkdwn: <, > and & escaped inside blocks
    expect(JSON.stringify(msg.body.blocks)).toContain("&lt;kill-switch:daily-loss&gt;");
    const ev = events(dir);
    expect(ev.map((e) => e.event)).toEqual(["alert", "delivered"]);
    expect(ev[0]).toMatchObject({ webhook: "pending", alert: { key: "kill-switch:daily-loss" } });
    expect(ev[1].id).toBe(ev[0].id);
    expect(await alerter.flush()).toEqual({ delivered: 0, pending: 0 });
  });

  it("without a webhook configured, the file channel alone takes the alert", async () => {
    const r = await createAlerter({ dir, webhookEnv: ENV }).send(alert("a"));
    expect(r).toEqual({ channels: ["file"], queued: false, suppressed: false });
    expect(events(dir)[0]).toMatchObject({ event: "alert", webhook: "not-configured" });
  });
});

describe("webhook down", () => {
  it("keeps the alert pending in the file, retries, delivers each alert once when the server is back", async () => {
    const port = await closedPort();
    process.env[ENV] = urlFor(port);
    const alerter = createAlerter({ dir, webhookEnv: ENV, timeoutMs: 2000 });
    const a = await alerter.send(alert("a"));
    expect(a).toEqual({ channels: ["file"], queued: true, suppressed: false, webhookError: "connection refused" });
    expect(events(dir).map((e) => [e.event, e.webhook ?? e.reason])).toEqual([
      ["alert", "pending"],
      ["delivery-failed", "connection refused"],
    ]);
    expect(await alerter.flush()).toEqual({ delivered: 0, pending: 1, webhookError: "connection refused" });
    const b = await alerter.send(alert("b"));
    expect(b.queued).toBe(true);
    expect(
      JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")).pending.map((p: { alert: Alert }) => p.alert.key),
    ).toEqual(["a", "b"]);

    const s = await hook(port);
    expect(await alerter.flush()).toEqual({ delivered: 2, pending: 0 });
    expect(await alerter.flush()).toEqual({ delivered: 0, pending: 0 });
    // another process over the same folder finds nothing left to deliver
    expect(await createAlerter({ dir, webhookEnv: ENV }).flush()).toEqual({ delivered: 0, pending: 0 });
    expect(s.received.map((m) => m.body.text)).toEqual([
      expect.stringContaining("<a>"),
      expect.stringContaining("<b>"),
    ]);
  });

  it("the next send retries the older pending alerts first", async () => {
    const port = await closedPort();
    process.env[ENV] = urlFor(port);
    const alerter = createAlerter({ dir, webhookEnv: ENV });
    await alerter.send(alert("old"));
    const s = await hook(port);
    const r = await alerter.send(alert("new"));
    expect(r.channels).toEqual(["file", "webhook"]);
    expect(s.received.map((m) => m.body.text)).toEqual([
      expect.stringContaining("<old>"),
      expect.stringContaining("<new>"),
    ]);
    expect(await alerter.flush()).toEqual({ delivered: 0, pending: 0 });
  });

  it("a non-2xx answer keeps the alert pending; after maxAttempts it is given up (still in the file)", async () => {
    const s = await hook();
    s.status = 500;
    process.env[ENV] = urlFor(s.port);
    const alerter = createAlerter({ dir, webhookEnv: ENV, maxAttempts: 2 });
    expect((await alerter.send(alert("a"))).webhookError).toBe("HTTP 500");
    expect(await alerter.flush()).toEqual({ delivered: 0, pending: 0, webhookError: "HTTP 500" });
    expect(events(dir).map((e) => e.event)).toEqual(["alert", "delivery-failed", "gave-up"]);
  });
});

describe("webhook slow", () => {
  it("gives up at the time limit, keeps the alert pending, and delivers it later", async () => {
    const s = await hook();
    s.delayMs = 5000;
    process.env[ENV] = urlFor(s.port);
    const alerter = createAlerter({ dir, webhookEnv: ENV, timeoutMs: 300 });
    const t0 = performance.now();
    const r = await alerter.send(alert("slow"));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // Far below the receiver's 5 s delay: it gave up at the limit (a loose bound: no timing goal here).
    expect(elapsed).toBeLessThan(3000);
    expect(r).toEqual({ channels: ["file"], queued: true, suppressed: false, webhookError: "timed out after 300 ms" });

    // a second alert while the first is still pending: one retry round, stopped at the first timeout
    const t1 = performance.now();
    const r2 = await alerter.send(alert("slow-2"));
    expect(performance.now() - t1).toBeLessThan(3000);
    expect(r2.queued).toBe(true);

    s.delayMs = 0;
    expect(await alerter.flush()).toEqual({ delivered: 2, pending: 0 });
    // at-least-once: the receiver saw the first alert twice (timed-out attempts arrived too), with the same id
    const ids = s.received.map((m) => JSON.stringify(m.body.blocks).match(/id ([0-9a-f-]{36})/)![1]);
    const firstId = events(dir)[0].id;
    expect(ids.filter((id) => id === firstId).length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(2);
  });
});

describe("cooldown and de-duplication", () => {
  it("sends a key once per cooldown, across alerter instances", async () => {
    let clock = Date.UTC(2024, 6, 1, 12);
    const now = () => clock;
    const alerter = createAlerter({ dir, webhookEnv: ENV, cooldownSeconds: 60, now });
    expect((await alerter.send(alert("x"))).suppressed).toBe(false);
    clock += 59_999;
    expect(await alerter.send(alert("x"))).toEqual({ channels: [], queued: false, suppressed: true });
    expect(await createAlerter({ dir, webhookEnv: ENV, cooldownSeconds: 60, now }).send(alert("x"))).toMatchObject({
      suppressed: true,
    });
    expect((await alerter.send(alert("y"))).suppressed).toBe(false); // another key
    clock += 1;
    expect((await alerter.send(alert("x"))).channels).toEqual(["file"]); // exactly 60 s later
    expect(events(dir).map((e) => (e.alert as Alert).key)).toEqual(["x", "y", "x"]);
  });

  it("with no cooldown, a key still waiting for the webhook is not queued twice", async () => {
    const port = await closedPort();
    process.env[ENV] = urlFor(port);
    const alerter = createAlerter({ dir, webhookEnv: ENV, cooldownSeconds: 0 });
    expect((await alerter.send(alert("x"))).queued).toBe(true);
    expect((await alerter.send(alert("x"))).suppressed).toBe(true);
    const s = await hook(port);
    expect(await alerter.flush()).toEqual({ delivered: 1, pending: 0 });
    expect((await alerter.send(alert("x"))).channels).toEqual(["file", "webhook"]);
    expect(s.received).toHaveLength(2);
  });
});

describe("the webhook URL is a secret", () => {
  it("appears in no file, result, error or log line, whatever happens", async () => {
    const out: string[] = [];
    const capture = (...args: unknown[]) => {
      out.push(args.map(String).join(" "));
      return true;
    };
    const spies = [
      vi.spyOn(console, "log").mockImplementation(capture),
      vi.spyOn(console, "error").mockImplementation(capture),
      vi.spyOn(console, "warn").mockImplementation(capture),
      vi.spyOn(process.stderr, "write").mockImplementation(capture),
    ];
    const results: unknown[] = [];
    try {
      const port = await closedPort();
      process.env[ENV] = urlFor(port);
      const alerter = createAlerter({ dir, webhookEnv: ENV, timeoutMs: 300 });
      results.push(await alerter.send(alert("down")));
      // a producer's mistake: the URL inside the alert itself is redacted on disk
      results.push(
        await alerter.send(alert("leak", { message: `posting to ${urlFor(port)}`, details: { url: urlFor(port) } })),
      );
      const s = await hook(port);
      s.delayMs = 2000;
      results.push(await alerter.send(alert("slow")), await alerter.flush());
      s.delayMs = 0;
      results.push(await alerter.flush());
      process.env[ENV] = `not a url ${TOKEN}`;
      results.push(await alerter.send(alert("bad-url")), await alerter.flush());
      let thrown: unknown;
      try {
        createAlerter({ dir, webhookEnv: urlFor(port) });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(Error);
      results.push(String(thrown), (thrown as Error).stack);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    const secret = TOKEN.split("/").at(-1)!;
    expect(JSON.stringify(results)).toContain("not a valid URL (value not shown)");
    expect(JSON.stringify(results)).not.toContain(secret);
    expect(out.join("\n")).not.toContain(secret);
    const files = allFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toContain(secret);
    expect(readFileSync(join(dir, ALERTS_FILE), "utf8")).toContain("posting to [redacted]");
  });
});

describe("file channel failures", () => {
  it("are reported, not thrown", async () => {
    mkdirSync(join(dir, ALERTS_FILE)); // a folder where the file should be: appends fail
    const r = await createAlerter({ dir, webhookEnv: ENV }).send(alert("a"));
    expect(r.channels).toEqual([]);
    expect(r.fileError).toMatch(/cannot write .*EISDIR/);
  });

  it("a corrupt state file is moved aside and alerting goes on", async () => {
    writeFileSync(join(dir, STATE_FILE), "{ not json");
    const r = await createAlerter({ dir, webhookEnv: ENV }).send(alert("a"));
    expect(r.channels).toEqual(["file"]);
    expect(events(dir)[0]).toMatchObject({ event: "state-reset" });
    expect(readdirSync(dir).some((f) => f.startsWith(`${STATE_FILE}.corrupt-`))).toBe(true);
  });

  it("an invalid alert is a programming error and throws", () => {
    expect(() => createAlerter({ dir, webhookEnv: ENV }).send({ key: "", severity: "loud" } as never)).toThrow(
      /key must be a non-empty string; severity must be info, warning or critical, got "loud"/,
    );
  });
});
