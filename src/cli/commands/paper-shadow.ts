/**
 * The model registry's part in `pipeline paper run` (src/paper/shadow.ts): which model trades
 * (the registry's `champion`, unless --champion names a folder), the challengers run in shadow
 * ledgers on each day the champion ran, and the promotion rule applied once the days are done.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { runPaperDay, type DayResult, type PaperPaths } from "../../paper/cycle.ts";
import type { PaperConfig } from "../../paper/config.ts";
import { Ledger, type LedgerSnapshot } from "../../paper/ledger.ts";
import { promoteModel } from "../../paper/model-registry.ts";
import {
  promotionVerdict,
  registryBooks,
  verdictText,
  type Book,
  type PromotionVerdict,
  type ShadowBook,
} from "../../paper/shadow.ts";
import { color } from "../output.ts";

export interface Books {
  specFile: string;
  /** The registry's champion (null: no registry, no champion alias, or --champion given). */
  champion: Book | null;
  shadows: ShadowBook[];
}

/** The books of a paper run: none from the registry when `championDir` was given explicitly. */
export function paperBooks(specFile: string, ledgerFile: string, explicitChampion: boolean, cfg: PaperConfig): Books {
  if (explicitChampion) return { specFile, champion: null, shadows: [] };
  const { champion, shadows } = registryBooks(specFile, dirname(ledgerFile));
  for (const b of [champion, ...shadows]) {
    if (b && !existsSync(join(b.dir, "champion.json"))) {
      throw new StrataError(
        "DATA",
        `paper run: the registry's ${b.alias} v${b.version} has no stored copy in ${b.dir}`,
        {
          hint: "restore the models/ folder (it is tracked: git checkout models/), or pass --champion data/champion",
        },
      );
    }
  }
  return { specFile, champion, shadows: champion && cfg.shadow ? shadows : [] };
}

export interface ShadowDay {
  alias: string;
  version: number;
  date: string;
  status: DayResult["status"] | "error";
  equity: number | null;
  message: string;
}

/** One book brought up to the live ledger's days (see catchUp). */
export interface CatchUpOptions {
  alias: string;
  version: number;
  /** Its ledger file and the folder of its model. */
  ledger: string;
  dir: string;
  /** The live ledger's recorded days to bring it to (it runs those after its own last day). */
  days: readonly string[];
  /** An empty ledger starts from this book (a rollout's shadows start from the live book). */
  seed?: LedgerSnapshot | null;
  /** Rebalance on the first day it runs, whatever the schedule (a seeded book holds another model's book). */
  tradeFirst?: boolean;
}

/**
 * A shadow book brought up to the live ledger: every day the champion recorded after the
 * shadow's last day, in order, in the shadow's own ledger on the simulated broker. The simulated
 * broker fills on the trade day's bar, so when the champion trades live (Alpaca) before that bar
 * exists, the shadow fails that day and runs it on a later run (it is the last day). A failure
 * is reported, not thrown — a shadow never fails the champion's day — and the later days run.
 */
export async function catchUpBook(o: CatchUpOptions, cfg: PaperConfig, paths: PaperPaths): Promise<ShadowDay[]> {
  const out: ShadowDay[] = [];
  const ledger = await Ledger.open(o.ledger, { capital: cfg.capital });
  try {
    let last = (await ledger.lastDay())?.date ?? "";
    if (!last && o.seed) {
      await ledger.seed(o.seed, `seeded from the live book of ${o.seed.date}`);
      last = o.seed.date;
    }
    let first = true;
    for (const date of o.days.filter((d) => d > last)) {
      const day = { alias: o.alias, version: o.version, date };
      try {
        const r = await runPaperDay(ledger, {
          date,
          config: { ...cfg, broker: { ...cfg.broker, kind: "sim" } },
          paths: { ...paths, championDir: o.dir },
          rollout:
            first && o.tradeFirst && last === o.seed?.date
              ? { previousDir: null, weight: 1, trade: true, event: null, note: "first day of a rollout shadow" }
              : undefined,
        });
        first = false;
        out.push({ ...day, status: r.status, equity: r.account?.equity ?? null, message: r.message });
      } catch (e) {
        // The day is left out (a gap in the shadow, as in a live ledger) and the next one runs:
        // a day that can never pass (a held name without a price at its decision close) must not
        // stop the shadow for good. The promotion rule skips the day after a gap.
        out.push({ ...day, status: "error", equity: null, message: (e as Error).message });
      }
    }
  } finally {
    ledger.close();
  }
  return out;
}

/**
 * One challenger brought up to the champion's recorded days after its training data ends, in
 * its own shadow ledger.
 */
export function catchUp(s: ShadowBook, championDays: readonly string[], cfg: PaperConfig, paths: PaperPaths) {
  const days = s.dataEnd === null ? championDays : championDays.filter((d) => d > s.dataEnd!);
  return catchUpBook({ alias: s.alias, version: s.version, ledger: s.ledger, dir: s.dir, days }, cfg, paths);
}

