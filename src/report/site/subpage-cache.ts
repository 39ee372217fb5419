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
import { createHash, type Hash } from "node:crypto";
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

/**
 * Feed plain data to the hash, every value tagged with its kind, numbers as their 8 bytes (so
 * NaN, ±Infinity and −0 stay apart from null and 0) and arrays of numbers in one block: the
 * jobs hold a few thousand dates and returns per series, which JSON text took 0.2 s to make
 * and hash for a report's 34 jobs.
 */
function hashValue(h: Hash, v: unknown): void {
  if (typeof v === "number") {
    NUMBER[0] = v;
    h.update("n").update(NUMBER_BYTES);
  } else if (typeof v === "string") h.update(`s${v.length}:`).update(v);
  else if (typeof v === "boolean") h.update(v ? "T" : "F");
  else if (v === null) h.update("N");
  else if (v === undefined) h.update("U");
  else if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "number")) {
      const block = Float64Array.from(v as number[]);
      h.update(`f${v.length}:`).update(new Uint8Array(block.buffer));
    } else {
      h.update(`a${v.length}:`);
      for (const x of v) hashValue(h, x);
    }
  } else if (typeof v === "object") {
    const keys = Object.keys(v as object);
    h.update(`o${keys.length}:`);
    for (const k of keys) {
      h.update(`${k.length}:${k}`);
      hashValue(h, (v as Record<string, unknown>)[k]);
    }
  } else throw new Error(`subpage cache: a job holds a ${typeof v}, not plain data`);
}
const NUMBER = new Float64Array(1);
const NUMBER_BYTES = new Uint8Array(NUMBER.buffer);

/**
 * An entry's text: one line of JSON (the format, the tables without their CSV, and the length
 * of the body and of each CSV in UTF-16 units), then the body and the CSVs as they are — no
 * escaping of 0.3 MB of markup to write it, no unescaping to read it.
 */
function entryText(d: DrawnSubpage): string {
  const head = {
    format: FORMAT,
    body: d.body.length,
    tables: d.tables.map(({ csv, ...t }) => ({ ...t, csv: csv.length })),
  };
  return `${JSON.stringify(head)}\n${d.body}${d.tables.map((t) => t.csv).join("")}`;
}

function parseEntry(text: string): DrawnSubpage | null {
  const nl = text.indexOf("\n");
  if (nl < 0) return null;
  const head = JSON.parse(text.slice(0, nl)) as {
    format: number;
    body: number;
    tables: Array<Omit<PreparedTable, "csv"> & { csv: number }>;
  };
  if (head.format !== FORMAT || !Array.isArray(head.tables)) return null;
  let at = nl + 1 + head.body;
  const body = text.slice(nl + 1, at);
  const tables = head.tables.map((t) => {
    const csv = text.slice(at, (at += t.csv));
    return { ...t, csv };
  });
  // A torn file is shorter than its head says.
  return at === text.length ? { body, tables } : null;
}

export class SubpageCache {
  private readonly used = new Set<string>();

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
    const h = createHash("sha256").update(`${FORMAT}\0${this.identity}\0`);
    hashValue(h, job);
    const key = h.digest("hex");
    this.used.add(`${key}.json`);
    return join(this.dir, `${key}.json`);
  }

  /** The job's drawing, or `draw`'s (then kept). */
  drawn(job: SubpageJob, draw: () => DrawnSubpage): DrawnSubpage & { reused: boolean } {
    const file = this.fileOf(job);
    try {
      const e = parseEntry(readFileSync(file, "utf8"));
      if (e) return { ...e, reused: true };
    } catch {
      // not there yet, or torn: draw it
    }
    const d = draw();
    try {
      mkdirSync(this.dir, { recursive: true });
      writeAtomicSync(file, entryText(d));
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
