/**
 * `pipeline dsr`: dsrCommand called directly (stdout captured) for the numbers and the text, and
 * the real CLI (bin/pipeline.js) for exit codes. Reference: the numerical example of Bailey &
 * López de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5), §4 — annualized SR 2.5 over
 * T = 1250 daily observations (250 a year), N = 100 trials with V[{SR_n}] = 1/2 (annualized),
 * γ3 = −3, γ4 = 10 ⇒ SR0 ≈ 0.1132 a day (1.7894 a year), DSR ≈ 0.9004.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { dsrCommand } from "../../src/cli/commands/dsr.ts";

const BIN = join(import.meta.dirname, "../../bin/pipeline.js");
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, "dsr", ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

let out = "";
beforeEach(() => {
  out = "";
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string) => {
    out += chunk;
    return true;
  }) as never);
});
afterEach(() => vi.restoreAllMocks());

const PAPER = {
  sharpe: 2.5,
  observations: 1250,
  skew: -3,
  kurtosis: 10,
  trials: 100,
  sharpeVariance: 0.5,
  periodsPerYear: 250,
};

describe("dsrCommand", () => {
  it(
    "--json prints exactly psr, dsr, expected_max_sharpe, min_track_record_length; " + "the paper's DSR ≈ 0.9004",
    async () => {
      await dsrCommand({ ...PAPER, json: true });
      const got = JSON.parse(out);
      expect(Object.keys(got)).toEqual(["psr", "dsr", "expected_max_sharpe", "min_track_record_length"]);
      expect(got.dsr).toBeCloseTo(0.9004, 4);
      // Annualized SR0: 0.1131720 · √250 = 1.789406 (the paper's 0.1132 per day).
      expect(got.expected_max_sharpe).toBeCloseTo(1.7894064662732077, 9);
      // PSR vs 0, by hand: z = 0.1581139·√1249 / √(1 + 3·0.1581139 + 9/4·0.025) = 4.516766 ⇒ Φ(z) = 0.9999968595.
      expect(got.psr).toBeCloseTo(0.9999968595078976, 9);
      // MinTRL, by hand: 1 + 1.5305917·(1.6448536/0.1581139)² = 166.6433 observations.
      expect(got.min_track_record_length).toBeCloseTo(166.6432886765355, 6);
    },
  );
  it(
    "defaults to 252 periods a year, normal returns and no DSR; " + "JSON null for an unreachable track record",
    async () => {
      await dsrCommand({ sharpe: 1, observations: 500, json: true });
      const got = JSON.parse(out);
      // By hand: SR = 1/√252 = 0.0629941; z = 0.0629941·√499/√(1 + 0.0629941²/2) = 1.405787 ⇒ Φ(z) = 0.9201063
      expect(got.psr).toBeCloseTo(0.9201064, 6);
      expect(got).toMatchObject({ dsr: null, expected_max_sharpe: null });
      expect(got.min_track_record_length).toBeCloseTo(
        1 + (1 + 1 / 504) * (1.6448536269514722 * Math.sqrt(252)) ** 2,
        6,
      );
      out = "";
      await dsrCommand({ sharpe: -0.5, observations: 500, json: true });
      expect(JSON.parse(out).min_track_record_length).toBeNull();
    },
  );
  it("text output gives every figure and says how to get the DSR", async () => {
    await dsrCommand({ sharpe: 1, observations: 500 });
    expect(out).toMatch(/PSR \(vs Sharpe 0\)\s+0\.920106/);
    expect(out).toMatch(/DSR\s+n\/a: pass --trials N --sharpe-variance V/);
    expect(out).toMatch(/Min track record length \(95%\)\s+685 observations \(2\.7 years at 252\/yr\)/);
    out = "";
    await dsrCommand(PAPER);
    expect(out).toMatch(/Expected max Sharpe of 100 trials\s+1\.7894 a year/);
    expect(out).toMatch(/DSR\s+0\.900397/);
  });
  it("rejects half of the DSR inputs, excess kurtosis and too few observations, naming the flag", async () => {
    await expect(dsrCommand({ sharpe: 1, observations: 500, trials: 10 })).rejects.toThrow(
      /needs both --trials and --sharpe-variance, got only --trials/,
    );
    await expect(dsrCommand({ sharpe: 1, observations: 500, sharpeVariance: 0.2 })).rejects.toThrow(
      /got only --sharpe-variance/,
    );
    await expect(dsrCommand({ sharpe: 1, observations: 500, kurtosis: 0 })).rejects.toThrow(
      /--kurtosis 0 is impossible with --skew 0[\s\S]*RAW kurtosis/,
    );
    await expect(dsrCommand({ sharpe: 1, observations: 1 })).rejects.toThrow(
      /--observations must be an integer ≥ 2, got 1/,
    );
    await expect(dsrCommand({ sharpe: 1, observations: 500, trials: 10, sharpeVariance: -0.1 })).rejects.toThrow(
      /--sharpe-variance must be ≥ 0/,
    );
  });
});

describe("pipeline dsr (real CLI)", () => {
  it("prints the JSON object and exits 0; usage errors exit 2 with a clear message", () => {
    const ok = cli([
      "--sharpe",
      "2.5",
      "--observations",
      "1250",
      "--skew",
      "-3",
      "--kurtosis",
      "10",
      "--trials",
      "100",
      "--sharpe-variance",
      "0.5",
      "--periods-per-year",
      "250",
      "--json",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).dsr).toBeCloseTo(0.9004, 4);
    const missing = cli(["--observations", "100"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--sharpe <S>' not specified/);
    const bad = cli(["--sharpe", "one", "--observations", "100"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sharpe must be a number, got 'one'/);
    const half = cli(["--sharpe", "1", "--observations", "100", "--trials", "5"]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/needs both --trials and --sharpe-variance/);
  });
});
