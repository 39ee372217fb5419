/**
 * Experiments: run the pipeline with parameter overrides in an isolated workspace that shares
 * the project's cache, run-cache and trial registry; compare them; apply one back.
 *
 *   pipeline exp run [-S stage.params.key=value ...] [--name N] [TARGET...]
 *   pipeline exp show [--json]
 *   pipeline exp apply NAME
 *
 * A workspace is `.pipeline/exp/<name>/`: a copy of the project's files (code, the pipeline file
 * with the overrides applied, the user's input files under data/ — everything but the stages'
 * output folders) with an empty lock, and `node_modules` linked. Cells whose fingerprint
 * matches an earlier run anywhere in the project restore from the shared cache; only what the
 * overrides change executes. The main pipeline file, its lock and data/ are never written by
 * `exp run`; the one thing that changes in the main study is its trial registry, which every
 * trial cell the experiment evaluates enters with source = the experiment's name (so the
 * study's deflated figures count it, and `pipeline status` says so). `experiment.json` in the
 * workspace records the overrides, the outcome and the key metrics of the cells the
 * experiment itself brought up to date — never a main-study figure — for `exp show`.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  renameSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { isMap, parseDocument, parse as parseYaml } from "yaml";
import { StrataError } from "../../core/errors.ts";
import { roundDecimals } from "../../core/round.ts";
import { findSpecFile, openProject, type Project } from "../../pipeline/project.ts";
import { loadPipeline } from "../../pipeline/spec-load.ts";
import { readLock } from "../../pipeline/lock.ts";
import { planProject, runProject, type Reporter, type RunSummary } from "../../pipeline/runner.ts";
import { createReporter } from "../reporter.ts";
import { color, printJson } from "../output.ts";

export interface Override {
  stage: string;
  /** Path under the stage's params. */
  path: string[];
  value: unknown;
  /** As written: "stage.params.a.b". */
  key: string;
}

/** `experiment.json` in a workspace: what `exp show` lists. */
export interface ExperimentRecord {
  name: string;
  /** The pipeline file it varies, relative to the project root. */
  pipeline?: string;
  overrides: Record<string, unknown>;
  status: "ok" | "failed" | "running";
  started_at: string;
  finished_at: string | null;
  counts: Record<string, number>;
  metrics: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Top-level entries never copied into a workspace (data/ is handled apart: inputs yes, outputs no). */
const SKIP = new Set([".pipeline", "data", "reports", "node_modules", ".git"]);

/** Parse `-S stage.params.key=value` (value as YAML: numbers, booleans, lists work). */
export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  const key = eq > 0 ? text.slice(0, eq).trim() : "";
  const parts = key.split(".");
  if (eq <= 0 || parts.length < 3 || parts[1] !== "params" || parts.some((p) => p === "")) {
    throw new StrataError(
      "ARGUMENT",
      `-S ${text}: expected stage.params.key=value (e.g. -S train.params.gbdt.maxDepth=5)`,
      {
        hint: "name the stage, then params, then the key path; the value is read as YAML",
      },
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1));
  } catch (e) {
    throw new StrataError(
      "ARGUMENT",
      `-S ${text}: the value is not valid YAML (${(e as Error).message.split("\n")[0]})`,
      { hint: "quote strings that contain YAML syntax" },
    );
  }
  return { stage: parts[0], path: parts.slice(2), value: value ?? null, key };
}

/** pipeline.yaml text with the overrides applied (comments and layout kept). */
export function applyOverrides(text: string, overrides: readonly Override[], file: string): string {
  const doc = parseDocument(text);
  const stages = doc.get("stages");
  for (const o of overrides) {
    if (!isMap(stages) || !stages.has(o.stage)) {
      const names = isMap(stages)
        ? stages.items.map((i) => String((i.key as { value?: unknown })?.value ?? i.key))
        : [];
      throw new StrataError("ARGUMENT", `-S ${o.key}: ${file} has no stage '${o.stage}'`, {
        hint: `stages: ${names.join(", ")}`,
      });
    }
    doc.setIn(["stages", o.stage, "params", ...o.path], doc.createNode(o.value));
  }
  return doc.toString();
}

export interface RunExperimentOptions {
  /** The main study's pipeline file; default `file`, else pipeline.yaml in the working folder. */
  specFile?: string;
  /** As `--file`: the pipeline file, relative to the working folder (used when specFile is absent). */
  file?: string;
  overrides: Override[];
  /** The workspace's name (default the next free `exp-N`); letters, digits, _ . -, at most 64. */
  name?: string;
  /** Cells or stages to bring up to date (default: all). */
  targets?: string[];
  /** Cells run in parallel (default: the runner's). */
  jobs?: number;
  /** No opening line on stderr and no live progress block (the reporter prints plain lines). */
  quiet?: boolean;
  /** Progress of the cells (default: the CLI reporter, live on a TTY unless quiet); not closed here. */
  reporter?: Reporter;
}

