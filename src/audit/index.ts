/** Audits of a project's outputs: look-ahead leakage. */
export {
  auditLeakage,
  defaultCutoff,
  type LeakageAuditOptions,
  type LeakageReport,
  type LeakageFinding,
  type AuditedTable,
  type TableStatus,
} from "./leakage.ts";
export { perturbPricesAfter, PRICE_FIELDS, type PerturbOptions, type PerturbResult } from "./perturb.ts";
export { compareBeforeCutoff, describeTable, type TableComparison, type TableDifference } from "./compare.ts";
