/**
 * `/metrics` over HTTP on the loopback interface, for a Prometheus server on the same host
 * (or a tunnel / reverse proxy in front of it). Each scrape calls `collect()` once; other
 * paths answer 404; a failing collect answers 500 with its message, and the server stays up.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { StrataError, errorMessage } from "../core/errors.ts";
import { metricsText, type MetricsSnapshot } from "./metrics.ts";

export interface ServeMetricsOptions {
  /** TCP port; 0 picks a free one (the URL says which). */
  port: number;
  /** The current numbers; called on every scrape. */
  collect: () => MetricsSnapshot | Promise<MetricsSnapshot>;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(opts: ServeMetricsOptions): Promise<MetricsServer> {
  const { port, collect } = opts;
  const host = opts.host ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StrataError("ARGUMENT", `serveMetrics: port must be an integer in 0..65535, got ${port}`, {
      hint: "9464 is the usual exporter port; 0 picks a free one",
    });
  }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res
        .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        .end(`not found: ${path} (metrics are at /metrics)\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("use GET\n");
      return;
    }
    Promise.resolve()
      .then(() => collect())
      .then((s) => metricsText(s))
      .then(({ contentType, body }) =>
        res.writeHead(200, { "content-type": contentType }).end(req.method === "HEAD" ? undefined : body),
      )
      .catch((e) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`collecting metrics failed: ${errorMessage(e)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        e.code === "EADDRINUSE"
          ? new StrataError("ARGUMENT", `cannot serve metrics on ${host}:${port}: the port is already in use`, {
              hint: `stop the process holding it (e.g. \`lsof -i :${port}\`) or pick another port with --port`,
              cause: e,
            })
          : new StrataError("INTERNAL", `cannot serve metrics on ${host}:${port}: ${e.code ?? errorMessage(e)}`, {
              cause: e,
            }),
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
