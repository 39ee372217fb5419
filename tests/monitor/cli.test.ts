/**
 * `pipeline monitor …` through the real CLI: serve (scraped over loopback, stopped with
 * SIGTERM), alerts flush against a real webhook receiver, check without a ledger.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAlerter } from "../../src/monitor/index.ts";
import { closedPort, startWebhookServer } from "./webhook-server.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/pipeline.js");
const TOKEN = "T0CLI/B0CLI/cliSeCrEtToKeN0987";
const ENV = "STRATA_TEST_CLI_WEBHOOK";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "strata-monitor-cli-"));
  writeFileSync(join(root, "pipeline.yaml"), "version: 1\nstages: {}\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Async: the webhook receiver lives in this process, so the event loop must keep running. */
function runAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, "-f", join(root, "pipeline.yaml"), ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (status) => res({ status, stdout, stderr }));
  });
}

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, "-f", join(root, "pipeline.yaml"), ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 120_000,
  });

describe("pipeline monitor", () => {
  it(
    "serve prints the URL, answers /metrics (no ledger yet: " + "no values) and 404 elsewhere, stops on SIGTERM",
    async () => {
      const child = spawn(
        process.execPath,
        [BIN, "-f", join(root, "pipeline.yaml"), "monitor", "serve", "--port", "0", "--json"],
        { env: { ...process.env, NO_COLOR: "1" } },
      );
      try {
        let out = "";
        const first = await new Promise<{ ok: boolean; url: string; ledger: string }>((res, rej) => {
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            try {
              res(JSON.parse(out));
            } catch {
              /* not complete yet */
            }
          });
          child.on("exit", (code) => rej(new Error(`serve exited with ${code}: ${out}`)));
        });
        expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        expect(first.ledger).toBe(join(root, "data/paper/ledger.duckdb"));
        const res = await fetch(first.url);
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(body).toContain("# TYPE strata_paper_symbol_weight gauge");
        expect(body).not.toMatch(/^strata_paper_equity /m);
        expect((await fetch(first.url.replace("/metrics", "/"))).status).toBe(404);
      } finally {
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
      }
    },
  );

  it("alerts flush delivers what the webhook missed, once, and never prints the URL", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/services/${TOKEN}`;
    process.env[ENV] = url;
    try {
      const dir = join(root, "data/paper/alerts");
      const r = await createAlerter({ dir, webhookEnv: ENV }).send({
        key: "k",
        severity: "warning",
        title: "Stale data",
        message: "update",
      });
      expect(r.queued).toBe(true);

      const down = run(["monitor", "alerts", "flush", "--webhook-env", ENV], { [ENV]: url });
      expect(down.status).toBe(1);
      expect(down.stdout).toBe("0 delivered, 1 pending (connection refused)\n");

      const s = await startWebhookServer(port);
      try {
        const up = await runAsync(["monitor", "alerts", "flush", "--webhook-env", ENV, "--json"], { [ENV]: url });
        expect(up.status).toBe(0);
        expect(JSON.parse(up.stdout)).toMatchObject({ ok: true, delivered: 1, pending: 0 });
        expect((await runAsync(["monitor", "alerts", "flush", "--webhook-env", ENV], { [ENV]: url })).stdout).toBe(
          "0 delivered, 0 pending\n",
        );
        expect(s.received).toHaveLength(1);
        for (const p of [down, up]) expect(p.stdout + p.stderr).not.toContain("cliSeCrEtToKeN");
      } finally {
        await s.close();
      }
    } finally {
      delete process.env[ENV];
    }
  });

  it("check without a ledger exits 1 and says how to start", () => {
    const r = run(["monitor", "check", "--date", "2024-07-01", "--json"]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, alerts: [{ key: "monitor:no-ledger" }] });
    expect(run(["monitor", "check", "--date", "2024-13-01"]).stderr).toMatch(
      /--date "2024-13-01" is not a calendar date/,
    );
  });

  it("serve on a taken port fails with a clear message", async () => {
    const s = await startWebhookServer();
    try {
      const r = run(["monitor", "serve", "--port", String(s.port)]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${s.port}: the port is already in use`));
    } finally {
      await s.close();
    }
  });
});
