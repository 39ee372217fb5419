/**
 * The run log: `.pipeline/runs.jsonl`, one JSON line per `pipeline run` (or experiment run),
 * appended when the run ends. It holds what the lock must not: wall-clock times, the host,
 * the process, when. The lock records only what a rerun reproduces byte for byte.
 *
 * Append-only, one `write` of a whole line per run (O_APPEND), so concurrent writers never
 * interleave inside a line; a torn last line (a kill mid-write) is skipped when reading.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export interface RunLogCell {
  id: string;
  status: string;
  cause: string;
  duration_s: number;
  error?: string;
}

export interface RunLogRecord {
  /** `<pid>-<base36 ms>` of the run. */
  run: string;
  /** Pipeline file, relative to the project root. */
  pipeline: string;
  command: string;
  /** "main" or an experiment's name. */
  source: string;
  started_at: string;
  finished_at: string;
  wall_s: number;
  host: string;
  pid: number;
  /** Runtime family and version, e.g. "node 20.20.2". */
  runtime: string;
  jobs: number;
  ok: boolean;
  cells: RunLogCell[];
}

export function runLogPath(stateDir: string): string {
  return join(stateDir, "runs.jsonl");
}

export function hostName(): string {
  return hostname();
}

/** Append one run's record (creating the folder and file as needed). */
export async function appendRunLog(stateDir: string, record: RunLogRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await appendFile(runLogPath(stateDir), JSON.stringify(record) + "\n", { flag: "a" });
}

/** Every complete record, oldest first; `pipeline` filters to one pipeline file. */
export async function readRunLog(stateDir: string, opts: { pipeline?: string } = {}): Promise<RunLogRecord[]> {
  let text: string;
  try {
    text = await readFile(runLogPath(stateDir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: RunLogRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as RunLogRecord;
      if (opts.pipeline === undefined || r.pipeline === opts.pipeline) out.push(r);
    } catch {
      // A torn line from a killed writer: skip it.
    }
  }
  return out;
}

/** The latest recorded execution time of each cell (cells that ran, not restored or fresh). */
export function lastDurations(records: readonly RunLogRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) for (const c of r.cells) if (c.status === "ran") out.set(c.id, c.duration_s);
  return out;
}
