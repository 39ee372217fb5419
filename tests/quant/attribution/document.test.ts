/**
 * attributionDocument keeps the factor returns of the last panels it met (by content): a kept
 * one must give the very document a fresh computation gives, and a panel that differs in one
 * close must not be served another panel's factors.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../../../src/core/rng.ts";
import { type AttributionDocumentInputs, attributionDocument } from "../../../src/quant/attribution/index.ts";

function inputs(seed: number): AttributionDocumentInputs {
  const rng = createRng(seed);
  const N = 8,
    F = 1600,
    T = 300;
  const close = new Float64Array(F * N),
    volume = new Float64Array(F * N);
  for (let i = 0; i < N; i++) {
    let p = 20 + 10 * i;
    for (let t = 0; t < F; t++) {
      p *= Math.exp(0.0003 + 0.015 * rng.normal());
      close[t * N + i] = p;
      volume[t * N + i] = 1e5 * (1 + i + rng.next());
    }
  }
  const returns = new Float64Array(T * N),
    weights = new Float64Array(T * N);
  const net = new Float64Array(T),
    costs = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const a = (F - T + t) * N + i;
      returns[t * N + i] = close[a] / close[a - N] - 1;
      weights[t * N + i] = 1 / N;
      net[t] += returns[t * N + i] / N;
    }
  }
  const day0 = Date.UTC(2020, 0, 1);
  return {
    symbols: Array.from({ length: N }, (_, i) => `S${i}`),
    dates: Array.from({ length: T }, (_, t) => new Date(day0 + t * 86_400_000).toISOString().slice(0, 10)),
    weights,
    returns,
    costs,
    net,
    sectors: null,
    regimes: Array.from({ length: T }, () => "unknown"),
    factorPanel: { close, volume },
  };
}

describe("attributionDocument: factor returns kept by the panel's content", () => {
  it("a kept computation gives the same document, also for a copy of the panel", () => {
    const x = inputs(3);
    const first = attributionDocument(x);
    expect(JSON.stringify(attributionDocument(x))).toBe(JSON.stringify(first));
    const copy = { ...x, factorPanel: { close: x.factorPanel.close.slice(), volume: x.factorPanel.volume?.slice() } };
    expect(JSON.stringify(attributionDocument(copy))).toBe(JSON.stringify(first));
  });

  it("a panel that differs in one close gets its own factors", () => {
    const x = inputs(5);
    const first = attributionDocument(x) as { factors: unknown };
    const close = x.factorPanel.close.slice();
    close[1450 * 8 + 3] *= 1.5; // a day of the book (its rows are the last 300 of 1,600)
    const other = attributionDocument({ ...x, factorPanel: { ...x.factorPanel, close } }) as { factors: unknown };
    expect(first.factors).toBeDefined();
    expect(JSON.stringify(other.factors)).not.toBe(JSON.stringify(first.factors));
    // …and the first panel's are still right after the other was computed.
    expect(JSON.stringify((attributionDocument(x) as { factors: unknown }).factors)).toBe(
      JSON.stringify(first.factors),
    );
  });
});
