export * from "./errors.ts";
export * from "./rng.ts";
export * from "./hash.ts";
export * from "./json.ts";
export * from "./suggest.ts";
export * from "./runtime.ts";
