/**
 * `pipeline models list | show REF | register | promote REF --as ALIAS | rollback [ALIAS]`:
 * the model registry of a pipeline file (src/paper/model-registry.ts; docs/model-registry.md).
 * REF is a version (3 or v3) or an alias (champion, challenger, or a user's name). Every
 * command that changes something appends events to `pipeline.models.jsonl`; none rewrites it.
 * `pipeline run` calls registerAfterRun after a successful run.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { errorMessage, StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import { findSpecFile } from "../../pipeline/project.ts";
import {
  artifactState,
  CHAMPION,
  promoteModel,
  readRegistry,
  registerChampion,
  resolveModel,
  rollbackAlias,
  type AliasResult,
  type LockCell,
  type ModelVersion,
  type RegisterResult,
} from "../../paper/model-registry.ts";
import { color, printJson } from "../output.ts";
import { table } from "../table.ts";

interface Flags {
  file?: string;
  json?: boolean;
}

/** "2024-05-02 14:03" from an ISO timestamp (UTC). */
const when = (iso: string) => iso.replace("T", " ").slice(0, 16);
const num = (v: number | null | undefined, digits = 3) =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—";
const pct = (v: number | null | undefined) =>
  typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "—";

export async function modelsListCommand(flags: Flags): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const { file, root, state } = readRegistry(specFile);
  if (flags.json) {
    printJson({
      ok: true,
      registry: relative(root, file),
      versions: state.versions,
      aliases: state.aliases,
      problems: state.problems,
    });
    return;
  }
  for (const p of state.problems) process.stderr.write(`${color.yellow("warning")}: ${p}\n`);
  if (state.versions.length === 0) {
    process.stdout.write(
      `No models registered in ${relative(root, file)} yet: \`pipeline run\` registers the champion stage's output.\n`,
    );
    return;
  }
  const rows = state.versions.map((v) => [
    `v${v.version}`,
    v.aliases.join(",") || "—",
    when(v.registered_at),
    v.registered_by,
    v.cell,
    num(v.metrics.sharpe),
    num(v.metrics.dsr),
    pct(v.metrics.max_drawdown),
    v.sha256.slice(0, 12),
  ]);
  const header = ["version", "aliases", "created (UTC)", "by", "cell", "sharpe", "dsr", "max dd", "sha256"];
  process.stdout.write(table(header, rows, new Set([5, 6, 7])));
}

