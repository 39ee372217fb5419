/**
 * The run's side of the trial registry: cells of trial stages are queued as they finish (ran,
 * restored or fresh) and recorded in one batch — before a registry-reading cell is decided
 * (`flush`), and at the end of the run. Each configuration is queued once per run and recorded
 * once ever (recordTrials keeps the first row of a config hash).
 */
import { join } from "node:path";
import { canonicalJson } from "../core/json.ts";
import type { LockEntry } from "./lock.ts";
import {
  cellIsTrial,
  recordTrials,
  recordedHashes,
  type TableTrials,
  type TrialRecord,
  type TrialSpec,
} from "./trials.ts";
import type { Cell } from "./types.ts";

export interface TrialQueue {
  /** Queue the trials of a cell's lock entry (nothing for a stage without `trial`). */
  queue(cell: Cell, spec: TrialSpec | undefined, entry: LockEntry | undefined): void;
  /** Record what is queued; resolves when the registry file holds it. */
  flush(): Promise<void>;
}

export function createTrialQueue(registryFile: string, root: string, source: string): TrialQueue {
  const recorded = recordedHashes(registryFile);
  const pendingTrials: TrialRecord[] = [];
  const pendingTables: TableTrials[] = [];
  const tableDone = new Set([...recorded].filter((h) => h.includes(":")).map((h) => h.split(":")[0]));
  let trialWrite: Promise<void> = Promise.resolve();
  return {
    queue(cell, spec, entry) {
      if (!spec || !entry) return;
      if (cellIsTrial(spec) && !recorded.has(entry.fingerprint)) {
        recorded.add(entry.fingerprint);
        pendingTrials.push(trialRecord(cell, spec, entry, source));
      }
      const out = spec.table ? entry.outputs[spec.table.output] : undefined;
      if (spec.table && out && !tableDone.has(entry.fingerprint)) {
        tableDone.add(entry.fingerprint);
        pendingTables.push({
          fingerprint: entry.fingerprint,
          stage: cell.stage,
          cell: cell.id,
          source,
          path: join(root, out.path),
          spec: spec.table,
        });
      }
    },
    flush() {
      trialWrite = trialWrite.then(async () => {
        const batch = pendingTrials.splice(0),
          tables = pendingTables.splice(0);
        if (batch.length || tables.length) await recordTrials(registryFile, batch, tables);
      });
      return trialWrite;
    },
  };
}

/** A trial cell's registry record, from its lock entry: the named metrics and output hashes, uninterpreted. */
export function trialRecord(cell: Cell, spec: TrialSpec, entry: LockEntry, source: string): TrialRecord {
  const metrics: Record<string, number | null> = {};
  for (const name of spec.metrics ?? []) {
    const v = entry.metrics?.[name];
    metrics[name] = typeof v === "number" && Number.isFinite(v) ? v : null;
  }
  const outputs: Record<string, string> = {};
  for (const name of spec.outputs ?? []) {
    const h = entry.outputs[name]?.hash;
    if (h) outputs[name] = h;
  }
  return {
    config_hash: entry.fingerprint,
    stage: cell.stage,
    cell: cell.id,
    source,
    params: canonicalJson(entry.params ?? null),
    kind: "cell",
    outputs,
    metrics,
  };
}
