/**
 * Champion–challenger in shadow. The registry's `champion` alias (model-registry.ts) is the
 * model paper trading trades; every other alias pointing at another model (`challenger`, or a
 * name of the user's) runs beside it in its own shadow ledger: the same days, the same prices
 * and features, the same schedule, sizing and safety checks, always on the simulated broker and
 * with the same starting capital — so nothing is sent anywhere and the two books differ only by
 * their model. A challenger is shadowed only on days after the last date of its training data
 * (its lineage's data end): earlier days would judge it on data it was fit to. A shadow ledger belongs to one model (its file is named by the model's sha256):
 * when an alias moves to another model, that model's shadow starts afresh.
 *
 * After each day the promotion rule (the paper config's `promotion`) judges each challenger on
 * the days both books recorded: at least `min_days` of them, a positive mean daily active return
 * and the paired stationary-bootstrap test of it (activeReturnTest) at `confidence`, and the challenger's
 * drawdown over those days no worse than `max_drawdown`. A challenger that passes is proposed
 * (printed, and recorded as an event in the champion's ledger) — or, with `auto: true`,
 * promoted to `champion` in the registry, with the test's figures as the reason.
 */
import { join } from "node:path";
import { createRng } from "../core/rng.ts";
import { activeReturnSeed, activeReturnTest, type ActiveReturnTest } from "../quant/stats/active-return-test.ts";
import { totalReturn } from "../quant/stats/total-return.ts";
import { maxDrawdown } from "../quant/stats/max-drawdown.ts";
import type { EquityRecord } from "./ledger.ts";
import { CHAMPION, readRegistry, type RegistryState } from "./model-registry.ts";

/** A model paper trading runs: the champion for capital, or a challenger in shadow. */
export interface Book {
  alias: string;
  version: number;
  sha256: string;
  /** Folder holding its champion.json and model.json (the registry's stored copy). */
  dir: string;
}

export interface ShadowBook extends Book {
  /** Its own ledger, named by the model. */
  ledger: string;
  /**
   * The last date of the data it was built from (its lineage), or null when unknown: it is
   * shadowed only on later days — a day its training data covers would judge it in sample.
   */
  dataEnd: string | null;
}

/** The registry's champion (null without a registry or a champion alias) and the models to shadow beside it. */
export function registryBooks(specFile: string, ledgerDir: string): { champion: Book | null; shadows: ShadowBook[] } {
  const { state, root } = readRegistry(specFile);
  return booksOf(state, root, ledgerDir);
}

export function booksOf(
  state: RegistryState,
  root: string,
  ledgerDir: string,
): { champion: Book | null; shadows: ShadowBook[] } {
  const book = (alias: string, sha256: string, version: number): Book => {
    const v = state.versions.find((m) => m.sha256 === sha256);
    return { alias, version, sha256, dir: join(root, v?.artifact ?? `models/${sha256}`) };
  };
  const c = state.aliases.find((a) => a.alias === CHAMPION);
  const champion = c ? book(CHAMPION, c.sha256, c.version) : null;
  const shadows = state.aliases
    .filter((a) => a.alias !== CHAMPION && a.sha256 !== c?.sha256)
    .map((a) => ({
      ...book(a.alias, a.sha256, a.version),
      ledger: shadowLedgerPath(ledgerDir, a.sha256),
      dataEnd: state.versions.find((m) => m.sha256 === a.sha256)?.lineage?.data?.end ?? null,
    }));
  return { champion, shadows };
}

export function shadowLedgerPath(ledgerDir: string, sha256: string): string {
  return join(ledgerDir, "shadow", `${sha256.slice(0, 16)}.duckdb`);
}

export interface PromotionRule {
  /** Days both books recorded before a challenger is judged. */
  min_days: number;
  /** 1 − p of the one-sided test that the mean active return is positive. */
  confidence: number;
  /** The challenger's drawdown over those days must be above this (a negative decimal). */
  max_drawdown: number;
  /** Bootstrap resamples. */
  resamples: number;
  /** Promote in the registry when the rule holds (default: propose only). */
  auto: boolean;
}

