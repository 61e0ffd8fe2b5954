// Window 6: SSH trust is settled before anything is changed. A wrong host key stops a run
// before the API creates anything; a missing known_hosts file is a clear, non-retryable error;
// `@revoked` wins over a plain line listing the same key, and an `@cert-authority` key is not
// a host key (as OpenSSH decides).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { createLxcActivities } from '../../src/activities/lxc';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import { attempt, startActivityWorld, type ActivityWorld } from './activity-world';
import { startVmStack, type VmStack } from '../vm/vm-stack';

const WRONG_FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

/** The simulated host's public key line, as `ssh-keyscan` would give it. */
function hostPublicKey(world: ActivityWorld): string {
  const [type, b64] = readFileSync(join(world.sim.stateDir, 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  return `${type} ${b64}`;
}

describe('SSH trust from a known_hosts file', { timeout: 120_000 }, () => {
  let world: ActivityWorld;
  let plan: LxcPlan;
  let name: string;

  before(async () => {
    world = await startActivityWorld();
    name = `[${world.sim.apiHost}]:${world.sim.sshPort}`;
    plan = (await attempt(() => createLxcActivities(world.deps()).loadLxcPlan({ ctid: 900 }))).result!;
  });
  after(async () => world?.close());

  /** Activities whose worker trusts the host through this known_hosts text (no pinned fingerprint). */
  function withKnownHosts(text: string | undefined) {
    const file = join(world.tmp, `known_hosts-${Math.random().toString(36).slice(2)}`);
    if (text !== undefined) writeFileSync(file, text);
    const hv = join(world.configDir, 'phoenix_hypervisor_config.json');
    const config = JSON.parse(readFileSync(hv, 'utf8'));
    config.proxmox.ssh = { ...config.proxmox.ssh, known_hosts_file: file };
    writeFileSync(hv, JSON.stringify(config, null, 2));
    return { file, lxc: createLxcActivities(world.deps({ PHOENIX_SSH_HOST_KEY_FINGERPRINT: '' })) };
  }
  const sshStep = (lxc: ReturnType<typeof createLxcActivities>) => attempt(() => lxc.runHealthCheck({ ...plan, healthChecks: [] }));

  test('the host key listed plainly: trusted', { timeout: 30_000 }, async () => {
    const { lxc } = withKnownHosts(`# ours\n${name} ${hostPublicKey(world)}\n`);
    const r = await sshStep(lxc);
    assert.ifError(r.error);
  });

  test('a missing known_hosts file: non-retryable, names the file and the setting', { timeout: 30_000 }, async () => {
    const { file, lxc } = withKnownHosts(undefined);
    const r = await sshStep(lxc);
    assert.ok(r.error instanceof ApplicationFailure, String(r.error));
    assert.equal(r.error.nonRetryable, true, `retryable: ${r.error.message}`);
    assert.ok(r.error.message.includes(file) && r.error.message.includes('known_hosts_file'), r.error.message);
  });

  test('@revoked wins over a plain line listing the same key', { timeout: 30_000 }, async () => {
    const { lxc } = withKnownHosts(`${name} ${hostPublicKey(world)}\n@revoked * ${hostPublicKey(world)}\n`);
    const r = await sshStep(lxc);
    assert.ok(r.error instanceof ApplicationFailure, 'refused');
    assert.equal(r.error.nonRetryable, true);
    assert.match(r.error.message, /@revoked at .* line 2/);
  });

  test('an @cert-authority key is not accepted as the host key itself', { timeout: 30_000 }, async () => {
    const { lxc } = withKnownHosts(`@cert-authority ${name} ${hostPublicKey(world)}\n`);
    const r = await sshStep(lxc);
    assert.ok(r.error instanceof ApplicationFailure, 'refused');
    assert.equal(r.error.nonRetryable, true);
    assert.match(r.error.message, /@cert-authority/);
  });
});

describe('a wrong SSH host key stops the run before any API side effect', { timeout: 180_000 }, () => {
  let world: VmStack;
  before(async () => {
    world = await startVmStack();
  });
  after(async () => world?.close());

  test('provisionLxc 900 with a wrong host-key pin: failed, nothing created', { timeout: 120_000 }, async () => {
    const taskQueue = `w6-${Date.now()}`;
    const worker = await world.startWorker(taskQueue, { PHOENIX_SSH_HOST_KEY_FINGERPRINT: WRONG_FINGERPRINT });
    try {
      const err = await world.client.workflow
        .execute('provisionLxc', { taskQueue, workflowId: `phoenix-lxc-900-w6-${Date.now()}`, args: [{ ctid: 900 }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError, String(err));
      const text = `${err.cause?.message} ${(err.cause?.cause as Error | undefined)?.message}`;
      assert.match(text, /host key/i);
      assert.deepEqual((await world.ledger()).filter((e) => e.kind.startsWith('lxc.')).map((e) => e.kind), [], 'the API changed nothing');
    } finally {
      await worker.stop();
    }
  });
});
