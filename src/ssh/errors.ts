// Failures of the SSH layer, classified like PveError: `transient` says whether a later
// attempt may succeed. Messages carry what ran and the tail of its stderr, never secrets.

export abstract class SshError extends Error {
  abstract readonly transient: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The host presented a different host key than the pinned one: stop, a person must look. */
export class SshHostKeyMismatch extends SshError {
  readonly transient = false;
  constructor(
    message: string,
    readonly presented: string,
  ) {
    super(message);
  }
}

/** Nothing trusted for the host (no known_hosts line for it): a person must add its key. */
export class SshHostKeyUnknown extends SshError {
  readonly transient = false;
}

/** Key or password refused. */
export class SshAuthFailed extends SshError {
  readonly transient = false;
}

/** Connection refused, reset, dropped mid-command, or a handshake that timed out. */
export class SshDisconnected extends SshError {
  readonly transient = true;
}

/** The command ran past its time bound (it was signalled and its channel closed). */
export class SshTimeout extends SshError {
  readonly transient = true;
}

/** The remote command exited non-zero. */
export class SshCommandFailed extends SshError {
  readonly transient = false;
  constructor(
    message: string,
    readonly command: string,
    readonly code: number | null,
    readonly signal: string | undefined,
    readonly stderrTail: string,
    readonly stdoutTail: string,
  ) {
    super(message);
  }
}

/** Last `lines` lines of a text, for error messages. */
export function tail(text: string, lines = 20): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}
