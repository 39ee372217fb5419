/**
 * Planning: what to run, in what order, and why. A pure function of the cell graph, the lock,
 * what the probe found on disk, and the run-cache index — no I/O, so it is tested on small DAGs
 * and shared by `pipeline status`, `pipeline run --dry-run` and the runner itself.
 *
 * A cell's fingerprint covers the hashes of the upstream outputs it reads (not the upstream
 * fingerprints), so an upstream rerun that produces byte-identical outputs leaves its
 * dependents fresh. The price: when an upstream cell must execute, its dependents' fingerprints
 * are unknown until it has finished; the plan marks them `wait` and the runner decides again
 * with the real hashes (the same `decideCell`).
 */
import type { Cell, CellGraph } from "./types.ts";
import type { LockEntry, LockFile } from "./lock.ts";
import { cellFingerprint, diffFingerprintParts, type FingerprintParts } from "./fingerprint.ts";
import { describeTrialsChange, TRIALS_INPUT, type TrialSpec, type TrialsSummary } from "./trials.ts";

/** Everything a cell's fingerprint depends on except the upstream output hashes. */
export type StaticParts = Omit<FingerprintParts, "inputs">;

/** A plan-time warning of a stage's `checks`, placed in pipeline.yaml. */
export interface PlanWarning {
  stage: string;
  /** Dotted param path it is about, when the check named one. */
  param?: string;
  /** "pipeline.yaml:40:7" */
  where: string;
  message: string;
  hint?: string;
}

/** What the probe found for one cell before running anything. */
export interface CellProbe {
  /** Static parts, or why they could not be computed (invalid params, module error). */
  parts: StaticParts | { error: string; code?: string };
  /** State of each output recorded in the lock, as found in data/. */
  outputs: Record<string, OutputState>;
  /** Inputs that are not upstream outputs (the trial registry's digest), keyed like inputs. */
  extraInputs?: Record<string, string>;
  /** The stage's trial declaration (its cells are recorded in the trial registry). */
  trial?: TrialSpec;
  /** For a registry-reading cell: how many trials the registry holds now, by source. */
  trials?: TrialsSummary;
  /** Plan-time warnings of the cell's stage (the same list for every cell of the stage). */
  warnings?: PlanWarning[];
}

/** Output hashes of an upstream cell as they will be when this cell runs. */
export type OutputHashes = Record<string, string>;

/**
 * An output as found for its lock entry: in place and intact, missing, modified, or recorded in
 * an older folder layout (a matrix cell's `a=1,b=x` folder, now `a=1/b=x`): restored into place.
 */
export type OutputState = "ok" | "missing" | "modified" | "moved";

export type Action =
  | "skip" //      fresh: fingerprint and outputs match the lock
  | "restore" //   stale, but the run-cache (or the cache for a modified output) holds the result
  | "run" //       stale: execute the stage
  | "wait" //      an upstream cell executes first; decided again once its outputs are known
  | "blocked"; //  cannot run: the cell or an upstream cell is in error

export interface Decision {
  action: Action;
  /** The first cause, in human form, e.g. "params.top_n: 30 → 40". */
  cause: string;
  /** Every difference found (cause first). */
  reasons: string[];
  /** Known when all inputs are known. */
  fingerprint?: string;
}

export interface DecideArgs {
  cell: Cell;
  parts: StaticParts;
  /** Upstream output hashes keyed "<depCellId>/<output>". */
  inputs: Record<string, string>;
  entry: LockEntry | undefined;
  outputs: Record<string, OutputState>;
  force: boolean;
  /** Whether the run-cache holds a result for a fingerprint. */
  runCached: (fingerprint: string) => boolean;
  /** A registry-reading cell: the registry's size now, to explain a changed digest. */
  trials?: TrialsSummary;
}

/** Decide one cell whose inputs are known. Shared by the planner and the runner. */
export function decideCell(a: DecideArgs): Decision {
  const fingerprint = cellFingerprint({ ...a.parts, inputs: a.inputs });
  const cached = a.runCached(fingerprint);
  const staleAction = (): Action => (cached && !a.force ? "restore" : "run");
  if (!a.entry) {
    return { action: staleAction(), cause: "never run", reasons: ["never run"], fingerprint };
  }
  const entryParts: FingerprintParts = {
    code: a.entry.code,
    packages: a.entry.packages,
    params: a.entry.params,
    inputs: a.entry.inputs,
    files: a.entry.files,
    matrix: a.entry.matrix,
    seed: a.entry.seed,
    engine: a.entry.engine,
  };
  if (fingerprint !== a.entry.fingerprint) {
    const diff = diffFingerprintParts(entryParts, { ...a.parts, inputs: a.inputs });
    // A grown trial registry reads "trials: 46 → 76 (+30 exp-top25)", not "input … changed".
    const trialsLine = `input ${TRIALS_INPUT} changed`;
    const changes = diff.changes.map((c) =>
      c === trialsLine && a.entry!.trials && a.trials ? describeTrialsChange(a.entry!.trials, a.trials) : c,
    );
    const reasons = changes.length > 0 ? changes : ["fingerprint changed"];
    return { action: staleAction(), cause: reasons[0], reasons, fingerprint };
  }
  const broken = Object.entries(a.outputs)
    .filter(([, s]) => s !== "ok")
    .filter(([, s]) => s !== "moved")
    .map(([name, s]) => `output ${a.entry!.outputs[name]?.path ?? name} ${s}`);
  // An older folder layout (`a=1,b=x/`): one reason for the cell, not one per output.
  if (Object.values(a.outputs).includes("moved"))
    broken.unshift(`outputs move to ${a.cell.dir}/ (one folder per matrix axis, Hive-style)`);
  if (broken.length > 0) {
    // Same fingerprint: the lock's own output hashes are the result; restore them from the
    // cache when this machine has it (a fresh clone has the lock but no cache: run).
    return { action: staleAction(), cause: broken[0], reasons: broken, fingerprint };
  }
  if (a.force) return { action: "run", cause: "forced (--force)", reasons: ["forced"], fingerprint };
  return { action: "skip", cause: "up to date", reasons: [], fingerprint };
}

