let registered: Promise<void> | undefined;

/**
 * Make `import()` of local .ts modules work (stage modules, notebook imports). Under tsx or
 * vitest the caller is itself TypeScript and such imports already work; from the bundled CLI,
 * register tsx's ESM loader once, on first need.
 */
export function ensureTypeScriptLoader(callerUrl: string): Promise<void> {
  registered ??= callerUrl.endsWith(".ts")
    ? Promise.resolve()
    : import("tsx/esm/api").then(({ register }) => {
        register();
      });
  return registered;
}