export interface PromotionVerdict {
  alias: string;
  version: number;
  /** Days both ledgers recorded a return for. */
  days: number;
  test: ActiveReturnTest | null;
  /** Compounded returns of both books over those days, and the challenger's max drawdown. */
  challengerReturn: number | null;
  championReturn: number | null;
  challengerDrawdown: number | null;
  passes: boolean;
  /** Why it does not pass yet (empty when it does). */
  reasons: string[];
}

/**
 * The rule applied to one challenger: its equity history and the champion's, on the dates both
 * recorded a daily return. The bootstrap is seeded by the two models and the last date, so the
 * verdict of a day is the same on every rerun.
 */
export function promotionVerdict(
  shadow: Book,
  championSha: string,
  champion: readonly EquityRecord[],
  challenger: readonly EquityRecord[],
  rule: PromotionRule,
): PromotionVerdict {
  const mine = new Map(challenger.filter((e) => e.dailyReturn !== null).map((e) => [e.date, e.dailyReturn!]));
  // A day counts when both books recorded it and the day before it: after a day one of them
  // skipped (a failed shadow day), its return spans two days and would not pair with the other's.
  const before = (h: readonly EquityRecord[]) => new Map(h.map((e, i) => [e.date, i ? h[i - 1].date : null]));
  const prevChampion = before(champion),
    prevChallenger = before(challenger);
  const pairs = champion.filter(
    (e) => e.dailyReturn !== null && mine.has(e.date) && prevChampion.get(e.date) === prevChallenger.get(e.date),
  );
  const chal = Float64Array.from(pairs, (e) => mine.get(e.date)!);
  const champ = Float64Array.from(pairs, (e) => e.dailyReturn!);
  const base = { alias: shadow.alias, version: shadow.version, days: pairs.length };
  if (pairs.length < Math.max(10, rule.min_days)) {
    return {
      ...base,
      test: null,
      challengerReturn: null,
      championReturn: null,
      challengerDrawdown: null,
      passes: false,
      reasons: [`${pairs.length} of ${rule.min_days} shadow days`],
    };
  }
  const seed = activeReturnSeed(championSha, shadow.sha256, pairs.at(-1)!.date);
  const test = activeReturnTest(chal, champ, { rng: createRng(seed), resamples: rule.resamples });
  const dd = maxDrawdown(chal);
  const reasons: string[] = [];
  // The bootstrap's confidence can exceed ½ with a negative mean when the resampled means are
  // skewed and the mean is near 0: a challenger that trailed the champion never passes.
  if (!(test.meanActive > 0))
    reasons.push(`its mean active return ${(test.annualActive * 100).toFixed(2)} % a year is not positive`);
  if (test.confidence < rule.confidence)
    reasons.push(`confidence ${test.confidence.toFixed(3)} < ${rule.confidence} that it beats the champion`);
  if (!(dd > rule.max_drawdown))
    reasons.push(`drawdown ${(dd * 100).toFixed(1)} % beyond ${(rule.max_drawdown * 100).toFixed(1)} %`);
  return {
    ...base,
    test,
    challengerReturn: totalReturn(chal),
    championReturn: totalReturn(champ),
    challengerDrawdown: dd,
    passes: reasons.length === 0,
    reasons,
  };
}

/** The sentence the registry records as the reason of an automatic promotion (and the CLI prints). */
export function verdictText(v: PromotionVerdict): string {
  if (!v.test) return `v${v.version} (${v.alias}): ${v.reasons.join("; ")}`;
  const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(2)} %`);
  return (
    `v${v.version} (${v.alias}) over ${v.days} shadow days: ${pct(v.challengerReturn)} vs the champion's ` +
    `${pct(v.championReturn)}, active ${pct(v.test.annualActive)} a year, confidence ${v.test.confidence.toFixed(3)}, ` +
    `drawdown ${pct(v.challengerDrawdown)}` +
    (v.passes ? "" : ` — not yet: ${v.reasons.join("; ")}`)
  );
}
