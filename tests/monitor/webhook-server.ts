/** A real Slack-style webhook receiver on loopback for the alert tests (node:http, no mocks). */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  contentType: string | undefined;
  body: { text: string; blocks?: unknown[] };
}

export interface WebhookServer {
  port: number;
  received: Received[];
  /** Delay before answering, in ms (the request is recorded on arrival). */
  delayMs: number;
  /** Status to answer with. */
  status: number;
  close(): Promise<void>;
}

export async function startWebhookServer(port = 0): Promise<WebhookServer> {
  const timers = new Set<NodeJS.Timeout>();
  const hook: WebhookServer = {
    port: 0,
    received: [],
    delayMs: 0,
    status: 200,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hook.received.push({
        path: req.url ?? "",
        contentType: req.headers["content-type"],
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      const answer = () =>
        res
          .writeHead(hook.status, { "content-type": "text/plain" })
          .end(hook.status === 200 ? "ok" : "invalid_payload");
      if (hook.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          answer();
        }, hook.delayMs);
        timers.add(t);
      } else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  hook.port = (server.address() as AddressInfo).port;
  return hook;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startWebhookServer();
  await s.close();
  return s.port;
}
