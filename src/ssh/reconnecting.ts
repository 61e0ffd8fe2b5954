// A CommandRunner that outlives its SSH connection, for a host whose connections drop.
//
// A dropped connection is replaced by a new one before the next command (nothing ran yet,
// so that is safe for any command). A command marked idempotent (a read, a write of the same
// content; ExecOptions.idempotent), and writeFile/replaceFile, cut off by a drop is run again
// on a new connection after a short jittered pause, for up to `patienceMs`. A command that is
// not idempotent and was cut off fails with SshDisconnected as before: whether it ran is
// unknown, and the step's retry reads the state back. Other failures (a non-zero exit, a
// refused host key or login, a command's own timeout) are never retried here.
//
// Without this, each drop failed the whole step attempt, and Temporal's backoff (up to 30 s)
// came between attempts: under 20-50% dropped connections a step of ten commands rarely
// got through, and runs took hours.
import { sleep } from '../shared/abort';
import type { SshConnection } from './connection';
import { SshDisconnected, SshError, SshTimeout } from './errors';
import { commandRunner, type CommandRunner, type ExecOptions } from './exec';

export interface ReconnectingOptions {
  /** Opens a new, host-key-checked connection (or lends one from a pool). */
  connect: () => Promise<SshConnection>;
  /**
   * Gives a connection back when the runner is done with it or has dropped it (a pool parks an
   * open one for the next session); without it, the runner closes its connections itself.
   */
  release?: (conn: SshConnection) => void;
  /** `user@host:port`, for messages before the first connection. */
  target: string;
  signal?: AbortSignal;
  /** How long a command keeps being retried after its first transport failure (default 30 s; 0: never). */
  patienceMs?: number;
  /** Called before each pause (the caller heartbeats, logs). */
  onRetry?: (err: SshError, tries: number) => void;
}

export interface ReconnectingRunner extends CommandRunner {
  /** Connects now (host key and login checked before anything else is done). */
  open(): Promise<void>;
  /** Closes the current connection; the runner must not be used afterwards. */
  close(): void;
}

export function reconnectingRunner(opts: ReconnectingOptions): ReconnectingRunner {
  const patienceMs = opts.patienceMs ?? 30_000;
  let conn: SshConnection | undefined;
  let closed = false;

  const giveBack = (c: SshConnection) => (opts.release ? opts.release(c) : c.close());
  const drop = () => {
    if (conn) {
      conn.close();
      giveBack(conn);
    }
    conn = undefined;
  };
  const current = async (): Promise<CommandRunner> => {
    if (closed) throw new Error(`SSH runner for ${opts.target} is closed`);
    if (!conn?.isOpen()) {
      drop();
      conn = await opts.connect();
    }
    return commandRunner(conn);
  };

  async function withRetry<T>(idempotent: boolean, run: (r: CommandRunner) => Promise<T>): Promise<T> {
    let firstFailure: number | undefined;
    for (let tries = 1; ; tries++) {
      let sent = false;
      try {
        const r = await current();
        sent = true;
        return await run(r);
      } catch (err) {
        // A handshake that timed out sent nothing; a command's own time bound is its caller's.
        const transport = err instanceof SshDisconnected || (err instanceof SshTimeout && !sent);
        // The connection may not know yet that it is gone (its close event comes later).
        if (transport) drop();
        firstFailure ??= Date.now();
        if (!transport || (sent && !idempotent) || closed || opts.signal?.aborted || Date.now() - firstFailure >= patienceMs) throw err;
        opts.onRetry?.(err, tries);
        await sleep(Math.min(200 * 2 ** (tries - 1), 3_000) * (0.5 + Math.random()), opts.signal);
      }
    }
  }

  return {
    get target() {
      return conn?.target ?? opts.target;
    },
    exec: (argv, o?: ExecOptions) => withRetry(o?.idempotent === true, (r) => r.exec(argv, o)),
    execChecked: (argv, o?: ExecOptions) => withRetry(o?.idempotent === true, (r) => r.execChecked(argv, o)),
    // Both write the whole content again: running them twice leaves what running them once does.
    writeFile: (path, content, o) => withRetry(true, (r) => r.writeFile(path, content, o)),
    replaceFile: (path, content) => withRetry(true, (r) => r.replaceFile(path, content)),
    open: () => withRetry(true, async () => undefined),
    close() {
      closed = true;
      if (conn) giveBack(conn);
      conn = undefined;
    },
  };
}
