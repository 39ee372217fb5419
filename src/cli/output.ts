/** Shared terminal output helpers: colors only on a TTY, errors with hints, exit codes. */
import { isStrataError, errorMessage } from "../core/errors.ts";

const tty = process.stderr.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb";
const wrap = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const color = {
  red: wrap("31"),
  green: wrap("32"),
  yellow: wrap("33"),
  blue: wrap("34"),
  dim: wrap("2"),
  bold: wrap("1"),
};

/** Print an error (with its hint) and exit 2 for usage/spec errors, 1 otherwise. */
export function fail(e: unknown): never {
  const json = process.argv.includes("--json");
  if (json) {
    const out = isStrataError(e)
      ? { ok: false, error: { code: e.code, message: e.message, details: e.details ?? null } }
      : { ok: false, error: { code: "INTERNAL", message: errorMessage(e) } };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else if (isStrataError(e)) {
    process.stderr.write(`${color.red("error")}: ${e.message}\n`);
  } else {
    process.stderr.write(`${color.red("error")}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  const usage =
    isStrataError(e) && (e.code === "SPEC" || e.code === "TARGET" || e.code === "PARAMS" || e.code === "ARGUMENT");
  process.exit(usage ? 2 : 1);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function fmtSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/** Resolve once SIGINT or SIGTERM arrives, after `close()` (a server's) has finished. */
export function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** `--quiet` (any command): print nothing but errors; the exit code says the rest. */
export function isQuiet(): boolean {
  return process.env.STRATA_QUIET === "1";
}

/** Turns `--quiet` on for this process: stdout muted unless it carries --json output, progress off. */
export function beQuiet(json: boolean): void {
  process.env.STRATA_QUIET = "1";
  if (json) return;
  process.stdout.write = ((_chunk: unknown, enc?: unknown, cb?: unknown) => {
    const done = typeof enc === "function" ? enc : cb;
    if (typeof done === "function") done();
    return true;
  }) as typeof process.stdout.write;
}
