/**
 * `pipeline dsr`: probabilistic Sharpe ratio, deflated Sharpe ratio, expected maximum Sharpe of
 * the trials and minimum track record length of one strategy, from numbers a researcher has at
 * hand. Inputs are ANNUALIZED (Sharpe, and the variance of the trials' Sharpe ratios), kurtosis
 * RAW (3 for a normal). Formulas, conventions and sources: docs/statistics.md.
 */
import { StrataError } from "../../core/errors.ts";
import { sharpeSignificance } from "../../quant/stats/index.ts";
import { printJson } from "../output.ts";

export interface DsrFlags {
  /** Annualized Sharpe ratio of the selected strategy. */
  sharpe: number;
  /** Number of return observations T behind it. */
  observations: number;
  /** Skewness of the returns (default 0). */
  skew?: number;
  /** RAW kurtosis of the returns (default 3). */
  kurtosis?: number;
  /** Number of independent trials N (with sharpeVariance: the DSR). */
  trials?: number;
  /** Variance of the trials' ANNUALIZED Sharpe ratios (with trials: the DSR). */
  sharpeVariance?: number;
  /** Periods per year (default 252). */
  periodsPerYear?: number;
  json?: boolean;
}

/** JSON numbers cannot be Infinity: an unreachable track record length is null. */
const finiteOrNull = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

export async function dsrCommand(flags: DsrFlags): Promise<void> {
  const { sharpe, observations } = flags;
  const { skew, kurtosis } = checkDsrFlags(flags);
  const s = sharpeSignificance(sharpe, observations, {
    skew: flags.skew,
    kurtosis: flags.kurtosis,
    trials: flags.trials,
    sharpeVariance: flags.sharpeVariance,
    periodsPerYear: flags.periodsPerYear,
  });
  if (flags.json) {
    printJson({
      psr: s.psr,
      dsr: s.dsr,
      expected_max_sharpe: s.expectedMaxSharpe,
      min_track_record_length: finiteOrNull(s.minTrackRecordLength),
    });
    return;
  }
  const a = s.periodsPerYear;
  const years = (n: number) => (n / a).toFixed(1);
  const rows: [string, string][] = [["PSR (vs Sharpe 0)", s.psr.toFixed(6)]];
  if (s.dsr !== null) {
    rows.push(
      [`Expected max Sharpe of ${flags.trials} trials`, `${s.expectedMaxSharpe!.toFixed(4)} a year`],
      ["DSR", s.dsr.toFixed(6)],
    );
  } else {
    rows.push([
      "DSR",
      "n/a: pass --trials N --sharpe-variance V (the number of trials and the variance of their annualized Sharpe " +
        "ratios)",
    ]);
  }
  rows.push([
    "Min track record length (95%)",
    Number.isFinite(s.minTrackRecordLength)
      ? `${Math.ceil(s.minTrackRecordLength)} observations (${years(s.minTrackRecordLength)} years at ${a}/yr)`
      : "none: the Sharpe ratio is not above 0",
  ]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = [
    `Sharpe ${sharpe} a year over ${observations} observations (${years(observations)} years at ${a}/yr), ` +
      `skew ${skew}, kurtosis ${kurtosis} (raw)`,
    "",
    ...rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** The flags' contract, each violation a usage error saying what to pass; the skew and raw kurtosis used. */
function checkDsrFlags(flags: DsrFlags): { skew: number; kurtosis: number } {
  const { observations } = flags;
  if (!Number.isInteger(observations) || observations < 2) {
    throw new StrataError("ARGUMENT", `--observations must be an integer ≥ 2, got ${observations}`, {
      hint: "pass the number of returns behind the Sharpe ratio, e.g. --observations 1260 for five years of days",
    });
  }
  if ((flags.trials === undefined) !== (flags.sharpeVariance === undefined)) {
    throw new StrataError(
      "ARGUMENT",
      `the DSR needs both --trials and --sharpe-variance, got ` +
        `only ${flags.trials === undefined ? "--sharpe-variance" : "--trials"}`,
      {
        hint: "add the missing flag, or drop both to get the PSR alone",
      },
    );
  }
  if (flags.trials !== undefined && !(Number.isInteger(flags.trials) && flags.trials >= 1)) {
    throw new StrataError("ARGUMENT", `--trials must be an integer ≥ 1, got ${flags.trials}`, {
      hint: "count every configuration tried, kept or not",
    });
  }
  if (flags.sharpeVariance !== undefined && !(flags.sharpeVariance >= 0)) {
    throw new StrataError("ARGUMENT", `--sharpe-variance must be ≥ 0, got ${flags.sharpeVariance}`, {
      hint: "pass the variance (not the standard deviation) of the trials' annualized Sharpe ratios",
    });
  }
  const skew = flags.skew ?? 0,
    kurtosis = flags.kurtosis ?? 3;
  if (kurtosis < 1 + skew * skew) {
    throw new StrataError(
      "ARGUMENT",
      `--kurtosis ${kurtosis} is impossible with --skew ${skew}: raw kurtosis is at least 1 + skew² ` +
        `= ${1 + skew * skew}`,
      {
        hint: "pass RAW kurtosis (3 for a normal distribution), i.e. excess kurtosis + 3",
      },
    );
  }
  return { skew, kurtosis };
}
