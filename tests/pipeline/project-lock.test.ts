import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { acquireProjectLock, projectLockPath, readProjectLock } from "../../src/pipeline/project-lock.ts";
import { StrataError } from "../../src/core/errors.ts";

const MODULE = resolve(import.meta.dirname, "../../src/pipeline/project-lock.ts");
const PROJECT = resolve(import.meta.dirname, "../..");

let root: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "strata-plock-"));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  await rm(root, { recursive: true, force: true });
});

/** A real second process that takes the lock and keeps it until killed. */
async function spawnHolder(): Promise<ChildProcess> {
  const script = join(root, "holder.mjs");
  await writeFile(
    script,
    `const { acquireProjectLock } = await import(${JSON.stringify("file://" + MODULE)});\n` +
      `await acquireProjectLock(${JSON.stringify(root)}, { command: "pipeline run backtest" });\n` +
      `process.stdout.write("ready\\n");\nsetInterval(() => {}, 1000);\n`,
  );
  const c = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: PROJECT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((ok, fail) => {
    let out = "";
    c.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) ok();
    });
    c.on("exit", (code) => fail(new Error(`holder exited early with ${code}`)));
  });
  return c;
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

describe("acquireProjectLock", () => {
  it(
    "acquireProjectLock(root) writes .pipeline/run.lock " + "with pid/host/started/command; release() removes it",
    async () => {
      const h = await acquireProjectLock(root, { command: "pipeline run" });
      const info = JSON.parse(await readFile(projectLockPath(root), "utf8"));
      expect(info).toMatchObject({ pid: process.pid, host: hostname(), command: "pipeline run" });
      expect(Date.parse(info.started)).toBeGreaterThan(Date.now() - 60_000);
      expect(readProjectLock(root)).toEqual(info);
      await h.release();
      await h.release(); // idempotent
      expect(existsSync(projectLockPath(root))).toBe(false);
      const again = await acquireProjectLock(root);
      again.releaseSync();
      expect(existsSync(projectLockPath(root))).toBe(false);
    },
  );

  it("refuses while a live child process holds the lock, naming it; takes over once it is killed", async () => {
    child = await spawnHolder();
    const err = await acquireProjectLock(root, { command: "pipeline run" }).catch((e) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err.code).toBe("LOCKED");
    expect(err.message).toContain(`another pipeline process (pid ${child.pid}, started `);
    expect(err.message).toContain("`pipeline run backtest`) holds");
    expect(err.message).toContain("run.lock");
    expect(err.hint).toMatch(/wait for it to finish; if that process is gone.*delete/);

    const pid = child.pid!;
    const exited = new Promise((ok) => child!.on("exit", ok));
    child.kill("SIGKILL"); // no chance to clean up: the lock file stays behind
    await exited;
    expect(readProjectLock(root)?.pid).toBe(pid);
    const notes: string[] = [];
    const h = await acquireProjectLock(root, { onNote: (m) => notes.push(m) });
    expect(readProjectLock(root)?.pid).toBe(process.pid);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(new RegExp(`taking over .*run\\.lock from pid ${pid} .*no longer running`));
    await h.release();
  });

  it("exactly one of several concurrent takeovers of a dead lock wins", async () => {
    await mkdir(join(root, ".pipeline"));
    const stale = { pid: deadPid(), host: hostname(), started: "2020-01-01T00:00:00.000Z", command: "pipeline run" };
    await writeFile(projectLockPath(root), JSON.stringify(stale));
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => acquireProjectLock(root, { onNote: () => {} })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as StrataError).code).toBe("LOCKED");
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireProjectLock>>>).value.release();
  });

  it("a lock from another host is never taken over; an old unreadable lock is", async () => {
    await mkdir(join(root, ".pipeline"));
    await writeFile(
      projectLockPath(root),
      JSON.stringify({ pid: 1, host: "elsewhere", started: new Date().toISOString(), command: "pipeline gc" }),
    );
    await expect(acquireProjectLock(root)).rejects.toThrow(/pid 1, on host elsewhere.*`pipeline gc`/);
    await writeFile(projectLockPath(root), "garbage");
    const old = new Date(Date.now() - 60_000);
    await utimes(projectLockPath(root), old, old);
    const notes: string[] = [];
    const h = await acquireProjectLock(root, { onNote: (m) => notes.push(m) });
    expect(notes[0]).toMatch(/unreadable/);
    await h.release();
  });

  it("release() leaves a lock that is no longer ours alone", async () => {
    const h = await acquireProjectLock(root);
    const other = { pid: process.pid, host: hostname(), started: "1999-01-01T00:00:00.000Z", command: "x" };
    await writeFile(projectLockPath(root), JSON.stringify(other));
    await h.release();
    expect(readProjectLock(root)).toEqual(other);
  });
});
