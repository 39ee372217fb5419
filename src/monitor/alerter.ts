/**
 * Alert delivery: the file channel (alerts.jsonl in `dir`, always) and the webhook channel
 * (Slack-compatible POST to the URL held by an environment variable), with a cooldown per
 * alert key and a retry queue.
 *
 * - Cooldown / de-duplication: an alert whose key was accepted less than `cooldownSeconds`
 *   ago, or is still waiting for the webhook, is suppressed (not written, not posted).
 * - Every accepted alert is written to alerts.jsonl *before* the webhook is tried, marked
 *   "pending"; a "delivered" event follows on success. If the webhook is down, slow or
 *   answers non-2xx, the alert stays pending in alert-state.json and is retried, oldest first,
 *   at the next send() or flush(). A retry round stops at the first failure, so one call waits
 *   at most about one `timeoutMs` for a dead webhook.
 * - Delivery is at-least-once: a webhook that received a POST but answered after the timeout
 *   gets it again (the payload carries the alert id so a receiver can drop the repeat).
 * - Delivery failures never throw (the trading run must not fail because Slack is down);
 *   results say what happened. Invalid alerts and an unusable `dir` do throw, StrataError.
 * - The webhook URL is read from the environment at each delivery and never written to the
 *   files, results or errors; any occurrence of it in an alert is replaced by "[redacted]".
 * - Calls on one alerter run one at a time, in call order. Two processes sharing `dir` at the
 *   same moment may both deliver a pending alert (at-least-once, again).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Alert } from "./alert.ts";
import { StrataError, errorMessage } from "../core/errors.ts";
import {
  appendAlertEvents,
  loadAlertState,
  saveAlertState,
  type AlertState,
  type PendingAlert,
} from "./alert-state.ts";
import { postJson, slackPayload } from "./webhook.ts";

export const DEFAULT_WEBHOOK_ENV = "STRATA_ALERT_WEBHOOK";

export interface AlerterOptions {
  /** Folder of alerts.jsonl and alert-state.json (created if missing). */
  dir: string;
  /**
   * Name of the environment variable holding the webhook URL. Default STRATA_ALERT_WEBHOOK; unset or empty → file
   * channel only.
   */
  webhookEnv?: string;
  /** Seconds during which an alert key is sent once. Default 3600. */
  cooldownSeconds?: number;
  /** Time limit of one webhook POST, in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Attempts after which a pending alert is dropped from the queue (it stays in alerts.jsonl, marked "gave-up").
   * Default 20.
   */
  maxAttempts?: number;
  /** Clock in unix ms (for tests). Default Date.now. */
  now?: () => number;
}

export interface SendResult {
  /** Channels that took the alert now: "file", and "webhook" when it was delivered in this call. */
  channels: string[];
  /** True when the alert waits in the queue for the webhook. */
  queued: boolean;
  /** True when the cooldown or a pending alert with the same key suppressed it. */
  suppressed: boolean;
  /** Why the webhook did not take it (no secret in it), if it did not. */
  webhookError?: string;
  /** The alerts folder could not be written (disk full, permissions): nothing was recorded. */
  fileError?: string;
}

export interface FlushResult {
  /** Alerts the webhook took in this call. */
  delivered: number;
  /** Alerts still waiting for the webhook (-1 when the state could not be read, see fileError). */
  pending: number;
  webhookError?: string;
  fileError?: string;
}

export interface Alerter {
  send(alert: Alert): Promise<SendResult>;
  flush(): Promise<FlushResult>;
}

const SEVERITIES = new Set(["info", "warning", "critical"]);

function checkAlert(alert: Alert): void {
  const problems: string[] = [];
  if (typeof alert?.key !== "string" || alert.key === "") problems.push("key must be a non-empty string");
  if (!SEVERITIES.has(alert?.severity))
    problems.push(`severity must be info, warning or critical, got ${JSON.stringify(alert?.severity)}`);
  if (typeof alert?.title !== "string" || alert.title === "") problems.push("title must be a non-empty string");
  if (typeof alert?.message !== "string") problems.push("message must be a string");
  if (problems.length > 0) {
    throw new StrataError("ARGUMENT", `alert ${JSON.stringify(alert?.key)}: ${problems.join("; ")}`, {
      hint: "build alerts as { key, severity, title, message, date?, details? } (src/monitor/alert.ts)",
    });
  }
}

function positive(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new StrataError(
      "ARGUMENT",
      `createAlerter: ${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${v}`,
      { hint: `omit it for the default ${fallback}` },
    );
  }
  return v;
}

/** An alerter's validated settings and the helpers each of its calls uses. */
interface AlerterConfig {
  dir: string;
  /** Name of the environment variable holding the webhook URL. */
  envName: string;
  cooldownMs: number;
  timeoutMs: number;
  maxAttempts: number;
  now: () => number;
  /** The webhook URL, read from the environment at each use; null when unset or blank. */
  webhookUrl(): string | null;
  /** The line with the webhook URL (as is and JSON-escaped) replaced by "[redacted]". */
  redact(line: string): string;
  /** The clock's time as an ISO string. */
  iso(): string;
}

