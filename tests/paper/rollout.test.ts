/**
 * Gradual rollout (src/paper/rollout.ts): the day plan as a state machine over the ledger's
 * rollout events, the rollback rule against hand-computed figures, and the blended targets
 * (src/paper/targets.ts blendTargets) against weights worked out by hand.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkRollout,
  checkRolloutSteps,
  planDay,
  rolloutState,
  type PlanBook,
  type RolloutDetails,
  type RolloutRule,
} from "../../src/paper/rollout.ts";
import { blendTargets, targetWeights } from "../../src/paper/targets.ts";
import { bookParamsShape } from "../../src/quant/backtest/book-params.ts";
import { pricePanel } from "../../src/quant/backtest/panel.ts";
import type { ChampionParams } from "../../src/paper/champion.ts";
import type { DecisionMarket } from "../../src/paper/market.ts";
import type { EquityRecord, LoggedEvent } from "../../src/paper/ledger.ts";
import { paperConfig } from "../../src/paper/config.ts";

const RULE: RolloutRule = {
  steps: [0.25, 0.5, 1],
  days_per_step: 5,
  max_drawdown: -0.1,
  max_tracking: 0.05,
  min_days: 5,
  auto_rollback: true,
};
const F: PlanBook = { version: 1, sha256: "f".repeat(64), dir: "/m/f" };
const T: PlanBook = { version: 2, sha256: "a".repeat(64), dir: "/m/t" };
const X: PlanBook = { version: 3, sha256: "b".repeat(64), dir: "/m/x" };
const find = (sha: string) => [F, T, X].find((b) => b.sha256 === sha) ?? null;
const ref = (b: PlanBook) => ({ version: b.version, sha256: b.sha256 });

let seq = 0;
const logged = (date: string, d: RolloutDetails & { between_days?: boolean }): LoggedEvent => ({
  seq: ++seq,
  date,
  kind: "rollout",
  severity: "info",
  message: d.phase,
  details: JSON.stringify(d),
  recorded_at: "",
});
const active = (step: number, weight: number): RolloutDetails => ({
  phase: step === 0 ? "start" : "step",
  from: ref(F),
  to: ref(T),
  step,
  weight,
  started: "2024-03-04",
});

describe("rollout plan", () => {
  it("a new ledger, or the champion it already trades: the whole book, no event", () => {
    const fresh = planDay("2024-03-04", rolloutState([], null), T, find, 0, null, RULE);
    expect(fresh).toMatchObject({ to: T, from: null, weight: 1, trade: false, event: null });
    const same = planDay("2024-03-04", rolloutState([], T.sha256), T, find, 0, "2024-03-01", RULE);
    expect(same).toMatchObject({ weight: 1, trade: false, event: null });
  });

  it("a new champion starts at the first step, trading today, with a start event", () => {
    const p = planDay("2024-03-04", rolloutState([], F.sha256), T, find, 0, "2024-03-01", RULE);
    expect(p).toMatchObject({ to: T, from: F, weight: 0.25, trade: true });
    expect(p.event).toMatchObject({ date: "2024-03-04", kind: "rollout" });
    expect(p.event!.details).toMatchObject({ phase: "start", from: ref(F), to: ref(T), step: 0, weight: 0.25 });
  });

  it("steps every days_per_step recorded days; the last step ends the rollout", () => {
    const st = rolloutState([logged("2024-03-04", active(0, 0.25))], T.sha256);
    expect(st.active).toMatchObject({ phase: "start", weight: 0.25 });
    // Days 1–4 after the start: still step 0, no event, no forced trade.
    const hold = planDay("2024-03-08", st, T, find, 4, "2024-03-07", RULE);
    expect(hold).toMatchObject({ from: F, weight: 0.25, trade: false, event: null });
    // The 5th recorded day since the start: step 1.
    const step = planDay("2024-03-11", st, T, find, 5, "2024-03-08", RULE);
    expect(step).toMatchObject({ from: F, weight: 0.5, trade: true });
    expect(step.event!.details).toMatchObject({ phase: "step", step: 1, weight: 0.5 });
    const st2 = rolloutState([logged("2024-03-04", active(0, 0.25)), logged("2024-03-11", active(1, 0.5))], T.sha256);
    const done = planDay("2024-03-18", st2, T, find, 10, "2024-03-15", RULE);
    expect(done).toMatchObject({ from: null, weight: 1, trade: true });
    expect(done.event!.details).toMatchObject({ phase: "done", weight: 1 });
    // After the done event the new model is the book's model: nothing more happens.
    const after = rolloutState([logged("2024-03-18", { ...active(2, 1), phase: "done" })], T.sha256);
    expect(after).toMatchObject({ current: ref(T), active: null });
    expect(planDay("2024-03-19", after, T, find, 0, "2024-03-18", RULE)).toMatchObject({ weight: 1, event: null });
  });

  it("the registry's champion back on the previous model during a rollout is a rollback, traded at once", () => {
    const st = rolloutState([logged("2024-03-04", active(0, 0.25))], T.sha256);
    const p = planDay("2024-03-06", st, F, find, 2, "2024-03-05", RULE);
    expect(p).toMatchObject({ to: F, from: null, weight: 1, trade: true });
    expect(p.event!.details).toMatchObject({ phase: "rollback", weight: 0, from: ref(F), to: ref(T) });
  });

  it("an automatic rollback recorded after a day: the next day trades the previous model whole, once", () => {
    const events = [
      logged("2024-03-04", active(0, 0.25)),
      logged("2024-03-06", { ...active(0, 0.25), phase: "rollback", weight: 0, between_days: true }),
    ];
    const st = rolloutState(events, T.sha256);
    expect(st).toMatchObject({ current: ref(F), active: null, lastEventBetweenDays: true });
    const next = planDay("2024-03-07", st, F, find, 0, "2024-03-06", RULE);
    expect(next).toMatchObject({ to: F, weight: 1, trade: true, event: null });
    const later = planDay("2024-03-08", st, F, find, 0, "2024-03-07", RULE);
    expect(later).toMatchObject({ weight: 1, trade: false });
  });

  it("a third model during a rollout rolls out from the model holding the larger share", () => {
    const early = planDay(
      "2024-03-06",
      rolloutState([logged("2024-03-04", active(0, 0.25))], T.sha256),
      X,
      find,
      2,
      "2024-03-05",
      RULE,
    );
    expect(early.event!.details).toMatchObject({ phase: "start", from: ref(F), to: ref(X) });
    const late = planDay(
      "2024-03-12",
      rolloutState([logged("2024-03-11", active(1, 0.5))], T.sha256),
      X,
      find,
      6,
      "2024-03-11",
      RULE,
    );
    expect(late.event!.details).toMatchObject({ phase: "start", from: ref(T), to: ref(X) });
  });

  it("steps [1], or a previous model the registry does not know: the switch is at once, and says why", () => {
    const once = planDay("2024-03-04", rolloutState([], F.sha256), T, find, 0, "2024-03-01", { ...RULE, steps: [1] });
    expect(once).toMatchObject({ weight: 1, from: null, trade: true });
    expect(once.event!.details).toMatchObject({ phase: "done" });
    const unknown = planDay("2024-03-04", rolloutState([], "c".repeat(64)), T, find, 0, "2024-03-01", RULE);
    expect(unknown.note).toMatch(/not in the registry/);
    expect(unknown.event!.details).toMatchObject({ phase: "done", from: null });
  });

  it("steps must increase within (0, 1] and end at 1", () => {
    expect(checkRolloutSteps([0.25, 0.5, 1])).toBeNull();
    expect(checkRolloutSteps([0.5, 0.25, 1])).toMatch(/increase/);
    expect(checkRolloutSteps([0.25, 0.5])).toMatch(/must be 1/);
    expect(checkRolloutSteps([0, 1])).toMatch(/\(0, 1\]/);
    expect(() => paperConfig({ rollout: { steps: [0.5, 0.9] } })).toThrow(/must be 1/);
  });
});

describe("rollback rule", () => {
  const days = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-11"];
  const eq = (returns: number[]): EquityRecord[] =>
    returns.map((r, i) => ({
      date: days[i],
      cash: 0,
      positionsValue: 0,
      equity: 1,
      dailyReturn: r,
      costs: 0,
      turnover: 0,
      regime: null,
    }));
  const to = [0.01, -0.02, 0.015, 0.0, 0.005, -0.01];
  const from = [0.002, 0.001, -0.004, 0.003, 0.0, 0.002];
  // Share of the new model held over each day: 0 on the first (the old book), then 0.25.
  const w = [0, 0.25, 0.25, 0.25, 0.25, 0.5];
  const exact = to.map((r, i) => w[i] * r + (1 - w[i]) * from[i]);
  const held = (d: string) => w[days.indexOf(d)];

  it("a live book that is the blend of its shadows tracks them exactly", () => {
    const c = checkRollout(eq(exact), eq(to), eq(from), days[0], held, RULE);
    expect(c.days).toBe(6);
    expect(c.tracking).toBeCloseTo(0, 12);
    // The new model's drawdown over the rollout, by hand: peak 1.01 after day 1, trough
    // 1.01 × 0.98 = 0.9898 after day 2 → −2 %; later days stay above: −0.02.
    expect(c.drawdown).toBeCloseTo(-0.02, 12);
    expect(c.breach).toBeNull();
  });

  it("tracking error = √252 × the sample deviation of live − blend, and breaches above the limit", () => {
    const gap = [0.001, -0.001, 0.002, -0.002, 0.0, 0.003];
    const live = exact.map((r, i) => r + gap[i]);
    // Hand: mean of gap = 0.003 / 6 = 0.0005; squared deviations 0.25, 2.25, 2.25, 6.25, 0.25, 6.25 (× 1e-6)
    // sum 17.5e-6, / 5 = 3.5e-6, sd = 0.0018708…, × √252 = 0.029698…
    const c = checkRollout(eq(live), eq(to), eq(from), days[0], held, RULE);
    expect(c.tracking).toBeCloseTo(Math.sqrt(3.5e-6) * Math.sqrt(252), 10);
    expect(c.tracking).toBeCloseTo(0.029698, 5);
    expect(c.breach).toBeNull();
    const tight = checkRollout(eq(live), eq(to), eq(from), days[0], held, { ...RULE, max_tracking: 0.02 });
    expect(tight.breach).toMatch(/tracking error .* 2\.97 % a year, above 2\.00 %/);
    // Fewer days than min_days: not judged yet.
    expect(checkRollout(eq(live), eq(to), eq(from), days[0], held, { ...RULE, min_days: 7 }).tracking).toBeNull();
  });

  it("the new model's drawdown beyond the limit breaches", () => {
    const c = checkRollout(eq(exact), eq(to), eq(from), days[0], held, { ...RULE, max_drawdown: -0.015 });
    expect(c.breach).toMatch(/drawdown -2\.00 % is beyond -1\.5 %/);
  });
});

describe("blended targets", () => {
  // Six names, 60 days of returns alternating ±1 % (every name has a full window).
  const names = ["A", "B", "C", "D", "E", "F"];
  const dates: number[] = [],
    syms: string[] = [],
    close: number[] = [];
  for (let t = 0; t < 60; t++)
    names.forEach((s, i) => {
      dates.push(t);
      syms.push(s);
      close.push(100 * (1 + 0.01 * (((t + i) % 2) * 2 - 1)) ** t);
    });
  const panel = pricePanel(dates, syms, close);
  const market: DecisionMarket = {
    decisionDate: "2024-03-01",
    panel,
    sectors: null,
    adv: new Map(),
    regime: null,
    bad: [],
  };
  const params = (o: Record<string, unknown> = {}) =>
    z.object(bookParamsShape).parse({
      optimizer: "equal_weight",
      selection: { top: 2 },
      covariance: { window: 40 },
      constraints: { max_weight: 1 },
      ...o,
    }) as ChampionParams;
  const scores = (order: string[]) => ({
    bySymbol: new Map(order.map((s, k) => [s, order.length - k])),
    rows: order.length,
    source: "model" as const,
  });
  const up = scores(["A", "B", "C", "D", "E", "F"]),
    down = scores(["F", "E", "D", "C", "B", "A"]);
  const flat = new Float64Array(6);

  it("each model's book scaled by its share: 25 % of {A, B} at ½ each, 75 % of {E, F} at ½ each", () => {
    const r = blendTargets(
      market,
      [
        { scores: up, params: params(), share: 0.25 },
        { scores: down, params: params(), share: 0.75 },
      ],
      flat,
    );
    expect(Array.from(r.weights)).toEqual([0.125, 0.125, 0, 0, 0.375, 0.375]);
    expect(r.expectedNet).toBe(1);
    // A share of 1 is the model's own targets.
    const alone = blendTargets(market, [{ scores: up, params: params(), share: 1 }], flat);
    expect(Array.from(alone.weights)).toEqual(Array.from(targetWeights(market, up, params(), flat).weights));
  });

  it("a model without a decision keeps its share in cash; the first model's no-trade band applies to the blend", () => {
    const none = { bySymbol: new Map<string, number>(), rows: 0, source: "model" as const };
    const r = blendTargets(
      market,
      [
        { scores: up, params: params(), share: 0.5 },
        { scores: none, params: params(), share: 0.5 },
      ],
      flat,
    );
    expect(Array.from(r.weights)).toEqual([0.25, 0.25, 0, 0, 0, 0]);
    expect(r.expectedNet).toBe(0.5);
    expect(r.skipped).toMatch(/^50 % share: /);
    // Band 0.2: E and F (0.125 each) stay as held (NaN = keep), A and B (0.375) trade.
    const banded = blendTargets(
      market,
      [
        { scores: down, params: params({ trading: { band: 0.2 } }), share: 0.75 },
        { scores: up, params: params(), share: 0.25 },
      ],
      flat,
    );
    expect(Array.from(banded.weights).map((w) => (Number.isNaN(w) ? "keep" : w))).toEqual([
      "keep",
      "keep",
      "keep",
      "keep",
      0.375,
      0.375,
    ]);
  });
});
