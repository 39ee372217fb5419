/**
 * planRun is pure: these tests build small DAGs by hand (a → b → c, plus a fan-in) and a lock,
 * and check what the planner decides and why.
 */
import { describe, expect, it } from "vitest";
import { planRun, type CellProbe, type StaticParts } from "../../src/pipeline/plan.ts";
import { cellFingerprint } from "../../src/pipeline/fingerprint.ts";
import type { LockEntry, LockFile } from "../../src/pipeline/lock.ts";
import type { Cell, CellGraph, PipelineSpec } from "../../src/pipeline/types.ts";

function cell(id: string, deps: string[] = []): Cell {
  return { id, stage: id.replace(/\[.*$/, ""), values: {}, deps, dir: `data/${id}` };
}

// a → b → c, and d fanning in over b and a.
const cells = [cell("a"), cell("b", ["a"]), cell("c", ["b"]), cell("d", ["a", "b"])];
const graph: CellGraph = {
  spec: {} as PipelineSpec,
  cells,
  byId: new Map(cells.map((c) => [c.id, c])),
  byStage: new Map(cells.map((c) => [c.stage, [c]])),
};

const parts = (id: string, params: Record<string, unknown> = {}): StaticParts => ({
  code: { [`stages/${id}.ts`]: `code-${id}` },
  packages: {},
  params,
  files: {},
  matrix: {},
  seed: 42,
  engine: "strata@test",
});

/** A lock where every cell ran with the given params; outputs hashed "<id>-out". */
function lockFor(params: Record<string, Record<string, unknown>> = {}): LockFile {
  const lock: LockFile = { version: 2, cells: {} };
  for (const c of cells) {
    const inputs: Record<string, string> = {};
    for (const d of c.deps) inputs[`${d}/out`] = lock.cells[d].outputs.out.hash;
    const p = parts(c.id, params[c.id]);
    const entry: LockEntry = {
      stage: c.stage,
      matrix: {},
      fingerprint: cellFingerprint({ ...p, inputs }),
      uses: `stages/${c.id}.ts`,
      code: p.code,
      packages: {},
      params: p.params,
      inputs,
      files: {},
      seed: 42,
      outputs: { out: { path: `data/${c.id}/out.json`, hash: `${c.id}-out`, bytes: 1 } },
      metrics: {},
      engine: p.engine,
    };
    lock.cells[c.id] = entry;
  }
  return lock;
}

function probes(
  params: Record<string, Record<string, unknown>> = {},
  outputs: Record<string, CellProbe["outputs"]> = {},
) {
  return new Map(
    cells.map((c) => [c.id, { parts: parts(c.id, params[c.id]), outputs: outputs[c.id] ?? { out: "ok" as const } }]),
  );
}

const noRuns = () => undefined;
const actions = (steps: ReturnType<typeof planRun>) => Object.fromEntries(steps.map((s) => [s.cell.id, s.action]));

describe("planRun", () => {
  it("with an empty lock runs the roots and waits on everything downstream", () => {
    const steps = planRun(graph, {
      cells,
      lock: { version: 2, cells: {} },
      probes: probes(),
      force: new Set(),
      runCache: noRuns,
    });
    expect(actions(steps)).toEqual({ a: "run", b: "wait", c: "wait", d: "wait" });
    expect(steps[0].cause).toContain("never run");
    expect(steps[1].cause).toBe("upstream a will rerun");
  });

  it("skips every cell when fingerprints and outputs match the lock", () => {
    const steps = planRun(graph, { cells, lock: lockFor(), probes: probes(), force: new Set(), runCache: noRuns });
    expect(actions(steps)).toEqual({ a: "skip", b: "skip", c: "skip", d: "skip" });
  });

  it("a param change reruns that cell, names old → new, and cascades only downstream", () => {
    const steps = planRun(graph, {
      cells,
      lock: lockFor({ b: { top_n: 30 } }),
      probes: probes({ b: { top_n: 40 } }),
      force: new Set(),
      runCache: noRuns,
    });
    expect(actions(steps)).toEqual({ a: "skip", b: "run", c: "wait", d: "wait" });
    expect(steps[1].cause).toBe("params.top_n: 30 → 40");
    expect(steps[2].upstream).toEqual(["b"]);
  });

  it("restores from the run-cache and then knows the cascade exactly", () => {
    const lock = lockFor({ b: { top_n: 40 } });
    const newB = cellFingerprint({ ...parts("b", { top_n: 30 }), inputs: { "a/out": "a-out" } });
    // The earlier run with top_n 30 produced b's outputs with hash "b-old".
    const runCache = (fp: string) => (fp === newB ? { out: "b-old" } : undefined);
    const steps = planRun(graph, { cells, lock, probes: probes({ b: { top_n: 30 } }), force: new Set(), runCache });
    expect(actions(steps)).toEqual({ a: "skip", b: "restore", c: "run", d: "run" });
    expect(steps[2].cause).toBe("input b/out changed");
  });

  it("a missing output with an unchanged fingerprint is restored when the cache has the run", () => {
    const lock = lockFor();
    const runCache = (fp: string) => (fp === lock.cells.c.fingerprint ? { out: "c-out" } : undefined);
    const steps = planRun(graph, {
      cells,
      lock,
      probes: probes({}, { c: { out: "missing" } }),
      force: new Set(),
      runCache,
    });
    expect(actions(steps)).toEqual({ a: "skip", b: "skip", c: "restore", d: "skip" });
    expect(steps[2].cause).toBe("output data/c/out.json missing");
  });

  it("a missing output without a cache (a fresh clone of the lock) is executed", () => {
    const steps = planRun(graph, {
      cells,
      lock: lockFor(),
      probes: probes({}, { c: { out: "missing" } }),
      force: new Set(),
      runCache: noRuns,
    });
    expect(actions(steps)).toEqual({ a: "skip", b: "skip", c: "run", d: "skip" });
  });

  it("--force re-executes only the forced cells; their dependents wait", () => {
    const steps = planRun(graph, { cells, lock: lockFor(), probes: probes(), force: new Set(["b"]), runCache: noRuns });
    expect(actions(steps)).toEqual({ a: "skip", b: "run", c: "wait", d: "wait" });
    expect(steps[1].cause).toBe("forced (--force)");
  });

  it("a cell whose params cannot be validated blocks itself and its dependents", () => {
    const pr: Map<string, CellProbe> = probes();
    pr.set("b", { parts: { error: "stage 'b' has invalid params" }, outputs: {} });
    const steps = planRun(graph, { cells, lock: lockFor(), probes: pr, force: new Set(), runCache: noRuns });
    expect(actions(steps)).toEqual({ a: "skip", b: "blocked", c: "blocked", d: "blocked" });
    expect(steps[2].cause).toBe("upstream b cannot run");
  });

  it("plans a subset: upstream cells outside the plan contribute their lock hashes", () => {
    const steps = planRun(graph, {
      cells: [cells[2]],
      lock: lockFor(),
      probes: probes(),
      force: new Set(),
      runCache: noRuns,
    });
    expect(actions(steps)).toEqual({ c: "skip" });
  });
});
