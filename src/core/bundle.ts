/**
 * Whether code runs from the CLI bundle (bin/pipeline.js), and which: the bundle's folder is
 * `cli-<key>`, the key covering every source file, the installed packages and the runtime. A
 * cache of anything the code computes can be keyed by it; outside a bundle (tests, tsx) there
 * is no such key and the caller computes afresh.
 */
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle folder's name (`cli-<16 hex>`) when `moduleUrl` is a module of one, else null. */
export function bundleFolder(moduleUrl: string): string | null {
  try {
    const dir = basename(dirname(fileURLToPath(moduleUrl)));
    return /^cli-[0-9a-f]{16}$/.test(dir) ? dir : null;
  } catch {
    return null;
  }
}
