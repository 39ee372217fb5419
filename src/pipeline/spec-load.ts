/**
 * Loading pipeline.yaml. An unchanged file is read from its index (parse-index.ts) instead of
 * being parsed and validated again: the spec the last parse produced, kept with the digest of
 * the text and of the code that parsed it. What validation checked on disk — that each `uses`
 * module and each `files` entry exists, is a file and resolves inside the project — is checked
 * again on every load (spec-paths.ts, a few stats), so a deleted or moved file is found as
 * before; anything that differs sends the load through the full parse, which reports it with
 * its position. Positions for later messages (a stage's params) come from a parse of the text
 * made only when one is asked for.
 *
 * This module loads neither the yaml library nor zod (the parser, spec.ts, is imported when the
 * index cannot be used): a no-op `status` needs neither.
 */
import { readFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { codeIdentity, readParseIndex, writeParseIndex } from "./parse-index.ts";
import { projectRoot, resolveInputFile, resolveModule } from "./spec-paths.ts";
import { parseYaml, type Reporter } from "./spec-yaml.ts";
import type { PipelineSpec } from "./types.ts";

/** Who parses pipeline files, for their index: the spec modules' code. */
const readerIdentity = () => codeIdentity(import.meta.url, /^(spec(-[a-z]+)?|dag|types|yaml-lib|parse-index)\.ts$/);

/**
 * Read, parse and validate a pipeline.yaml; the project root is the folder holding it.
 * Throws StrataError("SPEC") listing every problem, with `details.problems`.
 */
export async function loadPipeline(file: string): Promise<PipelineSpec> {
  const absFile = nodePath.resolve(file);
  let text: string;
  try {
    text = await readFile(absFile, "utf8");
  } catch (e) {
    throw (await import("./spec.ts")).missingFileError(absFile, e);
  }
  const root = nodePath.dirname(absFile);
  const id = readerIdentity();
  if (id !== null) {
    const indexed = await readParseIndex(absFile, text, id);
    const spec = indexed === null ? null : fromIndex(indexed, text, absFile, root);
    if (spec !== null) return spec;
  }
  const { parsePipelineText, specError } = await import("./spec.ts");
  const { spec, problems } = parsePipelineText(text, absFile, root);
  if (!spec) throw specError(absFile, problems);
  if (id !== null) {
    const { positionOf: _, ...data } = spec;
    await writeParseIndex(absFile, text, data, id);
  }
  return spec;
}

/** The indexed spec, if it is for this file and root and its paths still resolve as they did; else null. */
function fromIndex(value: unknown, text: string, file: string, root: string): PipelineSpec | null {
  const spec = value as PipelineSpec;
  if (spec === null || typeof spec !== "object" || spec.file !== file || spec.root !== root) return null;
  if (!Array.isArray(spec.stages)) return null;
  const where = projectRoot(root);
  const names = spec.stages.map((s) => s.name);
  for (const stage of spec.stages) {
    const mod = resolveModule(stage.uses, where);
    if (!("abs" in mod) || mod.abs !== stage.usesPath) return null;
    for (const f of stage.files) {
      const input = resolveInputFile(stage.name, f, names, where);
      if (!("rel" in input) || input.rel !== f) return null;
    }
  }
  let positions: Reporter | undefined;
  return {
    ...spec,
    positionOf: (path) => {
      positions ??= parseYaml(text, file).r;
      return positions.posOf(path);
    },
  };
}
