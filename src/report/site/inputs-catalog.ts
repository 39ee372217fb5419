/**
 * A catalog built from a stage's upstream artifacts instead of pipeline.lock, for the report
 * stage: every cell it reads is fresh by construction (the runner only starts a stage when its
 * inputs are), its stamp is a digest of the input hashes, and nothing that varies between runs
 * of the same inputs (durations, git commit, lock bytes) enters it.
 */
import { relative } from "node:path";
import { sha256 } from "../../core/hash.ts";
import type { Catalog, CatalogCell, OutputKind } from "../catalog.ts";

export interface InputArtifact {
  stage: string;
  cellId: string;
  cell: Record<string, string | number | boolean>;
  output: string;
  kind: OutputKind;
  path: string;
  hash: string;
}

/** sha256 over the sorted lines "cell\toutput\thash": the identity of a set of inputs. */
export function inputsDigest(inputs: readonly InputArtifact[]): string {
  const lines = inputs.map((u) => `${u.cellId}\t${u.output}\t${u.hash}\n`).sort();
  return sha256(lines.join(""));
}

export interface InputsCatalogOptions {
  root: string;
  /** The reading stage itself, drawn with its needs in the graph. */
  self: { name: string; uses: string; description?: string };
  seed: number;
  engine?: string;
  packages?: Record<string, string>;
}

export function catalogFromInputs(inputs: readonly InputArtifact[], opts: InputsCatalogOptions): Catalog {
  const cells = new Map<string, CatalogCell>();
  const sorted = [...inputs].sort((a, b) =>
    a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : a.output < b.output ? -1 : a.output > b.output ? 1 : 0,
  );
  for (const u of sorted) {
    let c = cells.get(u.cellId);
    if (!c)
      cells.set(
        u.cellId,
        (c = { id: u.cellId, stage: u.stage, axes: { ...u.cell }, state: "fresh", reasons: [], deps: [], outputs: [] }),
      );
    c.outputs.push({
      name: u.output,
      kind: u.kind,
      path: u.path,
      relPath: relative(opts.root, u.path).split("\\").join("/"),
      hash: u.hash,
      bytes: 0,
      present: true,
    });
  }
  const list = [...cells.values()];
  const stageNames = [...new Set(list.map((c) => c.stage))];
  const stages: Catalog["stages"] = stageNames.map((name) => ({
    name,
    uses: "",
    needs: [],
    axes: Object.keys(list.find((c) => c.stage === name)!.axes),
  }));
  stages.push({
    name: opts.self.name,
    uses: opts.self.uses,
    needs: stageNames,
    axes: [],
    ...(opts.self.description ? { description: opts.self.description } : {}),
  });
  return {
    root: opts.root,
    lockHash: inputsDigest(inputs),
    gitCommit: null,
    seed: opts.seed,
    stages,
    cells: list,
    packages: opts.packages ?? {},
    engine: opts.engine ?? "",
  };
}
