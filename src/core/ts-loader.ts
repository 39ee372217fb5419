let registered: Promise<void> | undefined;

/**
 * Make `import()` of local .ts modules work (stage modules, notebook imports). Under tsx or
 * vitest the caller is itself TypeScript and such imports already work; under Deno, which runs
 * TypeScript natively, nothing is needed (tsx's loader hooks would make Deno load native
 * addons such as duckdb.node as JavaScript); from the bundled CLI on Node, register tsx's ESM
 * loader once, on first need.
 */
export function ensureTypeScriptLoader(callerUrl: string): Promise<void> {
  registered ??=
    callerUrl.endsWith(".ts") || "Deno" in globalThis
      ? Promise.resolve()
      : import("tsx/esm/api").then(({ register }) => {
          register();
        });
  return registered;
}
