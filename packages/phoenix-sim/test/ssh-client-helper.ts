import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import { sandboxGuests } from '../src/guest/plugin';
import { sshEndpoint } from '../src/ssh/plugin';
import { startSimulator, type RunningSimulator } from '../src';

/** A simulator with the sandboxed guests and SSH endpoint, fast stand-ins and PVE timings. */
export async function startSshSimulator(durations: Record<string, number> = {}): Promise<RunningSimulator> {
  return startSimulator({
    timeScale: 0.01,
    guests: sandboxGuests({ durations }),
    ssh: sshEndpoint(),
  });
}

export interface ExecResult {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** Connects with the real ssh2 Client, refusing any host key but the simulator's. */
export function connect(sim: RunningSimulator, auth: { password?: string } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: sim.sshPort,
      username: 'root',
      ...(auth.password !== undefined ? { password: auth.password } : { privateKey: sim.sshPrivateKey }),
      hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === sim.sshHostKeyFingerprint,
    });
  });
}

export function exec(client: Client, command: string, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('exit', (c: number | null) => (code = c ?? undefined));
      stream.on('close', () => resolve({ code, stdout, stderr }));
      stream.end(stdin);
    });
  });
}

/** Single-quotes one word for a POSIX shell, as Phoenix's own quoting does. */
export function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function createRunningCt(sim: RunningSimulator, vmid: number): Promise<void> {
  const op = { user: 'root@pam', via: 'api' as const };
  const created = await sim.state.lxc.create(op, sim.node, {
    vmid: String(vmid),
    ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    rootfs: 'local-zfs:8',
    hostname: `ct${vmid}`,
  });
  const done = await created.done;
  if (done.exitstatus !== 'OK') throw new Error(`create ${vmid}: ${done.exitstatus}`);
  const started = await (await sim.state.lxc.start(op, sim.node, vmid)).done;
  if (started.exitstatus !== 'OK') throw new Error(`start ${vmid}: ${started.exitstatus}`);
}
