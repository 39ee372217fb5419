/**
 * Build the report catalog (src/report/catalog.ts) of a project from its spec, lock and plan:
 * which cells are fresh or stale and why, and every artifact recorded in pipeline.lock.
 */
import { readFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { lastDurations, readRunLog } from "../pipeline/run-log.ts";
import { sha256 } from "../core/hash.ts";
import { gitCommit } from "../core/git.ts";
import { engineIdentity, openProject, outputStates, type Project } from "../pipeline/project.ts";
import { packageVersions } from "../pipeline/packages.ts";
import { planProject } from "../pipeline/runner.ts";
import type { Catalog, CatalogCell, OutputKind } from "../report/catalog.ts";

/** The project's declared dependencies, resolved to installed versions. */
function projectPackages(root: string): Record<string, string> {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    return packageVersions(Object.keys(pkg.dependencies ?? {}).sort(), root);
  } catch {
    return {};
  }
}

function kindOf(path: string): OutputKind {
  const ext = extname(path);
  return ext === ".parquet" ? "table" : ext === ".json" ? "json" : "file";
}

export async function buildCatalog(project: Project): Promise<Catalog> {
  const { steps, warnings } = await planProject(project, { targets: [] });
  await project.stat.save();
  const byId = new Map(steps.map((s) => [s.cell.id, s]));
  let lockHash = "none";
  try {
    lockHash = sha256(readFileSync(project.lockFile));
  } catch {
    // no lock yet
  }
  // Durations are not in the lock (it holds only what a rerun reproduces): the run log has them.
  const durations = lastDurations(
    await readRunLog(project.stateDir, { pipeline: relative(project.root, project.specFile) }).catch(() => []),
  );
  const cells: CatalogCell[] = [];
  for (const cell of project.graph.cells) {
    const entry = project.lock.cells[cell.id];
    const step = byId.get(cell.id);
    const states = await outputStates(project, entry);
    const axes: CatalogCell["axes"] = {};
    for (const [k, v] of Object.entries(cell.values)) axes[k] = v as string | number | boolean;
    cells.push({
      id: cell.id,
      stage: cell.stage,
      axes,
      state: !entry ? "missing" : step && step.action !== "skip" ? "stale" : "fresh",
      reasons: step && step.action !== "skip" ? step.reasons : [],
      deps: cell.deps,
      ...(entry
        ? {
            params: entry.params,
            seed: entry.seed,
            fingerprint: entry.fingerprint,
            inputs: entry.inputs,
            code: entry.code,
            packages: entry.packages,
            metrics: entry.metrics,
            ...(durations.has(cell.id) ? { durationS: durations.get(cell.id) } : {}),
            engine: entry.engine,
            ...(entry.warnings?.length ? { warnings: [...entry.warnings] } : {}),
          }
        : {}),
      outputs: Object.entries(entry?.outputs ?? {}).map(([name, o]) => ({
        name,
        kind: kindOf(o.path),
        path: join(project.root, o.path),
        relPath: o.path,
        hash: o.hash,
        bytes: o.bytes,
        ...(o.rows !== undefined ? { rows: o.rows } : {}),
        present: states[name] === "ok",
      })),
    });
  }
  return {
    root: project.root,
    lockHash,
    gitCommit: gitCommit(project.root),
    seed: project.spec.seed,
    stages: project.spec.stages.map((s) => ({
      name: s.name,
      uses: s.uses,
      needs: s.needs,
      axes: s.matrix.map(([a]) => a),
      ...(s.description ? { description: s.description } : {}),
    })),
    cells,
    packages: projectPackages(project.root),
    engine: await engineIdentity(project),
    ...(warnings.length ? { planWarnings: warnings.map((w) => ({ ...w })) } : {}),
  };
}

/** Open the project of `file` (or the current folder) and build its catalog. */
export async function loadCatalog(opts: { file?: string; cwd?: string } = {}): Promise<Catalog> {
  return buildCatalog(await openProject(opts));
}
