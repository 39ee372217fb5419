/**
 * The lock's text written directly (src/pipeline/lock-text.ts) is byte for byte what the yaml
 * library writes for the same tree (libraryText): on the default study's committed lock, and on
 * random locks whose params, metrics and warnings hold strings YAML must quote, numbers in every
 * form, nested lists and maps, and values the direct writer hands back to the library.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRng, type Rng } from "../../src/core/rng.ts";
import {
  isFlowPath,
  type LockEntry,
  type LockFile,
  libraryText,
  lockLayout,
  lockTree,
  parseLock,
  serializeLock,
} from "../../src/pipeline/lock.ts";
import { writeLockText } from "../../src/pipeline/lock-text.ts";

const REPO = join(import.meta.dirname, "../..");

const direct = (lock: LockFile) => writeLockText(lockLayout(lockTree(lock)), isFlowPath, "cells");
const reference = (lock: LockFile) => libraryText(lockTree(lock));

/** Strings a YAML writer must think about: indicators, quotes, colons, numbers and booleans as text, unicode. */
const NASTY = [
  "",
  " ",
  "plain",
  "_private",
  "a=b",
  "a.b-c/d_e",
  "x-",
  "y",
  "N",
  "on",
  "Off",
  "NaN",
  "Infinity",
  "e5",
  "inf",
  "two words",
  "a: b",
  "a:b",
  "a #b",
  "a#b",
  "#x",
  "- x",
  "-x",
  "-",
  "?",
  "? x",
  "@scope/pkg",
  "`tick`",
  "'single'",
  '"double"',
  "it's",
  'say "hi"',
  "back\\slash",
  "tab\there",
  "line\nbreak",
  "trailing ",
  " leading",
  "true",
  "False",
  "null",
  "~",
  "yes",
  "1",
  "1.0",
  "-0",
  "1e3",
  ".inf",
  ".nan",
  "0x1F",
  "0o17",
  "2024-01-31",
  "[x]",
  "{x}",
  "x, y",
  "a[b]",
  "backtest[model=gbdt,optimizer=hrp]",
  "data/backtest/model=gbdt/optimizer=hrp/weights.parquet",
  "strata@0.1.0 contract 2 node 20 duckdb@1.5.5-r.5",
  "%percent",
  "&anchor",
  "*alias",
  "!tag",
  "|pipe",
  ">fold",
  "é ü 中文",
  "emoji 🙂",
  "x".repeat(300),
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "1234567890123456789012345678901234567890123456789012345678901234",
  "12e4567890123456789012345678901234567890123456789012345678901234",
];
const NUMBERS = [0, 1, -1, 42, 0.5, -0.25, 0.1 + 0.2, 1e21, 1e-7, 123456789.123, -2.5e-300, 2 ** 53];
/** What the direct writer leaves to the library: multi-line text, document markers, non-finite numbers. */
const SPECIAL = ["line\nbreak", "a\n\nb\n", "---", "...", Number.NaN, Infinity, -Infinity];
let special = false;

function value(rng: Rng, depth: number): unknown {
  const r = rng.next();
  if (special && r < 0.05) return SPECIAL[Math.floor(rng.next() * SPECIAL.length)];
  if (depth > 2 || r < 0.45) {
    const s = NASTY[Math.floor(rng.next() * NASTY.length)];
    return special || !s.includes("\n") ? s : "no break";
  }
  if (r < 0.65) return NUMBERS[Math.floor(rng.next() * NUMBERS.length)];
  if (r < 0.7) return rng.next() < 0.5;
  if (r < 0.73) return null;
  if (r < 0.87) return Array.from({ length: Math.floor(rng.next() * 4) }, () => value(rng, depth + 1));
  const m: Record<string, unknown> = {};
  for (let k = Math.floor(rng.next() * 4); k > 0; k--) m[String(value(rng, 3))] = value(rng, depth + 1);
  return m;
}

const H = (rng: Rng) => Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(rng.next() * 16)]).join("");

function randomLock(seed: number, exotic: boolean): LockFile {
  const rng = createRng(seed);
  special = seed % 5 === 0;
  const cells: Record<string, LockEntry> = {};
  for (let c = 0; c < 6; c++) {
    const model = ["ridge", "gbdt", exotic ? NASTY[c * 7] : "rf"][c % 3];
    const id = `backtest[model=${c}${model}]`;
    const stage = c < 4 ? "backtest" : "train";
    const params: Record<string, unknown> = { top_n: 10 + c, note: exotic ? value(rng, 0) : "fine" };
    if (exotic) for (let k = 0; k < 4; k++) params[String(value(rng, 3))] = value(rng, 0);
    // A key YAML writes as `? key` (over 1,024 characters): handed to the library.
    if (seed % 7 === 0 && c === 0) params["k".repeat(1500)] = 1;
    cells[id] = {
      stage,
      matrix: { model: `${c}${model}` },
      fingerprint: H(rng),
      uses: "stages/backtest.ts",
      code: { "stages/backtest.ts": H(rng), [`src/quant/m${c % 2}.ts`]: H(rng) },
      packages: { zod: "4.1.0", "@duckdb/node-api": "1.5.5-r.5" },
      params,
      inputs: {},
      files: c === 1 ? { "data/raw/prices.csv": H(rng) } : {},
      seed: 1000 + c,
      outputs: {
        returns: { path: `data/${stage}/model=${c}/returns.parquet`, hash: H(rng), bytes: 1000 + c, rows: 50 },
        metrics: { path: `data/${stage}/model=${c}/metrics.json`, hash: H(rng), bytes: 77 },
      },
      metrics: exotic
        ? { sharpe: value(rng, 3) as number, label: String(value(rng, 3)), ok: true, none: null }
        : { sharpe: 0.5 + c / 7, observations: 2822 },
      engine: "strata@0.1.0 contract 2 node 20 duckdb@1.5.5-r.5",
      ...(exotic && c === 2
        ? { warnings: ["a warning: with a colon", special ? "line one\nline two" : "it's 'quoted' #1"] }
        : {}),
    };
  }
  return { version: 2, cells };
}

describe("lock text, written directly", () => {
  it("is the committed lock of the default study, byte for byte, without the library", () => {
    const text = readFileSync(join(REPO, "pipeline.lock"), "utf8");
    const lock = parseLock(text, "pipeline.lock");
    expect(direct(lock)).toBe(text);
    expect(reference(lock)).toBe(text);
  });

  it("equals the library's text on 200 random locks (or hands them to it), and always parses back", () => {
    let handled = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const lock = randomLock(seed, seed % 4 !== 0);
      const ref = reference(lock);
      const ours = direct(lock);
      if (ours !== null) {
        handled++;
        expect(ours, `seed ${seed}`).toBe(ref);
      }
      expect(serializeLock(lock)).toBe(ref);
      expect(serializeLock(parseLock(ref, "x.lock"))).toBe(ref);
    }
    // Most random locks are written directly: the comparison above is not vacuous.
    expect(handled).toBeGreaterThan(100);
  });
});
