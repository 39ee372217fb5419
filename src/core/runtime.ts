/**
 * The JavaScript runtime this process runs on, as "family version": "node 20.20.2",
 * "deno 2.5.6", "bun 1.2.0". Deno and Bun also expose a Node-compatible `process.version`, so
 * they are detected first, by their own globals.
 */
export function runtimeIdentity(): string {
  const g = globalThis as {
    Deno?: { version?: { deno?: string } };
    Bun?: { version?: string };
    process?: { versions?: { node?: string } };
  };
  if (g.Deno?.version?.deno) return `deno ${g.Deno.version.deno}`;
  if (typeof g.Bun?.version === "string") return `bun ${g.Bun.version}`;
  const node = g.process?.versions?.node;
  return node ? `node ${node}` : "unknown";
}
