// The snapshot reconfigure returns to (issue 10, item 3): a template's template_snapshot_name;
// a leaf's reconfigure_snapshot_name, default pre-configured, planned as its own step; a VM that
// is not a template gets template_snapshot_name, else the same default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, reconfigureSnapshotName, resolveGuest } from '../../src/config';
import { buildLxcPlan } from '../../src/planning/lxc';
import { buildVmPlan } from '../../src/planning/vm';
import { SHIPPED_CONFIG_DIR } from './fixtures';

/** The shipped configuration with `edit` applied to its LXC and VM files. */
async function configWith(edit: (lxc: any, vm: any) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-reconfigure-snapshot-'));
  try {
    cpSync(SHIPPED_CONFIG_DIR, dir, { recursive: true });
    const lxcFile = join(dir, 'phoenix_lxc_configs.json');
    const vmFile = join(dir, 'phoenix_vm_configs.json');
    const lxc = JSON.parse(readFileSync(lxcFile, 'utf8'));
    const vm = JSON.parse(readFileSync(vmFile, 'utf8'));
    edit(lxc, vm);
    writeFileSync(lxcFile, JSON.stringify(lxc));
    writeFileSync(vmFile, JSON.stringify(vm));
    return (await loadConfig(dir)).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a leaf plans pre-configured by default, its own name when set; a template plans none', { timeout: 10_000 }, async () => {
  const shipped = await configWith(() => {});
  assert.equal(buildLxcPlan(shipped, 950, 'pve').reconfigureSnapshot, 'pre-configured');
  assert.equal(buildLxcPlan(shipped, 900, 'pve').reconfigureSnapshot, undefined);
  assert.equal(buildLxcPlan(shipped, 900, 'pve').templateSnapshot, 'pre-configured');
  assert.equal(reconfigureSnapshotName(resolveGuest(shipped, 900)), 'pre-configured');

  const named = await configWith((lxc) => {
    lxc.lxc_configs['950'].reconfigure_snapshot_name = 'before-apps';
    lxc.lxc_configs['900'].template_snapshot_name = 'golden';
  });
  assert.equal(buildLxcPlan(named, 950, 'pve').reconfigureSnapshot, 'before-apps');
  assert.equal(reconfigureSnapshotName(resolveGuest(named, 950)), 'before-apps');
  assert.equal(reconfigureSnapshotName(resolveGuest(named, 900)), 'golden');
});

test('a VM that is not a template gets template_snapshot_name, else reconfigure_snapshot_name, else pre-configured', { timeout: 10_000 }, async () => {
  const shipped = await configWith(() => {});
  assert.equal(buildVmPlan(shipped, 8001, 'pve').snapshot, 'initial');
  assert.equal(buildVmPlan(shipped, 8000, 'pve').snapshot, undefined);
  const unnamed = await configWith((_, vm) => {
    delete vm.vms.find((v: { vmid: number }) => v.vmid === 8001).template_snapshot_name;
  });
  assert.equal(buildVmPlan(unnamed, 8001, 'pve').snapshot, 'pre-configured');
  const named = await configWith((_, vm) => {
    const v = vm.vms.find((x: { vmid: number }) => x.vmid === 8001);
    delete v.template_snapshot_name;
    v.reconfigure_snapshot_name = 'first-boot';
  });
  assert.equal(buildVmPlan(named, 8001, 'pve').snapshot, 'first-boot');
  assert.equal(reconfigureSnapshotName(resolveGuest(named, 8001)), 'first-boot');
});

test('reconfigure_snapshot_name must be a usable snapshot name', { timeout: 10_000 }, async () => {
  await assert.rejects(
    configWith((lxc) => {
      lxc.lxc_configs['950'].reconfigure_snapshot_name = 'x; rm -rf /';
    }),
    /reconfigure_snapshot_name/,
  );
});
