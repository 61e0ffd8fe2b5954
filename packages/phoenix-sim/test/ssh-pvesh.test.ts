import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'ssh2';
import type { RunningSimulator } from '../src';
import { connect, exec, startSshSimulator } from './ssh-client-helper';

describe('pvesh, pveversion and qm list over SSH', { timeout: 60_000 }, () => {
  let sim: RunningSimulator;
  let ssh: Client;

  before(async () => {
    sim = await startSshSimulator();
    ssh = await connect(sim);
  });
  after(async () => {
    ssh?.end();
    await sim?.close();
  });

  it('pvesh get answers from the same state and schema as the API', async () => {
    const v = await exec(ssh, 'pvesh get /version --output-format json');
    assert.equal(v.code, 0, v.stderr);
    assert.equal(JSON.parse(v.stdout).version, '8.2.4');
    const nodes = await exec(ssh, 'pvesh get /nodes --output-format json-pretty');
    assert.equal(JSON.parse(nodes.stdout)[0].node, 'pve');
    const bad = await exec(ssh, 'pvesh get /nodes/pve/lxc/abc/config --output-format json');
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\nvmid: type check \('integer'\) failed - got 'abc'\n/);
    const unknown = await exec(ssh, 'pvesh get /nodes/pve/qemu -bogus 1 --output-format json');
    assert.match(unknown.stderr, /bogus: property is not defined in schema/);
  });

  it('pvesh create runs the worker in the foreground, then prints the UPID; qm list shows the VM', async () => {
    const created = await exec(ssh, 'pvesh create /nodes/pve/qemu -vmid 600 -name web -memory 1024 -scsi0 local-zfs:2 --output-format json');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout.trim().split('\n').at(-1)!, /^"UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:600:root@pam:"$/);
    const set = await exec(ssh, 'pvesh set /nodes/pve/qemu/600/config -cores 2 -onboot yes');
    assert.equal(set.code, 0, set.stderr);
    const cfg = JSON.parse((await exec(ssh, 'pvesh get /nodes/pve/qemu/600/config --output-format json')).stdout);
    assert.deepEqual([cfg.cores, cfg.onboot], [2, 1]);
    const bad = await exec(ssh, 'qm set 600 -cores 0 -bogus 1');
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\n/);
    assert.match(bad.stderr, /\ncores: value must have a minimum value of 1\n/);
    assert.match(bad.stderr, /\nbogus: property is not defined in schema/);
    const list = await exec(ssh, 'qm list');
    assert.equal(list.stdout, '      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n       600 web                  stopped    1024               2.00 0         \n');
    const del = await exec(ssh, 'pvesh delete /nodes/pve/qemu/600 --output-format json');
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await exec(ssh, 'qm list')).stdout, '');
  });

  it('pveversion prints the simulated release', async () => {
    assert.equal((await exec(ssh, 'pveversion')).stdout, 'pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)\n');
    assert.match((await exec(ssh, 'pveversion -v')).stdout, /^proxmox-ve: 8\.2\.0 \(running kernel: 6\.8\.12-1-pve\)\npve-manager: 8\.2\.4 /);
  });
});