export interface ExperimentOutcome {
  name: string;
  /** `.pipeline/exp/<name>/` of the main study. */
  workspace: string;
  /** The workspace's pipeline file (the main one with the overrides applied). */
  specFile: string;
  /** The workspace's lock, holding the cells the experiment brought up to date. */
  lockFile: string;
  ok: boolean;
  /** As written to the workspace's experiment.json. */
  record: ExperimentRecord;
  summary: RunSummary;
}

/**
 * Run the pipeline with overrides in an experiment workspace (see the module comment) and record
 * the outcome in its experiment.json; nothing is printed but the reporter's lines (and the opening
 * line unless quiet), and the exit code is left alone. Bad names and params throw a StrataError.
 */
export async function runExperiment(opts: RunExperimentOptions): Promise<ExperimentOutcome> {
  const file = opts.specFile ?? opts.file;
  const specFile = findSpecFile({ file });
  const main = await openProject({ file });
  const overrides = opts.overrides;
  const targets = opts.targets ?? [];
  const dir = join(main.stateDir, "exp");
  const name = opts.name ?? nextName(dir);
  if (!NAME.test(name))
    throw new StrataError(
      "ARGUMENT",
      `--name ${name}: use letters, digits, _ . - (at most 64, starting with a letter or digit)`,
    );
  const ws = join(dir, name);
  const wsSpec = await prepareWorkspace(main, specFile, ws, overrides);

  const record: ExperimentRecord = {
    name,
    pipeline: relative(main.root, specFile),
    overrides: Object.fromEntries(overrides.map((o) => [o.key, o.value])),
    status: "running",
    started_at: new Date().toISOString(),
    finished_at: null,
    counts: {},
    metrics: {},
  };
  writeRecord(ws, record);
  const project = await openProject({ file: wsSpec, sharedStateDir: main.stateDir, registryFile: main.registryFile });
  await assertParamsValid(project, targets, ws, record);
  const own = opts.reporter ? null : createReporter({ live: !opts.quiet && !!process.stderr.isTTY && !process.env.CI });
  const reporter = opts.reporter ?? own!;
  if (!opts.quiet) {
    const set = overrides.map((o) => `${o.key}=${JSON.stringify(o.value)}`).join(", ");
    process.stderr.write(
      `experiment ${color.bold(name)} in ${relative(process.cwd(), ws) || "."}${set ? `: ${set}` : ""}\n`,
    );
  }
  let summary;
  try {
    summary = await runProject(project, {
      targets: targets.length ? targets : undefined,
      jobs: opts.jobs,
      reporter,
      source: name,
      command: `pipeline exp run --name ${name}`,
      runLogDir: main.stateDir, // the study's run log shows its experiments too
    });
  } finally {
    own?.close();
  }
  await finishRecord(record, summary, project.lockFile);
  writeRecord(ws, record);
  return { name, workspace: ws, specFile: wsSpec, lockFile: project.lockFile, ok: summary.ok, record, summary };
}

/** `pipeline exp run`: runExperiment, then the outcome (or JSON) on stdout and the exit code. */
export async function expRunCommand(
  targets: string[],
  flags: { file?: string; set?: string[]; name?: string; json?: boolean; jobs?: number },
): Promise<void> {
  const { record, summary } = await runExperiment({
    file: flags.file,
    overrides: (flags.set ?? []).map(parseOverride),
    name: flags.name,
    targets,
    jobs: flags.jobs,
    quiet: flags.json,
  });
  if (flags.json) printJson({ ok: summary.ok, experiment: record, cells: summary.results });
  else printOutcome(record);
  process.exitCode = summary.ok ? 0 : 1;
}

/**
 * The workspace: the project's files and inputs (not its outputs, lock or trial registry),
 * the overridden spec. Returns the workspace's pipeline file.
 */
async function prepareWorkspace(
  main: Project,
  specFile: string,
  ws: string,
  overrides: readonly Override[],
): Promise<string> {
  mkdirSync(ws, { recursive: true });
  const skipFiles = new Set([main.lockFile, main.registryFile, specFile].map((f) => relative(main.root, f)));
  const outputDirs = new Set(main.spec.stages.map((s) => s.name));
  const files = [...projectFiles(main.root), ...inputFiles(main.root, outputDirs)].filter((f) => !skipFiles.has(f));
  for (const entry of new Set(files.map((f) => f.split("/")[0])))
    rmSync(join(ws, entry), { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(ws, f)), { recursive: true });
    cpSync(join(main.root, f), join(ws, f), { dereference: false });
  }
  if (!existsSync(join(ws, "node_modules")) && existsSync(join(main.root, "node_modules")))
    symlinkSync(join(main.root, "node_modules"), join(ws, "node_modules"), "dir");
  const wsSpec = join(ws, relative(main.root, specFile));
  mkdirSync(dirname(wsSpec), { recursive: true });
  writeFileSync(wsSpec, applyOverrides(readFileSync(specFile, "utf8"), overrides, relative(main.root, specFile)));
  // An earlier run of the same experiment name leaves its lock: keep it (its cells are this
  // experiment's own); a new workspace starts with none, so nothing of the main study's lock
  // can pass for the experiment's result.
  await loadPipeline(wsSpec); // a bad override (e.g. a param the stage does not take) fails here, named
  return wsSpec;
}

