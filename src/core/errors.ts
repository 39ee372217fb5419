/**
 * The one error type Strata throws for contract violations. Every message says what was
 * found, what was expected, where (file:line:col, stage, symbol, date…) and what to do next.
 */
export type StrataErrorCode =
  | "SPEC" // pipeline.yaml problems
  | "PARAMS" // a stage's params failed validation
  | "STAGE" // a stage module is malformed or failed
  | "OUTPUT" // a stage wrote something it may not, or missed an output
  | "LOCKED" // another run holds the project lock
  | "DATA" // input data failed validation
  | "TARGET" // a target address matched nothing
  | "CACHE" // cache corruption or I/O
  | "QUEUE" // the work queue (Redis) is unreachable, or a job failed on a worker
  | "VERIFY" // verify found differing outputs
  | "ABORTED" // run cancelled
  | "ARGUMENT" // a function was called with an invalid argument
  | "INTERNAL";

export interface StrataErrorOptions {
  /** What the user should do next; appended to the message as "→ hint". */
  hint?: string;
  cause?: unknown;
  /** Extra structured detail for --json output. */
  details?: Record<string, unknown>;
}

export class StrataError extends Error {
  readonly code: StrataErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: StrataErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(
      options.hint ? `${message}\n  → ${options.hint}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "StrataError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Also true for errors from another copy of this module (a stage importing its own src/). */
export function isStrataError(e: unknown): e is StrataError {
  return (
    e instanceof StrataError ||
    (e instanceof Error && e.name === "StrataError" && typeof (e as { code?: unknown }).code === "string")
  );
}

/** Message of any thrown value, for logs. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
