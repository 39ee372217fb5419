/**
 * The model registry's fold (src/paper/model-registry.ts): versions, aliases, promotions and
 * rollbacks as a pure function of the events, whatever order the lines come in — so two
 * branches' files merged line by line give one state — plus the file commands' append-only
 * writes and their errors (unknown version or alias: exit-2 errors listing what exists).
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isStrataError, type StrataError } from "../../src/core/errors.ts";
import { sha256 } from "../../src/core/hash.ts";
import { fitRidge } from "../../src/quant/ml/ridge.ts";
import { saveModel } from "../../src/quant/ml/model-io.ts";
import { featureMatrix } from "../../src/quant/ml/types.ts";
import {
  artifactState,
  eventLine,
  foldEvents,
  parseEvents,
  promoteModel,
  readRegistry,
  registerChampion,
  resolveAlias,
  resolveModel,
  rollbackAlias,
  stampEvents,
  type ModelEvent,
  type RegistryState,
} from "../../src/paper/model-registry.ts";

const sha = (n: number) => String(n).repeat(64).slice(0, 64);
const T0 = new Date("2024-01-02T10:00:00.000Z");
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

const lineage = {
  lock_sha256: null,
  git_commit: null,
  data: { start: "2018-01-02", end: "2021-12-31", prices_sha256: null },
  cell_fingerprint: null,
  seed: 1,
  returns_sha256: null,
  model_file_sha256: null,
};

/** A register event (and the alias it gets) at minute `m`. */
function register(version: number, model: number, m: number, alias?: string, from?: [number, number]): ModelEvent[] {
  const drafts = [
    {
      event: "register" as const,
      version,
      sha256: sha(model),
      artifact: `models/${sha(model)}`,
      cell: `backtest[model=m${model}]`,
      model: `m${model}`,
      optimizer: "max_sharpe",
      params: { top: model },
      metrics: { sharpe: model / 10 },
      lineage,
      who: "ann",
    },
    ...(alias ? [aliasDraft("alias", alias, version, model, from)] : []),
  ];
  return stampEvents<ModelEvent>(drafts, minutes(m));
}

function aliasDraft(
  kind: "alias" | "rollback",
  alias: string,
  version: number,
  model: number,
  from?: [number, number],
) {
  return {
    event: kind,
    alias,
    version,
    sha256: sha(model),
    from_version: from?.[0] ?? null,
    from_sha256: from ? sha(from[1]) : null,
    who: "bob",
    why: `${kind} ${alias}`,
  };
}

const move = (kind: "alias" | "rollback", alias: string, version: number, model: number, m: number) =>
  stampEvents<ModelEvent>([aliasDraft(kind, alias, version, model)], minutes(m));

const aliasMap = (s: RegistryState) => Object.fromEntries(s.aliases.map((a) => [a.alias, a.version]));
const versionMap = (s: RegistryState) => Object.fromEntries(s.versions.map((v) => [v.version, v.sha256]));

/**
 * A study folder's champion output (data/champion/, a ridge fitted on `slope`) and its lock: a
 * champion cell locking both files and a data cell whose output hash is the prices hash
 * champion.json records, with its date range. Returns the lock's text.
 */
function writeStudy(root: string, slope: number, range: [string, string]): string {
  const X = featureMatrix(["a"], [Float32Array.from([0, 1, 2, 3])]);
  const model = saveModel(
    fitRidge(
      X,
      [0, 1, 2, 3].map((x) => slope * x),
    ),
  );
  const prices = sha256(`prices ${range.join(" ")}`);
  const cell = "backtest[model=ridge,optimizer=equal_weight]";
  const champion = JSON.stringify({
    champion: cell,
    cell,
    model: "ridge",
    optimizer: "equal_weight",
    backtest: { params: {}, seed: 7 },
    metrics: { sharpe: slope },
    data: { prices_sha256: prices },
  });
  mkdirSync(join(root, "data/champion"), { recursive: true });
  writeFileSync(join(root, "data/champion/champion.json"), champion);
  writeFileSync(join(root, "data/champion/model.json"), model);
  const lock =
    `version: 1\ncells:\n` +
    `  champion:\n    fingerprint: fp-${slope}\n    outputs:\n` +
    `      champion: { path: data/champion/champion.json, hash: ${sha256(champion)} }\n` +
    `      model.json: { path: data/champion/model.json, hash: ${sha256(model)} }\n` +
    `  data:\n    outputs:\n      prices: { path: data/data/prices.parquet, hash: ${prices} }\n` +
    `    metrics: { start: "${range[0]}", end: "${range[1]}" }\n`;
  writeFileSync(join(root, "study.lock"), lock);
  return lock;
}

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (isStrataError(e)) return e;
    throw e;
  }
  throw new Error("expected a StrataError");
}

