/** A small full study (30 symbols, 4 years, ridge × 3 optimizers) for page tests. */
import { studySpec, studyStages } from "../e2e/small-study.ts";

export const STUDY_STAGES = studyStages();

export const STUDY_SPEC = studySpec();