/** Params the stages reject (say, a string where a number goes) fail now, as a usage error, recorded as failed. */
async function assertParamsValid(
  project: Project,
  targets: string[],
  ws: string,
  record: ExperimentRecord,
): Promise<void> {
  const { probes } = await planProject(project, { targets: targets.length ? targets : undefined });
  const invalid = [...probes.entries()].find(([, pr]) => "error" in pr.parts);
  if (invalid) {
    record.status = "failed";
    writeRecord(ws, record);
    throw new StrataError(
      "PARAMS",
      `experiment ${record.name}: ${invalid[0]}: ${(invalid[1].parts as { error: string }).error}`,
      { hint: "fix the -S override" },
    );
  }
}

/** The record's outcome (mutated): status, finish time, counts, and the key metrics of the cells this run computed. */
async function finishRecord(record: ExperimentRecord, summary: RunSummary, lockFile: string): Promise<void> {
  const count = (s: string) => summary.results.filter((r) => r.status === s).length;
  record.status = summary.ok ? "ok" : "failed";
  record.finished_at = new Date().toISOString();
  record.counts = {
    ran: count("ran"),
    restored: count("restored"),
    fresh: count("fresh"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
  // Only cells this run brought up to date (ran, restored or fresh in the experiment's own lock):
  // with targets, the rest of the study was not evaluated under the overrides.
  const computed = new Set(
    summary.results
      .filter((r) => r.status === "ran" || r.status === "restored" || r.status === "fresh")
      .map((r) => r.id),
  );
  const own = Object.entries((await readLock(lockFile)).cells).filter(([id]) => computed.has(id));
  record.metrics = keyMetrics(Object.fromEntries(own));
}

/** The finished experiment for humans: counts, key metrics, what to do next. */
function printOutcome(record: ExperimentRecord): void {
  process.stderr.write(
    `${record.counts.ran} ran, ${record.counts.restored} restored, ${record.counts.fresh} ` +
      `fresh${record.counts.failed ? color.red(`, ${record.counts.failed} failed`) : ""}\n`,
  );
  for (const [k, v] of Object.entries(record.metrics)) process.stdout.write(`${k}: ${JSON.stringify(v)}\n`);
  process.stdout.write(`compare with \`pipeline exp show\`; adopt with \`pipeline exp apply ${record.name}\`\n`);
}

/** Metrics worth a column: the champion, the best backtest Sharpe, stats' headline numbers. */
function keyMetrics(
  cells: Record<string, { stage: string; metrics: Record<string, unknown> }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let best: [string, number] | null = null;
  for (const [id, e] of Object.entries(cells)) {
    const s = e.metrics?.sharpe;
    if (e.stage === "backtest" && typeof s === "number" && (!best || s > best[1])) best = [id, s];
    if (e.stage === "train" && typeof e.metrics?.rank_ic === "number")
      out[`rank_ic ${id.replace(/^train/, "")}`] = e.metrics.rank_ic;
  }
  if (best) {
    out.best_sharpe = best[1];
    out.best_cell = best[0];
  }
  for (const [id, e] of Object.entries(cells)) {
    if (e.stage === "stats")
      for (const k of ["trials", "best_dsr", "pbo", "spa_p"]) if (k in e.metrics) out[k] = e.metrics[k];
    if (id === "champion" || e.stage === "champion") out.champion = e.metrics?.champion ?? null;
  }
  return out;
}

/**
 * The files an experiment needs: in a git repository, the tracked and the untracked-but-not-
 * ignored files (so ignored outputs, caches and scratch folders are never copied); otherwise
 * every file outside the state, output and dependency folders.
 */
function projectFiles(root: string): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  const keep = (f: string) => f !== "" && !SKIP.has(f.split("/")[0]) && existsSync(join(root, f));
  if (git.status === 0) return git.stdout.split("\0").filter(keep);
  const walk = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true }).flatMap((d) => {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (!rel && SKIP.has(d.name)) return [];
      return d.isDirectory() ? walk(p) : [p];
    });
  return walk("").filter(keep);
}