describe("model registry fold", () => {
  it("numbers registrations and gives the first model the champion alias, a later one the challenger", () => {
    const s = foldEvents([...register(1, 1, 0, "champion"), ...register(2, 2, 1, "challenger")]);
    expect(s.versions.map((v) => [v.version, v.cell, v.aliases])).toEqual([
      [1, "backtest[model=m1]", ["champion"]],
      [2, "backtest[model=m2]", ["challenger"]],
    ]);
    expect(aliasMap(s)).toEqual({ champion: 1, challenger: 2 });
    expect(s.problems).toEqual([]);
  });

  it("promotes and rolls back along the alias's history", () => {
    const events = [
      ...register(1, 1, 0, "champion"),
      ...register(2, 2, 1, "challenger"),
      ...move("alias", "champion", 2, 2, 2),
      ...move("alias", "staging", 1, 1, 3),
    ];
    let s = foldEvents(events);
    expect(aliasMap(s)).toEqual({ champion: 2, challenger: 2, staging: 1 });
    expect(resolveAlias(s, "champion").history).toEqual([1, 2]);
    expect(s.versions.find((v) => v.version === 2)!.aliases).toEqual(["challenger", "champion"]);
    s = foldEvents([...events, ...move("rollback", "champion", 1, 1, 4)]);
    expect(aliasMap(s).champion).toBe(1);
    // A rollback pops: there is nothing before v1 now (not a toggle back to v2).
    expect(resolveAlias(s, "champion").history).toEqual([1]);
  });

  it("applies an event once however often its line appears, and a model once however often it is registered", () => {
    const a = register(1, 1, 0, "champion");
    const again = register(2, 1, 5); // the same artifact registered on another branch
    const s = foldEvents([...a, ...a, ...again]);
    expect(s.versions.map((v) => v.version)).toEqual([1]);
    expect(s.events).toHaveLength(3);
  });

  it("resolves versions and aliases; an unknown one is an exit-2 error listing what exists", () => {
    const s = foldEvents([...register(1, 1, 0, "champion"), ...register(2, 2, 1, "challenger")]);
    expect(resolveModel(s, "2").sha256).toBe(sha(2));
    expect(resolveModel(s, "v1").sha256).toBe(sha(1));
    expect(resolveModel(s, "challenger").version).toBe(2);
    const e = thrown(() => resolveModel(s, "7"));
    expect(e.code).toBe("ARGUMENT"); // src/cli/output.ts: ARGUMENT exits 2
    expect(e.message).toMatch(/unknown model version '7'/);
    expect(e.message).toMatch(/registered versions: 1, 2; aliases: challenger → v2, champion → v1/);
    expect(e.details).toEqual({ versions: [1, 2], aliases: { challenger: 2, champion: 1 } });
    expect(thrown(() => resolveModel(s, "champoin")).message).toMatch(/did you mean 'champion'\?/);
    expect(thrown(() => resolveAlias(s, "staging")).code).toBe("ARGUMENT");
  });

  it("reports an alias to a model no line registers instead of failing", () => {
    const s = foldEvents([...register(1, 1, 0, "champion"), ...move("alias", "champion", 9, 9, 1)]);
    expect(aliasMap(s)).toEqual({ champion: 1 });
    expect(s.problems).toHaveLength(1);
  });

  it("merges two branches: concatenated and sorted lines give the state of applying both", () => {
    const base = [...register(1, 1, 0, "champion"), ...register(2, 2, 1, "challenger")];
    // Branch A registers model 3 as v3 and promotes it; branch B, later, registers model 4 as
    // v3 too and gives it a user alias. Both files keep the common lines.
    const a = [...register(3, 3, 10, "challenger", [2, 2]), ...move("alias", "champion", 3, 3, 11)];
    const b = [...register(3, 4, 20, "challenger", [2, 2]), ...move("alias", "nightly", 3, 4, 21)];
    const file = (evs: ModelEvent[]) => evs.map(eventLine);
    const merged = [...file([...base, ...a]), ...file([...base, ...b])].sort().join("\n");
    const s = foldEvents(parseEvents(merged));
    expect(s).toEqual(foldEvents([...base, ...a, ...b]));
    expect(s).toEqual(foldEvents([...b, ...base, ...a].reverse()));
    // The earlier registration keeps v3; the later one is numbered after it, and the aliases
    // set on its branch still name the model its author meant.
    expect(versionMap(s)).toEqual({ 1: sha(1), 2: sha(2), 3: sha(3), 4: sha(4) });
    expect(s.versions.find((v) => v.sha256 === sha(4))!.recorded_version).toBe(3);
    expect(aliasMap(s)).toEqual({ champion: 3, challenger: 4, nightly: 4 });
    expect(resolveAlias(s, "challenger").history).toEqual([2, 3, 4]);
  });

  it("writes each event as one line with a fixed key order, an increasing time and an id", () => {
    const [r, al] = register(1, 1, 0, "champion");
    expect(Object.keys(JSON.parse(eventLine(r!)))).toEqual([
      "at",
      "id",
      "event",
      "version",
      "sha256",
      "artifact",
      "cell",
      "model",
      "optimizer",
      "params",
      "metrics",
      "lineage",
      "who",
    ]);
    expect(al!.at > r!.at).toBe(true);
    expect(r!.id).not.toBe(al!.id);
    // A clock behind the file's last event still stamps after it (the file stays in order).
    const [late] = stampEvents<ModelEvent>([aliasDraft("alias", "x", 1, 1)], minutes(-60), al!.at);
    expect(late!.at > al!.at).toBe(true);
    expect(parseEvents(eventLine(r!))).toEqual([r]);
  });

  it("refuses a line left by an unresolved merge, naming the file and line", () => {
    const text = `${eventLine(register(1, 1, 0)[0]!)}\n<<<<<<< HEAD\n`;
    const e = thrown(() => parseEvents(text, "p.models.jsonl"));
    expect(e.message).toMatch(/p\.models\.jsonl:2: not a JSON event/);
    expect(e.message).toMatch(/keeping the lines of both sides/);
  });
});

