/**
 * A real redis-server for tests (Debian's, installed by .ci/run): a free loopback port, its own
 * data folder, append-only persistence (so a restart keeps the queue). If it cannot start, the
 * test fails with the reason — never a silent skip.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** SHUTDOWN (persisting), then start again on the same port and folder. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Stops it for good and removes the folder. */
  dispose(): Promise<void>;
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const which = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (which.error || which.status !== 0) {
    throw new Error(
      `redis-server cannot run (${which.error?.message ?? which.stderr}); install it: apt-get install -y redis-server (.ci/run does)`,
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "strata-redis-"));
  let proc: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      proc = p;
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${seen}`)), 10_000);
      p.stdout!.on("data", (d: Buffer) => {
        seen += d.toString();
        if (/Ready to accept connections/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${seen}`));
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      if (!p || p.exitCode !== null) return resolve();
      p.removeAllListeners("exit");
      p.on("exit", () => resolve());
      p.kill("SIGTERM"); // redis-server shuts down cleanly on SIGTERM, writing its append-only file
    });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    start,
    stop,
    async restart(downMs = 500) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
