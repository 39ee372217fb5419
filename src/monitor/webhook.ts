/**
 * The webhook channel: a Slack-compatible JSON POST (`{ text, blocks }`, the incoming-webhook
 * format, https://api.slack.com/messaging/webhooks) with a hard time limit.
 *
 * The URL is a secret (a Slack webhook URL is its own credential). It is used to open the
 * request and nothing else: failure reasons are built from error codes and HTTP statuses, never
 * from error messages, which may quote the address.
 */
import http from "node:http";
import https from "node:https";
import type { Alert } from "./alert.ts";

export type DeliveryResult = { ok: true } | { ok: false; reason: string };

/** Slack mrkdwn needs only these three escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
const escapeMrkdwn = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The message for one alert; `id` lets a receiver drop a redelivery (delivery is at-least-once). */
export function slackPayload(alert: Alert, id: string): { text: string; blocks: unknown[] } {
  const head = `[${alert.severity.toUpperCase()}] ${alert.title}`;
  const context = [`key \`${alert.key}\``, alert.date ? `date ${alert.date}` : null, `id ${id}`]
    .filter(Boolean)
    .join(" · ");
  return {
    text: `${head}${alert.date ? ` (${alert.date})` : ""}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${escapeMrkdwn(head)}*\n${escapeMrkdwn(alert.message)}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(context) }] },
    ],
  };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
};

/** POST `body` as JSON; resolves (never rejects) within about `timeoutMs`. 2xx is success. */
export function postJson(url: string, body: unknown, timeoutMs: number): Promise<DeliveryResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, reason: "the webhook URL is not a valid URL (value not shown)" });
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.resolve({
      ok: false,
      reason: `the webhook URL must be http(s), got scheme ${target.protocol} (value not shown)`,
    });
  }
  const data = Buffer.from(JSON.stringify(body), "utf8");
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const send = target.protocol === "https:" ? https.request : http.request;
    let req: http.ClientRequest;
    try {
      req = send(
        target,
        {
          method: "POST",
          agent: false, // one connection per delivery: nothing lingers after a timeout
          headers: { "content-type": "application/json; charset=utf-8", "content-length": data.length },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const s = res.statusCode ?? 0;
            done(s >= 200 && s < 300 ? { ok: true } : { ok: false, reason: `HTTP ${s}` });
          });
          res.on("error", () => done({ ok: false, reason: "response interrupted" }));
        },
      );
    } catch {
      done({ ok: false, reason: "request could not be created" });
      return;
    }
    timer = setTimeout(() => {
      done({ ok: false, reason: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) =>
      done({ ok: false, reason: REASONS[e.code ?? ""] ?? `network error ${e.code ?? "(no code)"}` }),
    );
    req.end(data);
  });
}
