/**
 * The production loop of `pipeline paper run`, one trade day at a time:
 *
 *   1. the registry's champion (re-read every day) and the rollout plan (src/paper/rollout.ts):
 *      a new champion takes the book in steps, the previous one trading the rest;
 *   2. the day itself (src/paper/cycle.ts), recorded with its rollout event;
 *   3. the challengers in shadow caught up, and — `promotion.auto` — judged, so a challenger
 *      that passes becomes champion for the next day;
 *   4. during a rollout, its two shadows caught up and the rollback rule judged: a breach rolls
 *      the registry's champion back (registry first, then the ledger's event);
 *   5. the retrain policy (src/paper/retrain.ts): when due, the study runs as an experiment on
 *      data up to the day and its champion is registered as challenger.
 *
 * So a period (`--from A --to B`) walks the whole loop — retrain, shadow, promote, roll out,
 * roll back — in the order a daily cron would, and a rerun of any day derives the same state
 * from the ledger and the registry.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseDocument } from "yaml";
import { StrataError } from "../../core/errors.ts";
import { runPaperDay, type DayResult, type PaperPaths, type RunDayOptions } from "../../paper/cycle.ts";
import type { PaperConfig } from "../../paper/config.ts";
import type { EventRecord, Ledger } from "../../paper/ledger.ts";
import {
  CHAMPION,
  promoteModel,
  readRegistry,
  registerChampion,
  rollbackAlias,
  type RegisterResult,
} from "../../paper/model-registry.ts";
import { lastRetrain, retrainDue } from "../../paper/retrain.ts";
import {
  checkRollout,
  missingRolloutModel,
  planDay,
  rolloutLedgerPaths,
  rolloutState,
  type DayPlan,
  type PlanBook,
  type RolloutCheck,
  type RolloutDetails,
} from "../../paper/rollout.ts";
import type { PromotionVerdict } from "../../paper/shadow.ts";
import { Ledger as LedgerClass } from "../../paper/ledger.ts";
import { catchUp, catchUpBook, judgeShadows, paperBooks, type Books, type ShadowDay } from "./paper-shadow.ts";
import { color } from "../output.ts";

export interface LoopOptions {
  specFile: string;
  ledgerFile: string;
  ledger: Ledger;
  cfg: PaperConfig;
  paths: PaperPaths;
  /** --champion DIR given: no registry, no shadows, no rollout, no retrain. */
  explicitChampion: boolean;
  dryRun: boolean;
  /** What every day passes to runPaperDay (alerts, hooks, beforeCommit, connection). */
  day: Pick<RunDayOptions, "alert" | "hooks" | "beforeCommit" | "db">;
  /** The keys of the alerts the last day's monitoring raised (the drift trigger reads them). */
  monitorAlerts: () => readonly string[];
  /** Human progress lines (stderr), off with --json. */
  say: (line: string) => void;
}

/** What a rollout's rule found after a day. */
export interface RolloutLog extends RolloutCheck {
  date: string;
  from: number;
  to: number;
  weight: number;
  rolledBack: boolean;
}

export interface RetrainLog {
  date: string;
  reason: string;
  experiment: string;
  ok: boolean;
  registered: RegisterResult | null;
}

/** Everything the loop did beyond the days themselves, for the summary and --json. */
export interface LoopLog {
  shadowDays: ShadowDay[];
  rollouts: RolloutLog[];
  retrains: RetrainLog[];
  promotions: PromotionVerdict[];
}

export function emptyLoopLog(): LoopLog {
  return { shadowDays: [], rollouts: [], retrains: [], promotions: [] };
}

/** The registry's models as the rollout plan names them: a sha's stored folder, or null. */
function bookFinder(specFile: string): (sha256: string) => PlanBook | null {
  const { state, root } = readRegistry(specFile);
  return (sha) => {
    const v = state.versions.find((m) => m.sha256 === sha);
    return v ? { version: v.version, sha256: v.sha256, dir: `${root}/${v.artifact}` } : null;
  };
}

