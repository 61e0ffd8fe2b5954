// provisionVm end to end against phoenix-sim: the template VM built from the cloud image by
// its own workflow, the clone configured by cloud-init with its features, a re-run that
// changes nothing, and a failing feature surfaced with its log and fixed by running again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { vmWorkflowId } from '../../src/shared/workflow-ids';
import type { ProvisionVmResult } from '../../src/workflows/vm/provision-vm';
import { REPO } from '../../scripts/lib/stack';
import { startVmStack, type VmStack } from './vm-stack';
import { FIXED_KEY } from './keys';

const PASSWORD_HASH = '$6$rounds=4096$phoenixsalt$notARealHashButWellFormed';

describe('provisionVm against phoenix-sim', () => {
  let world: VmStack;
  const queue = `vm-${randomUUID()}`;

  before(async () => {
    world = await startVmStack((file) => {
      file.vm_defaults.user_config = { username: 'phoenix', ssh_public_key: FIXED_KEY, password_hash: PASSWORD_HASH };
      file.vms.push({ vmid: 8002, name: 'broken-vm', clone_from_vmid: 8000, features: ['base_setup', 'docker'], network_config: { ip: 'dhcp' } });
    });
    await world.startWorker(queue);
  });

  after(async () => {
    await world?.close();
  });

  const run = (vmid: number, taskQueue = queue) =>
    world.client.workflow.execute('provisionVm', {
      workflowId: vmWorkflowId(vmid),
      taskQueue,
      args: [{ vmid }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    }) as Promise<ProvisionVmResult>;
  const count = async (kind: string, vmid: number) => (await world.ledger({ kind, vmid })).length;

  test('8001 builds template 8000 from the cloud image first, then clones and configures itself; a re-run changes nothing', { timeout: 300_000 }, async () => {
    const first = await run(8001);
    assert.deepEqual(first.ips, ['10.0.0.101']);
    assert.equal(first.template, false);
    // Every step that acts changed something (the waits may find the guest ready at once).
    const acting = first.steps.filter((s) => !s.name.startsWith('wait_for_'));
    assert.deepEqual(acting.map((s) => [s.name, s.changed]), ['ensure_parent_template', 'ensure_vm_defined', 'apply_vm_configurations', 'start_vm', 'create_vm_snapshot'].map((n) => [n, true]));

    // Template 8000: created once by import, started once, converted once, no snapshot.
    assert.equal(await count('qemu.create', 8000), 1);
    const create = (await world.ledger({ kind: 'qemu.create', vmid: 8000 }))[0]!.details.config as Record<string, string>;
    assert.match(create.scsi0!, /^local-zfs:vm-8000-disk-0,.*size=/);
    assert.equal(create.ide2, 'local-zfs:vm-8000-cloudinit,media=cdrom');
    assert.equal(await count('qemu.start', 8000), 1);
    assert.equal(await count('qemu.template', 8000), 1);
    assert.equal(await count('qemu.snapshot', 8000), 0);
    // Templated as the original did: cloud-init state and machine-id cleared, then a clean shutdown.
    const execs = (await world.ledger({ kind: 'agent.exec', vmid: 8000 })).map((e) => (e.details.argv as string[]).join(' '));
    assert.ok(execs.includes('cloud-init clean --logs') && execs.includes('truncate -s 0 /etc/machine-id'), execs.join('\n'));
    assert.equal(await count('qemu.shutdown', 8000), 1);
    assert.equal(await count('qemu.resize', 8000), 1);
    const tpl = await world.vmConfig(8000);
    assert.equal(Number(tpl.template), 1);
    assert.match(String(tpl.scsi0), /size=32G/);
    // Clone 8001: one full clone of 8000, one start, one snapshot.
    const clones = await world.ledger({ kind: 'qemu.clone', vmid: 8000 });
    assert.equal(clones.length, 1);
    assert.equal(clones[0]!.details.newid, 8001);
    assert.equal(clones[0]!.details.full, true);
    assert.equal(await count('qemu.start', 8001), 1);
    assert.equal(await count('qemu.snapshot', 8001), 1);
    const cfg = await world.vmConfig(8001);
    assert.equal(cfg.cicustom, 'user=local:snippets/phoenix-8001-user.yml');
    assert.equal(cfg.ipconfig0, 'ip=10.0.0.101/24,gw=10.0.0.1');
    assert.equal(Number(cfg.cores), 4);
    assert.match(String(cfg.scsi0), /size=64G/);
    assert.equal(decodeURIComponent(String(cfg.sshkeys)).trim(), FIXED_KEY);
    // The snippet on the host holds the hash; the workflow's history does not.
    const snippet = await world.hostFile('/var/lib/vz/snippets/phoenix-8001-user.yml');
    assert.match(String(snippet), /passwd: "\$6\$rounds=4096\$phoenixsalt\$notARealHashButWellFormed"/);
    const history = JSON.stringify(await world.client.workflow.getHandle(vmWorkflowId(8001)).fetchHistory());
    assert.doesNotMatch(history, /notARealHashButWellFormed/);
    // The docker feature ran at first boot, inside the VM.
    const finish = await world.ledger({ kind: 'cloudinit.finish', vmid: 8001 });
    assert.equal(finish.length, 1);
    assert.equal(finish[0]!.details.status, 'done');

    const before = (await world.ledger()).at(-1)!.seq;
    const second = await run(8001);
    assert.deepEqual(second.steps.map((s) => [s.name, s.changed]), first.steps.map((s) => [s.name, false]));
    const mutations = (await world.ledger({ since: before })).filter((e) => !['agent.exec', 'ssh.exec'].includes(e.kind));
    // Reads only: commands in the guest and on the host, no PVE change, no file written.
    assert.deepEqual(mutations.map((e) => e.kind), []);
    // (How fast a converged re-run is belongs to bench/converged-rerun.ts, not to a test.)
    // The template's own workflow, run again, stops at "already a template".
    const again = await run(8000);
    assert.equal(again.template, true);
    assert.deepEqual(again.steps.map((s) => s.changed), [false]);
  });

  test('a feature failing inside the VM fails the workflow with its name and log; fixed, a new run completes', { timeout: 300_000 }, async () => {
    const scripts = join(world.tmp, 'scripts');
    cpSync(join(REPO, 'features'), join(scripts, 'features'), { recursive: true });
    const broken = join(scripts, 'features', 'vm', 'docker.sh');
    writeFileSync(broken, '#!/usr/bin/env bash\necho "adding the docker repository"\necho "E: Unable to locate package docker-ce (broken on purpose)" >&2\nexit 100\n');
    const brokenQueue = `vm-broken-${randomUUID()}`;
    await world.startWorker(brokenQueue, { PHOENIX_SCRIPTS_DIR: scripts });

    const failure = await run(8002, brokenQueue).then(
      () => assert.fail('the workflow should have failed'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    const message = `${failure.cause?.message} ${(failure.cause?.cause as Error | undefined)?.message ?? ''}`;
    assert.match(message, /feature 'docker' failed in VM 8002 \(broken-vm\)/);
    assert.match(message, /Unable to locate package docker-ce \(broken on purpose\)/);
    assert.equal(await count('qemu.start', 8002), 1);

    cpSync(join(REPO, 'features', 'vm', 'docker.sh'), broken);
    const fixed = await run(8002, brokenQueue);
    const cloudInit = fixed.steps.find((s) => s.name === 'wait_for_cloud_init')!;
    assert.equal(cloudInit.changed, true);
    assert.match(cloudInit.summary, /re-ran features docker/);
    assert.equal(await count('qemu.start', 8002), 1, 'the fix re-runs the feature, not the VM');
    assert.equal(await count('qemu.clone', 8000), 2);
  });
});
