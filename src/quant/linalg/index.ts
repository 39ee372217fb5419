/** Small dense linear algebra for the learners (pure numerics). */
export { cholesky, choleskySolve, solveSpd, type CholeskyResult } from "./cholesky.ts";
export { nnls, nnlsGram, type NnlsResult, type NnlsOptions } from "./nnls.ts";
