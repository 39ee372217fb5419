/**
 * `pipeline verify`: prove the lock is reproducible. For each cell, check the materialized
 * outputs still match the lock, then re-execute the stage into a temp folder (leaving data/,
 * the cache and the lock alone) and compare every output hash with the lock.
 */
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { availableParallelism } from "node:os";
import { sha256File } from "../core/hash.ts";
import { errorMessage } from "../core/errors.ts";
import { acquireProjectLock } from "./project-lock.ts";
import { readLock, type LockEntry } from "./lock.ts";
import { executeStage, planProject, selection, silentReporter, upstreamOf, type Reporter } from "./runner.ts";
import type { CellProbe, PlanStep } from "./plan.ts";
import type { Project } from "./project.ts";

export interface VerifyResult {
  cell: string;
  ok: boolean;
  /** "verified", "stale", "never run", "modified", "differs", "error". */
  status: string;
  detail: string[];
  duration_s: number;
}

export async function verifyProject(
  project: Project,
  opts: { targets?: string[]; reporter?: Reporter; jobs?: number } = {},
): Promise<VerifyResult[]> {
  const reporter = opts.reporter ?? silentReporter;
  const held = await acquireProjectLock(project.root, { command: "pipeline verify" });
  const tmpRoot = join(project.stateDir, "verify", `${process.pid}`);
  try {
    project.lock = await readLock(project.lockFile);
    // verify trusts no stat: every output and source file is read and hashed again.
    project.stat.checksum = true;
    const { steps, probes } = await planProject(project, { targets: opts.targets });
    // Only the targets are re-executed; their upstream is checked through the lock's hashes.
    const { targeted } = selection(project, opts.targets);
    const results: VerifyResult[] = [];
    const queue = steps.filter((s) => targeted.has(s.cell.id));
    const jobs = Math.max(1, opts.jobs ?? availableParallelism());
    const work = async (): Promise<void> => {
      for (let step = queue.shift(); step; step = queue.shift())
        results.push(await verifyStep(project, step, probes, tmpRoot, reporter));
    };
    await Promise.all(Array.from({ length: jobs }, work));
    const order = new Map(steps.map((s, i) => [s.cell.id, i]));
    return results.sort((a, b) => order.get(a.cell)! - order.get(b.cell)!);
  } finally {
    try {
      await rm(tmpRoot, { recursive: true, force: true });
      await project.stat.save().catch(() => {});
    } finally {
      await held.release();
    }
  }
}

/** One targeted cell: not verifiable as it stands (never run, stale, modified), or re-executed and compared. */
async function verifyStep(
  project: Project,
  step: PlanStep,
  probes: Map<string, CellProbe>,
  tmpRoot: string,
  reporter: Reporter,
): Promise<VerifyResult> {
  const { cell } = step;
  const lockName = basename(project.lockFile);
  const entry = project.lock.cells[cell.id];
  const t0 = performance.now();
  const done = (ok: boolean, status: string, detail: string[]): VerifyResult => ({
    cell: cell.id,
    ok,
    status,
    detail,
    duration_s: (performance.now() - t0) / 1000,
  });
  if (!entry) return done(false, "never run", [`no entry in ${lockName}: run \`pipeline run\` first`]);
  if (step.action !== "skip") {
    const modified = step.reasons.filter((r) => r.startsWith("output "));
    if (modified.length && step.fingerprint === entry.fingerprint)
      return done(
        false,
        "modified",
        modified.map((m) => `${m}: does not match ${lockName}`),
      );
    return done(false, "stale", [`${step.cause}: run \`pipeline run\` before verifying`]);
  }
  const probe = probes.get(cell.id)!;
  if ("error" in probe.parts) return done(false, "error", [probe.parts.error]);
  reporter.start(cell, "run", "verify");
  try {
    const tmpDir = join(tmpRoot, cell.dir);
    const upstream = upstreamOf(project, cell, project.lock);
    const res = await executeStage(project, cell, probe.parts, {
      tmpDir,
      upstream,
      signal: new AbortController().signal,
      reporter,
    });
    const detail = await compareOutputs(entry, res.files, lockName);
    await rm(tmpDir, { recursive: true, force: true });
    return done(detail.length === 0, detail.length === 0 ? "verified" : "differs", detail);
  } catch (e) {
    return done(false, "error", [errorMessage(e)]);
  }
}

/** How the re-executed outputs differ from the lock's (missing, extra, other hash), one line each. */
async function compareOutputs(
  entry: LockEntry,
  files: ReadonlyArray<{ name: string; abs: string }>,
  lockName: string,
): Promise<string[]> {
  const detail: string[] = [];
  const names = new Set([...Object.keys(entry.outputs), ...files.map((f) => f.name)]);
  for (const name of [...names].sort()) {
    const want = entry.outputs[name];
    const got = files.find((f) => f.name === name);
    if (!want) detail.push(`${name}: written now but not in ${lockName}`);
    else if (!got) detail.push(`${want.path}: in ${lockName} but not written now`);
    else {
      const h = await sha256File(got.abs);
      if (h !== want.hash)
        detail.push(`${want.path}: sha256 ${want.hash.slice(0, 12)} in lock, ${h.slice(0, 12)} re-executed`);
    }
  }
  return detail;
}
