/**
 * Cell output cache under `.pipeline/notebooks/` (engine state, git-ignored).
 *
 * A cell's entry is keyed by the chain of everything before it and its own code:
 * `key(k) = sha256(chain(k-1), code(k))`; the entry records the artifacts the cell read with
 * their hashes, and is valid only while each still has that hash. The chain then folds those
 * reads in — `chain(k) = sha256(key(k), reads(k))` — so a cell depends on what every earlier
 * cell read too. A corrupt entry is a miss.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256 } from "../../core/hash.ts";
import type { Catalog } from "../catalog.ts";
import type { ArtifactRead } from "./data.ts";
import type { CellError } from "./runtime.ts";

/** Bump when the rendering of outputs changes: every cached output is then redone. */
export const NOTEBOOK_CACHE_VERSION = "strata-notebook-1";

export interface CachedCell {
  outputs: string[];
  error?: CellError;
  reads: ArtifactRead[];
}

export function cellKey(chain: string, code: string): string {
  return sha256(`${chain}\0${code}`);
}

export function chainAfter(key: string, reads: readonly ArtifactRead[]): string {
  return sha256(`${key}\0${reads.map((r) => `${r.cell}\0${r.output}\0${r.hash}`).join("\n")}`);
}

/** The chain's start: the cache version and the notebook's path in the project. */
export function chainStart(relFile: string): string {
  return sha256(`${NOTEBOOK_CACHE_VERSION}\0${relFile}`);
}

/** Current hash of an artifact (or local module file) a cell read; undefined when gone. */
export function currentHash(catalog: Catalog, read: ArtifactRead, notebookDir: string): string | undefined {
  if (read.cell.startsWith("file:")) {
    try {
      return sha256(readFileSync(resolve(notebookDir, read.cell.slice(5))));
    } catch {
      return undefined;
    }
  }
  const cell = catalog.cells.find((c) => c.id === read.cell);
  const out = cell?.outputs.find(
    (o) => o.name === read.output || o.name.replace(/\.(parquet|json)$/, "") === read.output,
  );
  return out?.present ? out.hash : undefined;
}

export class CellCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  get(key: string): CachedCell | undefined {
    try {
      const v = JSON.parse(readFileSync(this.path(key), "utf8")) as CachedCell;
      return Array.isArray(v.outputs) && Array.isArray(v.reads) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  put(key: string, entry: CachedCell): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.path(key)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, this.path(key));
  }
}
