import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parseCli, USAGE, UsageError, type LedgerCommand, type StartCommand } from './cli-options';
import { startSimulator, type RunningSimulator } from './index';
import { sandboxGuests } from './guest/plugin';
import { sshEndpoint } from './ssh/plugin';
import { hostProfileFrom } from './host/profile';

/**
 * `phoenix-sim`: starts the simulator and prints how to connect, or prints
 * the ledger of a running one. Commands return data; `main` alone turns
 * errors into exit codes.
 */
export function connectionLines(sim: RunningSimulator): string[] {
  return [
    `phoenix-sim: Proxmox VE simulator for nodes ${sim.state.nodes.join(', ')}`,
    `  API        https://${sim.apiHost}:${sim.apiPort}/api2/json`,
    `  TLS        fingerprint ${sim.fingerprint}`,
    `             CA file ${sim.caFile}`,
    `  token      ${sim.tokenId}  secret ${sim.tokenSecret}`,
    `  root@pam   password ${sim.rootPassword}`,
    sim.sshPort ? `  SSH        ${sim.sshUser}@${sim.apiHost} port ${sim.sshPort}, key ${sim.sshPrivateKeyFile}` : '  SSH        (disabled)',
    sim.sshPort ? `             host key ${sim.sshHostKeyFingerprint}` : '',
    ...sim.sshNodes.slice(1).map((n) => `  SSH ${n.node}  port ${n.port}, host key ${n.hostKeyFingerprint}`),
    `  state      ${sim.stateDir}`,
    `  ledger     https://${sim.apiHost}:${sim.apiPort}/sim/ledger`,
  ].filter(Boolean);
}

export function envLines(sim: RunningSimulator): string[] {
  return [
    `PHOENIX_PVE_HOST=${sim.apiHost}`,
    `PHOENIX_PVE_PORT=${sim.apiPort}`,
    `PHOENIX_PVE_TOKEN_ID=${sim.tokenId}`,
    `PHOENIX_PVE_TOKEN_SECRET=${sim.tokenSecret}`,
    `PHOENIX_PVE_FINGERPRINT=${sim.fingerprint}`,
    `PHOENIX_PVE_CA_FILE=${sim.caFile}`,
    `PHOENIX_PVE_NODE=${sim.node}`,
    `PHOENIX_SSH_HOST=${sim.apiHost}`,
    `PHOENIX_SSH_PORT=${sim.sshPort}`,
    `PHOENIX_SSH_USER=${sim.sshUser}`,
    `PHOENIX_SSH_KEY_FILE=${sim.sshPrivateKeyFile}`,
    `PHOENIX_SSH_HOST_KEY_FINGERPRINT=${sim.sshHostKeyFingerprint}`,
    // Several nodes: each node's SSH endpoint, `node=port=fingerprint` comma-separated (for proxmox.nodes).
    ...(sim.sshNodes.length > 1 ? [`PHOENIX_SIM_NODE_SSH=${sim.sshNodes.map((n) => `${n.node}=${n.port}=${n.hostKeyFingerprint}`).join(',')}`] : []),
  ];
}

export async function runStart(cmd: StartCommand): Promise<RunningSimulator> {
  const started = Date.now();
  const sim = await startSimulator({ ...cmd.options, guests: cmd.guests ? sandboxGuests({ durations: cmd.guestDurations }) : undefined, ssh: cmd.ssh ? sshEndpoint({ hostProfile: hostProfileFrom(cmd.hostProfile, '--host-profile') }) : undefined });
  // Scripts source this file instead of scraping stdout.
  writeFileSync(join(sim.stateDir, 'phoenix-sim.env'), envLines(sim).join('\n') + '\n', { mode: 0o600 });
  const lines = cmd.printEnv ? envLines(sim) : [...connectionLines(sim), `  started in ${Date.now() - started} ms`];
  process.stdout.write(lines.join('\n') + '\n');
  return sim;
}

export function fetchLedger(cmd: LedgerCommand): Promise<unknown> {
  const url = new URL('/sim/ledger', cmd.url);
  for (const k of ['kind', 'vmid', 'since'] as const) if (cmd[k]) url.searchParams.set(k, cmd[k]!);
  const ca = cmd.caFile ? readFileSync(cmd.caFile, 'utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode} ${text}`));
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `phoenix-sim: ${e.message}\n` : ''}${USAGE}\n`);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  try {
    if (cmd.command === 'ledger') {
      process.stdout.write(JSON.stringify(await fetchLedger(cmd), null, 2) + '\n');
      return 0;
    }
    const sim = await runStart(cmd);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await sim.close();
    return 0;
  } catch (e) {
    process.stderr.write(`phoenix-sim: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`phoenix-sim: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
