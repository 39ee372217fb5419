/**
 * The model registry: every champion the champion stage selects, registered once with a
 * version, its lineage and a stored copy of its artifact; aliases (`champion`, `challenger`,
 * user names) point at versions; promotions and rollbacks are recorded with who and why.
 *
 * Storage (tracked, so a fresh clone has the whole history and every artifact):
 *   - `pipeline.models.jsonl` beside `pipeline.yaml` (`x.models.jsonl` for `x.yaml`): an
 *     append-only log of events, one JSON object per line, keys in a fixed order, no host,
 *     no absolute path. Lines are never rewritten: each command appends.
 *   - `models/<sha256>/champion.json` and `model.json` beside the pipeline file: byte copies of
 *     the champion stage's two outputs. The sha256 is that of `champion.json + "\n" + model.json`,
 *     the same value paper trading uses as the champion's fingerprint (src/paper/champion.ts),
 *     so a ledger's orders name the registered model they traded. Content-addressed: a model
 *     is stored once, and the files can be checked against their name (`models show`).
 *
 * Events: `register` (version, sha256, artifact path, the cell, params, metrics and lineage:
 * lock digest, git commit, data range, seed, hashes), `alias` (alias → version, who, why) and
 * `rollback` (alias back to the version it pointed at before, who, why). Every event has `at`
 * (UTC, strictly increasing within a file) and `id` (a hash of the line's other fields).
 *
 * State is a pure fold over the events (foldEvents) in (at, id) order, never file order, so
 * the lines of two branches merged in any order (or sorted) give one state:
 *   - a model is identified by its sha256; the same sha256 registered twice is one model;
 *   - versions are those the writers recorded; when two branches both recorded version N, the
 *     earlier registration keeps N and the later one is numbered after the highest recorded
 *     version (aliases point at sha256s, so they still name the model their author meant);
 *   - an alias keeps its history; a rollback lands on the version its author saw it land on.
 *
 * Registration policy (registerChampion, run after every successful `pipeline run`): the
 * current champion output is registered when it names a champion and its sha256 is new. With
 * no `champion` alias yet it becomes the champion; otherwise it becomes the `challenger` — a
 * new model never silently replaces the champion: promotion is explicit (`promote`).
 * Registering a model already registered changes nothing and returns its version. The champion
 * may come from another study folder (`studyFile`, e.g. an experiment workspace retrained point
 * in time): its lock and folder give the champion and the lineage, while the registry, the
 * stored artifact and the versions stay the main study's.
 *
 * Layering: src/paper may not import src/pipeline, so the lock is read here with the yaml
 * package (only the cells' outputs and metrics) and the lock's path rule is restated.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { StrataError } from "../core/errors.ts";
import { gitCommit } from "../core/git.ts";
import { sha256 } from "../core/hash.ts";
import { canonicalJson } from "../core/json.ts";
import { didYouMean } from "../core/suggest.ts";

export const CHAMPION = "champion";
export const CHALLENGER = "challenger";
/** User alias names: lower case, a letter first (so an alias never reads as a version). */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Where the model was built from: enough to rebuild it from a clone and to audit it. */
export interface Lineage {
  /** sha256 of the lock file when the model was registered (the lock pins every code file's hash). */
  lock_sha256: string | null;
  /** The commit checked out at registration (null outside a git repository). */
  git_commit: string | null;
  /**
   * First and last date of the prices the champion was built from: the metrics of the lock's
   * cell whose output hash is the prices hash champion.json records (see lineageOf).
   */
  data: { start: string | null; end: string | null; prices_sha256: string | null };
  /** The champion stage cell's fingerprint in the lock. */
  cell_fingerprint: string | null;
  seed: number | null;
  returns_sha256: string | null;
  model_file_sha256: string | null;
}

/** What a registration records of a model (the register event and the folded version share it). */
export interface ModelRecord {
  sha256: string;
  /** Folder of the stored artifact, relative to the pipeline file's folder: models/<sha256>. */
  artifact: string;
  cell: string;
  model: string;
  optimizer: string;
  params: unknown;
  metrics: Record<string, number | null>;
  lineage: Lineage;
}

export interface RegisterEvent extends ModelRecord {
  at: string;
  id: string;
  event: "register";
  version: number;
  who: string;
}

