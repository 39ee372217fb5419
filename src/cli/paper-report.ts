/**
 * reports/paper/<date>/: trades.csv, portfolio_weights.csv, signals.json (src/paper), the
 * report.html page (src/report/paper-day-page.ts) and monitoring.json (src/monitor). Written
 * into a temp folder and renamed into place, so a killed run leaves either the previous folder
 * or the complete new one. Same day, same bytes. Wiring only: the CLI is the one layer that
 * may import paper, report and monitor together.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { stableJson } from "../core/json.ts";
import { signalsJson, tradesCsv, weightsCsv, type DayResult } from "../paper/index.ts";
import { paperDayPage } from "../report/paper-day-page.ts";

/** Writes reports/paper/<date>/ atomically (temp folder, then rename). */
export function writePaperReport(reportsDir: string, r: DayResult, monitoring: unknown): string {
  const dir = join(reportsDir, r.date);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "trades.csv"), tradesCsv(r));
  writeFileSync(join(tmp, "portfolio_weights.csv"), weightsCsv(r));
  writeFileSync(join(tmp, "signals.json"), signalsJson(r));
  writeFileSync(join(tmp, "report.html"), paperDayPage(r));
  writeFileSync(join(tmp, "monitoring.json"), stableJson(monitoring));
  mkdirSync(dirname(dir), { recursive: true });
  if (existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, dir);
  }
  return dir;
}
