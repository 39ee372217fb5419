import { describe, expect, it } from "vitest";
import { weightHistory, weightHistoryCsv } from "../../src/monitor/index.ts";

describe("weightHistory", () => {
  const weights = [
    { date: "2024-07-02", symbol: "B", weight: 0.6 },
    { date: "2024-07-01", symbol: "A", weight: 0.5 },
    { date: "2024-07-01", symbol: "B", weight: 0.5 },
    { date: "2024-07-03", symbol: "B", weight: 0.25 },
    { date: "2024-07-03", symbol: "C,D", weight: 0.75 },
  ];

  it("a long table of weights and their change since the previous weights date, exits as weight 0", () => {
    expect(weightHistory(weights)).toEqual([
      { date: "2024-07-01", symbol: "A", weight: 0.5, previousWeight: 0, change: 0.5 },
      { date: "2024-07-01", symbol: "B", weight: 0.5, previousWeight: 0, change: 0.5 },
      { date: "2024-07-02", symbol: "A", weight: 0, previousWeight: 0.5, change: -0.5 },
      { date: "2024-07-02", symbol: "B", weight: 0.6, previousWeight: 0.5, change: 0.09999999999999998 },
      { date: "2024-07-03", symbol: "B", weight: 0.25, previousWeight: 0.6, change: -0.35 },
      { date: "2024-07-03", symbol: "C,D", weight: 0.75, previousWeight: 0, change: 0.75 },
    ]);
  });

  it("CSV text: header, quoted fields where needed, the same bytes for the same weights in any order", () => {
    const csv = weightHistoryCsv(weightHistory(weights));
    expect(csv.split("\n").slice(0, 2)).toEqual([
      "date,symbol,weight,previous_weight,change",
      "2024-07-01,A,0.5,0,0.5",
    ]);
    expect(csv).toContain('2024-07-03,"C,D",0.75,0,0.75\n');
    expect(weightHistoryCsv(weightHistory([...weights].reverse()))).toBe(csv);
  });

  it("a duplicate (date, symbol) throws naming both", () => {
    expect(() => weightHistory([...weights, { date: "2024-07-02", symbol: "B", weight: 0.1 }])).toThrow(
      /two weights for B on 2024-07-02/,
    );
  });
});