/** The live ledger's recorded dates from `from` on (all with no `from`). */
async function recordedDates(ledger: Ledger, from = ""): Promise<string[]> {
  return (await ledger.equityHistory()).map((e) => e.date).filter((d) => d >= from);
}

/** Day D's rollout plan from the ledger's events and the registry's champion. */
async function planFor(o: LoopOptions, books: Books, D: string): Promise<DayPlan | null> {
  if (!books.champion) return null;
  const last = await o.ledger.lastDay();
  const lastFp = last ? ((await o.ledger.day(last.date))?.fingerprint ?? null) : null;
  const state = rolloutState(await o.ledger.eventsOf(["rollout"]), lastFp);
  const find = bookFinder(o.specFile);
  const champion = find(books.champion.sha256) ?? {
    version: books.champion.version,
    sha256: books.champion.sha256,
    dir: books.champion.dir,
  };
  const since = state.active ? (await recordedDates(o.ledger, state.active.started)).filter((d) => d < D).length : 0;
  return planDay(D, state, champion, find, since, last?.date ?? null, o.cfg.rollout);
}

/** Runs day D through the loop; returns the day's result (the loop's other work goes to `log`). */
export async function runLoopDay(o: LoopOptions, D: string, log: LoopLog): Promise<DayResult> {
  const books = paperBooks(o.specFile, o.ledgerFile, o.explicitChampion, o.cfg);
  const paths = { ...o.paths, championDir: books.champion?.dir ?? o.paths.championDir };
  const plan = o.explicitChampion ? null : await planFor(o, books, D);
  const r = await runPaperDay(o.ledger, {
    ...o.day,
    date: D,
    config: o.cfg,
    paths,
    dryRun: o.dryRun,
    rollout: plan
      ? {
          previousDir: plan.from?.dir ?? null,
          weight: plan.weight,
          trade: plan.trade,
          event: plan.event,
          note: plan.note,
        }
      : undefined,
  });
  if (o.dryRun || !r.changed || o.explicitChampion) return r;
  if (books.shadows.length) {
    const days = await recordedDates(o.ledger);
    for (const s of books.shadows) log.shadowDays.push(...(await catchUp(s, days, o.cfg, paths)));
  }
  await afterRolloutDay(o, paths, D, log);
  if (o.cfg.promotion.auto && books.shadows.length) {
    const rolledBack = await rolledBackModels(o.ledger);
    const eligible = { ...books, shadows: books.shadows.filter((s) => !rolledBack.has(s.sha256)) };
    const verdicts = await judgeShadows(eligible, o.ledger, o.cfg, rolledBack);
    for (const v of verdicts.filter((x) => x.passes)) {
      log.promotions.push(v);
      o.say(`  ${color.green("promoted")} v${v.version} to champion after ${D}: it rolls out from the next day`);
    }
  }
  await retrainIfDue(o, D, log);
  return r;
}

/** Models a rollout rolled back (the live ledger's `rollout` events). */
export async function rolledBackModels(ledger: Ledger): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await ledger.eventsOf(["rollout"])) {
    const d = e.details ? (JSON.parse(e.details) as RolloutDetails) : null;
    if (d?.phase === "rollback") out.add(d.to.sha256);
  }
  return out;
}

/**
 * During a rollout, after day D: both models' shadows (seeded with the live book before the
 * rollout) caught up, the rule judged, and on a breach the champion rolled back in the
 * registry, then the `rollback` event recorded (auto_rollback; else an event and an alert).
 */
