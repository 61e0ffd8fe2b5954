import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'ssh2';
import type { RunningSimulator } from '../src';
import { connect, createRunningCt, exec, q, startSshSimulator } from './ssh-client-helper';
import { waitFor } from '../src/wait-for';

const RUNFILE_URL = 'https://us.download.nvidia.com/XFree86/Linux-x86_64/580.76.05/NVIDIA-Linux-x86_64-580.76.05.run';

describe('phoenix-sim guest sandboxes', () => {
  let sim: RunningSimulator;
  let ssh: Client;

  before(async () => {
    // nvidia: 60 s × time scale 0.01 = 0.6 s.
    sim = await startSshSimulator({ nvidia: 60 });
    ssh = await connect(sim);
  });
  after(async () => {
    ssh?.end();
    await sim?.close();
  });

  it('the NVIDIA runfile stand-in takes its time, installs nvidia-smi once, and clones from a later snapshot carry it', async () => {
    await createRunningCt(sim, 900);
    const absent = await exec(ssh, 'pct exec 900 -- bash -c "command -v nvidia-smi"');
    assert.equal(absent.code, 1);
    const install = `wget -q -O /tmp/driver.run -- ${q(RUNFILE_URL)} && bash /tmp/driver.run --silent --no-kernel-module --no-dkms`;
    const started = Date.now();
    const r = await exec(ssh, `pct exec 900 -- bash -c ${q(install)}`);
    const elapsed = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(elapsed >= 600, `installer took ${elapsed} ms, expected at least the scaled 600 ms`);
    const version = await exec(ssh, 'pct exec 900 -- nvidia-smi --query-gpu=driver_version --format=csv,noheader');
    assert.deepEqual([version.code, version.stdout], [0, '580.76.05\n']);
    const runs = sim.ledger({ kind: 'installer.run', vmid: 900 }).filter((e) => e.details.installer === 'nvidia');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.details.version, '580.76.05');

    assert.equal((await exec(ssh, 'pct snapshot 900 gpu')).code, 0);
    // Installed after the snapshot: must not reach the clone.
    await exec(ssh, 'pct exec 900 -- touch /root/after-snapshot');
    const clone = await exec(ssh, 'pct clone 900 905 --snapname gpu --hostname gpu-clone');
    assert.equal(clone.code, 0, clone.stderr);
    assert.equal((await exec(ssh, 'pct start 905')).code, 0);
    const inClone = await exec(ssh, 'pct exec 905 -- nvidia-smi --query-gpu=driver_version --format=csv,noheader');
    assert.deepEqual([inClone.code, inClone.stdout], [0, '580.76.05\n']);
    assert.equal((await exec(ssh, 'pct exec 905 -- test -e /root/after-snapshot')).code, 1);
    assert.equal(sim.ledger({ kind: 'installer.run' }).filter((e) => e.details.installer === 'nvidia').length, 1);
  });

  it('apt-get install leaves the commands later probes look for, and services answer curl', async () => {
    const script = [
      'command -v docker && exit 90',
      'apt-get install -y docker-ce >/dev/null',
      'command -v docker >/dev/null || exit 91',
      'docker ps >/dev/null 2>&1 && exit 92', // no daemon before systemctl starts it
      'systemctl enable docker >/dev/null && systemctl restart docker',
      'docker run -d -p 6333:6333 --name qdrant qdrant/qdrant:latest >/dev/null 2>&1',
      'curl -s --fail http://localhost:6333/healthz',
    ].join('\n');
    const r = await exec(ssh, `pct exec 900 -- bash -c ${q(script)}`);
    assert.deepEqual([r.code, r.stdout], [0, 'healthz check passed\n'], r.stderr);
    const down = await exec(ssh, 'pct exec 900 -- curl -sS http://localhost:8000/health');
    assert.deepEqual([down.code, down.stderr], [7, "curl: (7) Failed to connect to localhost port 8000 after 0 ms: Couldn't connect to server\n"]);
  });

  it("a VM's first boot runs its cloud-config; cloud-init status goes running → done or error", async () => {
    const userData = (runcmd: string) => `#cloud-config
write_files:
  - path: /etc/phoenix/hello.txt
    permissions: '0600'
    content: |
      hello from user-data
runcmd:
  - sleep 1.5
${runcmd}
`;
    const ok = userData(`  - [sh, -c, "cat /etc/phoenix/hello.txt > /root/copied"]`);
    const bad = userData(`  - [sh, -c, "exit 3"]`);
    const boot = async (vmid: number, text: string) => {
      assert.equal((await exec(ssh, `cat > /var/lib/vz/snippets/user-${vmid}.yml`, text)).code, 0);
      const op = { user: 'root@pam', via: 'api' as const };
      const created = await (await sim.state.qemu.create(op, sim.node, { vmid: String(vmid), agent: '1', cicustom: `user=local:snippets/user-${vmid}.yml` })).done;
      assert.equal(created.exitstatus, 'OK');
      const started = await exec(ssh, `qm start ${vmid}`);
      assert.equal(started.code, 0, started.stderr);
    };
    const status = (vmid: number) =>
      waitFor(`VM ${vmid}'s guest agent to answer`, async () => {
        const r = await exec(ssh, `qm guest exec ${vmid} -- cloud-init status`);
        if (r.code === 0) return JSON.parse(r.stdout) as { exitcode: number; 'out-data'?: string };
        assert.match(r.stderr, /QEMU guest agent is not running/);
        return undefined;
      }, 30_000, 50);
    await boot(9000, ok);
    assert.deepEqual(await status(9000), { exited: 1, exitcode: 0, 'out-data': 'status: running\n' });
    await boot(9001, bad);
    const wait = await exec(ssh, 'qm guest exec 9000 -- cloud-init status --wait');
    assert.match((JSON.parse(wait.stdout) as { 'out-data': string })['out-data'], /status: done\n$/);
    const copied = await exec(ssh, 'qm guest exec 9000 -- cat /root/copied /var/log/cloud-init-output.log');
    assert.match((JSON.parse(copied.stdout) as { 'out-data': string })['out-data'], /^hello from user-data\nCloud-init v\. /);

    await exec(ssh, 'qm guest exec 9001 -- cloud-init status --wait');
    const failed = await status(9001);
    assert.equal(failed.exitcode, 1);
    assert.equal(failed['out-data'], 'status: error\n');
    const finishes = sim.ledger({ kind: 'cloudinit.finish' }).map((e) => [e.vmid, e.details.status, e.details.failedCommand]);
    assert.deepEqual(finishes, [[9000, 'done', undefined], [9001, 'error', "'sh' '-c' 'exit 3'"]]);
    assert.equal(sim.ledger({ kind: 'cloudinit.start' }).length, 2);
  });
});
