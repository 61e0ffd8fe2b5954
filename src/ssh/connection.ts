// Host-key-checked SSH connections to a PVE host.
//
// A connection serves one activity attempt at a time: a cancelled attempt closes exactly the
// connection it holds (and so every channel it opened), and OpenSSH's channel limit per
// connection (MaxSessions 10) never binds. Workers lend connections an attempt has finished
// with to the next one for the same target (pool.ts).
import { Client, type ConnectConfig } from 'ssh2';
import { abortError } from '../shared/abort';
import { SshAuthFailed, SshDisconnected, SshError, SshHostKeyMismatch, SshTimeout } from './errors';
import { hostKeyCheck, sshFingerprint, type HostKeyPin } from './host-key';

export type SshAuth =
  /** Private key text (OpenSSH / PEM); resolved by the caller from PHOENIX_SSH_KEY_FILE. */
  | { kind: 'key'; privateKey: string | Buffer; passphrase?: string }
  | { kind: 'password'; password: string };

export interface SshConnectOptions {
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
  hostKey: HostKeyPin;
  /** Bound on TCP connect + handshake + auth. */
  readyTimeoutMs?: number;
  /** Keepalive probes detect a dead host during long commands; 3 missed → disconnect. */
  keepaliveIntervalMs?: number;
  /** Closing the connection when the activity is cancelled. */
  signal?: AbortSignal;
  /** Where the operator pins the host key, for the mismatch message. */
  pinSettingHint?: string;
}

export interface SshConnection {
  /** `user@host:port`, for messages. */
  readonly target: string;
  readonly client: Client;
  /** Rejects once the connection is gone, with the reason (used by running commands). */
  readonly closed: Promise<SshError>;
  isOpen(): boolean;
  close(): void;
}

export async function connectSsh(opts: SshConnectOptions): Promise<SshConnection> {
  const check = hostKeyCheck(opts.hostKey, opts.host, opts.port);
  const target = `${opts.username}@${opts.host}:${opts.port}`;
  const hint = opts.pinSettingHint ?? 'the SSH host key fingerprint in the hypervisor config';
  if (opts.signal?.aborted) throw abortError(opts.signal);

  const client = new Client();
  let presented: string | undefined;
  let refused: string | undefined;
  let open = false;
  let resolveClosed!: (e: SshError) => void;
  const closed = new Promise<SshError>((r) => (resolveClosed = r));

  const config: ConnectConfig = {
    host: opts.host,
    port: opts.port,
    username: opts.username,
    readyTimeout: opts.readyTimeoutMs ?? 15_000,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      presented = sshFingerprint(key);
      refused = check.refusal(key);
      return refused === undefined;
    },
    ...(opts.auth.kind === 'key'
      ? { privateKey: opts.auth.privateKey, passphrase: opts.auth.passphrase }
      : { password: opts.auth.password, tryKeyboard: false }),
  };

  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      client.end();
      reject(abortError(opts.signal!));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (err?: Error) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    client.once('ready', () => {
      open = true;
      settle();
    });
    client.once('error', (err: Error & { level?: string }) => {
      if (open) return;
      client.end();
      if (presented !== undefined && refused !== undefined) {
        return settle(
          new SshHostKeyMismatch(
            `SSH host key of ${opts.host}:${opts.port} is ${presented}, refused: ${refused}. Nothing was sent. ` +
              `If the host was reinstalled on purpose, check the key on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and update ${hint}.`,
            presented,
          ),
        );
      }
      if (err.level === 'client-authentication') {
        return settle(new SshAuthFailed(`SSH login ${target} refused (${opts.auth.kind === 'key' ? 'public key' : 'password'} not accepted)`, { cause: err }));
      }
      if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
        return settle(new SshTimeout(`SSH connection to ${target} timed out during handshake`, { cause: err }));
      }
      settle(new SshDisconnected(`SSH connection to ${target} failed: ${err.message}`, { cause: err }));
    });
    // A host going down (a reboot) can close the socket before the handshake without an error.
    client.once('close', () => {
      if (!open) settle(new SshDisconnected(`SSH connection to ${target} closed before the handshake`));
    });
    client.connect(config);
    // Commands are short request/response exchanges of small packets: with Nagle's algorithm
    // each one waits for the peer's delayed ACK (~40 ms on Linux) before its next packet leaves.
    client.setNoDelay(true);
  });

  // After `ready`: a later error or close ends every command still running on it.
  const onGone = (err?: Error) => {
    if (!open) return;
    open = false;
    resolveClosed(new SshDisconnected(`SSH connection to ${target} dropped${err ? `: ${err.message}` : ''}`, { cause: err }));
  };
  client.on('error', onGone);
  client.on('close', () => onGone());

  const close = () => {
    opts.signal?.removeEventListener('abort', close);
    if (open) {
      open = false;
      resolveClosed(new SshDisconnected(`SSH connection to ${target} was closed`));
    }
    client.end();
  };
  opts.signal?.addEventListener('abort', close, { once: true });

  return { target, client, closed, isOpen: () => open, close };
}