async function afterRolloutDay(o: LoopOptions, paths: PaperPaths, D: string, log: LoopLog): Promise<void> {
  const active = rolloutState(await o.ledger.eventsOf(["rollout"]), null).active;
  if (!active?.from) return;
  // A halted book does not trade, so it cannot track its shadows: the kill switch already acts.
  if ((await o.ledger.haltState()).halted) return;
  const find = bookFinder(o.specFile);
  const from = find(active.from.sha256),
    to = find(active.to.sha256);
  if (!from) throw missingRolloutModel(active.from);
  if (!to) throw missingRolloutModel(active.to);
  const files = rolloutLedgerPaths(dirname(o.ledgerFile), active);
  const days = await recordedDates(o.ledger, active.started);
  const seed = await o.ledger.stateBefore(active.started);
  // Both shadows rebalance on their first day, as the live book does when the rollout starts.
  const common = { days, seed, tradeFirst: true };
  await catchUpBook(
    { ...common, alias: "rollout-from", version: from.version, ledger: files.from, dir: from.dir },
    o.cfg,
    paths,
  );
  await catchUpBook(
    { ...common, alias: "rollout-to", version: to.version, ledger: files.to, dir: to.dir },
    o.cfg,
    paths,
  );
  const history = async (file: string) => {
    const l = await LedgerClass.open(file, { readOnly: true });
    try {
      return await l.equityHistory();
    } finally {
      l.close();
    }
  };
  const weights = await heldWeights(o.ledger, active.started);
  const check = checkRollout(
    await o.ledger.equityHistory(),
    await history(files.to),
    await history(files.from),
    active.started,
    (d) => weights.get(d) ?? 0,
    o.cfg.rollout,
  );
  const entry: RolloutLog = {
    date: D,
    from: active.from.version,
    to: active.to.version,
    weight: active.weight,
    rolledBack: false,
    ...check,
  };
  log.rollouts.push(entry);
  if (!check.breach) return;
  const why = `rollout v${active.from.version} → v${active.to.version} breached its limit on ${D}: ${check.breach}`;
  await o.day.alert?.({
    key: `paper:rollout-breach:${active.to.sha256.slice(0, 12)}`,
    severity: "critical",
    title: `Rollout of v${active.to.version}: ${o.cfg.rollout.auto_rollback ? "rolled back" : "limit breached"}`,
    message: `${why}.${o.cfg.rollout.auto_rollback ? ` v${active.from.version} is champion again.` : " Roll back with `pipeline models rollback`."}`,
    date: D,
    details: { drawdown: check.drawdown, tracking: check.tracking },
  });
  if (!o.cfg.rollout.auto_rollback) {
    await o.ledger.appendEvents([
      { date: D, kind: "rollout", severity: "critical", message: `limit breached: ${why}` },
    ]);
    return;
  }
  await rollBackChampion(o.specFile, active, why);
  const event: EventRecord = {
    date: D,
    kind: "rollout",
    severity: "warning",
    message: `rolled back: ${why}`,
    details: { ...active, phase: "rollback", weight: 0, reason: check.breach, between_days: true },
  };
  await o.ledger.appendEvents([event]);
  entry.rolledBack = true;
  o.say(`  ${color.red("rolled back")} v${active.to.version} → v${active.from.version}: ${check.breach}`);
}

/**
 * The registry's champion back to the rollout's previous model: a `rollback` event when that
 * is the version it pointed at before, else a promotion of it (the alias moved on meanwhile).
 * Nothing when the champion is no longer the rolled-out model.
 */
async function rollBackChampion(specFile: string, r: RolloutDetails, why: string): Promise<void> {
  const c = readRegistry(specFile).state.aliases.find((a) => a.alias === CHAMPION);
  if (!c || c.sha256 !== r.to.sha256) return;
  const who = "pipeline paper run";
  if (c.history.at(-2) === r.from!.version) await rollbackAlias(specFile, CHAMPION, { who, why });
  else await promoteModel(specFile, String(r.from!.version), CHAMPION, { who, why });
}

/**
 * The new model's share held over each live day since `started`: the share the previous
 * recorded day traded (its `day` event's rollout_weight; 1 after the rollout; 0 before it).
 */
async function heldWeights(ledger: Ledger, started: string): Promise<Map<string, number>> {
  const traded = new Map<string, number>();
  for (const e of await ledger.eventsOf(["day"])) {
    if (!e.date) continue;
    const w = e.details ? (JSON.parse(e.details) as { rollout_weight?: number }).rollout_weight : undefined;
    traded.set(e.date, w ?? 1);
  }
  const dates = (await recordedDates(ledger)).sort();
  const out = new Map<string, number>();
  for (let i = 0; i < dates.length; i++) {
    const prev = dates[i - 1];
    out.set(dates[i], prev !== undefined && prev >= started ? (traded.get(prev) ?? 1) : 0);
  }
  return out;
}

