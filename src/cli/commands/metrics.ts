/**
 * The researcher's "what changed, and is it better?":
 *
 *   pipeline metrics show [TARGET…]        every recorded metric of the selected cells
 *   pipeline metrics diff [REV_A [REV_B]]  metrics that differ (default: HEAD vs the working tree)
 *   pipeline params diff [REV_A [REV_B]]   recorded params that differ, grouped by stage
 *   pipeline exp diff A B                  both, between two experiments (or `main`)
 *
 * Revisions are read through git (`git show REV:pipeline.lock`); `workspace` is the files on
 * disk. Sorted by cell (or stage) then name; changed values highlighted; `--json` for scripts.
 */
import { selectCells } from "../../pipeline/address.ts";
import { diffMetrics, diffParams, flatten, type Value, type ValueChange } from "../../pipeline/lock-diff.ts";
import { openProject } from "../../pipeline/project.ts";
import { color, printJson } from "../output.ts";
import { experimentLock, lockAt, WORKSPACE } from "../revisions.ts";
import { table } from "../table.ts";

interface Flags {
  file?: string;
  json?: boolean;
  all?: boolean;
}

/** A value for people: numbers to 6 significant digits without grouping, absent as "—". */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "—";
  if (v === null) return "null";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Number(v.toPrecision(6)).toString();
  }
  return String(v);
}

function showChange(c: ValueChange): string {
  if (!c.changed) return "";
  if (c.a === undefined) return "added";
  if (c.b === undefined) return "removed";
  if (c.delta === null) return "changed";
  const d = `${c.delta >= 0 ? "+" : ""}${showValue(c.delta)}`;
  return c.relative === null ? d : `${d} (${c.relative >= 0 ? "+" : ""}${(c.relative * 100).toFixed(1)} %)`;
}

function printChanges(rows: ValueChange[], labels: [string, string], first: string, what: string, all: boolean): void {
  const shown = all ? rows : rows.filter((r) => r.changed);
  if (shown.length === 0) {
    process.stdout.write(`No ${what} differ between ${labels[0]} and ${labels[1]}.\n`);
    return;
  }
  const body = shown.map((r) => [r.where, r.key, showValue(r.a), showValue(r.b), showChange(r)]);
  process.stdout.write(
    table(
      [first, what === "metrics" ? "metric" : "param", labels[0], labels[1], "change"],
      body,
      new Set([2, 3]),
      (i, col, text) => (shown[i].changed && col >= 3 ? color.yellow(text) : text),
    ),
  );
  const n = rows.filter((r) => r.changed).length;
  const noun = what === "metrics" ? "metric value" : "param";
  process.stdout.write(color.dim(`\n${n} ${noun}${n === 1 ? " differs" : "s differ"}.\n`));
}

const jsonRows = (rows: ValueChange[]) =>
  rows.map((r) => ({
    where: r.where,
    stage: r.stage,
    key: r.key,
    a: r.a ?? null,
    b: r.b ?? null,
    ...(r.a === undefined ? { added: true } : {}),
    ...(r.b === undefined ? { removed: true } : {}),
    delta: r.delta,
    relative: r.relative,
    changed: r.changed,
  }));

/** `metrics show`: every recorded metric of the selected cells (default all), one row per cell and metric. */
export async function metricsShowCommand(targets: string[], flags: Flags): Promise<void> {
  const project = await openProject({ file: flags.file });
  const ids = new Set(selectCells(project.graph, targets).map((c) => c.id));
  const rows: Array<{ cell: string; stage: string; metric: string; value: Value }> = [];
  const sorted = Object.keys(project.lock.cells)
    .filter((id) => ids.has(id))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const id of sorted) {
    const e = project.lock.cells[id];
    const m = flatten(e.metrics ?? {});
    for (const k of Object.keys(m).sort()) rows.push({ cell: id, stage: e.stage, metric: k, value: m[k] });
  }
  if (flags.json) {
    printJson({ ok: true, metrics: rows });
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("No metrics recorded for these cells (run them first: `pipeline run`).\n");
    return;
  }
  process.stdout.write(
    table(
      ["cell", "metric", "value"],
      rows.map((r) => [r.cell, r.metric, showValue(r.value)]),
      new Set([2]),
    ),
  );
}

/** `metrics diff` / `params diff`: two revisions (default HEAD and the working tree). */
export async function lockDiffCommand(kind: "metrics" | "params", revs: string[], flags: Flags): Promise<void> {
  const project = await openProject({ file: flags.file });
  const [ra, rb] = [revs[0] ?? "HEAD", revs[1] ?? WORKSPACE];
  const [a, b] = await Promise.all([lockAt(project, ra), lockAt(project, rb)]);
  report(kind, a, b, flags);
}

/** `exp diff A B`: metrics and params between two experiments (`main`: the study itself). */
export async function expDiffCommand(na: string, nb: string, flags: Flags): Promise<void> {
  const project = await openProject({ file: flags.file });
  const [a, b] = await Promise.all([experimentLock(project, na), experimentLock(project, nb)]);
  if (flags.json) {
    printJson({
      ok: true,
      a: a.label,
      b: b.label,
      params: jsonRows(diffParams(a.lock, b.lock)),
      metrics: jsonRows(diffMetrics(a.lock, b.lock).filter((r) => flags.all || r.changed)),
    });
    return;
  }
  process.stdout.write(color.bold("params\n"));
  printChanges(diffParams(a.lock, b.lock), [a.label, b.label], "stage / cells", "params", false);
  process.stdout.write(color.bold("\nmetrics\n"));
  printChanges(diffMetrics(a.lock, b.lock), [a.label, b.label], "cell", "metrics", !!flags.all);
}

function report(
  kind: "metrics" | "params",
  a: { lock: Parameters<typeof diffMetrics>[0]; label: string },
  b: { lock: Parameters<typeof diffMetrics>[0]; label: string },
  flags: Flags,
): void {
  const rows = kind === "metrics" ? diffMetrics(a.lock, b.lock) : diffParams(a.lock, b.lock);
  if (flags.json) {
    printJson({ ok: true, a: a.label, b: b.label, [kind]: jsonRows(rows.filter((r) => flags.all || r.changed)) });
    return;
  }
  printChanges(rows, [a.label, b.label], kind === "metrics" ? "cell" : "stage / cells", kind, !!flags.all);
}
