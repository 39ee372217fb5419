/**
 * A study's lock as of a git revision (`git show REV:path/to/pipeline.lock`), of the working
 * tree, or of an experiment's workspace: what `metrics diff`, `params diff` and `exp diff`
 * compare.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { StrataError } from "../core/errors.ts";
import { emptyLock, lockPathFor, parseLock, readLock, type LockFile } from "../pipeline/lock.ts";
import type { Project } from "../pipeline/project.ts";

/** The name `metrics diff` uses for the files on disk. */
export const WORKSPACE = "workspace";

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new StrataError("ARGUMENT", `git is not available (${r.error.message})`, { hint: "install git" });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

/** The lock at `rev` (a commit, branch, tag, HEAD~1…) or, for "workspace", the file on disk. */
export async function lockAt(project: Project, rev: string): Promise<{ lock: LockFile; label: string }> {
  if (rev === WORKSPACE) return { lock: await readLock(project.lockFile), label: WORKSPACE };
  const top = git(project.root, ["rev-parse", "--show-toplevel"]);
  if (!top.ok)
    throw new StrataError("ARGUMENT", `${project.root} is not in a git repository, so there is no revision '${rev}'`, {
      hint: "commit the study with git first (git init && git add -A && git commit), or compare experiments with `pipeline exp diff`",
    });
  const commit = git(project.root, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  if (!commit.ok)
    throw new StrataError("ARGUMENT", `no git revision '${rev}'`, {
      hint: "name a commit, branch or tag (HEAD, HEAD~1, main, a1b2c3d); `git log --oneline` lists them",
    });
  const path = relative(top.out.trim(), project.lockFile).split("\\").join("/");
  const shown = git(project.root, ["show", `${commit.out.trim()}:${path}`]);
  const short = commit.out.trim().slice(0, 7);
  const label = commit.out.trim().startsWith(rev) ? short : `${rev} (${short})`;
  // A revision before the study's first run has no lock: every cell is "added" after it.
  if (!shown.ok) return { lock: emptyLock(), label: `${label}, no lock` };
  return { lock: parseLock(shown.out, `${rev}:${path}`), label };
}

/** The lock of an experiment's workspace, or of the main study for "main". */
export async function experimentLock(project: Project, name: string): Promise<{ lock: LockFile; label: string }> {
  if (name === "main") return { lock: await readLock(project.lockFile), label: "main" };
  const ws = join(project.stateDir, "exp", name);
  if (!existsSync(ws))
    throw new StrataError("ARGUMENT", `no experiment '${name}'`, {
      hint: "`pipeline exp show` lists them; `main` is the study itself",
    });
  return { lock: await readLock(lockPathFor(join(ws, relative(project.root, project.specFile)))), label: name };
}
