/**
 * `pipeline push` / `pipeline pull` through the real CLI, against a shared folder and a real
 * S3-compatible server (s3rver from npm, on a random loopback port): a second checkout with the
 * lock but no cache restores every cell from the remote instead of running it; a corrupt remote
 * object is never used; credentials never appear in the output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ChildProcess, spawn } from "node:child_process";
import { createTempProject, type TempProject, waitForOutput } from "./helpers.ts";

const STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ v: z.number().default(1) }),
  outputs: ["out"],
  async run(ctx) { await ctx.writeJson("out", { v: ctx.params.v, cell: ctx.cell }); },
});
`;

const SPEC = (remote?: string) => `version: 1
${remote ? `remote: ${remote}\n` : ""}stages:
  src:
    uses: stages/s.ts
  fit:
    uses: stages/s.ts
    needs: [src]
    matrix: { model: [ridge, gbdt] }
`;

interface Sync {
  ok: boolean;
  moved: number;
  present: number;
  runsMoved: number;
  missing: Array<{ cell: string; why: string }>;
}

/** A checkout of `from`'s files and lock, without its .pipeline state or data. */
function checkout(from: TempProject, spec: string): TempProject {
  const p = createTempProject({ "pipeline.yaml": spec, "stages/s.ts": STAGE });
  p.write("pipeline.lock", from.read("pipeline.lock"));
  return p;
}

const actions = (p: TempProject, env?: Record<string, string>, extra: string[] = []) =>
  Object.fromEntries(
    (
      JSON.parse(p.cli(["status", "--json", ...extra], { env }).stdout).cells as Array<{ cell: string; action: string }>
    ).map((c) => [c.cell, c.action]),
  );

