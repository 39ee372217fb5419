/** Defaults merged with overrides, each checked, every problem reported at once. */
import { StrataError } from "../core/errors.ts";
import { DEFAULT_MONITOR_THRESHOLDS, type MonitorThresholds } from "./types.ts";

const INTEGER_KEYS = new Set<keyof MonitorThresholds>([
  "icRollingWindow",
  "icRollingMinPeriods",
  "driftLookbackDays",
  "quantiles",
  "minNamesPerDate",
  "minSharpeObservations",
  "maxStaleTradingDays",
  "correlationWindow",
  "minCorrelationObservations",
]);

export function resolveThresholds(overrides: Partial<MonitorThresholds> = {}): MonitorThresholds {
  const t: MonitorThresholds = { ...DEFAULT_MONITOR_THRESHOLDS };
  const problems: string[] = [];
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_MONITOR_THRESHOLDS)) {
      problems.push(`unknown threshold "${k}"`);
      continue;
    }
    const key = k as keyof MonitorThresholds;
    if (typeof v !== "number" || !Number.isFinite(v))
      problems.push(`${k} must be a finite number, got ${JSON.stringify(v)}`);
    else if (INTEGER_KEYS.has(key) && !(Number.isInteger(v) && v >= (key === "maxStaleTradingDays" ? 0 : 1)))
      problems.push(`${k} must be a positive integer, got ${v}`);
    else t[key] = v;
  }
  if (t.quantiles < 2) problems.push(`quantiles must be ≥ 2, got ${t.quantiles}`);
  if (t.minNamesPerDate < 2)
    problems.push(`minNamesPerDate must be ≥ 2 (a correlation needs two names), got ${t.minNamesPerDate}`);
  if (!(t.driftShare > 0 && t.driftShare <= 1)) problems.push(`driftShare must be in (0, 1], got ${t.driftShare}`);
  if (!(t.maxSharpeChange >= 0))
    problems.push(`maxSharpeChange must be ≥ 0 (a decimal: 0.3 = 30%), got ${t.maxSharpeChange}`);
  if (t.icRollingMinPeriods > t.icRollingWindow)
    problems.push(`icRollingMinPeriods (${t.icRollingMinPeriods}) exceeds icRollingWindow (${t.icRollingWindow})`);
  if (problems.length > 0) {
    throw new StrataError("ARGUMENT", `monitor thresholds: ${problems.join("; ")}`, {
      hint: `known thresholds and defaults: ${JSON.stringify(DEFAULT_MONITOR_THRESHOLDS)}`,
    });
  }
  return t;
}
