/**
 * Gradual rollout: a newly promoted champion takes the book in steps. When the registry's
 * `champion` names another model than the one the book trades, a rollout starts: on each day
 * of step k the new model trades `steps[k]` of the book and the previous one the rest (their
 * target weights blended, src/paper/targets.ts `blendTargets`), each step lasting
 * `days_per_step` trading days, until the last step (always 1) hands it the whole book.
 *
 * State lives in the live ledger only, as `rollout` events (details: a RolloutDetails), so a
 * rerun or a new machine derives the same state from the same ledger:
 *   - `start`, `step`, `done` and a rollback noticed at a day's start are recorded in that
 *     day's transaction (src/paper/cycle.ts commits them with the day): a kill -9 anywhere
 *     leaves either the day with its step or neither;
 *   - an automatic rollback decided after a day (the rule below) is written to the registry
 *     first (`champion` back to the previous version), then recorded as a `rollback` event. A
 *     crash between the two leaves the registry's champion equal to the rollout's `from`: the
 *     next day's plan reads exactly that as a rollback, so the book ends the same either way.
 *
 * The rule, judged after every rollout day on shadow books: two ledgers seeded with the live
 * book as it stood before the rollout (rolloutLedgerPaths), one trading the new model alone
 * and one the previous model alone, on the same days, prices and checks. Rollback when
 *   - the new model's own drawdown since the rollout began falls below `max_drawdown`, or
 *   - the live book's tracking error against the blend it should be — Σ over days of
 *     w·r(new) + (1 − w)·r(previous), w the share the new model held over that day —
 *     exceeds `max_tracking` a year (√252 × the daily deviation; at least `min_days` days):
 *     the live book is not doing what the two models do in shadow.
 */
import { join } from "node:path";
import { StrataError } from "../core/errors.ts";
import { deviation } from "../quant/stats/deviation.ts";
import { maxDrawdown } from "../quant/stats/max-drawdown.ts";
import type { EquityRecord, EventRecord, LoggedEvent } from "./ledger.ts";

/** The paper config's `rollout` section. */
export interface RolloutRule {
  /** Share of the book the new model holds at each step, increasing; the last is 1. */
  steps: readonly number[];
  /** Trading days each step lasts. */
  days_per_step: number;
  /** The new model's own drawdown since the rollout began must stay above this (a negative decimal). */
  max_drawdown: number;
  /** Annualized tracking error of the live book against the blend of the two shadows. */
  max_tracking: number;
  /** Days of rollout before the tracking error is judged. */
  min_days: number;
  /** Roll back in the registry on a breach (false: an event and an alert only). */
  auto_rollback: boolean;
}

/** A registry model as a rollout names it. */
export interface ModelRef {
  version: number;
  sha256: string;
}

export type RolloutPhase = "start" | "step" | "done" | "rollback";

/** The details of a `rollout` event. */
export interface RolloutDetails {
  phase: RolloutPhase;
  from: ModelRef | null;
  to: ModelRef;
  /** Step index in force after the event (steps.length − 1 when done). */
  step: number;
  /** Share of the book `to` holds from this event on (1 when done; 0 after a rollback: `from` holds it all). */
  weight: number;
  /** First trade day of the rollout. */
  started: string;
  /** Why (rollbacks: the breach). */
  reason?: string;
}

/** The rollout in force after the ledger's events, or null. */
export interface RolloutState {
  /** The model that holds the whole book when no rollout runs (null: unknown, e.g. a new ledger). */
  current: ModelRef | null;
  active: RolloutDetails | null;
  /** Date of the last rollout event, and whether it was recorded after that day's trading (auto rollback). */
  lastEventDate: string | null;
  lastEventBetweenDays: boolean;
}

/**
 * Folds a ledger's `rollout` events (any order; applied by seq) and the last recorded day's
 * model fingerprint into the state the next day starts from.
 */
export function rolloutState(events: readonly LoggedEvent[], lastFingerprint: string | null): RolloutState {
  const mine = events.filter((e) => e.kind === "rollout" && e.details).sort((a, b) => a.seq - b.seq);
  if (!mine.length)
    return {
      current: lastFingerprint ? { version: 0, sha256: lastFingerprint } : null,
      active: null,
      lastEventDate: null,
      lastEventBetweenDays: false,
    };
  const last = mine.at(-1)!;
  const d = JSON.parse(last.details!) as RolloutDetails & { between_days?: boolean };
  const active = d.phase === "start" || d.phase === "step" ? d : null;
  const current = d.phase === "rollback" ? d.from : d.phase === "done" ? d.to : d.from;
  return { current, active, lastEventDate: last.date, lastEventBetweenDays: d.between_days === true };
}

/** A model the plan hands to the day: its ref and its stored folder. */
export interface PlanBook extends ModelRef {
  dir: string;
}

