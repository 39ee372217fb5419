import { openProject } from "../../pipeline/project.ts";
import { printJson } from "../output.ts";

export async function dagCommand(flags: {
  file?: string;
  json?: boolean;
  mermaid?: boolean;
  cells?: boolean;
}): Promise<void> {
  const project = await openProject({ file: flags.file });
  const { spec, graph } = project;
  if (flags.json) {
    printJson({
      stages: spec.stages.map((s) => ({
        name: s.name,
        uses: s.uses,
        needs: s.needs,
        cells: (graph.byStage.get(s.name) ?? []).map((c) => c.id),
      })),
      cells: graph.cells.map((c) => ({ id: c.id, stage: c.stage, values: c.values, deps: c.deps, dir: c.dir })),
    });
    return;
  }
  const order = [...new Set(graph.cells.map((c) => c.stage))];
  if (flags.mermaid) {
    const lines = ["flowchart TD"];
    const nodeId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
    if (flags.cells) {
      graph.cells.forEach((c, i) => lines.push(`  c${i}["${c.id}"]`));
      const idx = new Map(graph.cells.map((c, i) => [c.id, i]));
      for (const c of graph.cells) for (const d of c.deps) lines.push(`  c${idx.get(d)} --> c${idx.get(c.id)}`);
    } else {
      for (const name of order) {
        const n = graph.byStage.get(name)?.length ?? 1;
        const stage = spec.stages.find((s) => s.name === name)!;
        const axes = stage.matrix.map(([a]) => a).join(" × ");
        lines.push(`  ${nodeId(name)}["${name}${axes ? `<br/>${axes} (${n} cells)` : ""}"]`);
      }
      for (const name of order) {
        for (const need of spec.stages.find((s) => s.name === name)!.needs)
          lines.push(`  ${nodeId(need)} --> ${nodeId(name)}`);
      }
    }
    process.stdout.write(lines.join("\n") + "\n");
    return;
  }
  for (const name of order) {
    const stage = spec.stages.find((s) => s.name === name)!;
    const cells = graph.byStage.get(name) ?? [];
    const axes = stage.matrix
      .map(([a, m]) => (m.kind === "from" ? `${a}←${m.stage}` : `${a}[${m.values.length}]`))
      .join(" × ");
    const needs = stage.needs.length ? ` ← ${stage.needs.join(", ")}` : "";
    process.stdout.write(`${name}${axes ? ` (${axes} = ${cells.length} cells)` : ""}${needs}   ${stage.uses}\n`);
    if (flags.cells && stage.matrix.length)
      for (const c of cells) process.stdout.write(`    ${c.id}  ← ${c.deps.join(", ") || "-"}\n`);
  }
}
