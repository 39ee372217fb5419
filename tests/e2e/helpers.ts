/**
 * End-to-end helpers: a real temp project (its own copy of src/, node_modules linked from the
 * repository, stage files written by the test) driven through the real `pipeline` CLI.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(REPO, "bin/pipeline.js");

/**
 * The repository's own stage files as createTempProject entries: ("data.ts") → { "stages/data.ts":
 * its text }, plus every file of stages/lib/ (the helpers stages import relatively).
 */
export function repoStages(...names: string[]): Record<string, string> {
  const lib = readdirSync(join(REPO, "stages/lib")).map((f) => `lib/${f}`);
  return Object.fromEntries(
    [...new Set([...lib, ...names])].map((n) => [`stages/${n}`, readFileSync(join(REPO, "stages", n), "utf8")]),
  );
}

export interface TempProject {
  root: string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  cli(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): CliResult;
  spawnCli(args: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  runJson(args?: string[]): RunJson;
  dispose(): void;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunJson {
  ok: boolean;
  code: number;
  statuses: Record<string, string>;
  raw: { cells: Array<{ id: string; status: string; cause: string; error?: string }>; lockChanged: boolean };
  stderr: string;
}

export function createTempProject(files: Record<string, string>): TempProject {
  const root = mkdtempSync(join(tmpdir(), "strata-e2e-"));
  cpSync(join(REPO, "src"), join(root, "src"), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "e2e-project", type: "module", private: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  const env = (extra?: Record<string, string>) => ({ ...process.env, CI: "true", NO_COLOR: "1", TZ: "UTC", ...extra });
  const cli = (args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): CliResult => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: root,
      env: env(opts.env),
      encoding: "utf8",
      timeout: opts.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    root,
    write,
    read: (rel) => readFileSync(join(root, rel), "utf8"),
    cli,
    spawnCli: (args, opts = {}) =>
      spawn(process.execPath, [BIN, ...args], { cwd: root, env: env(opts.env), stdio: ["ignore", "pipe", "pipe"] }),
    runJson(args = []) {
      const r = cli(["run", "--json", ...args]);
      let raw: RunJson["raw"];
      try {
        raw = JSON.parse(r.stdout);
      } catch {
        throw new Error(`run --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
      }
      const statuses: Record<string, string> = {};
      for (const c of raw.cells ?? []) statuses[c.id] = c.status;
      return { ok: r.code === 0, code: r.code, statuses, raw, stderr: r.stderr };
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Wait until a child's combined output matches, or fail after `ms`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, ms = 30_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; saw:\n${seen}`)), ms);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolvePromise(seen);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.on("exit", (code) => r(code)));
}

/**
 * Run one query on a fresh in-memory DuckDB (e.g. over an output's read_parquet) and return
 * its rows: "json" gives strings for BIGINT and dates, "js" gives bigint and Date values.
 */
export async function queryDuck(sql: string, as: "json" | "js" = "json"): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return (as === "json" ? r.getRowObjectsJson() : r.getRowObjectsJS()) as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