/** What one day trades: the new model with `weight` of the book, the previous one (if any) with the rest. */
export interface DayPlan {
  to: PlanBook;
  from: PlanBook | null;
  weight: number;
  /** The share changed today (or a rollback awaits its trade): trade the blend now, whatever the schedule. */
  trade: boolean;
  /** The rollout event of the day (recorded with it), or null. */
  event: EventRecord | null;
  /** The rollout in force during the day (null: none). */
  rollout: RolloutDetails | null;
  /** A sentence for the day's notes, or null. */
  note: string | null;
}

const pct = (w: number) => `${Math.round(w * 100)} %`;
const ref = (b: ModelRef): ModelRef => ({ version: b.version, sha256: b.sha256 });

/**
 * The plan of day D: `champion` is the registry's champion today, `book(sha)` finds a model's
 * stored folder (null when the registry does not know it), `daysSinceStart` counts the days the
 * ledger recorded from the active rollout's first day up to (not including) D, and
 * `lastRecorded` is the ledger's last recorded day before D.
 */
export function planDay(
  D: string,
  state: RolloutState,
  champion: PlanBook,
  book: (sha256: string) => PlanBook | null,
  daysSinceStart: number,
  lastRecorded: string | null,
  rule: RolloutRule,
): DayPlan {
  const whole = (note: string | null, trade = false, event: EventRecord | null = null): DayPlan => ({
    to: champion,
    from: null,
    weight: 1,
    trade,
    event,
    rollout: null,
    note,
  });
  const event = (d: RolloutDetails, message: string): EventRecord => ({
    date: D,
    kind: "rollout",
    severity: d.phase === "rollback" ? "warning" : "info",
    message,
    details: { ...d },
  });
  const a = state.active;
  if (!a) {
    // A rollback recorded after the last day: that day traded the blend, today the previous model takes it all.
    const pendingRollback = state.lastEventBetweenDays && state.lastEventDate !== null && lastRecorded !== null;
    const cur = state.current;
    if (!cur || cur.sha256 === champion.sha256)
      return whole(
        pendingRollback && state.lastEventDate! >= lastRecorded!
          ? `rolled back: v${champion.version} trades the whole book again`
          : null,
        pendingRollback && state.lastEventDate! >= lastRecorded!,
      );
    return startRollout(D, cur, champion, book, rule, event, whole);
  }
  if (champion.sha256 === a.to.sha256) {
    const k = Math.min(Math.floor(daysSinceStart / rule.days_per_step), rule.steps.length - 1);
    const weight = rule.steps[k];
    if (k === a.step)
      return {
        to: champion,
        from: book(a.from!.sha256),
        weight,
        trade: false,
        event: null,
        rollout: a,
        note: `rollout v${a.from!.version} → v${a.to.version}: ${pct(weight)} of the book (step ${k + 1} of ${rule.steps.length})`,
      };
    const done = weight >= 1;
    const d: RolloutDetails = { ...a, phase: done ? "done" : "step", step: k, weight };
    const msg = done
      ? `rollout done: v${a.to.version} holds the whole book (started ${a.started})`
      : `rollout v${a.from!.version} → v${a.to.version}: step ${k + 1} of ${rule.steps.length}, ${pct(weight)} of the book`;
    if (done) return whole(msg, true, event(d, msg));
    return {
      to: champion,
      from: book(a.from!.sha256),
      weight,
      trade: true,
      event: event(d, msg),
      rollout: d,
      note: msg,
    };
  }
  if (a.from && champion.sha256 === a.from.sha256) {
    // The registry's champion went back to the previous model (a rollback by hand, or an
    // automatic one whose ledger event a crash lost): the previous model takes the book today.
    const why = `the registry's champion is v${a.from.version} again`;
    const d: RolloutDetails = { ...a, phase: "rollback", weight: 0, reason: why };
    const msg = `rollout v${a.from.version} → v${a.to.version} rolled back: ${why}`;
    return whole(msg, true, event(d, msg));
  }
  // A third model while a rollout runs: it rolls out from the model holding the larger share.
  const holder = a.weight >= 0.5 || !a.from ? a.to : a.from;
  return startRollout(D, holder, champion, book, rule, event, whole);
}

