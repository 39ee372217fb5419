/**
 * Paths written in pipeline.yaml (`uses` and `files`), resolved against the project root.
 *
 * They must stay inside the root, lexically and on disk (a symlink may not lead out), so that
 * fingerprints and the lock cover every file a stage depends on. Problems are returned, not
 * reported: the caller knows where in the document the path was written.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { closest } from "../core/suggest.ts";
import { STAGE_MODULE_EXTENSIONS, isReservedStageName } from "./spec-names.ts";

export type PathProblem = { message: string; hint?: string };

export interface ProjectRoot {
  root: string;
  /** The root with symlinks resolved, to catch links that lead out of the project. */
  realRoot: string;
}

/** `root` must be absolute. */
export function projectRoot(root: string): ProjectRoot {
  return { root, realRoot: safeRealpath(root) };
}

/** A stage module (`uses`): a .ts, .js or .mjs file inside the root. */
export function resolveModule(uses: string, where: ProjectRoot): { abs: string } | PathProblem {
  const lexical = resolveLexically(uses, "uses", where);
  if ("message" in lexical) return lexical;
  if (!(STAGE_MODULE_EXTENSIONS as readonly string[]).includes(nodePath.extname(lexical.abs))) {
    const withExt = STAGE_MODULE_EXTENSIONS.map((e) => `${uses}${e}`).find((p) =>
      existsSync(nodePath.join(where.root, p)),
    );
    return {
      message: `uses '${uses}' is not a stage module: expected a .ts, .js or .mjs file`,
      hint: withExt
        ? `did you mean '${withExt}'?`
        : "point uses at the module whose default export is defineStage({...})",
    };
  }
  const notFoundHint =
    `create ${lexical.rel} with \`export default defineStage({...})\`, or fix the path (relative ` +
    `to the project root)`;
  return checkOnDisk(lexical.abs, uses, "uses", where, notFoundHint) ?? { abs: lexical.abs };
}

/**
 * An input file of stage `name` (`files`), returned posix-relative to the root. It may not lie
 * in the output folder of any of `stageNames`.
 */
export function resolveInputFile(
  name: string,
  file: string,
  stageNames: readonly string[],
  where: ProjectRoot,
): { rel: string } | PathProblem {
  const lexical = resolveLexically(file, "file", where);
  if ("message" in lexical) return lexical;
  // Checked before existence: another stage's output may not have been written yet.
  const owner = outputOwner(lexical.rel, stageNames);
  if (owner !== undefined) {
    return {
      message:
        `stage '${name}' lists '${file}' under files, but it is inside data/${owner}/, the output folder of ` +
        `stage '${owner}'`,
      hint:
        owner === name
          ? "a stage cannot read its own outputs; keep inputs under data/raw/"
          : `read it through needs: add '${owner}' to ${name}.needs and use ctx.input('${owner}', ...) or ` +
            `ctx.inputPath(...)`,
    };
  }
  const notFoundHint = "check the path: it is relative to the project root (the folder holding pipeline.yaml)";
  return checkOnDisk(lexical.abs, file, "file", where, notFoundHint) ?? { rel: lexical.rel };
}

/** Reject empty, absolute and `../`-escaping paths; otherwise the absolute and posix-relative forms. */
function resolveLexically(
  written: string,
  what: string,
  { root }: ProjectRoot,
): { abs: string; rel: string } | PathProblem {
  if (written.trim() === "") return { message: `${what} is empty`, hint: "give a path relative to the project root" };
  if (nodePath.isAbsolute(written) || nodePath.win32.isAbsolute(written)) {
    const inside = isInside(root, written)
      ? `write '${toPosix(nodePath.relative(root, written))}'`
      : "move it into the project";
    return {
      message: `${what} '${written}' is an absolute path; paths must be relative to the project root`,
      hint: `${inside} so the project can be moved and fingerprints stay the same`,
    };
  }
  const abs = nodePath.resolve(root, written);
  if (!isInside(root, abs)) {
    return {
      message: `${what} '${written}' points outside the project root (${root})`,
      hint: "stages and the files they read must live inside the project so fingerprints cover them; move it in",
    };
  }
  return { abs, rel: toPosix(nodePath.relative(root, abs)) };
}

/** The file must exist, be a regular file, and its real path (symlinks resolved) must stay inside the root. */
function checkOnDisk(
  abs: string,
  written: string,
  what: string,
  where: ProjectRoot,
  notFoundHint: string,
): PathProblem | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    return { message: `${what} '${written}' does not exist`, hint: siblingSuggestion(abs, where.root) ?? notFoundHint };
  }
  const real = safeRealpath(abs);
  if (!isInside(where.realRoot, real)) {
    return {
      message: `${what} '${written}' is a symlink that resolves to ${real}, outside the project root`,
      hint: "copy the file into the project instead of linking to it, so fingerprints and the lock cover it",
    };
  }
  if (!isFile)
    return { message: `${what} '${written}' is a folder, expected a file`, hint: "list the files themselves" };
  return undefined;
}

function siblingSuggestion(abs: string, root: string): string | undefined {
  const dir = nodePath.dirname(abs);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const match = closest(nodePath.basename(abs), entries);
  return match === undefined
    ? undefined
    : `did you mean '${toPosix(nodePath.relative(root, nodePath.join(dir, match)))}'?`;
}

/** The stage whose output folder data/<stage>/ contains `rel`, compared ignoring case. */
function outputOwner(rel: string, stageNames: readonly string[]): string | undefined {
  const [top, folder] = rel.split("/");
  if (top !== "data" || folder === undefined || isReservedStageName(folder)) return undefined;
  return stageNames.find((n) => n.toLowerCase() === folder.toLowerCase());
}

function isInside(parent: string, child: string): boolean {
  const rel = nodePath.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(rel));
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function toPosix(p: string): string {
  return p.split(nodePath.sep).join("/");
}
