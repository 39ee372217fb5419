/**
 * The remote cache a plan consults (`status`, `run --dry-run`): `--remote URL`, else
 * pipeline.yaml's `remote:`; none with `--no-remote`. A remote that cannot be opened is a
 * warning, and the plan is made from the local cache alone.
 */
import { relative } from "node:path";
import { errorMessage } from "../core/errors.ts";
import type { Project } from "../pipeline/project.ts";
import { openRemote, type RemoteStore } from "../pipeline/remote.ts";
import { color } from "./output.ts";

export async function planRemote(project: Project, flag: string | false | undefined): Promise<RemoteStore | undefined> {
  if (flag === false) return undefined;
  const url = flag ?? project.spec.remote;
  if (!url) return undefined;
  try {
    return await openRemote(url, flag ? "--remote" : `${relative(process.cwd(), project.specFile)}: remote`);
  } catch (e) {
    process.stderr.write(`${color.yellow("warning")}: remote cache not consulted: ${errorMessage(e)}\n`);
    return undefined;
  }
}
