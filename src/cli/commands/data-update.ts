/**
 * `pipeline data update`: new trading days for the study's data stage. A synthetic source is
 * extended by `--days N` weekdays (its `end` moves; `universeEnd` is pinned to the old end so
 * every earlier row stays the same); a file source gets the rows of `--from FILE` appended
 * (src/data/append-prices.ts). Nothing runs: the next `pipeline run` reruns the data stage and
 * the stages that declare `incremental: by date` extend their previous results.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { isMap, isScalar, parseDocument, Scalar, type Document } from "yaml";
import { StrataError } from "../../core/errors.ts";
import { suggestionHint } from "../../core/suggest.ts";
import { appendPrices, type AppendPricesResult } from "../../data/append-prices.ts";
import { isBusinessDay } from "../../data/calendar.ts";
import { formatIsoDate, parseIsoDate } from "../../store/dates.ts";
import { findSpecFile } from "../../pipeline/project.ts";
import { acquireProjectLock } from "../../pipeline/project-lock.ts";
import { writeFileAtomic } from "../../pipeline/fs-atomic.ts";
import { color, printJson } from "../output.ts";

export interface DataUpdateFlags {
  file?: string;
  from?: string;
  days?: number;
  restate?: boolean;
  stage?: string;
  json?: boolean;
}

interface DataStage {
  name: string;
  params: Record<string, unknown>;
}

export async function dataUpdateCommand(flags: DataUpdateFlags): Promise<void> {
  const specFile = findSpecFile({ file: flags.file });
  const root = dirname(specFile);
  const held = await acquireProjectLock(root, { command: "pipeline data update" });
  try {
    const text = readFileSync(specFile, "utf8");
    const doc = parseDocument(text);
    const stage = dataStage(doc, specFile, flags.stage);
    const source = String(stage.params.source ?? "synthetic");
    const out =
      source === "synthetic"
        ? await extendSynthetic(doc, specFile, stage, flags)
        : await appendFile(root, stage, source, flags);
    report(out, flags.json === true);
  } finally {
    await held.release();
  }
}

/** The stage to update: `--stage`, else the one stage whose module is stages/data.ts. */
function dataStage(doc: Document, specFile: string, wanted: string | undefined): DataStage {
  const stages = doc.toJS()?.stages as Record<string, { uses?: string; params?: Record<string, unknown> }> | undefined;
  const names = Object.keys(stages ?? {});
  const pick = (name: string): DataStage => ({ name, params: { ...(stages![name].params ?? {}) } });
  if (wanted !== undefined) {
    if (!stages || !(wanted in stages)) {
      throw new StrataError("ARGUMENT", `--stage ${wanted}: ${specFile} has no such stage`, {
        hint: suggestionHint(wanted, names, "stages"),
      });
    }
    return pick(wanted);
  }
  const data = names.filter((n) => /(^|\/)data\.ts$/.test(String(stages![n].uses ?? "")));
  if (data.length !== 1) {
    throw new StrataError(
      "ARGUMENT",
      `${specFile}: ${data.length === 0 ? "no stage uses stages/data.ts" : `several stages use stages/data.ts (${data.join(", ")})`}`,
      { hint: "name the stage to update with --stage NAME" },
    );
  }
  return pick(data[0]);
}

interface UpdateOutcome {
  stage: string;
  source: string;
  /** Synthetic: the old and new end. */
  end?: { from: string; to: string; universeEnd: string };
  /** File: what the drop added. */
  append?: AppendPricesResult & { file: string; drop: string };
}

async function extendSynthetic(
  doc: Document,
  specFile: string,
  stage: DataStage,
  flags: DataUpdateFlags,
): Promise<UpdateOutcome> {
  if (flags.from !== undefined) {
    throw new StrataError("ARGUMENT", `--from: stage ${stage.name} generates a synthetic market; it reads no file`, {
      hint: "extend it with --days N, or give the stage source: csv|parquet and a path to append to",
    });
  }
  const days = flags.days ?? 1;
  if (!Number.isInteger(days) || days < 1)
    throw new StrataError("ARGUMENT", `--days ${days}: expected a whole number of days ≥ 1`);
  const end = stage.params.end;
  const endText = end instanceof Date ? end.toISOString().slice(0, 10) : typeof end === "string" ? end : undefined;
  if (endText === undefined || parseIsoDate(endText) === null) {
    throw new StrataError("ARGUMENT", `stages.${stage.name}.params.end is not written in ${specFile}`, {
      hint: 'write the synthetic market\'s last date there (e.g. end: "2024-12-31"), then extend it',
    });
  }
  let day = parseIsoDate(endText)!;
  for (let k = 0; k < days; day++) if (isBusinessDay(day + 1)) k++;
  const to = formatIsoDate(day);
  const pinned = stage.params.universeEnd;
  const universeEnd =
    pinned instanceof Date ? pinned.toISOString().slice(0, 10) : typeof pinned === "string" ? pinned : endText;
  setQuoted(doc, ["stages", stage.name, "params", "end"], to);
  if (pinned === undefined) setQuoted(doc, ["stages", stage.name, "params", "universeEnd"], universeEnd);
  await writeFileAtomic(specFile, doc.toString({ flowCollectionPadding: false }));
  return { stage: stage.name, source: "synthetic", end: { from: endText, to, universeEnd } };
}