/**
 * The promotion rule for every shadowed challenger, on the champion's and its recorded days. A
 * challenger that passes is promoted to champion in the registry (`auto`), or proposed; either
 * is recorded as a `promotion` event in the champion's ledger.
 */
export async function judgeShadows(
  books: Books,
  ledger: Ledger,
  cfg: PaperConfig,
  /** Models a rollout rolled back: proposed, never promoted automatically again. */
  rolledBack: ReadonlySet<string> = new Set(),
): Promise<PromotionVerdict[]> {
  if (!books.champion || !books.shadows.length) return [];
  const mine = await ledger.equityHistory();
  const verdicts: PromotionVerdict[] = [];
  for (const s of books.shadows) {
    // No shadow day has run yet (every day of the run was a holiday): an empty history.
    const shadow = existsSync(s.ledger) ? await Ledger.open(s.ledger, { readOnly: true }) : null;
    let v: PromotionVerdict;
    try {
      const theirs = shadow ? await shadow.equityHistory() : [];
      v = promotionVerdict(s, books.champion.sha256, mine, theirs, cfg.promotion);
    } finally {
      shadow?.close();
    }
    verdicts.push(v);
    if (!v.passes || (!cfg.promotion.auto && (await proposedAlready(ledger, s.sha256, v.days)))) continue;
    const promoted =
      cfg.promotion.auto && !rolledBack.has(s.sha256)
        ? (
            await promoteModel(books.specFile, String(s.version), "champion", {
              who: "pipeline paper run",
              why: verdictText(v),
            })
          ).changed
        : false;
    await ledger.appendEvents([
      {
        date: mine.at(-1)?.date ?? null,
        kind: "promotion",
        severity: "info",
        message:
          `${promoted ? "promoted" : "proposed for promotion"}: ${verdictText(v)}` +
          (cfg.promotion.auto && !promoted ? " (rolled back once: promote it by hand)" : ""),
        details: {
          alias: s.alias,
          version: s.version,
          sha256: s.sha256,
          promoted,
          days: v.days,
          confidence: v.test?.confidence,
        },
      },
    ]);
  }
  return verdicts;
}

/** Whether the ledger already records this proposal (same model, same shared days): a rerun adds none. */
async function proposedAlready(ledger: Ledger, sha256: string, days: number): Promise<boolean> {
  return (await ledger.eventsOf(["promotion"])).some((e) => {
    const d = e.details ? (JSON.parse(e.details) as { sha256?: string; days?: number }) : {};
    return d.sha256 === sha256 && d.days === days;
  });
}

/**
 * The shadows of a run: each challenger caught up with the champion's recorded days (into
 * `days`), then the promotion rule over the ledgers.
 */
export async function shadowPeriod(
  books: Books,
  cfg: PaperConfig,
  paths: PaperPaths,
  ledger: Ledger,
  days: ShadowDay[],
  rolledBack: ReadonlySet<string> = new Set(),
): Promise<PromotionVerdict[]> {
  if (!books.shadows.length) return [];
  const recorded = (await ledger.equityHistory()).map((e) => e.date);
  for (const s of books.shadows) days.push(...(await catchUp(s, recorded, cfg, paths)));
  return judgeShadows(books, ledger, cfg, rolledBack);
}

/** Human lines for the shadows and verdicts (stdout). */
export function printShadows(days: ShadowDay[], verdicts: PromotionVerdict[], auto: boolean): void {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  const last = new Map(days.map((d) => [`${d.alias}`, d]));
  for (const d of last.values()) {
    const eq = d.equity === null ? "" : `, equity ${d.equity.toFixed(2)}`;
    w(`  shadow ${d.alias} v${d.version}: ${d.status}${eq}${d.status === "error" ? ` (${d.message})` : ""}`);
  }
  for (const v of verdicts) {
    if (!v.passes) w(`  ${color.dim(`promotion: ${verdictText(v)}`)}`);
    else if (auto) w(`  ${color.green("promoted")} to champion: ${verdictText(v)}`);
    else
      w(
        `  ${color.yellow("proposed")}: ${verdictText(v)} — ` +
          `pipeline models promote ${v.version} --as champion --why "shadow test passed"`,
      );
  }
}

/** The JSON of the books for `paper run --json`. */
export function shadowJson(books: Books, days: ShadowDay[], verdicts: PromotionVerdict[]) {
  return {
    champion: books.champion ? { alias: books.champion.alias, version: books.champion.version } : null,
    shadows: books.shadows.map((s) => ({
      alias: s.alias,
      version: s.version,
      ledger: s.ledger,
      recorded: days.filter((d) => d.alias === s.alias && d.status !== "error" && d.status !== "already_done").length,
      days: days.filter((d) => d.alias === s.alias),
    })),
    promotion: verdicts,
  };
}