/** Check the options and create `dir`; every problem is an ARGUMENT error. */
function configure(opts: AlerterOptions): AlerterConfig {
  const { dir } = opts;
  const envName = opts.webhookEnv ?? DEFAULT_WEBHOOK_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) {
    // The value is not echoed: a caller who passed the URL itself would see it printed.
    throw new StrataError(
      "ARGUMENT",
      `createAlerter: webhookEnv must be the NAME of an environment variable (letters, digits, _), got a value ` +
        `of ${envName.length} characters that is not one (not shown)`,
      {
        hint: `pass the variable's name (e.g. ${DEFAULT_WEBHOOK_ENV}), never the URL itself`,
      },
    );
  }
  const cooldownMs = positive(opts.cooldownSeconds, 3600, "cooldownSeconds", true) * 1000;
  const timeoutMs = positive(opts.timeoutMs, 5000, "timeoutMs");
  const maxAttempts = positive(opts.maxAttempts, 20, "maxAttempts");
  const now = opts.now ?? Date.now;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StrataError("ARGUMENT", `createAlerter: cannot create the alerts folder ${dir}: ${errorMessage(e)}`, {
      hint: "pass a writable folder, e.g. data/paper/alerts",
      cause: e,
    });
  }
  const webhookUrl = (): string | null => {
    const v = process.env[envName];
    return v === undefined || v.trim() === "" ? null : v.trim();
  };
  const redact = (line: string): string => {
    const url = webhookUrl();
    return url ? line.split(url).join("[redacted]").split(JSON.stringify(url).slice(1, -1)).join("[redacted]") : line;
  };
  const iso = () => new Date(now()).toISOString();
  return { dir, envName, cooldownMs, timeoutMs, maxAttempts, now, webhookUrl, redact, iso };
}

export function createAlerter(opts: AlerterOptions): Alerter {
  const cfg = configure(opts);
  // One call at a time: the state file is read and written whole.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = chain.then(op, op);
    chain = next.catch(() => undefined);
    return next;
  };
  // File-system failures are reported, not thrown: alerting must not end the run that raised it.
  const fileError = (e: unknown): string => cfg.redact(`cannot write ${cfg.dir}: ${errorMessage(e)}`);
  return {
    send: (alert) => {
      checkAlert(alert);
      return serial(() =>
        sendAlert(cfg, alert).catch(
          (e): SendResult => ({ channels: [], queued: false, suppressed: false, fileError: fileError(e) }),
        ),
      );
    },
    flush: () =>
      serial(() =>
        flushAlerts(cfg).catch((e): FlushResult => ({ delivered: 0, pending: -1, fileError: fileError(e) })),
      ),
  };
}

/** The queue and cooldown state; a state file that could not be read is set aside, and that is logged. */
function loadState(cfg: AlerterConfig): AlertState {
  const { state, reset } = loadAlertState(cfg.dir, cfg.now());
  if (reset) appendAlertEvents(cfg.dir, [{ event: "state-reset", at: cfg.iso(), movedTo: reset }], cfg.redact);
  return state;
}

/** Oldest first; stops at the first failure. Saves after every attempt. */
async function deliverPending(
  cfg: AlerterConfig,
  state: AlertState,
  url: string,
): Promise<{ delivered: string[]; error?: string }> {
  const { dir, redact } = cfg;
  const delivered: string[] = [];
  while (state.pending.length > 0) {
    const p: PendingAlert = state.pending[0];
    const r = await postJson(url, slackPayload(p.alert, p.id), cfg.timeoutMs);
    p.attempts++;
    if (r.ok) {
      state.pending.shift();
      delivered.push(p.id);
      saveAlertState(dir, state);
      appendAlertEvents(dir, [{ event: "delivered", id: p.id, at: cfg.iso(), attempts: p.attempts }], redact);
      continue;
    }
    p.lastError = r.reason;
    const gaveUp = p.attempts >= cfg.maxAttempts;
    if (gaveUp) state.pending.shift();
    saveAlertState(dir, state);
    appendAlertEvents(
      dir,
      [
        {
          event: gaveUp ? "gave-up" : "delivery-failed",
          id: p.id,
          at: cfg.iso(),
          attempts: p.attempts,
          reason: r.reason,
        },
      ],
      redact,
    );
    return { delivered, error: r.reason };
  }
  return { delivered };
}

async function sendAlert(cfg: AlerterConfig, alert: Alert): Promise<SendResult> {
  checkAlert(alert);
  const state = loadState(cfg);
  const t = cfg.now();
  const last = state.lastSent[alert.key];
  if ((last !== undefined && t - last < cfg.cooldownMs) || state.pending.some((p) => p.alert.key === alert.key)) {
    return { channels: [], queued: false, suppressed: true };
  }
  const id = randomUUID();
  const url = cfg.webhookUrl();
  state.lastSent[alert.key] = t;
  if (url) state.pending.push({ id, alert, queuedAt: cfg.iso(), attempts: 0, lastError: null });
  // The file line first: a crash during the POST still leaves the alert on disk.
  appendAlertEvents(
    cfg.dir,
    [{ event: "alert", id, at: cfg.iso(), alert, webhook: url ? "pending" : "not-configured" }],
    cfg.redact,
  );
  saveAlertState(cfg.dir, state);
  if (!url) return { channels: ["file"], queued: false, suppressed: false };
  const r = await deliverPending(cfg, state, url);
  const ok = r.delivered.includes(id);
  return {
    channels: ok ? ["file", "webhook"] : ["file"],
    queued: state.pending.some((p) => p.id === id),
    suppressed: false,
    ...(ok ? {} : { webhookError: r.error ?? "not attempted: an older alert is still undelivered" }),
  };
}

async function flushAlerts(cfg: AlerterConfig): Promise<FlushResult> {
  const state = loadState(cfg);
  const url = cfg.webhookUrl();
  if (!url) {
    return {
      delivered: 0,
      pending: state.pending.length,
      ...(state.pending.length > 0 ? { webhookError: `${cfg.envName} is not set` } : {}),
    };
  }
  const r = await deliverPending(cfg, state, url);
  return {
    delivered: r.delivered.length,
    pending: state.pending.length,
    ...(r.error ? { webhookError: r.error } : {}),
  };
}
