/**
 * Errors raised by the simulated PVE rules. Each carries the HTTP status PVE
 * answers with and the exact text PVE produces, so the HTTP layer and the
 * SSH `pct`/`qm` commands report the same words a real host would.
 */
export class PveError extends Error {
  constructor(
    /** HTTP status PVE uses for this failure (400, 403, 500, 501, ...). */
    readonly status: number,
    message: string,
    /** Per-parameter messages for 400 `Parameter verification failed.` */
    readonly errors?: Record<string, string>,
  ) {
    super(message);
    this.name = 'PveError';
  }
}

/** A plain `die` inside a PVE handler: HTTP 500 with the message as reason. */
export function fail(message: string): PveError {
  return new PveError(500, message);
}

/** `raise_param_exc`: 400 `Parameter verification failed.` with per-key texts. */
export function paramError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}

/** `raise_perm_exc`: 403 `Permission check failed (<what>)`. */
export function permError(what: string): PveError {
  return new PveError(403, `Permission check failed (${what})`);
}

/** PVE's answer for a path or method it has no handler for. */
export function notImplemented(method: string, path: string): PveError {
  return new PveError(501, `Method '${method} ${path}' not implemented`);
}

/**
 * A failure inside a task worker: the HTTP call already returned a UPID, the
 * task ends with `exitstatus` = this message (`TASK ERROR: <message>` in the log).
 */
export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskError';
  }
}

/** Error of the simulated `zfs` command: stderr lines and exit code 1 (or 2 for usage). */
export class ZfsError extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode = 1,
  ) {
    super(stderr.split('\n')[0] ?? stderr);
    this.name = 'ZfsError';
  }
}

export const SCHEMA_UNKNOWN = 'property is not defined in schema and the schema does not allow additional properties';
export const SCHEMA_MISSING = 'property is missing and it is not optional';
