import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, utils, type Connection, type ServerChannel } from 'ssh2';
import type { SshHost } from './host-backend';
import type { SshKeys } from './host-keys';
import { runHostCommandLine } from './dispatcher';

export interface SshServerOptions {
  host: SshHost;
  keys: SshKeys;
  /** root's password (password authentication); undefined disables it. */
  rootPassword?: string;
  port?: number;
  bindAddress?: string;
}

export interface RunningSshServer {
  port: number;
  close(): Promise<void>;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The hypervisor's sshd: root logs in with its key or password, then each exec request runs
 * one host command line (dispatcher.ts). `shell` requests are refused with a clear message;
 * `sftp` serves the simulated host filesystem. Faults matched against the command line can
 * delay it or drop the whole connection while it runs.
 */
export async function startSshServer(options: SshServerOptions): Promise<RunningSshServer> {
  const rootKey = utils.parseKey(options.keys.rootPublicKey);
  if (rootKey instanceof Error) throw rootKey;
  const connections = new Set<Connection>();

  const server = new Server({ hostKeys: [options.keys.hostPrivateKey] }, (client) => {
    if (options.host.machine?.isDown) {
      destroyConnection(client);
      return;
    }
    connections.add(client);
    // OpenSSH gathers a channel's replies (success, data, exit-status, EOF, close) into one
    // write per loop turn; ssh2 writes each packet on its own, and with Nagle's algorithm every
    // second small write waited for the client's delayed ACK (~40 ms), a cost PVE does not have.
    // (ssh2's Connection has setNoDelay at run time; its type definitions leave it out.)
    (client as Connection & { setNoDelay(noDelay: boolean): unknown }).setNoDelay(true);
    client.on('close', () => connections.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (ctx.username !== 'root') return ctx.reject(['publickey', 'password']);
      if (ctx.method === 'publickey') {
        const matches = ctx.key.algo === rootKey.type && sameBytes(ctx.key.data, rootKey.getPublicSSH());
        if (!matches) return ctx.reject(['publickey', 'password']);
        if (ctx.signature && ctx.blob && rootKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
        return ctx.accept();
      }
      if (ctx.method === 'password' && options.rootPassword !== undefined) {
        if (sameBytes(Buffer.from(ctx.password), Buffer.from(options.rootPassword))) return ctx.accept();
      }
      return ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const channel = accept();
          void runExec(options.host, client, channel, info.command);
        });
        session.on('shell', (accept) => {
          const channel = accept();
          channel.stderr.write('phoenix-sim: interactive shells are not supported; send one command per exec request\n');
          channel.exit(1);
          channel.end();
        });
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        // No SFTP subsystem yet: files go through `cat > path` with stdin (see docs/simulator-ssh.md).
        session.on('sftp', (_accept, reject) => reject());
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 2222, options.bindAddress ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // A rebooting host drops every session and refuses connections (sshd is gone) until it is back.
  let closing = false;
  options.host.machine?.onDown(() => {
    server.close();
    for (const c of connections) destroyConnection(c);
  });
  options.host.machine?.onUp(() => {
    if (!closing) server.listen(port, options.bindAddress ?? '127.0.0.1');
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const c of connections) c.end();
        // Also called back (with ERR_SERVER_NOT_RUNNING) when a reboot had closed the listener.
        server.close(() => resolve());
      }),
  };
}

async function runExec(host: SshHost, client: Connection, channel: ServerChannel, command: string): Promise<void> {
  const fault = host.faults.match('ssh', command);
  if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault?.kind === 'disconnect') {
    // The connection drops while the command runs; the command itself carries on.
    setTimeout(() => destroyConnection(client), fault.afterMs ?? 0);
  }
  if (fault?.kind === 'lock') {
    channel.stderr.write(fault.lock === 'timeout' ? "can't lock file '/run/lock/lxc/pve-config-0.lock' - got timeout\n" : `CT is locked (${fault.lock ?? 'disk'})\n`);
    channel.exit(255);
    channel.end();
    return;
  }
  if (fault?.kind === 'http-error' || fault?.kind === 'task-fail') {
    channel.stderr.write(`${fault.message ?? 'phoenix-sim: injected failure'}\n`);
    channel.exit(255);
    channel.end();
    return;
  }
  host.ledger.record('ssh.exec', { node: host.node, command });
  let code: number;
  let exitSent = false;
  try {
    code = await runHostCommandLine(host, command, {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      // Commands that outlive their process's exit (pct exec output draining) report early.
      reportExit: (status) => {
        if (!channel.destroyed && !exitSent) channel.exit(status);
        exitSent = true;
      },
    });
  } catch (error) {
    channel.stderr.write(`phoenix-sim: internal error: ${(error as Error).message}\n`);
    code = 255;
  }
  if (channel.destroyed) return;
  if (!exitSent) channel.exit(code);
  channel.end();
}

function destroyConnection(client: Connection): void {
  const socket = (client as unknown as { _sock?: { destroy(): void } })._sock;
  if (socket) socket.destroy();
  else client.end();
}