/** `alias` sets an alias; `rollback` returns it to the version it pointed at before. */
export interface AliasEvent {
  at: string;
  id: string;
  event: "alias" | "rollback";
  alias: string;
  version: number;
  sha256: string;
  from_version: number | null;
  from_sha256: string | null;
  who: string;
  why: string;
}

export type ModelEvent = RegisterEvent | AliasEvent;

/** Field order of each event's line (fixed, so equal events are equal lines). */
const FIELDS: Record<ModelEvent["event"], readonly string[]> = {
  register: [
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
  ],
  alias: ["at", "id", "event", "alias", "version", "sha256", "from_version", "from_sha256", "who", "why"],
  rollback: ["at", "id", "event", "alias", "version", "sha256", "from_version", "from_sha256", "who", "why"],
};

export interface ModelVersion extends ModelRecord {
  version: number;
  /** The version its writer recorded (differs from `version` only after a merge renumbered it). */
  recorded_version: number;
  registered_at: string;
  registered_by: string;
  /** Aliases pointing at it now, sorted. */
  aliases: string[];
}

export interface AliasState {
  alias: string;
  version: number;
  sha256: string;
  /** Versions it has pointed at that a rollback can return to, oldest first (the current one last). */
  history: number[];
  updated_at: string;
}

export interface RegistryState {
  versions: ModelVersion[];
  aliases: AliasState[];
  /** Events the fold could not apply (an alias to a model no line registers: a lost line). */
  problems: string[];
  /** Every event applied, in (at, id) order. */
  events: ModelEvent[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The events in (at, id) order, each id once: the order every reader applies them in. */
export function orderEvents(events: readonly ModelEvent[]): ModelEvent[] {
  const seen = new Set<string>();
  return [...events]
    .sort((a, b) => cmp(a.at, b.at) || cmp(a.id, b.id))
    .filter((e) => !seen.has(e.id) && !!seen.add(e.id));
}

/**
 * Version numbers by sha256. A recorded version held by one model keeps it; when two branches
 * recorded the same number, the earlier registration keeps it and the later ones are numbered
 * after the highest recorded version, in order — so nobody's existing number changes but theirs.
 */
function numberVersions(registers: readonly RegisterEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  const taken = new Set<number>();
  const losers: RegisterEvent[] = [];
  for (const r of registers) {
    if (!taken.has(r.version) && r.version >= 1) {
      taken.add(r.version);
      out.set(r.sha256, r.version);
    } else losers.push(r);
  }
  let next = Math.max(0, ...taken);
  for (const r of losers) out.set(r.sha256, ++next);
  return out;
}

/** The registry's state: a pure function of its events, whatever order they come in. */
export function foldEvents(events: readonly ModelEvent[]): RegistryState {
  const ordered = orderEvents(events);
  const registers: RegisterEvent[] = [];
  const known = new Set<string>();
  for (const e of ordered)
    if (e.event === "register" && !known.has(e.sha256)) {
      known.add(e.sha256);
      registers.push(e);
    }
  const numbers = numberVersions(registers);
  const problems: string[] = [];
  const history = new Map<string, { shas: string[]; at: string }>();
  for (const e of ordered) {
    if (e.event === "register") continue;
    if (!numbers.has(e.sha256)) {
      problems.push(`${e.event} ${e.alias} → v${e.version} (${e.id}): no registered model has sha256 ${e.sha256}`);
      continue;
    }
    const h = history.get(e.alias) ?? { shas: [], at: e.at };
    history.set(e.alias, { shas: applyAliasEvent(h.shas, e), at: e.at });
  }
  const aliases = [...history.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([alias, h]) => ({
      alias,
      sha256: h.shas[h.shas.length - 1]!,
      version: numbers.get(h.shas[h.shas.length - 1]!)!,
      history: h.shas.map((s) => numbers.get(s)!),
      updated_at: h.at,
    }));
  const versions = registers
    .map((r) => versionOf(r, numbers.get(r.sha256)!, aliases))
    .sort((a, b) => a.version - b.version);
  return { versions, aliases, problems, events: ordered };
}

/**
 * An alias's history after one event. `alias` pushes its target (unless already current).
 * `rollback` cuts the history back to its recorded target's last entry, so after a merge it
 * lands where its author saw it land; a target not in the history is pushed.
 */
function applyAliasEvent(shas: readonly string[], e: AliasEvent): string[] {
  if (e.event === "rollback") {
    const at = shas.lastIndexOf(e.sha256);
    if (at >= 0) return shas.slice(0, at + 1);
  }
  return shas[shas.length - 1] === e.sha256 ? [...shas] : [...shas, e.sha256];
}

function versionOf(r: RegisterEvent, version: number, aliases: readonly AliasState[]): ModelVersion {
  return {
    version,
    recorded_version: r.version,
    sha256: r.sha256,
    registered_at: r.at,
    registered_by: r.who,
    artifact: r.artifact,
    cell: r.cell,
    model: r.model,
    optimizer: r.optimizer,
    params: r.params,
    metrics: r.metrics,
    lineage: r.lineage,
    aliases: aliases.filter((a) => a.sha256 === r.sha256).map((a) => a.alias),
  };
}

/** What exists, for error messages: "versions 1, 2; aliases champion → v1, challenger → v2". */
function existing(state: RegistryState): string {
  const versions = state.versions.map((v) => v.version).join(", ") || "none";
  const aliases = state.aliases.map((a) => `${a.alias} → v${a.version}`).join(", ") || "none";
  return `registered versions: ${versions}; aliases: ${aliases}`;
}

function unknownError(what: string, state: RegistryState, hint?: string): StrataError {
  const list = existing(state);
  return new StrataError("ARGUMENT", `unknown model ${what}`, {
    hint: hint ? `${hint}; ${list}` : list,
    details: {
      versions: state.versions.map((v) => v.version),
      aliases: Object.fromEntries(state.aliases.map((a) => [a.alias, a.version])),
    },
  });
}

/** A version ("3", "v3") or an alias ("champion"); unknown ones are a StrataError (exit 2) listing what exists. */
export function resolveModel(state: RegistryState, ref: string): ModelVersion {
  const m = /^v?(\d+)$/i.exec(ref.trim());
  if (m) {
    const v = state.versions.find((x) => x.version === Number(m[1]));
    if (!v) throw unknownError(`version '${ref}'`, state);
    return v;
  }
  const a = state.aliases.find((x) => x.alias === ref);
  if (!a) {
    const names = state.aliases.map((x) => x.alias);
    throw unknownError(`alias '${ref}'`, state, didYouMean(ref, names));
  }
  return state.versions.find((v) => v.sha256 === a.sha256)!;
}

/** An alias's state; unknown ones are a StrataError (exit 2) listing what exists. */
export function resolveAlias(state: RegistryState, alias: string): AliasState {
  const a = state.aliases.find((x) => x.alias === alias);
  if (a) return a;
  const names = state.aliases.map((x) => x.alias);
  throw unknownError(`alias '${alias}'`, state, didYouMean(alias, names));
}

/** Alias names are checked before anything is written (exit 2). */
export function checkAliasName(alias: string): void {
  if (!ALIAS_PATTERN.test(alias))
    throw new StrataError("ARGUMENT", `'${alias}' is not an alias name`, {
      hint:
        `an alias is lower case letters, digits, '-' and '_', starting with a letter ` +
        `(${CHAMPION}, ${CHALLENGER}, staging…)`,
    });
}

// ---------------------------------------------------------------------------------------------
// Event lines
// ---------------------------------------------------------------------------------------------

/** An event before it is stamped with `at` and `id` (distributes over the union). */
type Draft<E extends ModelEvent> = E extends ModelEvent ? Omit<E, "at" | "id"> : never;

/** The line of an event: its fields in the fixed order, nested maps with sorted keys. */
export function eventLine(e: ModelEvent): string {
  const obj = Object.fromEntries(
    FIELDS[e.event].map((k) => {
      const v = (e as unknown as Record<string, unknown>)[k];
      return [k, v !== null && typeof v === "object" ? JSON.parse(canonicalJson(v)) : (v ?? null)];
    }),
  );
  return JSON.stringify(obj);
}

/**
 * Complete drafts into events: `at` strictly after `after` (the file's last event, so the
 * file stays in order when the clock is behind) and an id hashed from the line's other fields.
 */
export function stampEvents<E extends ModelEvent>(drafts: readonly Draft<E>[], now: Date, after?: string): E[] {
  let t = Math.max(now.getTime(), after ? Date.parse(after) + 1 : 0);
  return drafts.map((d) => {
    const withAt = { ...d, at: new Date(t++).toISOString(), id: "" } as unknown as E;
    return { ...withAt, id: sha256(eventLine(withAt)).slice(0, 16) };
  });
}

/** Events of a file's text; a line that is not an event is an error naming the file and line. */
export function parseEvents(text: string, file = "pipeline.models.jsonl"): ModelEvent[] {
  const out: ModelEvent[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    const hint = /^(<{7}|={7}|>{7})/.test(line)
      ? "resolve the git merge by keeping the lines of both sides (each event is one line) and dropping the markers"
      : `restore the committed file with \`git checkout ${basename(file)}\``;
    let e: ModelEvent;
    try {
      e = JSON.parse(line) as ModelEvent;
    } catch (cause) {
      throw new StrataError("DATA", `${where}: not a JSON event (${(cause as Error).message})`, { cause, hint });
    }
    const ok =
      typeof e?.at === "string" &&
      typeof e.id === "string" &&
      typeof e.sha256 === "string" &&
      typeof e.version === "number" &&
      (e.event === "register" || ((e.event === "alias" || e.event === "rollback") && typeof e.alias === "string"));
    if (!ok) throw new StrataError("DATA", `${where}: not a register, alias or rollback event`, { hint });
    out.push(e);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** `pipeline.yaml` → `pipeline.models.jsonl`, `studies/x.yaml` → `studies/x.models.jsonl`. */
export function registryPathFor(specFile: string): string {
  return specFile.replace(/\.ya?ml$/i, "") + ".models.jsonl";
}

/** The lock of a pipeline file (src/pipeline/lock.ts lockPathFor, restated: paper may not import pipeline). */
const lockPathOf = (specFile: string): string => specFile.replace(/\.ya?ml$/i, "") + ".lock";

export interface Registry {
  file: string;
  /** Folder of the pipeline file: artifact paths are relative to it. */
  root: string;
  events: ModelEvent[];
  state: RegistryState;
}

/** The registry of a pipeline file (empty when its file does not exist yet). */
export function readRegistry(specFile: string): Registry {
  const file = registryPathFor(specFile);
  const events = existsSync(file) ? parseEvents(readFileSync(file, "utf8"), file) : [];
  return { file, root: dirname(specFile), events, state: foldEvents(events) };
}

/** Append lines (never rewrite): a file left without its final newline gets one first. */
function appendLines(file: string, events: readonly ModelEvent[]): void {
  const needsNewline = existsSync(file) && statSync(file).size > 0 && !readFileSync(file, "utf8").endsWith("\n");
  const fd = openSync(file, "a");
  try {
    writeSync(fd, (needsNewline ? "\n" : "") + events.map((e) => eventLine(e) + "\n").join(""));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Run `fn` holding the registry's writer lock (`.pipeline/<file>.lock`, O_EXCL with our pid):
 * reading the state and appending must not interleave with another writer, or two commands
 * would both record the next version. A lock whose process is gone is taken over.
 */
async function withWriterLock<T>(file: string, fn: () => T): Promise<T> {
  const lock = join(dirname(file), ".pipeline", `${basename(file)}.lock`);
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8").trim() || "0");
      const young = Date.now() - statSync(lock).mtimeMs < 5_000;
      if (!isAlive(pid) && !(pid === 0 && young)) rmSync(lock, { force: true });
      else if (attempt >= 200)
        throw new StrataError("LOCKED", `another process (pid ${pid}) is writing ${file}`, {
          hint: `wait for it to finish; if it is gone, delete ${lock}`,
        });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Who records an event: git's user.name, else $USER — a name, never a credential. */
export function whoAmI(cwd: string): string {
  const git = spawnSync("git", ["config", "user.name"], { cwd, encoding: "utf8", timeout: 5_000 });
  const name = git.status === 0 ? git.stdout.trim() : "";
  return name || process.env.USER || process.env.USERNAME || "unknown";
}

/** The commit of the repository holding `dir` (its folder or the nearest parent with a .git). */
function commitOf(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return gitCommit(d);
    if (dirname(d) === d) return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export interface ActOptions {
  /** Who records the event (default: git's user.name, else $USER). */
  who?: string;
  /** Why, recorded on the alias event (default: a sentence naming the move). */
  why?: string;
  /** The clock (tests). */
  now?: Date;
}

export interface AliasResult {
  changed: boolean;
  alias: string;
  version: number;
  from: number | null;
  event: AliasEvent | null;
}

/** Point `alias` at a model (a version or another alias): an `alias` event with who and why. */
export async function promoteModel(specFile: string, ref: string, alias: string, o: ActOptions = {}) {
  checkAliasName(alias);
  const file = registryPathFor(specFile);
  return withWriterLock(file, (): AliasResult => {
    const { state } = readRegistry(specFile);
    const target = resolveModel(state, ref);
    const current = state.aliases.find((a) => a.alias === alias);
    if (current?.sha256 === target.sha256)
      return { changed: false, alias, version: target.version, from: current.version, event: null };
    const why = o.why ?? `promoted v${target.version} to ${alias}`;
    const [event] = stampEvents<AliasEvent>(
      [aliasDraft("alias", alias, target, current, o.who ?? whoAmI(dirname(specFile)), why)],
      o.now ?? new Date(),
      state.events.at(-1)?.at,
    );
    appendLines(file, [event!]);
    return { changed: true, alias, version: target.version, from: current?.version ?? null, event: event! };
  });
}

/** Return `alias` to the version it pointed at before this one: a `rollback` event; an error when there is none. */
export async function rollbackAlias(specFile: string, alias = CHAMPION, o: ActOptions = {}) {
  const file = registryPathFor(specFile);
  return withWriterLock(file, (): AliasResult => {
    const { state } = readRegistry(specFile);
    const a = resolveAlias(state, alias);
    if (a.history.length < 2)
      throw new StrataError(
        "ARGUMENT",
        `${alias} has no earlier version to roll back to (it has only pointed at v${a.version})`,
        {
          hint: `point it at another version with \`pipeline models promote V --as ${alias}\`; ${existing(state)}`,
        },
      );
    const to = state.versions.find((v) => v.version === a.history[a.history.length - 2])!;
    const why = o.why ?? `rolled back ${alias} from v${a.version} to v${to.version}`;
    const [event] = stampEvents<AliasEvent>(
      [aliasDraft("rollback", alias, to, a, o.who ?? whoAmI(dirname(specFile)), why)],
      o.now ?? new Date(),
      state.events.at(-1)?.at,
    );
    appendLines(file, [event!]);
    return { changed: true, alias, version: to.version, from: a.version, event: event! };
  });
}

function aliasDraft(
  kind: "alias" | "rollback",
  alias: string,
  to: Pick<ModelVersion, "version" | "sha256">,
  from: Pick<AliasState, "version" | "sha256"> | undefined,
  who: string,
  why: string,
): Draft<AliasEvent> {
  return {
    event: kind,
    alias,
    version: to.version,
    sha256: to.sha256,
    from_version: from?.version ?? null,
    from_sha256: from?.sha256 ?? null,
    who,
    why,
  };
}

// ---------------------------------------------------------------------------------------------
// Registering the champion
// ---------------------------------------------------------------------------------------------

export interface LockCell {
  fingerprint?: string;
  outputs?: Record<string, { path?: string; hash?: string } | undefined>;
  metrics?: Record<string, unknown>;
}

interface LockFacts {
  sha256: string | null;
  cells: Record<string, LockCell>;
}

/**
 * The lock's digest and cells (outputs, metrics); a lock that does not parse still has a digest.
 * `known`: the cells as the caller already read them (the engine's parsed lock): not parsed again.
 */
function readLockFacts(lockFile: string, known?: Record<string, LockCell>): LockFacts {
  if (!existsSync(lockFile)) return { sha256: null, cells: {} };
  const text = readFileSync(lockFile, "utf8");
  if (known) return { sha256: sha256(text), cells: known };
  let cells: Record<string, LockCell> = {};
  try {
    cells = (parseYaml(text) as { cells?: Record<string, LockCell> } | null)?.cells ?? {};
  } catch {
    /* lineage keeps the digest; the cells' facts are then unknown */
  }
  return { sha256: sha256(text), cells };
}

/** The paper default, used when the lock names no champion cell. */
const DEFAULT_CHAMPION_DIR = "data/champion";

/**
 * Where the champion lives: the folder of a locked cell whose outputs include `champion` and
 * `model.json` (any stage built like stages/select.ts), preferring data/champion when several
 * do; data/champion when none does. An explicit folder wins.
 */
function championSource(root: string, cells: LockFacts["cells"], dir?: string): { dir: string; entry?: LockCell } {
  const found = Object.entries(cells)
    .filter(([, c]) => c?.outputs?.champion?.path && c.outputs["model.json"]?.path)
    .sort(([a], [b]) => cmp(a, b))
    .map(([, c]) => ({ dir: join(root, dirname(c.outputs!.champion!.path!)), entry: c }));
  const want = dir ?? join(root, DEFAULT_CHAMPION_DIR);
  return found.find((f) => f.dir === want) ?? (dir || found.length === 0 ? { dir: want } : found[0]!);
}

/** sha256 of champion.json + "\n" + model.json: the registry's id and paper trading's champion fingerprint. */
export const artifactHash = (championText: string, modelText: string): string =>
  sha256(championText + "\n" + modelText);

/** Copy the two files into models/<sha256>/ (via a temp folder renamed into place); returns that path, relative. */
function storeArtifact(root: string, sha: string, championText: string, modelText: string): string {
  const rel = `models/${sha}`;
  const dir = join(root, rel);
  if (artifactState(root, rel, sha) === "ok") return rel;
  const tmp = join(root, "models", `.${sha}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "champion.json"), championText);
  writeFileSync(join(tmp, "model.json"), modelText);
  rmSync(dir, { recursive: true, force: true }); // a damaged copy: the registry's bytes replace it
  renameSync(tmp, dir);
  return rel;
}

/** Whether a stored artifact is present and still hashes to its name. */
export function artifactState(root: string, artifact: string, sha: string): "ok" | "missing" | "modified" {
  const c = join(root, artifact, "champion.json"),
    m = join(root, artifact, "model.json");
  if (!existsSync(c) || !existsSync(m)) return "missing";
  return artifactHash(readFileSync(c, "utf8"), readFileSync(m, "utf8")) === sha ? "ok" : "modified";
}

interface ChampionDoc {
  cell: string;
  model?: string;
  optimizer?: string;
  metrics?: Record<string, unknown>;
  model_file?: { sha256?: string | null };
  data?: { prices_sha256?: string | null };
  backtest?: { params?: unknown; seed?: number | null; returns_sha256?: string | null };
}

const dateText = (v: unknown): string | null =>
  typeof v === "string" ? v : v instanceof Date ? v.toISOString().slice(0, 10) : null;

/**
 * The lineage of a champion. Its data range comes from the lock: the cell whose output hash
 * equals the prices hash champion.json records (the data stage) states the first and last
 * date of those very bytes in its metrics (start, end) — no Parquet to open, and a range that
 * cannot describe other prices than the champion's (after `data update` the hash no longer
 * matches and the range is left unknown rather than wrong).
 */
function lineageOf(doc: ChampionDoc, lock: LockFacts, entry: LockCell | undefined, root: string): Lineage {
  const prices = doc.data?.prices_sha256 ?? null;
  const dataCell = prices
    ? Object.values(lock.cells).find((c) => Object.values(c?.outputs ?? {}).some((o) => o?.hash === prices))
    : undefined;
  return {
    lock_sha256: lock.sha256,
    git_commit: commitOf(root),
    data: {
      start: dateText(dataCell?.metrics?.start),
      end: dateText(dataCell?.metrics?.end),
      prices_sha256: prices,
    },
    cell_fingerprint: entry?.fingerprint ?? null,
    seed: typeof doc.backtest?.seed === "number" ? doc.backtest.seed : null,
    returns_sha256: doc.backtest?.returns_sha256 ?? null,
    model_file_sha256: doc.model_file?.sha256 ?? null,
  };
}

function registerDraft(
  doc: ChampionDoc,
  sha: string,
  version: number,
  artifact: string,
  lineage: Lineage,
  who: string,
): Draft<RegisterEvent> {
  const metrics = Object.fromEntries(
    Object.entries(doc.metrics ?? {}).map(([k, v]) => [k, typeof v === "number" && Number.isFinite(v) ? v : null]),
  );
  return {
    event: "register",
    version,
    sha256: sha,
    artifact,
    cell: doc.cell,
    model: String(doc.model ?? ""),
    optimizer: String(doc.optimizer ?? ""),
    params: doc.backtest?.params ?? null,
    metrics,
    lineage,
    who,
  };
}

export type RegisterResult =
  | { status: "registered" | "known"; version: number; aliases: string[]; cell: string; sha256: string }
  | { status: "none"; reason: string };

/** The champion folder's two files as bytes, or why there is nothing to register (paths relative to `root`). */
function championFiles(
  root: string,
  dir: string,
  entry?: LockCell,
): { cText: string; mText: string } | { reason: string } {
  const cPath = join(dir, "champion.json"),
    mPath = join(dir, "model.json");
  if (!existsSync(cPath) || !existsSync(mPath))
    return { reason: `no champion output in ${relative(root, dir) || "."} (no champion stage has run)` };
  const cText = readFileSync(cPath, "utf8");
  const locked = entry?.outputs?.champion?.hash;
  if (locked && locked !== sha256(cText))
    return { reason: `${relative(root, cPath)} is not the one the lock records (rerun the champion stage)` };
  return { cText, mText: readFileSync(mPath, "utf8") };
}

const knownResult = (v: ModelVersion): RegisterResult => ({
  status: "known",
  version: v.version,
  aliases: v.aliases,
  cell: v.cell,
  sha256: v.sha256,
});

export interface RegisterOptions extends ActOptions {
  /** The champion folder, absolute (default: the study's champion cell's, else data/champion). */
  championDir?: string;
  /**
   * The pipeline file of the study the champion comes from (default: `specFile`), e.g. an
   * experiment workspace's `.pipeline/exp/<name>/pipeline.yaml`: its lock and folder give the
   * champion folder, its lock entry and the lineage; the registry, the stored artifact
   * (models/<sha256>/ beside `specFile`) and the versions stay `specFile`'s.
   */
  studyFile?: string;
  /**
   * The cells of the study's lock as already parsed (e.g. by the engine, from its index), so
   * that a no-op `pipeline run` does not parse the lock's YAML again (~0.2 s); read from the
   * lock file when absent.
   */
  lockCells?: Record<string, LockCell>;
}

/**
 * Register the current champion output (see the policy in the module comment): a new model
 * becomes `champion` when no version holds that alias, else `challenger`; a known one is
 * returned as it is ("known"); no champion (none promoted, no champion stage) is "none".
 * A known model returns before anything is parsed: a no-op `pipeline run` stays cheap.
 */
export async function registerChampion(specFile: string, o: RegisterOptions = {}): Promise<RegisterResult> {
  const root = dirname(specFile);
  const study = o.studyFile ?? specFile;
  const studyRoot = dirname(study);
  const lock = readLockFacts(lockPathOf(study), o.lockCells);
  const src = championSource(studyRoot, lock.cells, o.championDir);
  const files = championFiles(root, src.dir, src.entry);
  if ("reason" in files) return { status: "none", reason: files.reason };
  const { cText, mText } = files;
  const sha = artifactHash(cText, mText);
  const seen = readRegistry(specFile).state.versions.find((v) => v.sha256 === sha);
  if (seen) return knownResult(seen);
  // A new model is checked as paper trading will read it: a corrupt file is an error naming it.
  const { loadChampion } = await import("./champion.ts");
  const found = loadChampion(src.dir);
  if (!found.ok) return { status: "none", reason: found.reason };
  if (found.champion.fingerprint !== sha) return { status: "none", reason: "the champion changed while being read" };
  const file = registryPathFor(specFile);
  return withWriterLock(file, (): RegisterResult => {
    const { state } = readRegistry(specFile);
    const known = state.versions.find((v) => v.sha256 === sha);
    if (known) return knownResult(known);
    const doc = JSON.parse(cText) as ChampionDoc;
    const version = Math.max(0, ...state.versions.map((v) => v.version)) + 1;
    const artifact = storeArtifact(root, sha, cText, mText);
    const who = o.who ?? whoAmI(root);
    const champion = state.aliases.find((a) => a.alias === CHAMPION);
    const alias = champion ? CHALLENGER : CHAMPION;
    const why =
      o.why ??
      (champion
        ? `new champion output while v${champion.version} is champion: promote explicitly`
        : "first registered model");
    const events = stampEvents<ModelEvent>(
      [
        registerDraft(doc, sha, version, artifact, lineageOf(doc, lock, src.entry, studyRoot), who),
        aliasDraft(
          "alias",
          alias,
          { version, sha256: sha },
          state.aliases.find((a) => a.alias === alias),
          who,
          why,
        ),
      ],
      o.now ?? new Date(),
      state.events.at(-1)?.at,
    );
    appendLines(file, events);
    return { status: "registered", version, aliases: [alias], cell: doc.cell, sha256: sha };
  });
}
