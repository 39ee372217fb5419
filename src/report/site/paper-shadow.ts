/**
 * Challengers in shadow beside the paper ledger's champion (`pipeline paper run` writes them to
 * data/paper/shadow/<sha256 prefix>.duckdb, src/paper/shadow.ts): both books' growth of 1 on
 * the days both recorded a return, and the paired stationary-bootstrap test of the daily active
 * return — the test the promotion rule applies, with the same seed (both models' fingerprints
 * and the last day), at 2,000 resamples — plus the promotion events the ledger recorded.
 * Both files are attached read-only for the section and detached after.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as Plot from "@observablehq/plot";
import type { DuckDBConnection } from "@duckdb/node-api";
import { createRng } from "../../core/rng.ts";
import { activeReturnSeed, activeReturnTest } from "../../quant/stats/active-return-test.ts";
import { totalReturn } from "../../quant/stats/total-return.ts";
import { maxDrawdown } from "../../quant/stats/max-drawdown.ts";
import { queryRows, sqlString } from "../../store/index.ts";
import { figure } from "../figure.ts";
import { html, join as joinHtml, type SafeHtml } from "../html.ts";
import { dataTable } from "../table.ts";
import { utcDate } from "./dates.ts";
import { LEDGER_FILE } from "./live.ts";
import type { SiteContext } from "./types.ts";

/** Where the shadow ledgers are (the writer's path, src/paper/shadow.ts: beside the ledger). */
export const SHADOW_DIR = "data/paper/shadow";

const CHAMP = "shadow_champion",
  SHADOW = "shadow_book";

/** The shadows' section of the paper page, or null when there is no shadow ledger. */
export async function shadowSection(ctx: SiteContext): Promise<SafeHtml | null> {
  const dir = join(ctx.catalog.root, SHADOW_DIR);
  const ledger = join(ctx.catalog.root, LEDGER_FILE);
  if (!existsSync(dir) || !existsSync(ledger)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".duckdb"))
    .sort();
  if (!files.length) return null;
  const parts: SafeHtml[] = [];
  await ctx.conn.run(`ATTACH ${sqlString(ledger)} AS ${CHAMP} (READ_ONLY)`);
  try {
    for (const f of files) parts.push(await oneShadow(ctx.conn, join(dir, f), f));
    parts.push(await promotionEvents(ctx.conn));
  } finally {
    await ctx.conn.run(`DETACH ${CHAMP}`);
  }
  return joinHtml([
    html`<h2>Challengers in shadow</h2><p class="note">Each challenger of the model registry runs in its own ledger `,
    html`beside the champion: same days, prices, checks and capital, on the simulated broker. Compared on the days `,
    html`both recorded a return.</p>${parts}`,
  ]);
}

interface Pair {
  date: string;
  champ: number;
  chal: number;
}

async function oneShadow(conn: DuckDBConnection, path: string, file: string): Promise<SafeHtml> {
  await conn.run(`ATTACH ${sqlString(path)} AS ${SHADOW} (READ_ONLY)`);
  try {
    const [who] = await queryRows<{ champion: string | null; fingerprint: string | null }>(
      conn,
      `select champion, fingerprint from ${SHADOW}.days where champion is not null order by date desc limit 1`,
    );
    const [mine] = await queryRows<{ fingerprint: string | null }>(
      conn,
      `select fingerprint from ${CHAMP}.days where fingerprint is not null order by date desc limit 1`,
    );
    // The promotion rule's pairs (src/paper/shadow.ts): days both books recorded, after the same previous day.
    const pairs = await queryRows<Pair>(
      conn,
      `with c as (select date, daily_return, lag(date) over (order by date) as prev from ${CHAMP}.equity),
            s as (select date, daily_return, lag(date) over (order by date) as prev from ${SHADOW}.equity)
       select c.date::VARCHAR as date, c.daily_return as champ, s.daily_return as chal
       from c join s using (date)
       where c.daily_return is not null and s.daily_return is not null and c.prev is not distinct from s.prev
       order by c.date`,
    );
    const label = `${who?.champion ?? "?"} (${file.replace(/\.duckdb$/, "")})`;
    return joinHtml([
      html`<h3>${label}</h3>${pairs.length ? curves(pairs, label) : null}`,
      testTable(pairs, mine?.fingerprint ?? "", who?.fingerprint ?? ""),
    ]);
  } finally {
    await conn.run(`DETACH ${SHADOW}`);
  }
}

function curves(pairs: Pair[], label: string): SafeHtml {
  let a = 1,
    b = 1;
  const rows = pairs.map((p) => {
    a *= 1 + Number(p.champ);
    b *= 1 + Number(p.chal);
    return { date: utcDate(p.date), champion: a, challenger: b };
  });
  const long = rows.flatMap((r) => [
    { date: r.date, series: "champion", growth: r.champion },
    { date: r.date, series: "challenger", growth: r.challenger },
  ]);
  return figure({
    title: `Champion and challenger — ${label}`,
    subtitle: "Growth of 1 over the days both books recorded a return (the first such day's return included).",
    data: rows,
    table: { maxRows: 400, digits: 6 },
    plot: {
      height: 260,
      x: { type: "utc", label: "Date" },
      y: { label: "Equity (growth of 1)", grid: true },
      color: { legend: true, domain: ["champion", "challenger"], range: ["#4e79a7", "#e15759"] },
      marks: [Plot.ruleY([1], { stroke: "#8c959f" }), Plot.lineY(long, { x: "date", y: "growth", stroke: "series" })],
    },
  });
}

function testTable(pairs: Pair[], champSha: string, chalSha: string): SafeHtml {
  if (pairs.length < 10) return html`<p class="note">${pairs.length} shared day(s): the test needs at least 10.</p>`;
  const chal = Float64Array.from(pairs, (p) => Number(p.chal));
  const champ = Float64Array.from(pairs, (p) => Number(p.champ));
  const seed = activeReturnSeed(champSha, chalSha, pairs.at(-1)!.date);
  const t = activeReturnTest(chal, champ, { rng: createRng(seed), resamples: 2000 });
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  return joinHtml([
    dataTable([
      {
        shared_days: t.n,
        champion_return: pct(totalReturn(champ)),
        challenger_return: pct(totalReturn(chal)),
        active_per_year: pct(t.annualActive),
        confidence: t.confidence.toFixed(3),
        challenger_drawdown: pct(maxDrawdown(chal)),
        block_length: t.blockLength.toFixed(2),
      },
    ]),
    html`<p class="note">Confidence: 1 − p of the one-sided paired stationary-bootstrap test that the mean daily `,
    html`active return is positive (2,000 resamples).</p>`,
  ]);
}

async function promotionEvents(conn: DuckDBConnection): Promise<SafeHtml> {
  const rows = await queryRows(
    conn,
    `select date::VARCHAR as date, message from ${CHAMP}.events where kind = 'promotion' order by seq`,
  );
  return rows.length
    ? html`<h3>Promotions</h3>${dataTable(rows)}`
    : html`<p class="note">No challenger has passed the promotion rule yet.</p>`;
}
