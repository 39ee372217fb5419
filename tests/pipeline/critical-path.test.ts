/**
 * Critical-path order (src/pipeline/critical-path.ts): priorities from the run log's durations,
 * and the scheduler starting the ready cell with the longest expected path first.
 */
import { describe, expect, it } from "vitest";
import { lastDurations, pathPriorities } from "../../src/pipeline/critical-path.ts";
import type { RunLogRecord } from "../../src/pipeline/run-log.ts";
import { runScheduled } from "../../src/pipeline/scheduler.ts";
import type { Cell } from "../../src/pipeline/types.ts";

const cell = (id: string, stage: string, deps: string[] = []): Cell => ({ id, stage, deps }) as unknown as Cell;
const record = (cells: Array<[string, string, number]>): RunLogRecord =>
  ({ cells: cells.map(([id, status, duration_s]) => ({ id, status, cause: "", duration_s })) }) as RunLogRecord;

describe("critical path", () => {
  it("lastDurations keeps each cell's last computed duration (restored or fresh cells say nothing)", () => {
    const d = lastDurations([
      record([
        ["a", "ran", 10],
        ["b", "ran", 3],
      ]),
      record([
        ["a", "ran", 12],
        ["b", "restored", 0.01],
        ["c", "fresh", 0],
      ]),
    ]);
    expect(Object.fromEntries(d)).toEqual({ a: 12, b: 3 });
  });

  it("a cell's priority is its duration plus the longest priority waiting on it; unknown cells count their stage's median", () => {
    // features (2 s) → train[x] (100 s) → bt[x] (5 s); features → train[y] (10 s) → bt[y] (unknown: bt median 5)
    const cells = [
      cell("features", "features"),
      cell("train[y]", "train", ["features"]),
      cell("train[x]", "train", ["features"]),
      cell("bt[y]", "bt", ["train[y]"]),
      cell("bt[x]", "bt", ["train[x]"]),
    ];
    const known = new Map([
      ["features", 2],
      ["train[x]", 100],
      ["train[y]", 10],
      ["bt[x]", 5],
    ]);
    const p = pathPriorities(cells, known);
    // Hand computation: bt[x] 5, bt[y] 5 (median of bt's known: 5), train[x] 105, train[y] 15, features 107.
    expect(Object.fromEntries(p)).toEqual({ "bt[x]": 5, "bt[y]": 5, "train[x]": 105, "train[y]": 15, features: 107 });
  });

  it("the scheduler starts the ready cell with the highest priority first, ties in declared order", async () => {
    const cells = [cell("short1", "s"), cell("short2", "s"), cell("long", "l"), cell("tail", "t", ["long"])];
    const priority = new Map([
      ["short1", 1],
      ["short2", 1],
      ["long", 50],
      ["tail", 5],
    ]);
    // The order cells start in, one job at a time.
    const order = async (p?: Map<string, number>): Promise<string[]> => {
      const started: string[] = [];
      const done = new Set<string>();
      await runScheduled(
        cells,
        1,
        async (c) => {
          started.push(c.id);
          return c.id;
        },
        (c) => done.add(c.id),
        () => {},
        (id) => done.has(id),
        p,
      );
      return started;
    };
    expect(await order(priority)).toEqual(["long", "tail", "short1", "short2"]);
    // Without priorities: the declared order.
    const started = await order();
    expect(started).toEqual(["short1", "short2", "long", "tail"]);
  });
});
