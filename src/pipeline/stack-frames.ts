/**
 * The frames of an error's stack that point into the project (its stages and src/, not
 * node_modules or the engine's bundle), as `stages/momentum.ts:42:11` lines with the function
 * name when there is one: what a user needs to find the line that threw. Positions are those
 * of the `.ts` source when the runtime applies source maps (the CLI enables them).
 */
import { fileURLToPath } from "node:url";
import { sep } from "node:path";

const FRAME = /^\s*at (?:(.+?) \()?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?\s*$/;

export function projectFrames(error: unknown, root: string, opts: { max?: number } = {}): string[] {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const out: string[] = [];
  const base = root.endsWith(sep) ? root : root + sep;
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    let file = m[2];
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (!file.startsWith(base) || file.includes(`${sep}node_modules${sep}`) || file.includes(`${sep}.pipeline${sep}`))
      continue;
    const fn = m[1] && !m[1].startsWith("async ") ? m[1] : m[1]?.slice(6);
    out.push(`${file.slice(base.length)}:${m[3]}:${m[4]}${fn ? ` (${fn})` : ""}`);
    if (out.length >= (opts.max ?? 8)) break;
  }
  return out;
}
