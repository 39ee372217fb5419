/**
 * pipeline.yaml: parse, validate, report every problem with file:line:col.
 *
 * Three passes, each collecting problems rather than stopping at the first:
 *   1. YAML syntax and duplicate keys (spec-yaml.ts, which also turns document paths such as
 *      "stages.train.needs[1]" into positions);
 *   2. shape (spec-schema.ts, zod; its issues are worded by spec-issues.ts), each stage on its
 *      own so one broken stage does not hide the others;
 *   3. meaning (spec-checks.ts): names, `uses` and `files` paths (spec-paths.ts), `needs`
 *      references and cycles, matrix axes.
 */
import * as nodePath from "node:path";
import { StrataError } from "../core/errors.ts";
import { validateStages } from "./spec-checks.ts";
import { STARTER_EXAMPLE } from "./spec-issues.ts";
import { parseTopLevel } from "./spec-schema.ts";
import { parseYaml, sortProblems, type Reporter } from "./spec-yaml.ts";
import type { PipelineSpec, SpecProblem } from "./types.ts";

export {
  AXIS_NAME_RE,
  AXIS_VALUE_RE,
  DEFAULT_SEED,
  STAGE_KEYS,
  STAGE_MODULE_EXTENSIONS,
  STAGE_NAME_RE,
  TOP_LEVEL_KEYS,
} from "./spec-names.ts";
export { formatPath, sortProblems } from "./spec-yaml.ts";
export { loadPipeline } from "./spec-load.ts";

/**
 * Parse and validate the text of a pipeline.yaml. `file` is where the text came from (used in
 * positions); `root` is the project root that `uses` and `files` are resolved against.
 * Returns the spec only when there are no problems; otherwise every problem found.
 */
export function parsePipelineText(
  text: string,
  file: string,
  root: string,
): { spec?: PipelineSpec; problems: SpecProblem[] } {
  const absFile = nodePath.resolve(file);
  const absRoot = nodePath.resolve(root);
  const { doc, r } = parseYaml(text, absFile);
  if (doc.errors.length > 0) return { problems: r.sorted() };

  const spec = validate(doc.toJS() as unknown, absFile, absRoot, r);
  const problems = r.sorted();
  return problems.length === 0 && spec ? { spec, problems } : { problems };
}

/** The error for a pipeline.yaml with problems: every problem listed, then a count (`details.problems`). */
export function specError(absFile: string, problems: readonly SpecProblem[]): StrataError {
  const n = problems.length;
  const summary = `${n} problem${n === 1 ? "" : "s"} in ${nodePath.basename(absFile)}`;
  return new StrataError("SPEC", `${formatProblems(problems)}\n\n${summary}`, { details: { problems } });
}

/**
 * Compiler-style listing, sorted by position: `pipeline.yaml:12:5: message` and, when there is
 * one, `  → hint` on the next line. Files are shown relative to the current directory.
 */
export function formatProblems(problems: readonly SpecProblem[]): string {
  return sortProblems(problems)
    .map((p) => {
      const head = `${displayPath(p.pos.file)}:${p.pos.line}:${p.pos.col}: ${p.message}`;
      return p.hint ? `${head}\n  → ${p.hint}` : head;
    })
    .join("\n");
}

/** Shape and meaning passes over the parsed document; the spec only if its shape is valid. */
function validate(raw: unknown, file: string, root: string, r: Reporter): PipelineSpec | undefined {
  const top = parseTopLevel(raw, r);
  const stages = top.stages ? validateStages(top.stages, root, r) : undefined;
  if (top.seed === undefined || !stages) return undefined;
  // Later checks (a stage's own params schema) report positions through the same locator.
  return {
    file,
    root,
    version: 1,
    seed: top.seed,
    ...(top.remote !== undefined ? { remote: top.remote } : {}),
    ...(top.executor !== undefined ? { executor: top.executor } : {}),
    stages,
    positionOf: (path) => r.posOf(path),
  };
}

function displayPath(file: string): string {
  const rel = nodePath.relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

export function missingFileError(absFile: string, e: unknown): StrataError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new StrataError("SPEC", `no pipeline file at ${displayPath(absFile)}`, {
      cause: e,
      hint: `create it in the project root, e.g.${STARTER_EXAMPLE}`,
    });
  }
  if (code === "EISDIR") {
    return new StrataError("SPEC", `${displayPath(absFile)} is a folder, expected the pipeline.yaml file`, {
      cause: e,
      hint: `pass the file itself, e.g. ${nodePath.join(displayPath(absFile), "pipeline.yaml")}`,
    });
  }
  return new StrataError("SPEC", `cannot read ${displayPath(absFile)}: ${(e as Error).message}`, { cause: e });
}
