/**
 * Stage-level graph helpers. Edges point from a stage to the stages it needs. Everything is
 * deterministic: ties are broken by declaration order (the iteration order of the input).
 */
import { StrataError } from "../core/errors.ts";

export interface StageNode {
  name: string;
  needs: readonly string[];
}

/**
 * Cycles among `needs` edges, each as the list of stages along it starting from the
 * earliest-declared one (`[a, b, c]` means a needs b, b needs c, c needs a). One cycle per DFS
 * back edge, so two loops through the same stage are both reported. Self-edges and edges to
 * unknown stages are ignored (they are reported elsewhere).
 */
export function findCycles(stages: readonly StageNode[]): string[][] {
  const order = new Map(stages.map((s, i) => [s.name, i]));
  const needsOf = new Map(stages.map((s) => [s.name, s.needs.filter((n) => n !== s.name && order.has(n))]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found = new Map<string, string[]>();

  const visit = (name: string): void => {
    state.set(name, "open");
    stack.push(name);
    for (const next of needsOf.get(name) ?? []) {
      const s = state.get(next);
      if (s === "open") {
        const cycle = rotateToEarliest(stack.slice(stack.lastIndexOf(next)), order);
        found.set(cycle.join("\u0000"), cycle);
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const s of stages) if (!state.has(s.name)) visit(s.name);
  return [...found.values()].sort((x, y) => order.get(x[0])! - order.get(y[0])! || x.length - y.length);
}

function rotateToEarliest(cycle: string[], order: Map<string, number>): string[] {
  let start = 0;
  cycle.forEach((n, i) => {
    if (order.get(n)! < order.get(cycle[start])!) start = i;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

/** `a → b → c → a` */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(" → ");
}

/**
 * Stage names in an order where every stage comes after the stages it needs (Kahn's algorithm);
 * among ready stages the earliest-declared goes first, so the order is stable under edits that
 * do not touch the graph. Throws on a cycle or an unknown need.
 */
export function topoOrder(stages: readonly StageNode[]): string[] {
  const index = new Map(stages.map((s, i) => [s.name, i]));
  const pending = stages.map((s) => new Set(s.needs.filter((n) => n !== s.name)));
  const dependents = stages.map(() => [] as number[]);
  stages.forEach((s, i) => {
    for (const n of pending[i]) {
      const j = index.get(n);
      if (j === undefined) {
        throw new StrataError("INTERNAL", `stage '${s.name}' needs '${n}', which is not a stage`, {
          hint: "validate the spec with parsePipelineText/loadPipeline before ordering it",
        });
      }
      dependents[j].push(i);
    }
  });
  const ready = stages.map((_, i) => i).filter((i) => pending[i].size === 0);
  const out: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    out.push(stages[i].name);
    for (const j of dependents[i]) {
      pending[j].delete(stages[i].name);
      if (pending[j].size === 0) ready.push(j);
    }
  }
  if (out.length < stages.length) {
    const cycles = findCycles(stages).map(formatCycle).join("; ");
    throw new StrataError("SPEC", `stages cannot be ordered because needs form a cycle: ${cycles}`, {
      hint: "remove one of the needs along the cycle",
    });
  }
  return out;
}