/** The retrain policy after day D: when due, the study on data up to D, its champion registered as challenger. */
async function retrainIfDue(o: LoopOptions, D: string, log: LoopLog): Promise<void> {
  const rule = o.cfg.retrain;
  if (rule.every_days === null && !rule.on_drift) return;
  const recorded = await recordedDates(o.ledger);
  const reason = retrainDue(rule, recorded, lastRetrain(await o.ledger.eventsOf(["retrain"])), o.monitorAlerts());
  if (!reason) return;
  const name = `retrain-${D}`;
  o.say(`  ${color.blue("retrain")} after ${D}: ${reason} — experiment ${name} on data up to ${D}`);
  const { runExperiment } = await import("./exp.ts");
  const overrides = pointInTime(o.specFile, D);
  const run = await runExperiment({
    specFile: o.specFile,
    overrides,
    name,
    targets: [...rule.targets],
    quiet: true,
  });
  let registered: RegisterResult | null = null;
  if (run.ok)
    registered = await registerChampion(o.specFile, {
      studyFile: run.specFile,
      who: "pipeline paper run",
      why: `retrained on data up to ${D}: ${reason}`,
    });
  const outcome = retrainOutcome(name, registered);
  log.retrains.push({ date: D, reason, experiment: name, ok: run.ok, registered });
  o.say(`  retrain ${name}: ${outcome}`);
  await o.ledger.appendEvents([
    {
      date: D,
      kind: "retrain",
      severity: run.ok ? "info" : "warning",
      message: `retrain on data up to ${D} (${reason}): ${outcome}`,
      details: {
        reason,
        experiment: name,
        ok: run.ok,
        version: registered && registered.status !== "none" ? registered.version : null,
      },
    },
  ]);
}

/** What a retrain came to, in words: the experiment failed (null), or what the registry made of its champion. */
function retrainOutcome(name: string, r: RegisterResult | null): string {
  if (r === null) return `the experiment failed (pipeline exp show; .pipeline/exp/${name}/)`;
  if (r.status === "none") return `no model registered: ${r.reason}`;
  return r.status === "registered"
    ? `registered v${r.version} as ${r.aliases.join(", ")}`
    : `it selected v${r.version} again (no new model)`;
}

/**
 * The overrides that cut the study's data at D: the data stage's `end`, and for the synthetic
 * source its `universeEnd` pinned to the study's end, so the cut market is the study's own
 * up to D (src/data/synthetic.ts).
 */
function pointInTime(specFile: string, D: string) {
  const doc = parseDocument(readFileSync(specFile, "utf8"));
  const stages = (doc.toJS()?.stages ?? {}) as Record<string, { uses?: string; params?: Record<string, unknown> }>;
  const names = Object.keys(stages).filter((n) => /(^|\/)data\.ts$/.test(String(stages[n].uses ?? "")));
  if (names.length !== 1)
    throw new StrataError(
      "ARGUMENT",
      `paper retrain: ${specFile} has ${names.length === 0 ? "no stage using stages/data.ts" : `several data stages (${names.join(", ")})`}`,
      { hint: "a retrain cuts the one data stage's `end` at the day; turn retrain off in the paper config" },
    );
  const name = names[0];
  const params = stages[name].params ?? {};
  const text = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === "string" ? v : null);
  const o = (key: string, value: string) => ({ stage: name, path: [key], value, key: `${name}.params.${key}` });
  const out = [o("end", D)];
  if (String(params.source ?? "synthetic") === "synthetic") {
    const pinned = text(params.universeEnd) ?? text(params.end);
    if (pinned === null)
      throw new StrataError("ARGUMENT", `paper retrain: stages.${name}.params.end is not written in ${specFile}`, {
        hint: 'write the synthetic market\'s last date there (e.g. end: "2024-12-31"): a retrain cuts it at the day',
      });
    out.push(o("universeEnd", pinned));
  }
  return out;
}
