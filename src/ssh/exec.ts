// Running argv on the PVE host over an SSH exec channel.
//
// argv is quoted word by word (quote.ts) into the single command line SSH carries, so
// config values arrive as literal arguments whatever characters they hold.
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { abortError } from '../shared/abort';
import type { SshConnection } from './connection';
import { SshCommandFailed, SshDisconnected, SshError, SshTimeout, tail } from './errors';
import { quoteArg, shellJoin } from './quote';

export interface ExecOptions {
  /** Bytes written to the command's stdin, then EOF. */
  stdin?: string | Buffer;
  /** Closes the channel when aborted (activity cancelled). */
  signal?: AbortSignal;
  /** Bound on the whole command; on expiry the channel is closed and SshTimeout thrown. */
  timeoutMs?: number;
  /** Output beyond this is dropped from the front (the tail is what matters). */
  maxOutputBytes?: number;
  /**
   * Running the command again has the effect of running it once (a read, a write of the same
   * content): a runner that reconnects (reconnecting.ts) may re-run it when a dropped
   * connection cut it off. Anything else cut off fails, since whether it ran is unknown.
   */
  idempotent?: boolean;
}

export interface ExecResult {
  /** Exit status; null when the command died from a signal. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Where replaceFile stages content on the host (tmpfs, root only). */
const STAGING_DIR = '/run/phoenix/staging';

export interface CommandRunner {
  /** `user@host:port`, for messages. */
  readonly target: string;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws SshCommandFailed with the stderr tail. */
  execChecked(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Writes `content` to a host file as `cat > <path>` with the content on stdin: the one
   * redirection Phoenix uses (the path is quoted like any word). No shell scripts on the
   * host, so it works on any POSIX login shell.
   */
  writeFile(path: string, content: string | Buffer, opts?: Omit<ExecOptions, 'stdin'>): Promise<void>;
  /**
   * Replaces `path` with `content` so that a dropped connection cannot leave it truncated:
   * `cat > path` truncates the file before the content arrives, and a connection lost mid-way
   * left a container's config empty. The content is staged in a private file under /run,
   * read back and compared, then copied into place by one command running on the host
   * (`cat staged > path`), which a dropped connection does not interrupt.
   */
  replaceFile(path: string, content: string): Promise<void>;
}

class BoundedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  toString() {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

function openChannel(conn: SshConnection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    if (!conn.isOpen()) return reject(new SshDisconnected(`SSH connection to ${conn.target} is closed`));
    conn.client.exec(command, (err, channel) => {
      if (err) reject(new SshDisconnected(`could not open an SSH channel on ${conn.target}: ${err.message}`, { cause: err }));
      else resolve(channel);
    });
  });
}

export function exec(conn: SshConnection, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return execLine(conn, shellJoin(argv), opts);
}

/** Runs an already quoted command line (only built from quoted words in this folder). */
async function execLine(conn: SshConnection, command: string, opts: ExecOptions): Promise<ExecResult> {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const channel = await openChannel(conn, command);
  const max = opts.maxOutputBytes ?? 8 * 1024 * 1024;
  const stdout = new BoundedBuffer(max);
  const stderr = new BoundedBuffer(max);

  return new Promise<ExecResult>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal?: string } | undefined;
    const finish = (err?: Error, result?: ExecResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Closing the channel is how a command is stopped over SSH without a pty.
        channel.close();
        reject(err);
      } else resolve(result!);
    };
    const onAbort = () => finish(abortError(opts.signal!));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs) {
      timer = setTimeout(() => finish(new SshTimeout(`\`${command.slice(0, 200)}\` on ${conn.target} ran longer than ${opts.timeoutMs} ms; its channel was closed`)), opts.timeoutMs);
    }
    // `closed` only ever resolves (with the reason); finish() ignores a second settlement.
    void conn.closed.then((gone: SshError) => finish(gone));

    channel.on('data', (b: Buffer) => stdout.push(b));
    channel.stderr.on('data', (b: Buffer) => stderr.push(b));
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code: typeof code === 'number' ? code : null, signal: signal ?? undefined };
    });
    // The exit status can arrive in the same TCP segment as the exec request's success reply,
    // so ssh2 may emit 'exit' before these listeners exist; its 'close' carries the same status
    // (code, or null and the signal; nothing when none came).
    channel.on('close', (code?: number | null, signal?: string) => {
      if (!exit && code !== undefined) exit = { code: typeof code === 'number' ? code : null, signal: signal ?? undefined };
      if (!exit) return finish(new SshDisconnected(`\`${command.slice(0, 200)}\` on ${conn.target} ended without an exit status (connection lost?)`));
      finish(undefined, { code: exit.code, signal: exit.signal, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    channel.on('error', (err: Error) => finish(new SshDisconnected(`SSH channel error on ${conn.target}: ${err.message}`, { cause: err })));
    if (opts.stdin !== undefined) channel.end(opts.stdin);
    else channel.end();
  });
}

export function checkResult(command: readonly string[], target: string, r: ExecResult): ExecResult {
  if (r.code === 0) return r;
  const line = shellJoin(command);
  const how = r.code === null ? `was killed by signal ${r.signal ?? '?'}` : `exited with ${r.code}`;
  const errTail = tail(r.stderr, 20);
  throw new SshCommandFailed(
    `\`${line.slice(0, 300)}\` on ${target} ${how}${errTail ? `: ${errTail}` : ''}`,
    line,
    r.code,
    r.signal,
    errTail,
    tail(r.stdout, 20),
  );
}

export function commandRunner(conn: SshConnection): CommandRunner {
  return {
    target: conn.target,
    exec: (argv, opts) => exec(conn, argv, opts),
    execChecked: async (argv, opts) => checkResult(argv, conn.target, await exec(conn, argv, opts)),
    writeFile: async (path, content, opts) => {
      if (!path.startsWith('/')) throw new Error(`host path must be absolute: ${path}`);
      const r = await execLine(conn, `cat > ${quoteArg(path)}`, { ...opts, stdin: content });
      checkResult(['cat', '>', path], conn.target, r);
    },
    replaceFile: async (path, content) => {
      if (!path.startsWith('/')) throw new Error(`host path must be absolute: ${path}`);
      const staged = `${STAGING_DIR}/${path.split('/').pop()}.${randomBytes(6).toString('hex')}`;
      checkResult(['mkdir'], conn.target, await execLine(conn, shellJoin(['mkdir', '-p', '-m', '0700', STAGING_DIR]), {}));
      try {
        checkResult(['cat', '>', staged], conn.target, await execLine(conn, `cat > ${quoteArg(staged)}`, { stdin: content }));
        const back = await execLine(conn, shellJoin(['cat', staged]), {});
        checkResult(['cat', staged], conn.target, back);
        if (back.stdout !== content) throw new SshDisconnected(`staging ${path} on ${conn.target}: the copy read back differs (connection cut short?)`);
        checkResult(['cat', staged, '>', path], conn.target, await execLine(conn, `cat ${quoteArg(staged)} > ${quoteArg(path)}`, {}));
      } finally {
        await execLine(conn, shellJoin(['rm', '-f', staged]), {}).catch(() => undefined);
      }
    },
  };
}
