// Reuse of SSH connections within a worker.
//
// A fresh connection per activity cost a TCP + key-exchange + auth round trip each time (tens of
// ms, far more than the pct command it carried at a fast host). The pool keeps connections that
// an activity has finished with, per host, port, user and pinned host key, and lends one to the
// next activity for the same target:
// - one borrower at a time per connection, so OpenSSH's per-connection channel limit and an
//   activity's cancellation (which closes the connection it borrowed, and so every channel on
//   it) concern exactly one activity, as before;
// - every new connection checks the host key (connectSsh); a changed pin is another key, so it
//   never reuses a connection checked against the old one;
// - a connection that dropped (or was closed by a cancellation) is not returned: the next
//   borrower opens a new one;
// - idle connections close after `idleMs` (short: one guest's steps follow each other within
//   milliseconds, and an idle connection's keepalive timer holds a process open until then);
//   a stopping worker closes them at once (closeIdleSshConnections).
import { abortError } from '../shared/abort';
import { connectSsh, type SshConnectOptions, type SshConnection } from './connection';

export interface SshPool {
  /** Runs `fn` with a connection to the target: an idle one when there is one, else a new one. */
  with<T>(opts: SshConnectOptions, fn: (conn: SshConnection) => Promise<T>): Promise<T>;
  /** A connection as `with` lends it, for a borrower that gives it back itself (`release`, once). */
  lease(opts: SshConnectOptions): Promise<SshLease>;
  /** Idle connections per target key, for tests and diagnostics. */
  idleCount(): number;
  /** Closes every idle connection (worker shutdown). */
  close(): void;
}

export interface SshLease {
  conn: SshConnection;
  /** Back to the pool if still open (a closed or dropped connection is simply forgotten). */
  release(): void;
}

export const DEFAULT_IDLE_MS = 5_000;

interface Idle {
  conn: SshConnection;
  timer: NodeJS.Timeout;
}

function poolKey(opts: SshConnectOptions): string {
  return JSON.stringify([opts.host, opts.port, opts.username, opts.hostKey]);
}

/** Every pool of this process, so a stopping worker can close their idle connections (they hold the event loop open). */
const pools = new Set<SshPool>();

export function closeIdleSshConnections(): void {
  for (const pool of pools) pool.close();
}

export function createSshPool(options: { idleMs?: number } = {}): SshPool {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const idle = new Map<string, Idle[]>();

  const forget = (key: string, entry: Idle) => {
    clearTimeout(entry.timer);
    const list = idle.get(key)?.filter((e) => e !== entry) ?? [];
    if (list.length > 0) idle.set(key, list);
    else idle.delete(key);
  };

  const park = (key: string, conn: SshConnection) => {
    if (!conn.isOpen()) return;
    const entry: Idle = {
      conn,
      timer: setTimeout(() => {
        forget(key, entry);
        conn.close();
      }, idleMs),
    };
    entry.timer.unref();
    idle.set(key, [...(idle.get(key) ?? []), entry]);
    // A connection that drops while idle leaves the pool at once.
    void conn.closed.then(() => forget(key, entry));
  };

  const take = (key: string): SshConnection | undefined => {
    for (;;) {
      const entry = idle.get(key)?.at(-1);
      if (!entry) return undefined;
      forget(key, entry);
      if (entry.conn.isOpen()) return entry.conn;
    }
  };

  /** A new connection; the borrower's signal bounds only the handshake, not the connection's life. */
  const open = async (opts: SshConnectOptions): Promise<SshConnection> => {
    const { signal, ...rest } = opts;
    const connecting = connectSsh(rest);
    if (!signal) return connecting;
    if (signal.aborted) {
      void connecting.then((c) => c.close(), () => undefined);
      throw abortError(signal);
    }
    return new Promise<SshConnection>((resolve, reject) => {
      const onAbort = () => {
        void connecting.then((c) => c.close(), () => undefined);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      connecting.then(
        (c) => (signal.removeEventListener('abort', onAbort), signal.aborted ? c.close() : resolve(c)),
        (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
      );
    });
  };

  const pool: SshPool = {
    async lease(opts) {
      const key = poolKey(opts);
      const conn = take(key) ?? (await open(opts));
      // A cancelled borrower closes its connection (ending its commands); it is not returned.
      const onAbort = () => conn.close();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) conn.close();
      let released = false;
      return {
        conn,
        release() {
          if (released) return;
          released = true;
          opts.signal?.removeEventListener('abort', onAbort);
          park(key, conn);
        },
      };
    },
    async with(opts, fn) {
      const { conn, release } = await pool.lease(opts);
      try {
        return await fn(conn);
      } finally {
        release();
      }
    },
    idleCount: () => [...idle.values()].reduce((n, l) => n + l.length, 0),
    close() {
      for (const [key, list] of [...idle]) {
        for (const entry of list) {
          forget(key, entry);
          entry.conn.close();
        }
      }
    },
  };
  pools.add(pool);
  return pool;
}