/** Params as "key.path value" lines: nested backtest params stay readable without JSON braces. */
function flatten(v: unknown, prefix = ""): string[] {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [`${prefix || "(value)"} ${JSON.stringify(v)}`];
  return Object.keys(v as object)
    .sort()
    .flatMap((k) => flatten((v as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
}

export async function modelsShowCommand(ref: string, flags: Flags): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const { root, state } = readRegistry(specFile);
  const v = resolveModel(state, ref);
  const stored = artifactState(root, v.artifact, v.sha256);
  const history = state.events.filter(
    (e) => e.event !== "register" && (e.sha256 === v.sha256 || e.from_sha256 === v.sha256),
  );
  if (flags.json) {
    printJson({ ok: true, model: { ...v, artifact_state: stored }, history });
    return;
  }
  process.stdout.write(showText(v, stored, history));
}

function showText(v: ModelVersion, stored: string, history: ReturnType<typeof readRegistry>["events"]): string {
  const l = v.lineage;
  const renumbered = v.recorded_version !== v.version ? ` (recorded as v${v.recorded_version} on its branch)` : "";
  const lines = [
    `v${v.version}${v.aliases.length ? `  ${v.aliases.join(", ")}` : ""}${renumbered}`,
    `  sha256      ${v.sha256}`,
    `  registered  ${when(v.registered_at)} UTC by ${v.registered_by}`,
    `  cell        ${v.cell} (model ${v.model}, optimizer ${v.optimizer})`,
    `  metrics     ${Object.entries(v.metrics)
      .map(([k, x]) => `${k} ${num(x, 4)}`)
      .join(", ")}`,
    `  artifact    ${v.artifact}/ (${stored === "ok" ? color.green("ok") : color.red(stored)})`,
    "  lineage",
    `    lock        sha256 ${l.lock_sha256 ?? "—"}`,
    `    git commit  ${l.git_commit ?? "— (not a git repository)"}`,
    `    data        ${l.data.start ?? "?"} … ${l.data.end ?? "?"} (prices sha256 ${l.data.prices_sha256 ?? "—"})`,
    `    cell        fingerprint ${l.cell_fingerprint ?? "—"}, seed ${l.seed ?? "—"}`,
    `    returns     sha256 ${l.returns_sha256 ?? "—"}`,
    `    model file  sha256 ${l.model_file_sha256 ?? "—"}`,
    "  params",
    ...flatten(v.params).map((p) => `    ${p}`),
  ];
  if (history.length) lines.push("  history");
  for (const e of history) {
    if (e.event === "register") continue;
    const move = `${e.alias} ${e.from_version === null ? "" : `v${e.from_version} `}→ v${e.version}`;
    lines.push(`    ${when(e.at)}  ${e.event.padEnd(8)}  ${move}  by ${e.who}: ${e.why}`);
  }
  return lines.join("\n") + "\n";
}

function registerLine(r: RegisterResult): string {
  if (r.status === "none") return `no champion to register: ${r.reason}`;
  const aliases = r.aliases.length ? ` (${r.aliases.join(", ")})` : "";
  return r.status === "registered"
    ? `registered model v${r.version}${aliases}: ${r.cell}`
    : `the champion output is already registered as v${r.version}${aliases}: ${r.cell}`;
}

/**
 * `models register [--exp NAME]`: the study's champion output, or an experiment's (its workspace
 * .pipeline/exp/NAME/, with that workspace's lock as its lineage: data range, lock digest).
 */
export async function modelsRegisterCommand(flags: Flags & { exp?: string; why?: string }): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  let studyFile: string | undefined;
  if (flags.exp !== undefined) {
    const ws = join(dirname(specFile), ".pipeline", "exp", flags.exp);
    studyFile = join(ws, relative(dirname(specFile), specFile));
    if (!existsSync(studyFile)) {
      const dir = join(dirname(specFile), ".pipeline", "exp");
      const names = existsSync(dir) ? readdirSync(dir).sort() : [];
      throw new StrataError(
        "ARGUMENT",
        `--exp ${flags.exp}: no experiment of that name in ${relative(process.cwd(), dir) || "."}`,
        {
          hint: names.length
            ? suggestionHint(flags.exp, names, "experiments")
            : "run one with `pipeline exp run --name NAME`",
        },
      );
    }
  }
  const r = await registerChampion(specFile, { studyFile, why: flags.why });
  if (flags.json) printJson({ ok: true, ...r });
  else process.stdout.write(registerLine(r) + "\n");
}

function aliasLine(r: AliasResult, what: string): string {
  if (!r.changed) return `${r.alias} already points at v${r.version}; nothing recorded`;
  const e = r.event!;
  return `${r.alias}: ${r.from === null ? "" : `v${r.from} → `}v${r.version} (${what} by ${e.who}: ${e.why})`;
}

export async function modelsPromoteCommand(ref: string, flags: Flags & { as: string; why?: string }): Promise<void> {
  const r = await promoteModel(findSpecFile({ file: flags.file }), ref, flags.as, { why: flags.why });
  if (flags.json) printJson({ ok: true, ...r });
  else process.stdout.write(aliasLine(r, "promoted") + "\n");
}

export async function modelsRollbackCommand(alias: string | undefined, flags: Flags & { why?: string }): Promise<void> {
  const r = await rollbackAlias(findSpecFile({ file: flags.file }), alias ?? CHAMPION, { why: flags.why });
  if (flags.json) printJson({ ok: true, ...r });
  else process.stdout.write(aliasLine(r, "rolled back") + "\n");
}

/**
 * After a successful `pipeline run`: register the champion output when it is new, in one line
 * on stderr (stdout may be --json). The run already succeeded, so a registry problem is a
 * warning, not a failed run.
 */
export async function registerAfterRun(specFile: string, lockCells?: Record<string, LockCell>): Promise<void> {
  try {
    const r = await registerChampion(specFile, { lockCells });
    if (r.status === "registered") process.stderr.write(registerLine(r) + "\n");
  } catch (e) {
    process.stderr.write(`${color.yellow("warning")}: model registry: ${errorMessage(e)}\n`);
  }
}