/**
 * Input files under data/ (everything but the stages' output folders `data/<stage>/`), read
 * from the disk, ignored by git or not: a study on the user's own price file is experimented
 * on with that file.
 */
function inputFiles(root: string, outputDirs: Set<string>): string[] {
  const base = join(root, "data");
  if (!existsSync(base)) return [];
  const walk = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true }).flatMap((d) => {
      const p = `${rel}/${d.name}`;
      if (rel === "data" && d.isDirectory() && outputDirs.has(d.name)) return [];
      return d.isDirectory() ? walk(p) : d.isFile() ? [p] : [];
    });
  return walk("data");
}

function writeRecord(ws: string, r: ExperimentRecord): void {
  const tmp = join(ws, `experiment.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(r, null, 2) + "\n");
  renameSync(tmp, join(ws, "experiment.json"));
}

function nextName(dir: string): string {
  const used = existsSync(dir) ? new Set(readdirSync(dir)) : new Set<string>();
  for (let k = 1; ; k++) if (!used.has(`exp-${k}`)) return `exp-${k}`;
}

function readRecords(stateDir: string): ExperimentRecord[] {
  const dir = join(stateDir, "exp");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const f = join(dir, n, "experiment.json");
      if (!existsSync(f)) return [];
      try {
        return [JSON.parse(readFileSync(f, "utf8")) as ExperimentRecord];
      } catch {
        return [];
      }
    });
}

export async function expShowCommand(flags: { file?: string; json?: boolean }): Promise<void> {
  const main = await openProject({ file: flags.file });
  const study = relative(main.root, main.specFile);
  const records = readRecords(main.stateDir)
    .filter((r) => (r.pipeline ?? "pipeline.yaml") === study)
    .sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
  // Columns: every overridden key whose value differs between experiments (or is set in only
  // some), then the key metrics; keys that never change are hidden.
  const keys = [...new Set(records.flatMap((r) => Object.keys(r.overrides)))].sort();
  const varying = keys.filter(
    (k) => new Set(records.map((r) => JSON.stringify(r.overrides[k] ?? null))).size > 1 || records.length === 1,
  );
  const metricKeys = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))]
    .filter((k) => new Set(records.map((r) => JSON.stringify(r.metrics[k] ?? null))).size > 1 || records.length === 1)
    .sort();
  if (flags.json) {
    printJson({
      ok: true,
      experiments: records,
      columns: { params: varying, metrics: metricKeys },
      hidden: keys.filter((k) => !varying.includes(k)),
    });
    return;
  }
  if (records.length === 0) {
    process.stdout.write("No experiments yet. Run one: pipeline exp run -S stage.params.key=value\n");
    return;
  }
  const cell = (v: unknown) =>
    v === undefined
      ? "—"
      : typeof v === "number"
        ? String(roundDecimals(v, 4))
        : typeof v === "string"
          ? v
          : JSON.stringify(v);
  const header = ["name", "status", ...varying, ...metricKeys];
  const rows = records.map((r) => [
    r.name,
    r.status,
    ...varying.map((k) => cell(r.overrides[k])),
    ...metricKeys.map((k) => cell(r.metrics[k])),
  ]);
  const width = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => c.padEnd(width[j]))
      .join("  ")
      .trimEnd();
  process.stdout.write(line(header) + "\n" + rows.map(line).join("\n") + "\n");
  const hidden = keys.filter((k) => !varying.includes(k));
  if (hidden.length) process.stdout.write(color.dim(`same in every experiment (hidden): ${hidden.join(", ")}\n`));
}

export async function expApplyCommand(name: string, flags: { file?: string; json?: boolean }): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const main = await openProject({ file: flags.file });
  const record = readRecords(main.stateDir).find((r) => r.name === name);
  if (!record) {
    const names = readRecords(main.stateDir).map((r) => r.name);
    throw new StrataError("ARGUMENT", `no experiment named '${name}'`, {
      hint: names.length ? `experiments: ${names.join(", ")}` : "run one with pipeline exp run",
    });
  }
  const overrides = Object.entries(record.overrides).map(([k, v]) => ({ ...parseOverride(`${k}=null`), value: v }));
  const text = applyOverrides(readFileSync(specFile, "utf8"), overrides, relative(main.root, specFile));
  const tmp = `${specFile}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  try {
    await loadPipeline(tmp); // never leave an invalid pipeline.yaml behind
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, specFile);
  if (flags.json) printJson({ ok: true, applied: record.overrides });
  else {
    for (const [k, v] of Object.entries(record.overrides)) process.stdout.write(`${k} = ${JSON.stringify(v)}\n`);
    process.stdout.write(
      `applied to ${relative(process.cwd(), specFile) || specFile}; \`pipeline run\` restores the experiment's ` +
        `results from the cache\n`,
    );
  }
}
