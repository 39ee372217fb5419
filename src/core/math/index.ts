/**
 * Deterministic elementary functions: the same bits on every conforming JavaScript engine,
 * for the computations whose results end up in artifacts (see each file for its method).
 */
export { exp } from "./exp.ts";
export { log } from "./log.ts";
export { log10 } from "./log10.ts";
export { pow } from "./pow.ts";
export { cbrt } from "./cbrt.ts";
