import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { formatValidationReport, validatePricesFile } from "../../data/ingest.ts";
import { printJson } from "../output.ts";

export interface DataValidateFlags {
  columns?: string;
  dateFormat?: string;
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
    throw new StrataError("ARGUMENT", `no such file: ${file}`, { hint: "pass the path of a long-format prices CSV or Parquet file" });
  }
  const report = await validatePricesFile(path, {
    columns: flags.columns ? (parseColumnMapping(flags.columns) as never) : undefined,
    dateFormat: flags.dateFormat,
  });
  if (flags.json) printJson(report);
  else process.stdout.write(formatValidationReport(report) + "\n");
  process.exitCode = report.ok ? 0 : 1;
}