/** Set a param to a quoted date, editing the existing scalar in place so its comments stay. */
function setQuoted(doc: Document, path: string[], value: string): void {
  const params = doc.getIn(path.slice(0, -1));
  if (!isMap(params)) {
    throw new StrataError("ARGUMENT", `${path.slice(0, -1).join(".")} is not a mapping in the pipeline file`, {
      hint: "write the data stage's params as a mapping (params: { … })",
    });
  }
  const node = doc.getIn(path, true);
  if (isScalar(node)) {
    node.value = value;
    node.type = "QUOTE_DOUBLE";
    return;
  }
  const fresh = new Scalar(value);
  fresh.type = "QUOTE_DOUBLE";
  doc.setIn(path, fresh);
}

async function appendFile(
  root: string,
  stage: DataStage,
  source: string,
  flags: DataUpdateFlags,
): Promise<UpdateOutcome> {
  if (flags.from === undefined) {
    throw new StrataError(
      "ARGUMENT",
      `stage ${stage.name} reads a ${source} file: pass the new rows with --from FILE`,
      {
        hint: "a CSV or Parquet file with the same columns as the prices file",
      },
    );
  }
  if (flags.days !== undefined)
    throw new StrataError("ARGUMENT", "--days extends a synthetic market; a file source takes --from FILE");
  const p = stage.params;
  if (p.format === "wide") {
    throw new StrataError("ARGUMENT", `stage ${stage.name} reads a wide file; data update appends to long files`, {
      hint: "append the new rows (one row per date) to the wide file yourself, then run",
    });
  }
  const file = isAbsolute(String(p.path)) ? String(p.path) : join(root, String(p.path));
  const drop = resolve(flags.from);
  for (const [what, path] of [
    [`stages.${stage.name}.params.path`, file],
    ["--from", drop],
  ]) {
    if (!existsSync(path)) throw new StrataError("ARGUMENT", `${what}: no such file ${path}`);
  }
  const columns = (p.columns ?? {}) as { date?: string; symbol?: string };
  const result = await appendPrices({
    file,
    drop,
    dateColumn: columns.date,
    symbolColumn: columns.symbol,
    dateFormat: typeof p.dateFormat === "string" ? p.dateFormat : undefined,
    restate: flags.restate === true,
  });
  return { stage: stage.name, source, append: { ...result, file: String(p.path), drop: flags.from } };
}

function report(o: UpdateOutcome, json: boolean): void {
  if (json) {
    printJson({ ok: true, ...o });
    return;
  }
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (o.end) {
    w(`${o.stage}: synthetic market extended from ${o.end.from} to ${o.end.to} (universeEnd ${o.end.universeEnd})`);
  } else if (o.append) {
    const a = o.append;
    w(
      `${o.stage}: ${a.addedRows} row(s) on ${a.addedDates} new date(s) appended to ${a.file}` +
        (a.firstAdded ? ` (${a.firstAdded} … ${a.lastAdded}, after ${a.previousLast})` : ""),
    );
    if (a.restated)
      w(`${color.yellow("restated")} ${a.restated} recorded row(s): every stage reading them reruns in full`);
    if (a.missingDates.length) {
      const shown = a.missingDates.slice(0, 10).join(", ");
      const more = a.missingDates.length > 10 ? ` and ${a.missingDates.length - 10} more` : "";
      process.stderr.write(
        `${color.yellow("warning")}: no prices on ${a.missingDates.length} trading day(s) of the ${a.calendar} ` +
          `calendar after ${a.previousLast}: ${shown}${more}\n`,
      );
    }
  }
  w(`next: ${color.bold("pipeline run")} — the data stage reruns; incremental stages extend their previous results`);
}
