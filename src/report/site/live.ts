/**
 * The files paper trading writes outside pipeline.lock, as `pipeline report` finds them under
 * the project root (the CLI's default paths, docs/paper-trading.md): the ledger, the daily
 * report folders and the alert log. Read-only, and never by the report stage.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../../store/index.ts";
import type { Catalog } from "../catalog.ts";

/**
 * The files read, relative to the project root. Their writers own these paths (src/paper/paths.ts
 * for the ledger and the dated folders, src/monitor/alert-state.ts for the alert log's name) but
 * this folder may import neither (tests/layers.test.ts), so the reader states them here and
 * tests/paper/paths.test.ts checks they are the writers' paths. The report stage's placeholder
 * pages name them too, so they are constants, not options.
 */
export const LEDGER_FILE = "data/paper/ledger.duckdb";
export const PAPER_REPORTS_DIR = "reports/paper";
export const ALERTS_FILE = "data/paper/alerts/alerts.jsonl";

export const ledgerPath = (catalog: Catalog): string => join(catalog.root, LEDGER_FILE);
export const alertsPath = (catalog: Catalog): string => join(catalog.root, ALERTS_FILE);

/** The dated folders of reports/paper/ holding a monitoring.json, oldest first. */
export function monitoringFiles(catalog: Catalog): Array<{ date: string; path: string }> {
  const dir = join(catalog.root, PAPER_REPORTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
    .sort()
    .map((d) => ({ date: d, path: join(dir, d, "monitoring.json") }))
    .filter((f) => existsSync(f.path));
}

/** The alias the ledger is attached under while a page reads it. */
export const LEDGER_ALIAS = "paper_ledger";

export type LedgerAttach = { ok: true } | { ok: false; locked: boolean; reason: string };

/**
 * Attach the ledger read-only to the site's connection. A running `pipeline paper run` holds
 * the file's write lock, so attaching fails; that is reported (`locked`), not thrown.
 */
export async function attachLedger(conn: DuckDBConnection, path: string): Promise<LedgerAttach> {
  try {
    await conn.run(`ATTACH ${sqlString(path)} AS ${LEDGER_ALIAS} (READ_ONLY)`);
    return { ok: true };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    // The message names the holder's PID: keep only what is stable.
    const locked = /lock/i.test(message);
    return {
      ok: false,
      locked,
      reason: locked ? "the file is locked by another process" : message.split("\n")[0].replace(/PID \d+/g, "PID …"),
    };
  }
}

export async function detachLedger(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DETACH ${LEDGER_ALIAS}`).catch(() => undefined);
}

/** Parsed JSON of a file, or null when it cannot be read or parsed. */
export function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Anything that looks like a URL, replaced: a webhook URL is a credential and never printed. */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, "[link removed]");
}
