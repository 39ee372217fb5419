import { describe, expect, it } from "vitest";
import { resolveColumns, suggestHeader } from "../../src/data/price-columns.ts";

describe("suggestHeader", () => {
  it("suggestHeader(target, headers) counts a swap of adjacent letters as one edit", () => {
    // "vlomue" → "volume" is two adjacent transpositions: optimal-string-alignment distance 2,
    // plain Levenshtein 3 (worked by hand; definitions in Wikipedia "Damerau–Levenshtein
    // distance"). The limit for a 6-letter name is 2, so only the transposition-aware distance
    // of core/suggest.ts finds it.
    expect(suggestHeader("volume", ["Date", "Ticker", "Vlomue"])).toBe("Vlomue");
    expect(suggestHeader("Tikcer", ["Date", "Ticker", "Close"])).toBe("Ticker");
  });

  it("suggestHeader(target, headers) prefers a header containing the name and skips excluded ones", () => {
    expect(suggestHeader("close", ["Date", "Adj Close", "Open"])).toBe("Adj Close");
    expect(suggestHeader("close", ["Date", "Adj Close", "Open"], new Set(["Adj Close"]))).toBeUndefined();
  });

  it("suggestHeader(target, headers) suggests nothing when no header is close", () => {
    expect(suggestHeader("close", ["Date", "Ticker", "Volume"])).toBeUndefined();
  });
});

describe("resolveColumns", () => {
  it("resolveColumns(headers) matches common names and reports required columns it cannot find", () => {
    const r = resolveColumns(["Date", "Ticker", "Vlomue"]);
    expect(r.found).toEqual({ date: "Date", symbol: "Ticker" });
    expect(r.missingRequired).toEqual(["close"]);
  });
});
