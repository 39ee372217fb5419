import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The commit checked out in `root` (read from .git, no git binary), or null outside a repository. */
export function gitCommit(root: string): string | null {
  try {
    const head = readFileSync(join(root, ".git/HEAD"), "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    const loose = join(root, ".git", ref);
    if (existsSync(loose)) return readFileSync(loose, "utf8").trim();
    const packed = readFileSync(join(root, ".git/packed-refs"), "utf8")
      .split("\n")
      .find((l) => l.endsWith(` ${ref}`));
    return packed?.split(" ")[0] ?? null;
  } catch {
    return null;
  }
}