describe("model registry file", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("promote and rollback append events with who and why, never rewriting a line", async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-models-"));
    const spec = join(dir, "study.yaml");
    const file = join(dir, "study.models.jsonl");
    writeFileSync(
      file,
      [...register(1, 1, 0, "champion"), ...register(2, 2, 1, "challenger")].map(eventLine).join("\n"),
    );
    const before = readFileSync(file, "utf8");
    const p = await promoteModel(spec, "challenger", "champion", { who: "cy", why: "better shadow record" });
    expect(p).toMatchObject({ changed: true, alias: "champion", version: 2, from: 1 });
    const afterPromote = readFileSync(file, "utf8");
    expect(afterPromote.startsWith(before + "\n")).toBe(true); // the missing final newline was added
    expect(await promoteModel(spec, "2", "champion", { who: "cy" })).toMatchObject({ changed: false });
    const r = await rollbackAlias(spec, "champion", { who: "cy", why: "drawdown" });
    expect(r).toMatchObject({ changed: true, version: 1, from: 2 });
    expect(readFileSync(file, "utf8").startsWith(afterPromote)).toBe(true);
    const { state } = readRegistry(spec);
    expect(aliasMap(state)).toEqual({ champion: 1, challenger: 2 });
    expect(state.events.at(-1)).toMatchObject({ event: "rollback", who: "cy", why: "drawdown", from_version: 2 });
    // Nothing before v1: an error (exit 2) that lists what exists, and nothing is written.
    const text = readFileSync(file, "utf8");
    await expect(rollbackAlias(spec, "champion")).rejects.toThrow(/no earlier version.*\n.*registered versions: 1, 2/);
    await expect(promoteModel(spec, "9", "champion")).rejects.toMatchObject({ code: "ARGUMENT" });
    await expect(promoteModel(spec, "1", "Bad Name")).rejects.toThrow(/not an alias name/);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("registers a champion from another study folder: its lock's lineage, the main registry and artifact", async () => {
    // A point-in-time retrain runs in an experiment workspace with its own lock and champion
    // output; registering it must record that study's lineage while the model lands in the main
    // study's registry and models/ folder, as the challenger of the main study's champion.
    dir = mkdtempSync(join(tmpdir(), "strata-models-"));
    const spec = join(dir, "study.yaml");
    const mainLock = writeStudy(dir, 1, ["2018-01-02", "2021-12-31"]);
    const first = await registerChampion(spec, { who: "ann", now: T0 });
    expect(first).toMatchObject({ status: "registered", version: 1, aliases: ["champion"] });

    const ws = join(dir, ".pipeline/exp/retrain-2020-06-30");
    const wsSpec = join(ws, "study.yaml");
    const wsLock = writeStudy(ws, 2, ["2018-01-02", "2020-06-30"]);
    const why = "point-in-time retrain as of 2020-06-30";
    const r = await registerChampion(spec, { studyFile: wsSpec, who: "ann", why, now: minutes(1) });
    expect(r).toMatchObject({ status: "registered", version: 2, aliases: ["challenger"] });
    const { state, root } = readRegistry(spec);
    const v2 = resolveModel(state, "challenger");
    expect(v2.version).toBe(2);
    expect(v2.lineage).toMatchObject({
      lock_sha256: sha256(wsLock),
      data: { start: "2018-01-02", end: "2020-06-30" },
      cell_fingerprint: "fp-2",
      seed: 7,
    });
    expect(v2.lineage.lock_sha256).not.toBe(sha256(mainLock));
    expect(root).toBe(dir);
    expect(artifactState(dir, v2.artifact, v2.sha256)).toBe("ok");
    expect(existsSync(join(ws, "models"))).toBe(false);
    expect(existsSync(join(ws, "study.models.jsonl"))).toBe(false);
    expect(state.events.at(-1)).toMatchObject({ event: "alias", alias: "challenger", version: 2, who: "ann", why });
    expect(aliasMap(state)).toEqual({ champion: 1, challenger: 2 });
    // the main study's own champion is still the one it registers, and the same model again is known
    expect(resolveModel(state, "champion").lineage.lock_sha256).toBe(sha256(mainLock));
    expect(await registerChampion(spec, { studyFile: wsSpec })).toMatchObject({ status: "known", version: 2 });
  });
});
