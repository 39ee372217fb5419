/**
 * The researcher's daily loop through the real CLI, in a git repository: commit, change a
 * param, run, then ask what changed (metrics diff, params diff), whether the study is fresh
 * (status --exit-code), quietly (-q), and between experiments (exp diff); plus the shell
 * completion scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";

// The metric is a known function of the params: score = 10 · scale, rows = n.
const STAGE = `import { defineStage, z } from "../src/index.ts";
export default defineStage({
  params: z.object({ scale: z.number().default(1), n: z.number().int().default(3), tag: z.string().default("a") }),
  outputs: ["out"],
  async run(ctx) {
    ctx.metric("score", 10 * ctx.params.scale);
    ctx.metric("rows", ctx.params.n);
    ctx.metric("tag", ctx.params.tag);
    await ctx.writeJson("out", { ...ctx.params, cell: ctx.cell });
  },
});
`;
const SPEC = (scale: number) => `version: 1
stages:
  fit:
    uses: stages/s.ts
    matrix: { model: [a, b] }
    params: { scale: ${scale} }
  other:
    uses: stages/s.ts
`;

const git = (p: TempProject, ...args: string[]) => {
  const r = spawnSync("git", args, { cwd: p.root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

describe("the daily loop: commit, change, run, diff", () => {
  let p: TempProject;
  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC(1), "stages/s.ts": STAGE });
    writeFileSync(join(p.root, ".gitignore"), ".pipeline/\ndata/\nnode_modules\n");
    git(p, "init", "-q");
    git(p, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A");
    expect(p.runJson().ok).toBe(true);
    git(p, "add", "-A");
    git(p, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "baseline");
    p.write("pipeline.yaml", SPEC(1.5));
  });
  afterAll(() => p.dispose());

  it("status --exit-code is 1 while stale and 0 once fresh", () => {
    expect(p.cli(["status", "--exit-code"]).code).toBe(1);
    expect(p.cli(["status"]).code).toBe(0); // without the flag, status itself succeeded
  });

  it("-q runs print nothing, and the exit code still tells", () => {
    const r = p.cli(["-q", "run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    expect(p.cli(["status", "--exit-code", "-q"])).toMatchObject({ code: 0, stdout: "" });
  });

  it("metrics diff: HEAD vs the working tree, changed values only, with the change", () => {
    const r = p.cli(["metrics", "diff"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cell\s+metric\s+HEAD \([0-9a-f]{7}\)\s+workspace\s+change$/m);
    // 10 · 1 → 10 · 1.5 in both fit cells; rows and tag unchanged (not listed).
    expect(r.stdout).toMatch(/^fit\[model=a\]\s+score\s+10\s+15\s+\+5 \(\+50\.0 %\)$/m);
    expect(r.stdout).toMatch(/^fit\[model=b\]\s+score\s+10\s+15\s+\+5 \(\+50\.0 %\)$/m);
    expect(r.stdout).not.toMatch(/rows|other/);
    expect(r.stdout).toMatch(/2 metric values differ\./);
    const j = JSON.parse(p.cli(["metrics", "diff", "--json"]).stdout);
    expect(j.metrics).toEqual([
      expect.objectContaining({
        where: "fit[model=a]",
        key: "score",
        a: 10,
        b: 15,
        delta: 5,
        relative: 0.5,
        changed: true,
      }),
      expect.objectContaining({
        where: "fit[model=b]",
        key: "score",
        a: 10,
        b: 15,
        delta: 5,
        relative: 0.5,
        changed: true,
      }),
    ]);
    const all = JSON.parse(p.cli(["metrics", "diff", "--all", "--json"]).stdout);
    expect(all.metrics).toHaveLength(9); // 3 cells × 3 metrics
  });

  it("params diff groups a change shared by every cell of a stage under the stage", () => {
    const r = p.cli(["params", "diff", "HEAD", "workspace"]);
    expect(r.stdout).toMatch(/^fit\s+scale\s+1\s+1\.5\s+\+0\.5 \(\+50\.0 %\)$/m);
    expect(r.stdout).toMatch(/1 param differs\./);
    const bad = p.cli(["params", "diff", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no git revision 'nope'/);
  });

  it("metrics show lists every metric of the selected cells, sorted", () => {
    const r = p.cli(["metrics", "show", "fit"]);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/).slice(0, 2).join(" ")),
    ).toEqual([
      "fit[model=a] rows",
      "fit[model=a] score",
      "fit[model=a] tag",
      "fit[model=b] rows",
      "fit[model=b] score",
      "fit[model=b] tag",
    ]);
  });

  it("exp diff: params and metrics between two experiments", () => {
    expect(p.cli(["exp", "run", "--name", "big", "-S", "other.params.n=7", "-S", 'other.params.tag="z"']).code).toBe(0);
    const r = p.cli(["exp", "diff", "main", "big", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params).toEqual([
      expect.objectContaining({ where: "other", key: "n", a: 3, b: 7 }),
      expect.objectContaining({ where: "other", key: "tag", a: "a", b: "z" }),
    ]);
    expect(j.metrics.map((m: { key: string }) => m.key)).toEqual(["rows", "tag"]);
    expect(p.cli(["exp", "diff", "main", "nope"]).stderr).toMatch(/no experiment 'nope'/);
  });

  it("completion scripts parse and complete commands, options and stage names", () => {
    const bash = p.cli(["completion", "bash"]).stdout;
    const file = join(p.root, "c.bash");
    writeFileSync(file, bash);
    const r = spawnSync(
      "bash",
      [
        "-c",
        `source ${file}; for w in "run --for" "run fi" "metrics d" "st"; do set -- $w; COMP_WORDS=(pipeline "$@"); COMP_CWORD=$#; _pipeline; echo "\${COMPREPLY[*]}"; done`,
      ],
      { cwd: p.root, encoding: "utf8" },
    );
    expect(r.stdout.trim().split("\n")).toEqual(["--force", "fit", "diff", "status"]);
    expect(p.cli(["completion", "zsh"]).stdout).toMatch(/^#compdef pipeline/);
    expect(p.cli(["completion", "fish"]).stdout).toMatch(
      /complete -c pipeline -n "__fish_seen_subcommand_from run" -l force/,
    );
    expect(p.cli(["completion", "tcsh"]).stderr).toMatch(/no completion for shell 'tcsh'/);
  });
});
