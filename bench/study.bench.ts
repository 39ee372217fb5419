/**
 * The default study cold (issue 19, item 4: < 90 s wall on 2 cores, peak RSS < 1 GB): a clean
 * checkout (the committed files only, no outputs, no cache, node_modules linked), `pipeline
 * run -j 2` through the real CLI under /usr/bin/time -v, wall time and the peak RSS of the
 * largest process (the CLI or one of its stage workers: "Maximum resident set size" covers the
 * process and its waited-for children, so it is the largest of them, not their sum).
 *
 * Twice: once as a fresh clone has it (no run log: cells start in declared order), and once
 * with this repository's run log copied in (`.pipeline/runs.jsonl`: the scheduler knows each
 * cell's last duration and starts the longest path first, critical-path.ts) — the case of a
 * researcher re-running a study after `cache gc` or on new data.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin/pipeline.js");

function cleanCopy(dir: string): string {
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of tracked) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(REPO, f), join(dir, f));
  }
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function coldRun(dir: string): { s: number; peak_mb: number } {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, BIN, "run", "-j", "2"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true", NO_COLOR: "1" },
    maxBuffer: 1 << 26,
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`study bench: pipeline run failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  return { s: Math.round(s * 10) / 10, peak_mb: Math.round(kb / 1024) };
}

export async function benchStudy(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), "strata-bench-study-"));
  try {
    const fresh = coldRun(cleanCopy(join(root, "fresh")));
    const out: Record<string, unknown> = { study_cold_s: fresh.s, study_cold_peak_mb: fresh.peak_mb };
    const log = join(REPO, ".pipeline", "runs.jsonl");
    if (existsSync(log)) {
      const dir = cleanCopy(join(root, "known"));
      mkdirSync(join(dir, ".pipeline"), { recursive: true });
      copyFileSync(log, join(dir, ".pipeline", "runs.jsonl"));
      const known = coldRun(dir);
      out.study_cold_known_durations_s = known.s;
      out.study_cold_known_durations_peak_mb = known.peak_mb;
    } else out.study_cold_known_durations_reason = "no run log in .pipeline/ (run the study once)";
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchStudy());
}
