/**
 * `npm run bench:determinism`: the default study run cold three times on a clean copy of the
 * project — run 1 with `-j 1` and DuckDB on one thread, run 2 with `-j 2` and DuckDB's default
 * threads, run 3 as run 2 while a CPU burner competes for the cores — and every output hash of
 * every cell compared across the three locks. Same code, params, data and seed must give the
 * same bytes whatever the scheduling (DESIGN.md, "Fingerprints, lock, cache").
 *
 * Prints a table (one row per cell output that differs, plus totals), merges
 * `{ determinism: { runs, cells, outputs, mismatches, wall_s } }` into bench/results.json and
 * exits 1 on any mismatch. One cold run takes ~2.5 min on the 2-core bench machine.
 *
 * Only `cells.<id>.outputs.<name>.hash` of the lock is read: the rest of its format may change.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(REPO, "bench/results.json");

interface RunSpec {
  label: string;
  jobs: number;
  /** STRATA_DUCKDB_THREADS for the run, or undefined for DuckDB's default. */
  duckdbThreads?: number;
  burner: boolean;
}

const RUNS: RunSpec[] = [
  { label: "-j 1, duckdb 1 thread", jobs: 1, duckdbThreads: 1, burner: false },
  { label: "-j 2, duckdb default", jobs: 2, burner: false },
  { label: "-j 2, duckdb default, CPU burner", jobs: 2, burner: true },
];

/** Output hashes by "cell › output" from a lock's text. */
export function outputHashes(lockText: string): Map<string, string> {
  const lock = parse(lockText) as { cells?: Record<string, { outputs?: Record<string, { hash?: string }> }> } | null;
  const out = new Map<string, string>();
  for (const [cell, entry] of Object.entries(lock?.cells ?? {})) {
    for (const [name, o] of Object.entries(entry?.outputs ?? {})) out.set(`${cell} › ${name}`, String(o?.hash ?? ""));
  }
  return out;
}

/** A copy of the working tree (tracked and untracked, not ignored files) with node_modules linked. */
function cleanCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "strata-determinism-"));
  const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (ls.status !== 0) throw new Error(`git ls-files failed in ${REPO}: ${ls.stderr}`);
  for (const rel of ls.stdout.split("\0").filter(Boolean)) {
    const src = join(REPO, rel);
    if (!existsSync(src)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(src, join(dir, rel));
  }
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function startBurner(): ChildProcess {
  return spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
}

/** One cold run in `dir` (data/ and .pipeline/ removed first); returns the lock text and wall time. */
function coldRun(dir: string, run: RunSpec): Promise<{ lock: string; wall_s: number }> {
  rmSync(join(dir, "data"), { recursive: true, force: true });
  rmSync(join(dir, ".pipeline"), { recursive: true, force: true });
  rmSync(join(dir, "pipeline.lock"), { force: true });
  // The trial registry is part of the repository: every run starts from the committed one.
  const registry = join(REPO, "pipeline.trials.jsonl");
  if (existsSync(registry)) cpSync(registry, join(dir, "pipeline.trials.jsonl"));
  else rmSync(join(dir, "pipeline.trials.jsonl"), { force: true });
  // data/raw/ holds tracked inputs: restore them after the wipe.
  const raw = spawnSync("git", ["ls-files", "-z", "data"], { cwd: REPO, encoding: "utf8" })
    .stdout.split("\0")
    .filter(Boolean);
  for (const rel of raw) {
    if (!existsSync(join(REPO, rel))) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(join(REPO, rel), join(dir, rel));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", NO_COLOR: "1", TZ: "UTC" };
  if (run.duckdbThreads !== undefined) env.STRATA_DUCKDB_THREADS = String(run.duckdbThreads);
  else delete env.STRATA_DUCKDB_THREADS;
  const burner = run.burner ? startBurner() : undefined;
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(dir, "bin/pipeline.js"), "run", "-j", String(run.jobs)], {
      cwd: dir,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on("exit", (code) => {
      burner?.kill();
      const wall_s = Math.round((performance.now() - t0) / 100) / 10;
      if (code !== 0) reject(new Error(`run "${run.label}" exited ${code}:\n${err}`));
      else resolvePromise({ lock: readFileSync(join(dir, "pipeline.lock"), "utf8"), wall_s });
    });
  });
}

interface Comparison {
  cells: number;
  outputs: number;
  /** Outputs whose hash is not the same in every run (or missing from one). */
  mismatches: Array<{ key: string; hashes: string[] }>;
}

export function compareRuns(locks: Map<string, string>[]): Comparison {
  const keys = [...new Set(locks.flatMap((l) => [...l.keys()]))].sort();
  const mismatches = keys
    .map((key) => ({ key, hashes: locks.map((l) => l.get(key) ?? "(missing)") }))
    .filter((m) => new Set(m.hashes).size > 1);
  return { cells: new Set(keys.map((k) => k.split(" › ")[0])).size, outputs: keys.length, mismatches };
}

function mergeResults(figures: Record<string, unknown>): void {
  const previous = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, "utf8")) : {};
  writeFileSync(RESULTS, JSON.stringify({ ...previous, ...figures }, null, 2) + "\n");
}

async function main(): Promise<void> {
  const dir = cleanCopy();
  process.stderr.write(`clean copy: ${dir}\n`);
  const locks: Map<string, string>[] = [];
  const wall: number[] = [];
  try {
    for (const [i, run] of RUNS.entries()) {
      process.stderr.write(`run ${i + 1}/${RUNS.length} (${run.label})…\n`);
      const r = await coldRun(dir, run);
      // Keep each run's lock and registry (bench/work/ is git-ignored) for a look at a mismatch.
      const keep = join(REPO, "bench/work/determinism", `run-${i + 1}`);
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, "pipeline.lock"), r.lock);
      if (existsSync(join(dir, "pipeline.trials.jsonl")))
        cpSync(join(dir, "pipeline.trials.jsonl"), join(keep, "pipeline.trials.jsonl"));
      locks.push(outputHashes(r.lock));
      wall.push(r.wall_s);
      process.stderr.write(`  ${r.wall_s} s, ${locks.at(-1)!.size} outputs\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const c = compareRuns(locks);
  const short = (h: string) => h.slice(0, 12);
  const rows = [
    ["cell › output", ...RUNS.map((_, i) => `run ${i + 1}`)],
    ...c.mismatches.map((m) => [m.key, ...m.hashes.map(short)]),
  ];
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  for (const r of rows) process.stdout.write(r.map((v, j) => v.padEnd(widths[j])).join("  ") + "\n");
  process.stdout.write(`${RUNS.map((r, i) => `run ${i + 1}: ${r.label}, ${wall[i]} s`).join("\n")}\n`);
  process.stdout.write(`${c.cells} cells, ${c.outputs} outputs, ${c.mismatches.length} mismatches\n`);
  mergeResults({
    determinism: {
      runs: RUNS.length,
      cells: c.cells,
      outputs: c.outputs,
      mismatches: c.mismatches.length,
      wall_s: wall,
    },
  });
  if (c.mismatches.length > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(String((e as Error)?.stack ?? e) + "\n");
    process.exit(1);
  });
}
