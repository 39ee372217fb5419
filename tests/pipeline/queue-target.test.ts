/** The executor setting: local, or a Redis queue; credentials never reach a message. */
import { describe, expect, it } from "vitest";
import { parseExecutor } from "../../src/pipeline/queue-target.ts";
import { redactUrl } from "../../src/pipeline/remote.ts";

describe("parseExecutor", () => {
  it("local (or nothing) runs cells here", () => {
    expect(parseExecutor(undefined, "x")).toBeUndefined();
    expect(parseExecutor("local", "x")).toBeUndefined();
  });

  it("reads host, port, database and queue, with Redis's defaults", () => {
    const t = parseExecutor("redis://10.0.0.5:6380/2?queue=study-a", "--executor")!;
    expect(t.connection).toMatchObject({ host: "10.0.0.5", port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(t.queue).toBe("study-a");
    expect(t.describe).toBe("redis://10.0.0.5:6380/2?queue=study-a");
    const d = parseExecutor("redis://cache.internal", "--executor")!;
    expect(d.connection).toMatchObject({ host: "cache.internal", port: 6379, db: 0 });
    expect(d.queue).toBe("strata");
    expect(parseExecutor("rediss://h:6390/0", "x")!.connection.tls).toEqual({});
  });

  it("takes a password from the URL or STRATA_REDIS_PASSWORD, and never shows it", () => {
    const t = parseExecutor("redis://ops:s3cret-pw@h:6379/0", "--executor")!;
    expect(t.connection).toMatchObject({ username: "ops", password: "s3cret-pw" });
    expect(t.describe).not.toContain("s3cret");
    expect(redactUrl("redis://ops:s3cret-pw@h:6379/0")).toBe("redis://h:6379/0");
    process.env.STRATA_REDIS_PASSWORD = "from-env";
    try {
      expect(parseExecutor("redis://h/0", "x")!.connection.password).toBe("from-env");
    } finally {
      delete process.env.STRATA_REDIS_PASSWORD;
    }
    let message = "";
    try {
      parseExecutor("http://ops:s3cret-pw@h/0", "--executor");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/--executor: unsupported executor 'http:\/\/h\/0'/);
    expect(message).not.toContain("s3cret");
  });

  it("rejects a database that is not a number and a queue name that is not a word", () => {
    expect(() => parseExecutor("redis://h/abc", "x")).toThrow(/database 'abc' is not a number/);
    expect(() => parseExecutor("redis://h/0?queue=a b", "x")).toThrow(/queue name 'a b'/);
  });
});
