/**
 * `pipeline models` end to end on the small paper study (tests/paper/study.ts), through the
 * real CLI: `pipeline run` registers the champion (v1, champion), a changed study's new
 * champion is registered as challenger without replacing the champion, promotion and rollback
 * are recorded with who and why, unknown versions exit 2 listing what exists, and every
 * command only appends to pipeline.models.jsonl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTempProject, type TempProject } from "./helpers.ts";
import { CHAMPION_CELL, SPEC, STAGES } from "../paper/study.ts";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** A fixed who: no git user name (no global config), $USER set. */
const ENV = { USER: "tester", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

describe("model registry end to end", () => {
  let p: TempProject;
  let before = "";
  const models = (args: string[]) => p.cli(["models", ...args], { env: ENV });
  const json = (args: string[]) => {
    const r = models([...args, "--json"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return JSON.parse(r.stdout);
  };
  const aliases = () =>
    Object.fromEntries(
      (json(["list"]).aliases as { alias: string; version: number }[]).map((a) => [a.alias, a.version]),
    );
  /** The registry file only grew: every earlier line is still there, unchanged, in place. */
  const appendedOnly = (lines: number) => {
    const now = p.read("pipeline.models.jsonl");
    expect(now.startsWith(before)).toBe(true);
    expect(now.trimEnd().split("\n")).toHaveLength(lines);
    before = now;
  };

  beforeAll(() => {
    p = createTempProject({ "pipeline.yaml": SPEC, ...STAGES });
  });
  afterAll(() => p.dispose());

  it("a run registers the champion as v1 with its lineage and a stored artifact", () => {
    const r = p.cli(["run"], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`registered model v1 (champion): ${CHAMPION_CELL}`);
    appendedOnly(2); // register + alias champion
    const v1 = json(["show", "champion"]).model;
    expect(v1).toMatchObject({ version: 1, aliases: ["champion"], cell: CHAMPION_CELL, artifact_state: "ok" });
    expect(v1.lineage).toMatchObject({
      lock_sha256: sha256(p.read("pipeline.lock")),
      data: { start: "2018-01-02", end: "2021-12-31" },
      git_commit: null, // the temp project is not a repository
    });
    expect(v1.params.selection.top).toBe(8);
    expect(typeof v1.metrics.sharpe).toBe("number");
    const champ = p.read("data/champion/champion.json");
    expect(p.read(`${v1.artifact}/champion.json`)).toBe(champ);
    expect(v1.sha256).toBe(sha256(champ + "\n" + p.read("data/champion/model.json")));
    // Nothing new: no event, no line.
    const again = p.cli(["run"], { env: ENV });
    expect(again.stderr).not.toContain("registered model");
    expect(json(["register"])).toMatchObject({ status: "known", version: 1 });
    appendedOnly(2);
  }, 180_000);

  it("a different champion becomes the challenger; the champion stays", () => {
    p.write("pipeline.yaml", SPEC.replace("top: 8", "top: 5"));
    const r = p.cli(["run"], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`registered model v2 (challenger): ${CHAMPION_CELL}`);
    appendedOnly(4);
    expect(aliases()).toEqual({ champion: 1, challenger: 2 });
    const list = models(["list"]);
    expect(list.stdout).toMatch(/^version\s+aliases\s+created \(UTC\)\s+by\s+cell\s+sharpe\s+dsr\s+max dd\s+sha256\n/);
    expect(list.stdout).toMatch(/\nv1\s+champion\s+.*\nv2\s+challenger\s+/);
    expect(json(["show", "2"]).model.params.selection.top).toBe(5);
  }, 180_000);

  it("promotion is explicit and recorded with who and why; rollback returns to the previous version", () => {
    const pr = models(["promote", "2", "--as", "champion", "--why", "better out-of-sample record"]);
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toContain("champion: v1 → v2 (promoted by tester: better out-of-sample record)");
    appendedOnly(5);
    expect(aliases()).toEqual({ champion: 2, challenger: 2 });

    const rb = models(["rollback", "--why", "drawdown in paper"]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toContain("champion: v2 → v1 (rolled back by tester: drawdown in paper)");
    appendedOnly(6);
    expect(aliases()).toEqual({ champion: 1, challenger: 2 });
    const history = json(["show", "1"]).history.map((e: { event: string; who: string; why: string }) => e.event);
    expect(history).toEqual(["alias", "alias", "rollback"]);
    expect(models(["show", "v2"]).stdout).toMatch(
      /history\n.*alias\s+challenger → v2 .*\n.*alias\s+champion v1 → v2\s+by tester/,
    );

    // Nothing before v1: an error, and nothing written.
    const none = models(["rollback"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/champion has no earlier version to roll back to/);
    appendedOnly(6);
  });

  it("an unknown version or alias exits 2 and lists what exists", () => {
    const show = models(["show", "9"]);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/unknown model version '9'/);
    expect(show.stderr).toMatch(/registered versions: 1, 2; aliases: challenger → v2, champion → v1/);
    const promote = models(["promote", "chalenger", "--as", "champion"]);
    expect(promote.code).toBe(2);
    expect(promote.stderr).toMatch(/did you mean 'challenger'\?/);
    const js = models(["show", "v7", "--json"]);
    expect(js.code).toBe(2);
    expect(JSON.parse(js.stdout).error.details).toEqual({ versions: [1, 2], aliases: { challenger: 2, champion: 1 } });
    expect(models(["promote", "1", "--as", "Prod"]).code).toBe(2);
    appendedOnly(6);
    expect(existsSync(join(p.root, ".pipeline/pipeline.models.jsonl.lock"))).toBe(false);
  });
});
