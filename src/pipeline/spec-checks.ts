/**
 * The meaning pass over pipeline.yaml's stages: names, `uses` and `files` paths, `needs`
 * references and cycles, matrix axes and their `from`.
 *
 * Runs over every stage that is a map, using whichever of its fields passed the shape pass, so
 * a stage with a broken `matrix` still has its `needs` checked.
 */
import { findCycles, formatCycle } from "./dag.ts";
import { suggestionHint } from "../core/suggest.ts";
import { AXIS_NAME_RE, AXIS_VALUE_RE, STAGE_NAME_RE, isReservedStageName } from "./spec-names.ts";
import { parseStage, type StageData, type StageFields } from "./spec-schema.ts";
import { projectRoot, resolveInputFile, resolveModule, type ProjectRoot } from "./spec-paths.ts";
import type { Reporter } from "./spec-yaml.ts";
import type { AxisValue, MatrixAxis, StageSpec } from "./types.ts";

interface StageCheck extends ProjectRoot {
  /** Every declared stage name, including stages whose shape is invalid. */
  names: string[];
  /** The valid fields of every stage that is a map, in declaration order. */
  parsed: Map<string, StageFields>;
  r: Reporter;
}

/**
 * Check the shape and meaning of every stage in `stagesRaw`, against the absolute project
 * `root`. Returns the stages only when every one is valid in shape (meaning problems are in `r`).
 */
export function validateStages(stagesRaw: Record<string, unknown>, root: string, r: Reporter): StageSpec[] | undefined {
  const names = Object.keys(stagesRaw);
  const parsed = new Map<string, StageFields>();
  let allValid = true;
  for (const name of names) {
    checkStageName(name, r);
    const stage = parseStage(name, stagesRaw[name], r);
    if (stage) parsed.set(name, stage.fields);
    allValid &&= stage?.complete === true;
  }
  checkCaseCollisions(names, r);

  const ctx: StageCheck = { ...projectRoot(root), names, parsed, r };
  const resolved = new Map<string, { usesPath?: string; files: string[] }>();
  for (const [name, data] of parsed) {
    const usesPath = data.uses === undefined ? undefined : checkUses(name, data.uses, ctx);
    if (data.needs) checkNeeds(name, data.needs, ctx);
    if (data.matrix) checkMatrix(name, data.matrix, data.needs, ctx);
    resolved.set(name, { usesPath, files: data.files ? checkFiles(name, data.files, ctx) : [] });
  }
  checkCycles(ctx);

  if (!allValid) return undefined;
  return [...parsed].map(([name, data]) => toStageSpec(name, data as StageData, resolved.get(name)!, r));
}

function toStageSpec(
  name: string,
  data: StageData,
  resolved: { usesPath?: string; files: string[] },
  r: Reporter,
): StageSpec {
  const matrix = Object.entries(data.matrix).map(([axis, spec]): [string, MatrixAxis] => {
    const pos = r.posOf(["stages", name, "matrix", axis], "key");
    return Array.isArray(spec)
      ? [axis, { kind: "values", values: spec, pos }]
      : [axis, { kind: "from", stage: spec.from, pos }];
  });
  return {
    name,
    uses: data.uses,
    usesPath: resolved.usesPath ?? "",
    needs: data.needs,
    params: data.params,
    matrix,
    files: resolved.files,
    pos: r.posOf(["stages", name], "key"),
    ...(data.description === undefined ? {} : { description: data.description }),
  };
}

function checkStageName(name: string, r: Reporter): void {
  const path = ["stages", name];
  if (!STAGE_NAME_RE.test(name)) {
    r.add(
      path,
      `stage name '${name}' is not valid: it becomes the folder data/${name} and part of cell ids`,
      "start with a letter, then use letters, digits, '_' and '-'",
      "key",
    );
  } else if (isReservedStageName(name)) {
    r.add(
      path,
      `stage name '${name}' is reserved: data/raw holds the pipeline's inputs`,
      "rename the stage, e.g. 'ingest'",
      "key",
    );
  }
}

/** data/Train and data/train are the same folder on case-insensitive file systems. */
function checkCaseCollisions(names: readonly string[], r: Reporter): void {
  const first = new Map<string, string>();
  for (const name of names) {
    const prev = first.get(name.toLowerCase());
    if (prev === undefined) {
      first.set(name.toLowerCase(), name);
      continue;
    }
    const line = r.posOf(["stages", prev], "key").line;
    r.add(
      ["stages", name],
      `duplicate output folder data/${prev}: stage '${name}' differs from stage '${prev}' (line ${line}) only in ` +
        `letter case`,
      "rename one of them; on macOS and Windows both would write to the same folder",
      "key",
    );
  }
}

/** Returns the module's absolute path, or undefined after reporting why it is unusable. */
function checkUses(name: string, uses: string, ctx: StageCheck): string | undefined {
  const resolved = resolveModule(uses, ctx);
  if ("abs" in resolved) return resolved.abs;
  ctx.r.add(["stages", name, "uses"], resolved.message, resolved.hint);
  return undefined;
}

