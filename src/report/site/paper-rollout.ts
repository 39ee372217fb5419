/**
 * The production loop's record on the paper page: every retrain the retrain policy ran and
 * every rollout event (start, step, done, rollback) the live ledger holds (src/paper/retrain.ts,
 * src/paper/rollout.ts), in the order they were recorded, with the share of the book each day
 * gave the model being rolled out.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, sqlString } from "../../store/index.ts";
import { html, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";

const LIVE = "rollout_live";

interface Row {
  date: string | null;
  kind: string;
  message: string;
  details: string | null;
}

/**
 * The section, or null when the ledger records no retrain and no rollout — or cannot be read
 * (a writer holds it: the ledger's own section says so on the page).
 */
export async function rolloutSection(conn: DuckDBConnection, ledger: string): Promise<SafeHtml | null> {
  try {
    await conn.run(`ATTACH ${sqlString(ledger)} AS ${LIVE} (READ_ONLY)`);
  } catch {
    return null;
  }
  let rows: Row[];
  try {
    rows = await queryRows<Row>(
      conn,
      `select date::VARCHAR as date, kind, message, details from ${LIVE}.events ` +
        `where kind in ('retrain', 'rollout') order by seq`,
    );
  } finally {
    await conn.run(`DETACH ${LIVE}`);
  }
  if (!rows.length) return null;
  const table = rows.map((r) => {
    const d = r.details ? (JSON.parse(r.details) as { phase?: string; weight?: number; version?: number | null }) : {};
    return {
      date: r.date ?? "",
      event: r.kind === "retrain" ? "retrain" : (d.phase ?? "rollout"),
      share: r.kind === "rollout" && typeof d.weight === "number" ? `${Math.round(d.weight * 100)} %` : "",
      message: r.message,
    };
  });
  return html`<h2>Retrains and rollouts</h2><p class="note">A retrain runs the study on data up to its day and
registers the result as challenger; a promoted model takes the book in steps (share: of the book it holds from
that day), and is rolled back when its drawdown or the book's tracking against its shadows breaches the paper
config's rollout limits.</p>${dataTable(table)}`;
}