describe("remote cache in a shared folder", () => {
  let a: TempProject;
  let remoteDir: string;
  let url: string;
  const others: TempProject[] = [];
  beforeAll(() => {
    remoteDir = mkdtempSync(join(tmpdir(), "strata-remote-"));
    url = pathToFileURL(remoteDir).href;
    a = createTempProject({ "pipeline.yaml": SPEC(url), "stages/s.ts": STAGE });
    // --no-push: the push tests below send everything themselves.
    expect(a.runJson(["--no-push"]).ok).toBe(true);
  });
  afterAll(() => {
    a.dispose();
    for (const p of others) p.dispose();
    rmSync(remoteDir, { recursive: true, force: true });
  });

  it("push sends each object and run record once", () => {
    const first = JSON.parse(a.cli(["push", "--json"]).stdout) as Sync;
    expect(first).toMatchObject({ ok: true, moved: 3, runsMoved: 3, missing: [] });
    const again = JSON.parse(a.cli(["push", "--json"]).stdout) as Sync;
    expect(again).toMatchObject({ ok: true, moved: 0, present: 3, runsMoved: 0 });
    // Same layout as the local cache: cache/<ab>/<rest>, runs/<fingerprint>.json.
    expect(readdirSync(join(remoteDir, "runs")).filter((f) => f.endsWith(".json"))).toHaveLength(3);
  });

  it("a fresh checkout pulls, then restores every cell without running one", () => {
    const b = checkout(a, SPEC(url));
    others.push(b);
    // Before the pull: status already sees the runs on the remote (and not with --no-remote).
    expect(Object.values(actions(b))).toEqual(["restore", "restore", "restore"]);
    expect(Object.values(actions(b, undefined, ["--no-remote"]))).not.toContain("restore");
    const pulled = JSON.parse(b.cli(["pull", "--json"]).stdout) as Sync;
    expect(pulled).toMatchObject({ ok: true, moved: 3, runsMoved: 3 });
    expect(Object.values(actions(b))).toEqual(["restore", "restore", "restore"]);
    const run = b.runJson();
    expect(run.ok).toBe(true);
    expect(Object.values(run.statuses).every((s) => s === "restored")).toBe(true);
    expect(b.read("data/fit/model=gbdt/out.json")).toBe(a.read("data/fit/model=gbdt/out.json"));
    expect(b.read("pipeline.lock")).toBe(a.read("pipeline.lock"));
  });

  it("a corrupt remote object is reported and never used; the cell runs instead", () => {
    const lock = a.read("pipeline.lock");
    const hash = /fit\[model=ridge\][\s\S]*?hash: ([0-9a-f]{64})/.exec(lock)?.[1];
    expect(hash).toBeDefined();
    const obj = join(remoteDir, "cache", hash!.slice(0, 2), hash!.slice(2));
    const good = readFileSync(obj);
    try {
      writeFileSync(obj, Buffer.from(good.toString().replace("ridge", "ridgE")));
      const c = checkout(a, SPEC(url));
      others.push(c);
      const r = c.cli(["pull", "--json"]);
      expect(r.code).toBe(1);
      const res = JSON.parse(r.stdout) as Sync;
      expect(res.ok).toBe(false);
      expect(res.missing).toEqual([
        expect.objectContaining({ cell: "fit[model=ridge]", why: expect.stringMatching(/corrupt/) }),
      ]);
      expect(r.stderr).toMatch(/is corrupt \(it hashes to [0-9a-f]{12}\); not used, removed/);
      const st = actions(c);
      expect(st["fit[model=ridge]"]).toBe("run");
      expect(st["fit[model=gbdt]"]).toBe("restore");
    } finally {
      writeFileSync(obj, good);
    }
  });

  it("run sends what it computes; a fresh checkout's run fetches instead of computing", () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-remote-"));
    const remote = pathToFileURL(dir).href;
    try {
      const first = createTempProject({ "pipeline.yaml": SPEC(remote), "stages/s.ts": STAGE });
      others.push(first);
      expect(Object.values(first.runJson().statuses)).toEqual(["ran", "ran", "ran"]);
      expect(readdirSync(join(dir, "runs"))).toHaveLength(3);

      // No lock, no cache: every cell comes from the remote, byte for byte.
      const fresh = createTempProject({ "pipeline.yaml": SPEC(remote), "stages/s.ts": STAGE });
      others.push(fresh);
      // status and --dry-run say so first: downstream cells too (their inputs come from the remote's records).
      const st = JSON.parse(fresh.cli(["status", "--json"]).stdout) as {
        cells: Array<{ action: string; from?: string }>;
      };
      expect(st.cells.map((c) => `${c.action} ${c.from}`)).toEqual(Array(3).fill("restore remote"));
      expect(fresh.cli(["status"]).stdout).toMatch(/^restore \(remote\) +fit\[model=gbdt\] +never run$/m);
      expect(fresh.cli(["status", "--no-remote"]).stdout).toMatch(/1 to run, 0 to restore/);
      const r = fresh.runJson();
      expect(r.ok).toBe(true);
      expect(Object.values(r.statuses)).toEqual(["restored", "restored", "restored"]);
      expect(r.raw.cells[0].cause).toMatch(/\(from file:\/\/.*\)$/);
      expect(fresh.read("pipeline.lock")).toBe(first.read("pipeline.lock"));

      // A corrupt object there is a miss: that cell is computed, the others still fetched.
      const hash = /fit\[model=ridge\][\s\S]*?hash: ([0-9a-f]{64})/.exec(first.read("pipeline.lock"))![1];
      const obj = join(dir, "cache", hash.slice(0, 2), hash.slice(2));
      writeFileSync(obj, Buffer.from(readFileSync(obj).toString().replace("ridge", "ridgE")));
      const third = createTempProject({ "pipeline.yaml": SPEC(remote), "stages/s.ts": STAGE });
      others.push(third);
      const t = third.runJson();
      expect(t.statuses).toEqual({ src: "restored", "fit[model=ridge]": "ran", "fit[model=gbdt]": "restored" });
      expect(t.stderr).toMatch(/is corrupt \(it hashes to [0-9a-f]{12}\); not used/);
      expect(third.read("pipeline.lock")).toBe(first.read("pipeline.lock"));
      // The corrupt object was removed, and the run that recomputed it sent it again, whole.
      expect(readFileSync(obj).toString()).toContain('"ridge"');

      // --no-pull computes everything.
      const own = createTempProject({ "pipeline.yaml": SPEC(remote), "stages/s.ts": STAGE });
      others.push(own);
      expect(Object.values(own.runJson(["--no-pull", "--no-push"]).statuses)).toEqual(["ran", "ran", "ran"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says how to set a remote when there is none", () => {
    const d = createTempProject({ "pipeline.yaml": SPEC(), "stages/s.ts": STAGE });
    others.push(d);
    const r = d.cli(["push"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no remote cache is set/);
    expect(r.stderr).toMatch(/remote: s3:\/\/bucket\/prefix/);
  });
});

describe("remote cache on an S3-compatible server", () => {
  let server: ChildProcess;
  let dir: string;
  let env: Record<string, string>;
  let a: TempProject;
  const others: TempProject[] = [];
  const SECRET = "not-a-real-secret-8f3a";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-s3-"));
    server = spawn(process.execPath, [join(import.meta.dirname, "s3-server.mjs"), dir, "study"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = /port (\d+)/.exec(await waitForOutput(server, /port \d+/))![1];
    env = {
      STRATA_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
    };
    a = createTempProject({ "pipeline.yaml": SPEC("s3://study/team/strata"), "stages/s.ts": STAGE });
    expect(a.runJson(["--no-pull", "--no-push"]).ok).toBe(true);
  }, 60_000);
  afterAll(() => {
    a?.dispose();
    for (const p of others) p.dispose();
    server?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("push then pull into a fresh checkout restores every cell", () => {
    const pushed = JSON.parse(a.cli(["push", "--json"], { env }).stdout) as Sync;
    expect(pushed).toMatchObject({ ok: true, moved: 3, runsMoved: 3 });
    expect(JSON.parse(a.cli(["push", "--json"], { env }).stdout)).toMatchObject({ moved: 0, present: 3 });
    const b = checkout(a, SPEC("s3://study/team/strata"));
    others.push(b);
    const r = b.cli(["pull", "--json"], { env });
    const pulled = JSON.parse(r.stdout) as Sync;
    expect(pulled.missing, r.stderr).toEqual([]);
    expect(pulled).toMatchObject({ ok: true, moved: 3, runsMoved: 3 });
    expect(Object.values(actions(b, env))).toEqual(["restore", "restore", "restore"]);
    expect(b.runJson().ok).toBe(true);
    expect(b.read("data/src/out.json")).toBe(a.read("data/src/out.json"));
  });

  it("a refused request names the bucket and the fix, never the credentials", () => {
    const r = a.cli(["push", "--remote", "s3://no-such-bucket"], {
      env: { ...env, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: SECRET },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/s3:\/\/no-such-bucket/);
    expect(r.stderr).toMatch(/STRATA_S3_ENDPOINT|AWS_ACCESS_KEY_ID/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it("a URL with credentials in it is refused at once", () => {
    const r = a.cli(["push", "--remote", `s3://user:${SECRET}@study`], { env });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
