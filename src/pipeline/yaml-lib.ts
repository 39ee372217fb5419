/**
 * The yaml library, loaded on first use rather than with the modules that may parse YAML: a
 * no-op `status` reads the spec and the lock from their indexes (parse-index.ts) and never
 * pays for loading it (~50 ms of ~80 CommonJS files). `require` here is synchronous, so the
 * parsers that use it stay synchronous; it resolves the same CommonJS build that
 * `import "yaml"` loads under Node, so values and types are the same either way.
 */
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

const load = createRequire(import.meta.url);
let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  if (lib === undefined) lib = load("yaml") as typeof Yaml;
  return lib;
}
