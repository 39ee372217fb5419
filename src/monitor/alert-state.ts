/**
 * Persistent state of the alert channels in the alerts folder:
 *   alerts.jsonl      the file channel, append-only, one JSON event per line:
 *                     {"event":"alert","id","at","alert","webhook":"pending"|"not-configured"}
 *                     {"event":"delivered","id","at","attempts"}
 *                     {"event":"delivery-failed","id","at","attempts","reason"}
 *                     {"event":"gave-up","id","at","attempts","reason"}
 *   alert-state.json  cooldown clock per alert key and the queue of undelivered webhook alerts.
 * The state file is replaced atomically (write a temp file, rename), so a crash leaves the
 * old or the new state, never half of one.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Alert } from "./alert.ts";

/**
 * The file channel's log inside an alerts folder (the report's monitoring page reads it too: src/report/site/live.ts).
 */
export const ALERTS_FILE = "alerts.jsonl";
export const STATE_FILE = "alert-state.json";

export interface PendingAlert {
  id: string;
  alert: Alert;
  /** ISO time first queued. */
  queuedAt: string;
  attempts: number;
  lastError: string | null;
}

export interface AlertState {
  version: 1;
  /** alert key → unix ms of the last alert accepted with that key. */
  lastSent: Record<string, number>;
  pending: PendingAlert[];
}

const emptyState = (): AlertState => ({ version: 1, lastSent: {}, pending: [] });

/**
 * The saved state, or an empty one if there is none. An unreadable state file is moved aside
 * (alert-state.json.corrupt-<ms>) and reported, so alerting goes on.
 */
export function loadAlertState(dir: string, nowMs: number): { state: AlertState; reset: string | null } {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return { state: emptyState(), reset: null };
  try {
    const s = JSON.parse(readFileSync(path, "utf8")) as AlertState;
    if (s?.version !== 1 || typeof s.lastSent !== "object" || !Array.isArray(s.pending))
      throw new Error("unexpected shape");
    return { state: s, reset: null };
  } catch {
    const aside = `${path}.corrupt-${nowMs}`;
    renameSync(path, aside);
    return { state: emptyState(), reset: aside };
  }
}

export function saveAlertState(dir: string, state: AlertState): void {
  const path = join(dir, STATE_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  renameSync(tmp, path);
}

/** Append events to alerts.jsonl (one write, so lines of one call stay together). */
export function appendAlertEvents(
  dir: string,
  events: readonly Record<string, unknown>[],
  redact: (line: string) => string,
): void {
  if (events.length === 0) return;
  appendFileSync(join(dir, ALERTS_FILE), events.map((e) => redact(JSON.stringify(e)) + "\n").join(""));
}
