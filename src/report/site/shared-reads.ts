/**
 * Reads a page can start ahead of time (PageBuilder.prefetch) and then use in its build: the
 * first caller of a key runs `load` on its context's connection, later callers get the same
 * promise. A read's result is a function of the key alone (a query of immutable cached
 * outputs), so the page's bytes do not depend on whether, or when, it was prefetched.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { SiteContext } from "./types.ts";

export function sharedRead<T>(ctx: SiteContext, key: string, load: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  if (!ctx.reads) return load(ctx.conn);
  let read = ctx.reads.get(key) as Promise<T> | undefined;
  if (!read) {
    read = load(ctx.conn);
    // A prefetch nobody awaits yet must not be an unhandled rejection; the page's build rethrows it.
    read.catch(() => undefined);
    ctx.reads.set(key, read);
  }
  return read;
}
