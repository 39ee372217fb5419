import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { formatValidationReport, validatePricesFile } from "../../data/ingest.ts";
import { printJson } from "../output.ts";

export interface DataValidateFlags {
  columns?: string;
  dateFormat?: string;
  /** auto (default) | long | wide */
  format?: string;
  /** Prices above are errors; default 1e9. */
  maxPrice?: number;
  /** One-bar moves above this fraction are warnings; default 1 (100 %). */
  maxDailyMove?: number;
  json?: boolean;
}

/** "date=Date,symbol=Ticker,close=Adj Close" → { date: "Date", ... } */
export function parseColumnMapping(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1) {
      throw new StrataError("ARGUMENT", `--columns: '${part}' is not of the form name=Header`, {
        hint: "write e.g. --columns 'date=Date,symbol=Ticker,close=Adj Close'",
      });
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export async function dataValidateCommand(file: string, flags: DataValidateFlags): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new StrataError("ARGUMENT", `no such file: ${file}`, {
      hint: "pass the path of a prices CSV or Parquet file (long, or wide: a date column and one column per symbol)",
    });
  }
  const layout = flags.format ?? "auto";
  if (layout !== "auto" && layout !== "long" && layout !== "wide") {
    throw new StrataError("ARGUMENT", `--format '${flags.format}' is not a layout`, {
      hint: "use auto, long (a symbol column) or wide (one column per symbol)",
    });
  }
  for (const [flag, v] of [
    ["--max-price", flags.maxPrice],
    ["--max-daily-move", flags.maxDailyMove],
  ] as const) {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
      throw new StrataError("ARGUMENT", `${flag} ${v} is not a positive number`, {
        hint:
          flag === "--max-price" ? "e.g. --max-price 1e9" : "a decimal fraction, e.g. --max-daily-move 0.5 for 50 %",
      });
    }
  }
  const report = await validatePricesFile(path, {
    columns: flags.columns ? (parseColumnMapping(flags.columns) as never) : undefined,
    dateFormat: flags.dateFormat,
    layout,
    maxPrice: flags.maxPrice,
    maxDailyMove: flags.maxDailyMove,
    label: file,
  });
  if (flags.json) printJson(report);
  else process.stdout.write(formatValidationReport(report) + "\n");
  process.exitCode = report.ok ? 0 : 1;
}
