import { describe, expect, it } from "vitest";
import {
  cellFingerprint,
  diffFingerprintParts,
  paramsHash,
  shortValue,
  type FingerprintParts,
} from "../../src/pipeline/fingerprint.ts";

const H = (c: string) => c.repeat(64);
const base: FingerprintParts = {
  code: { "stages/backtest.ts": H("a"), "src/quant/portfolio/hrp.ts": H("b") },
  packages: { zod: "4.1.0", "ml-matrix": "6.12.0" },
  params: { top_n: 30, costs: { bps: 5, slippage: [1, 2, 3] }, name: "run one" },
  inputs: { "features/features": H("c"), "train[model=gbdt]/predictions": H("d") },
  files: { "data/raw/prices.csv": H("e") },
  matrix: { model: "gbdt", optimizer: "hrp" },
  seed: 42,
  engine: "strata 0.1.0",
};
const clone = (): FingerprintParts => structuredClone(base);

describe("cellFingerprint", () => {
  it("cellFingerprint(parts) is a sha256 that ignores key order everywhere", () => {
    const fp = cellFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    const reordered: FingerprintParts = {
      engine: base.engine,
      seed: base.seed,
      matrix: { optimizer: "hrp", model: "gbdt" },
      files: base.files,
      inputs: { "train[model=gbdt]/predictions": H("d"), "features/features": H("c") },
      params: { name: "run one", costs: { slippage: [1, 2, 3], bps: 5 }, top_n: 30 },
      packages: { "ml-matrix": "6.12.0", zod: "4.1.0" },
      code: { "src/quant/portfolio/hrp.ts": H("b"), "stages/backtest.ts": H("a") },
    };
    expect(cellFingerprint(reordered)).toBe(fp);
  });

  it("cellFingerprint(parts) changes with every part, array order and matrix value type", () => {
    const fp = cellFingerprint(base);
    const variants: Array<(p: FingerprintParts) => void> = [
      (p) => (p.code["stages/backtest.ts"] = H("f")),
      (p) => (p.code["src/new.ts"] = H("f")),
      (p) => (p.packages.zod = "4.2.0"),
      (p) => ((p.params as { top_n: number }).top_n = 40),
      (p) => ((p.params as { costs: { slippage: number[] } }).costs.slippage = [3, 2, 1]),
      (p) => (p.inputs["features/features"] = H("f")),
      (p) => (p.files["data/raw/prices.csv"] = H("f")),
      (p) => (p.matrix.optimizer = "kelly"),
      (p) => (p.seed = 7),
      (p) => (p.engine = "strata 0.2.0"),
    ];
    const seen = new Set([fp]);
    for (const change of variants) {
      const p = clone();
      change(p);
      seen.add(cellFingerprint(p));
    }
    expect(seen.size).toBe(variants.length + 1);
    const a = clone(),
      b = clone();
    a.matrix = { k: 1 };
    b.matrix = { k: "1" };
    expect(cellFingerprint(a)).not.toBe(cellFingerprint(b));
  });

  it("paramsHash(params) treats undefined members as absent and Dates as ISO strings (lock round trip)", () => {
    expect(paramsHash({ a: 1, b: undefined })).toBe(paramsHash({ a: 1 }));
    expect(paramsHash({ d: new Date("2020-01-02T00:00:00Z") })).toBe(paramsHash({ d: "2020-01-02T00:00:00.000Z" }));
    expect(paramsHash(undefined)).toBe(paramsHash(null));
  });
});

describe("diffFingerprintParts", () => {
  it("diffFingerprintParts(old, new) names every change, params first", () => {
    const next = clone();
    (next.params as Record<string, unknown>).top_n = 40;
    (next.params as { costs: { slippage: number[] } }).costs.slippage[1] = 9;
    next.code["src/quant/portfolio/hrp.ts"] = H("f");
    next.code["stages/x.ts"] = H("f");
    delete next.code["stages/backtest.ts"];
    next.inputs["features/features"] = H("f");
    next.files = {};
    next.packages.zod = "4.2.0";
    next.packages.arquero = "8.0.0";
    next.matrix.optimizer = "kelly";
    next.seed = 7;
    const d = diffFingerprintParts(base, next);
    expect(d.cause).toBe("params.costs.slippage[1]: 2 → 9");
    expect(d.changes).toEqual([
      "params.costs.slippage[1]: 2 → 9",
      "params.top_n: 30 → 40",
      "code: src/quant/portfolio/hrp.ts changed",
      "code: stages/backtest.ts removed",
      "code: stages/x.ts added",
      "input features/features changed",
      "file data/raw/prices.csv removed",
      "package arquero added (8.0.0)",
      "package zod 4.1.0 → 4.2.0",
      "matrix.optimizer: hrp → kelly",
      "seed: 42 → 7",
    ]);
  });

  it("renders added/removed params, whole arrays of new length, odd keys and long values", () => {
    const prev = { ...clone(), params: { momentum: [5, 20], "look-back": 3, note: "a", gone: true } };
    const next = {
      ...clone(),
      params: { momentum: [5, 20, 60], "look-back": 4, note: "x".repeat(100), added: { a: 1 } },
    };
    const d = diffFingerprintParts(prev, next);
    expect(d.changes).toEqual([
      'params.added: (absent) → {"a": 1}',
      "params.gone: true → (absent)",
      'params["look-back"]: 3 → 4',
      "params.momentum: [5, 20] → [5, 20, 60]",
      `params.note: a → ${"x".repeat(39)}…`,
    ]);
  });

  it("equal parts give no cause; no previous entry says so", () => {
    expect(diffFingerprintParts(base, clone())).toEqual({ cause: null, changes: [] });
    expect(diffFingerprintParts(undefined, base).cause).toBe("no previous run recorded");
  });

  it("shortValue quotes strings that would read as another type", () => {
    expect(shortValue("hrp")).toBe("hrp");
    expect(shortValue("42")).toBe('"42"');
    expect(shortValue("true")).toBe('"true"');
    expect(shortValue("two words")).toBe('"two words"');
    expect(shortValue(null)).toBe("null");
  });
});
