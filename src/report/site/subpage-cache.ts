/**
 * Drawn subpages kept between runs of `pipeline report`: a subpage is a pure function of its
 * job (plain data) and of the code drawing it, so when both are unchanged its body and its
 * tables' CSV are read back instead of drawn (a tearsheet takes ~45 ms to draw, ~1 ms to read).
 *
 * An entry is `.pipeline/report-cache/<sha256>.json`, the hash covering the CLI bundle's
 * folder (`cli-<key>`: every source file, the installed packages, the runtime) and the job.
 * Outside a bundle (tests, tsx) there is no such identity and nothing is cached. Entries not
 * used by a build are removed after it, so the folder holds one report's subpages. An entry
 * that cannot be read or parsed is a miss, never an error.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bundleFolder } from "../../core/bundle.ts";
import type { PreparedTable } from "../downloads.ts";
import { writeAtomicSync } from "./site-page.ts";
import type { SubpageJob } from "./subpages.ts";

/** What drawing a subpage's job gives: its body's HTML and its tables' downloads. */
export interface DrawnSubpage {
  body: string;
  tables: PreparedTable[];
}

/** Bump when an entry's layout changes. */
const FORMAT = 1;

/** JSON of the job with the numbers JSON cannot hold (NaN, ±Infinity, −0) kept apart from null and 0. */
function jobText(job: SubpageJob): string {
  return JSON.stringify(job, (_k, v) =>
    typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? `\u0000${Object.is(v, -0) ? "-0" : v}` : v,
  );
}

export class SubpageCache {
  private readonly used = new Set<string>();
  /** Subpages read back and drawn in this build. */
  hits = 0;
  misses = 0;

  private constructor(
    private readonly dir: string,
    private readonly identity: string,
  ) {}

  /** The project's cache, or null when the code does not run from the CLI bundle. */
  static open(root: string, moduleUrl = import.meta.url): SubpageCache | null {
    const identity = bundleFolder(moduleUrl);
    return identity ? new SubpageCache(join(root, ".pipeline", "report-cache"), identity) : null;
  }

  private fileOf(job: SubpageJob): string {
    const key = createHash("sha256").update(`${FORMAT}\0${this.identity}\0`).update(jobText(job)).digest("hex");
    this.used.add(`${key}.json`);
    return join(this.dir, `${key}.json`);
  }

  /** The job's drawing, or `draw`'s (then kept). */
  drawn(job: SubpageJob, draw: () => DrawnSubpage): DrawnSubpage & { reused: boolean } {
    const file = this.fileOf(job);
    try {
      const e = JSON.parse(readFileSync(file, "utf8")) as DrawnSubpage;
      if (typeof e.body === "string" && Array.isArray(e.tables)) {
        this.hits++;
        return { ...e, reused: true };
      }
    } catch {
      // not there yet, or torn: draw it
    }
    const d = draw();
    this.misses++;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeAtomicSync(file, JSON.stringify(d));
    } catch {
      // a cache that cannot be written only costs the next build the drawing
    }
    return { ...d, reused: false };
  }

  /** Remove the entries this build did not use. */
  prune(): void {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const f of files) if (!this.used.has(f)) rmSync(join(this.dir, f), { force: true });
  }
}
