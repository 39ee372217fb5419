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
import { readLock } from "./lock.ts";
import { executeStage, planProject, selection, silentReporter, upstreamOf, type Reporter } from "./runner.ts";
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
    const lockName = basename(project.lockFile);
    const { steps, probes } = await planProject(project, { targets: opts.targets });
    // Only the targets are re-executed; their upstream is checked through the lock's hashes.
    const { targeted } = selection(project, opts.targets);
    const results: VerifyResult[] = [];
    const queue = steps.filter((s) => targeted.has(s.cell.id));
    const jobs = Math.max(1, opts.jobs ?? availableParallelism());
    const work = async (): Promise<void> => {
      for (let step = queue.shift(); step; step = queue.shift()) {
        const { cell } = step;
        const entry = project.lock.cells[cell.id];
        const t0 = performance.now();
        const done = (ok: boolean, status: string, detail: string[]) =>
          results.push({ cell: cell.id, ok, status, detail, duration_s: (performance.now() - t0) / 1000 });
        if (!entry) {
          done(false, "never run", [`no entry in ${lockName}: run \`pipeline run\` first`]);
          continue;
        }
        if (step.action !== "skip") {
          const modified = step.reasons.filter((r) => r.startsWith("output "));
          if (modified.length && step.fingerprint === entry.fingerprint)
            done(
              false,
              "modified",
              modified.map((m) => `${m}: does not match ${lockName}`),
            );
          else done(false, "stale", [`${step.cause}: run \`pipeline run\` before verifying`]);
          continue;
        }
        const probe = probes.get(cell.id)!;
        if ("error" in probe.parts) {
          done(false, "error", [probe.parts.error]);
          continue;
        }
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
          const detail: string[] = [];
          const names = new Set([...Object.keys(entry.outputs), ...res.files.map((f) => f.name)]);
          for (const name of [...names].sort()) {
            const want = entry.outputs[name];
            const got = res.files.find((f) => f.name === name);
            if (!want) detail.push(`${name}: written now but not in ${lockName}`);
            else if (!got) detail.push(`${want.path}: in ${lockName} but not written now`);
            else {
              const h = await sha256File(got.abs);
              if (h !== want.hash)
                detail.push(`${want.path}: sha256 ${want.hash.slice(0, 12)} in lock, ${h.slice(0, 12)} re-executed`);
            }
          }
          await rm(tmpDir, { recursive: true, force: true });
          done(detail.length === 0, detail.length === 0 ? "verified" : "differs", detail);
        } catch (e) {
          done(false, "error", [errorMessage(e)]);
        }
      }
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