function startRollout(
  D: string,
  cur: ModelRef,
  champion: PlanBook,
  book: (sha256: string) => PlanBook | null,
  rule: RolloutRule,
  event: (d: RolloutDetails, message: string) => EventRecord,
  whole: (note: string | null, trade?: boolean, event?: EventRecord | null) => DayPlan,
): DayPlan {
  const prev = book(cur.sha256);
  const weight = rule.steps[0];
  if (!prev || weight >= 1) {
    const why = !prev
      ? `the previous model (${cur.sha256.slice(0, 12)}) is not in the registry, so nothing can trade it`
      : "rollout.steps is [1]";
    const d: RolloutDetails = {
      phase: "done",
      from: prev ? ref(prev) : null,
      to: ref(champion),
      step: 0,
      weight: 1,
      started: D,
    };
    const msg = `v${champion.version} takes the whole book at once: ${why}`;
    return whole(msg, true, event(d, msg));
  }
  const d: RolloutDetails = { phase: "start", from: ref(prev), to: ref(champion), step: 0, weight, started: D };
  const msg =
    `rollout v${prev.version} → v${champion.version} starts: ${pct(weight)} of the book, ` +
    `then ${rule.steps.slice(1).map(pct).join(" → ")} every ${rule.days_per_step} trading day(s)`;
  return { to: champion, from: prev, weight, trade: true, event: event(d, msg), rollout: d, note: msg };
}

/** Checks the `rollout` section: increasing shares in (0, 1], the last 1. */
export function checkRolloutSteps(steps: readonly number[]): string | null {
  if (!steps.length) return "steps is empty; expected shares such as [0.25, 0.5, 1]";
  for (let i = 0; i < steps.length; i++) {
    if (!(steps[i] > 0 && steps[i] <= 1)) return `steps[${i}] = ${steps[i]} is not a share in (0, 1]`;
    if (i > 0 && !(steps[i] > steps[i - 1])) return `steps must increase: ${steps[i - 1]} then ${steps[i]}`;
  }
  if (steps.at(-1) !== 1)
    return `the last step is ${steps.at(-1)}; it must be 1 (the new model ends with the whole book)`;
  return null;
}

/** Shadow ledgers of a rollout: one per model, under the live ledger's folder, named by start date and models. */
export function rolloutLedgerPaths(ledgerDir: string, r: RolloutDetails): { from: string; to: string } {
  const base = join(ledgerDir, "rollout", `${r.started}-${r.to.sha256.slice(0, 12)}`);
  return { from: join(base, `from-${r.from!.sha256.slice(0, 12)}.duckdb`), to: join(base, "to.duckdb") };
}

export interface RolloutCheck {
  days: number;
  /** The new model's drawdown over the rollout, from its shadow (null before its first day). */
  drawdown: number | null;
  /** Annualized tracking error of the live book against the shadows' blend (null before min_days). */
  tracking: number | null;
  breach: string | null;
}

/**
 * The rollback rule over the rollout's days: `live`, `toShadow` and `fromShadow` are the three
 * equity histories, `weightHeld(date)` the new model's share held over that day (the share
 * traded at the previous day's close; 0 on the first day, when the book was still the old one).
 */
export function checkRollout(
  live: readonly EquityRecord[],
  toShadow: readonly EquityRecord[],
  fromShadow: readonly EquityRecord[],
  started: string,
  weightHeld: (date: string) => number,
  rule: RolloutRule,
): RolloutCheck {
  const since = (h: readonly EquityRecord[]) => h.filter((e) => e.date >= started && e.dailyReturn !== null);
  const to = new Map(since(toShadow).map((e) => [e.date, e.dailyReturn!]));
  const from = new Map(since(fromShadow).map((e) => [e.date, e.dailyReturn!]));
  const days = since(live).filter((e) => to.has(e.date) && from.has(e.date));
  const toReturns = since(toShadow).map((e) => e.dailyReturn!);
  const drawdown = toReturns.length ? maxDrawdown(toReturns) : null;
  const diffs = days.map((e) => {
    const w = weightHeld(e.date);
    return e.dailyReturn! - (w * to.get(e.date)! + (1 - w) * from.get(e.date)!);
  });
  const tracking = diffs.length >= Math.max(2, rule.min_days) ? deviation(diffs) * Math.sqrt(252) : null;
  let breach: string | null = null;
  if (drawdown !== null && drawdown < rule.max_drawdown)
    breach = `the new model's drawdown ${(drawdown * 100).toFixed(2)} % is beyond ${(rule.max_drawdown * 100).toFixed(1)} %`;
  else if (tracking !== null && tracking > rule.max_tracking)
    breach =
      `the live book's tracking error against its shadows is ${(tracking * 100).toFixed(2)} % a year, ` +
      `above ${(rule.max_tracking * 100).toFixed(2)} %`;
  return { days: days.length, drawdown, tracking, breach };
}

/** An error for a rollout the registry cannot serve (a model without a stored copy). */
export function missingRolloutModel(r: ModelRef): StrataError {
  return new StrataError(
    "DATA",
    `paper run: the rollout's model v${r.version} (${r.sha256.slice(0, 12)}) has no stored copy`,
    {
      hint: "restore the models/ folder (git checkout models/), or roll the champion back with `pipeline models rollback`",
    },
  );
}