function checkNeeds(name: string, needs: readonly string[], ctx: StageCheck): void {
  const seen = new Set<string>();
  needs.forEach((need, i) => {
    const path = ["stages", name, "needs", i];
    if (need === name) {
      ctx.r.add(path, `stage '${name}' needs itself`, "remove it from needs");
    } else if (!ctx.names.includes(need)) {
      const hint =
        need === "raw"
          ? "data/raw is not a stage: list the input files the stage reads under files:"
          : otherStagesHint(need, name, ctx);
      ctx.r.add(path, `stage '${name}' needs '${need}', which is not a stage in this pipeline`, hint);
    } else if (seen.has(need)) {
      ctx.r.add(path, `stage '${name}' lists '${need}' twice in needs`, "remove the repeat");
    }
    seen.add(need);
  });
}

/** One problem per cycle, placed on the need that leaves its earliest-declared stage. */
function checkCycles(ctx: StageCheck): void {
  const nodes = [...ctx.parsed].map(([name, data]) => ({ name, needs: data.needs ?? [] }));
  for (const cycle of findCycles(nodes)) {
    const [from, to] = [cycle[0], cycle[1 % cycle.length]];
    const index = ctx.parsed.get(from)!.needs!.indexOf(to);
    ctx.r.add(
      ["stages", from, "needs", index],
      `needs form a cycle: ${formatCycle(cycle)}`,
      "each arrow reads 'needs'; a stage cannot depend on its own outputs, so remove one of these needs",
    );
  }
}

function checkMatrix(
  name: string,
  matrix: StageData["matrix"],
  needs: readonly string[] | undefined,
  ctx: StageCheck,
): void {
  for (const [axis, spec] of Object.entries(matrix)) {
    const path = ["stages", name, "matrix", axis];
    if (!AXIS_NAME_RE.test(axis)) {
      ctx.r.add(
        path,
        `matrix axis name '${axis}' in stage '${name}' is not valid`,
        "start with a letter or '_', then use letters, digits and '_' (axes appear in cell ids like train[model=gbdt])",
        "key",
      );
    }
    if (Array.isArray(spec)) checkAxisValues(name, axis, spec, ctx);
    else checkAxisFrom(name, axis, spec.from, needs, ctx);
  }
}

function checkAxisValues(name: string, axis: string, values: readonly AxisValue[], ctx: StageCheck): void {
  const firstIndex = new Map<string, number>();
  values.forEach((v, i) => {
    const path = ["stages", name, "matrix", axis, i];
    const text = String(v);
    if (typeof v === "string" && (!AXIS_VALUE_RE.test(v) || v === "." || v === "..")) {
      ctx.r.add(
        path,
        `matrix value '${v}' of axis '${axis}' in stage '${name}' cannot be a folder name or part of a cell id`,
        "use only letters, digits and _ . + - (and not '.' or '..' alone)",
      );
    }
    const j = firstIndex.get(text);
    if (j === undefined) {
      firstIndex.set(text, i);
      return;
    }
    const first = ctx.r.posOf(["stages", name, "matrix", axis, j]);
    ctx.r.add(
      path,
      `duplicate value '${text}' in matrix axis '${axis}' of stage '${name}' (first at line ${first.line}, ` +
        `column ${first.col})`,
      "each value makes one cell (and one folder); remove the repeat",
    );
  });
}

/** `needs` is undefined when the stage's needs are themselves invalid (already reported). */
function checkAxisFrom(
  name: string,
  axis: string,
  from: string,
  needs: readonly string[] | undefined,
  ctx: StageCheck,
): void {
  const path = ["stages", name, "matrix", axis, "from"];
  if (from === name) {
    ctx.r.add(
      path,
      `matrix axis '${axis}' of stage '${name}' takes its values from the stage itself`,
      `list the values instead, e.g. ${axis}: [a, b]`,
    );
    return;
  }
  if (!ctx.names.includes(from)) {
    ctx.r.add(
      path,
      `matrix axis '${axis}' of stage '${name}' takes its values from '${from}', which is not a stage`,
      otherStagesHint(from, name, ctx),
    );
    return;
  }
  if (needs && !needs.includes(from)) {
    ctx.r.add(
      path,
      `stage '${name}' takes matrix axis '${axis}' from '${from}' but does not need it`,
      `add '${from}' to ${name}.needs; each ${name} cell is then wired to the ${from} cells with the same ${axis}`,
    );
  }
  const upstream = ctx.parsed.get(from)?.matrix;
  if (!upstream || axis in upstream) return;
  const axes = Object.keys(upstream);
  ctx.r.add(
    path,
    `stage '${from}' has no matrix axis '${axis}' for stage '${name}' to take`,
    axes.length === 0
      ? `declare matrix: { ${axis}: [...] } on '${from}', or list the values here`
      : `the axis name must match one of '${from}': ${suggestionHint(axis, axes, "axes")}`,
  );
}

/** Checks each `files` entry; returns the usable ones normalized (posix, relative to the root). */
function checkFiles(name: string, files: readonly string[], ctx: StageCheck): string[] {
  const out: string[] = [];
  files.forEach((file, i) => {
    const resolved = resolveInputFile(name, file, ctx.names, ctx);
    if ("message" in resolved) ctx.r.add(["stages", name, "files", i], resolved.message, resolved.hint);
    else if (out.includes(resolved.rel))
      ctx.r.add(["stages", name, "files", i], `stage '${name}' lists '${file}' twice under files`, "remove the repeat");
    else out.push(resolved.rel);
  });
  return out;
}

/** "did you mean …? stages: …" for a reference from stage `name` to a stage `word` that does not exist. */
function otherStagesHint(word: string, name: string, ctx: StageCheck): string {
  return suggestionHint(
    word,
    ctx.names.filter((n) => n !== name),
    "stages",
  );
}