export interface PlanStep extends Decision {
  cell: Cell;
  /** A restore whose run is on the remote cache, not (yet) in the local one. */
  remote?: boolean;
  /** For cascaded cells: the upstream cell ids that make them wait or block. */
  upstream: string[];
}

export interface PlanOptions {
  /** Cell ids to consider (targets plus their upstream closure), in topological order. */
  cells: Cell[];
  lock: LockFile;
  probes: Map<string, CellProbe>;
  /** Cells to re-execute even when fresh. */
  force: Set<string>;
  /** Run-cache lookup: fingerprint → output hashes of that run, if present. */
  runCache: (fingerprint: string) => OutputHashes | undefined;
}

/**
 * Plan every cell in `cells` (topological order). Inputs of a cell are known when each
 * upstream cell is skipped (hashes from the lock) or restored (hashes from the run-cache, or
 * from the lock when only a materialized file is damaged).
 */
export function planRun(_graph: CellGraph, opts: PlanOptions): PlanStep[] {
  const known = new Map<string, OutputHashes | null>(); // null = unknown until it runs
  const failed = new Set<string>();
  const steps: PlanStep[] = [];
  const inPlan = new Set(opts.cells.map((c) => c.id));

  for (const cell of opts.cells) {
    const probe = opts.probes.get(cell.id);
    const entry = opts.lock.cells[cell.id];
    const blockedBy = cell.deps.filter((d) => failed.has(d));
    if (!probe || "error" in probe.parts) {
      failed.add(cell.id);
      known.set(cell.id, null);
      const cause = probe && "error" in probe.parts ? probe.parts.error : "not probed";
      steps.push({ cell, action: "blocked", cause, reasons: [cause], upstream: [] });
      continue;
    }
    if (blockedBy.length > 0) {
      failed.add(cell.id);
      known.set(cell.id, null);
      const cause = `upstream ${blockedBy[0]} cannot run`;
      steps.push({ cell, action: "blocked", cause, reasons: [cause], upstream: blockedBy });
      continue;
    }
    const inputs: Record<string, string> = {};
    const waitingOn: string[] = [];
    for (const dep of cell.deps) {
      const hashes = inPlan.has(dep) ? known.get(dep) : lockHashes(opts.lock.cells[dep]);
      if (hashes === null || hashes === undefined) {
        waitingOn.push(dep);
        continue;
      }
      for (const [out, h] of Object.entries(hashes)) inputs[`${dep}/${out}`] = h;
    }
    Object.assign(inputs, probe.extraInputs);
    if (waitingOn.length > 0) {
      known.set(cell.id, null);
      const cause = `upstream ${waitingOn[0]} will rerun`;
      steps.push({ cell, action: "wait", cause, reasons: [cause], upstream: waitingOn });
      continue;
    }
    const d = decideCell({
      cell,
      parts: probe.parts,
      inputs,
      entry,
      outputs: probe.outputs,
      force: opts.force.has(cell.id),
      runCached: (fp) => opts.runCache(fp) !== undefined,
      trials: probe.trials,
    });
    if (d.action === "skip") known.set(cell.id, lockHashes(entry) ?? null);
    else if (d.action === "restore") {
      const fromRun = d.fingerprint ? opts.runCache(d.fingerprint) : undefined;
      known.set(cell.id, fromRun ?? (d.fingerprint === entry?.fingerprint ? (lockHashes(entry) ?? null) : null));
    } else known.set(cell.id, null);
    steps.push({ cell, ...d, upstream: [] });
  }
  return steps;
}

/** Output name → hash of a lock entry or run-cache entry (same `outputs` shape). */
export function lockHashes(entry: Pick<LockEntry, "outputs"> | undefined): OutputHashes | undefined {
  if (!entry) return undefined;
  const out: OutputHashes = {};
  for (const [name, o] of Object.entries(entry.outputs)) out[name] = o.hash;
  return out;
}

/** The plan-time warnings of the probed stages, once per stage, in the order of `cells`. */
export function planWarnings(cells: readonly Cell[], probes: ReadonlyMap<string, CellProbe>): PlanWarning[] {
  const seen = new Set<string>();
  const out: PlanWarning[] = [];
  for (const c of cells) {
    if (seen.has(c.stage)) continue;
    seen.add(c.stage);
    out.push(...(probes.get(c.id)?.warnings ?? []));
  }
  return out;
}

/** "pipeline.yaml:40:7: backtest: params.constraints.max_weight: … → hint" */
export function formatPlanWarning(w: PlanWarning): string {
  return `${w.where}: ${w.stage}: ${w.param ? `params.${w.param}: ` : ""}${w.message}${w.hint ? ` → ${w.hint}` : ""}`;
}

/** One line per step for humans: "run     train[model=gbdt]  params.depth: 4 → 6". */
export function describeStep(step: PlanStep): string {
  const verb = {
    skip: "fresh",
    restore: "restore",
    run: "run",
    wait: "then",
    blocked: "blocked",
  }[step.action];
  return `${verb.padEnd(8)}${step.cell.id}  ${step.cause}${step.remote ? " (from the remote cache)" : ""}`;
}
