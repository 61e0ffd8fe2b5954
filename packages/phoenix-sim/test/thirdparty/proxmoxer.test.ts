import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator, type RunningSimulator } from '../../src';
import { sshEndpoint } from '../../src/ssh/plugin';

/**
 * The contract suite with a third-party client: Python's proxmoxer (HTTPS and SSH/paramiko
 * backends) runs a realistic session against phoenix-sim, then a table of invalid calls
 * that must each be refused with 400 while the ledger does not move.
 * The venv comes from the repository's `bash scripts/install-python-deps.sh` (a CI phase), in
 * the repository's .tools/ (this package sits at packages/phoenix-sim); PHOENIX_SIM_PYTHON
 * points elsewhere.
 */
const PYTHON = process.env.PHOENIX_SIM_PYTHON ?? join(__dirname, '..', '..', '..', '..', '.tools', 'pyvenv', 'bin', 'python');
const SCRIPT = join(__dirname, 'proxmoxer_session.py');

interface Summary {
  backend: string;
  invalid: Array<{ name: string; refused: boolean; status?: number; names_param?: boolean }>;
}

/** Ledger entries that record a change (the SSH command log `ssh.exec` records every call, refused or not). */
function changes(sim: RunningSimulator): number {
  return sim.ledger().filter((e) => e.kind !== 'ssh.exec').length;
}

function knownHosts(sim: RunningSimulator, file: string, hostKeyLine?: string): string {
  const key = hostKeyLine ?? readFileSync(join(sim.stateDir, 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(file, `[127.0.0.1]:${sim.sshPort} ${key}\n`);
  return file;
}

function env(sim: RunningSimulator, known: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SIM_HOST: '127.0.0.1',
    SIM_PORT: String(sim.apiPort),
    SIM_TOKEN_NAME: sim.tokenId.split('!')[1],
    SIM_TOKEN_SECRET: sim.tokenSecret,
    SIM_CA_FILE: sim.caFile,
    SIM_SSH_PORT: String(sim.sshPort),
    SIM_SSH_KEY_FILE: sim.sshPrivateKeyFile,
    SIM_KNOWN_HOSTS: known,
  };
}

/** Runs the session; at CHECKPOINT records the ledger, lets the invalid calls run, returns both. */
async function runSession(sim: RunningSimulator, backend: 'https' | 'ssh', known: string): Promise<{ summary: Summary; ledgerAtCheckpoint: number; stderr: string; code: number | null }> {
  const child = spawn(PYTHON, [SCRIPT, backend], { env: env(sim, known), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let ledgerAtCheckpoint = -1;
  let summary: Summary | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'CHECKPOINT') {
      ledgerAtCheckpoint = changes(sim);
      child.stdin.end('go\n');
    } else if (line.startsWith('{')) summary = JSON.parse(line) as Summary;
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  assert.ok(summary, `no summary from proxmoxer (${backend}), exit ${code}:\n${stderr}`);
  return { summary, ledgerAtCheckpoint, stderr, code };
}

describe('proxmoxer (third-party client) against phoenix-sim', { timeout: 240_000 }, () => {
  let sim: RunningSimulator;

  before(async () => {
    assert.ok(existsSync(PYTHON), `no Python venv at ${PYTHON}: run 'bash scripts/install-python-deps.sh' first`);
    sim = await startSimulator({ timeScale: 0.01, ssh: sshEndpoint(), durations: { agentBoot: 1000 } });
  });
  after(async () => {
    await sim?.close();
  });

  for (const backend of ['https', 'ssh'] as const) {
    it(`${backend} backend: LXC and cloud-init VM session, then invalid calls refused with 400 and nothing changed`, { timeout: 180_000 }, async () => {
      const { summary, ledgerAtCheckpoint, stderr, code } = await runSession(sim, backend, knownHosts(sim, join(sim.stateDir, `known_hosts-${backend}`)));
      assert.equal(code, 0, stderr);
      assert.ok(ledgerAtCheckpoint > 0, 'the session changed nothing');
      const kinds = new Set(sim.ledger().map((e) => e.kind));
      for (const k of ['lxc.create', 'lxc.clone', 'lxc.template', 'lxc.destroy', 'qemu.create', 'qemu.start', 'qemu.template', 'qemu.clone', 'qemu.destroy']) assert.ok(kinds.has(k), `no ${k} in the ledger`);
      assert.equal(summary.invalid.length, 12);
      for (const r of summary.invalid) {
        assert.equal(r.refused, true, `${backend}: ${r.name} was not refused with 400 (${r.status})`);
        assert.equal(r.names_param, true, `${backend}: ${r.name}: the error does not name the parameter`);
      }
      assert.equal(changes(sim), ledgerAtCheckpoint, `${backend}: a refused call changed something`);
    });
  }

  it('the SSH backend refuses a simulator whose host key is not the pinned one', { timeout: 60_000 }, async () => {
    const wrongKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const known = knownHosts(sim, join(sim.stateDir, 'known_hosts-wrong'), wrongKey);
    const child = spawn(PYTHON, [SCRIPT, 'ssh'], { env: env(sim, known), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.notEqual(code, 0);
    assert.match(stderr, /BadHostKeyException|does not match/);
  });
});
