import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import type { RunningSimulator } from '../src';
import { connect, createRunningCt, exec, q, startSshSimulator } from './ssh-client-helper';
import { clientsFor, waitTask } from './helpers';
import { waitFor } from '../src/wait-for';

describe('phoenix-sim SSH endpoint', () => {
  let sim: RunningSimulator;
  let ssh: Client;

  before(async () => {
    sim = await startSshSimulator();
    ssh = await connect(sim);
    await createRunningCt(sim, 900);
  });
  after(async () => {
    ssh?.end();
    await sim?.close();
  });

  it('rejects a client that pins another host key, and a wrong password', async () => {
    await assert.rejects(connect({ ...sim, sshHostKeyFingerprint: 'SHA256:AAAA' } as RunningSimulator));
    await assert.rejects(connect(sim, { password: 'wrong' }));
    const byPassword = await connect(sim, { password: sim.rootPassword });
    assert.equal((await exec(byPassword, 'pct status 900')).stdout, 'status: running\n');
    byPassword.end();
  });

  it('runs pct exec inside the container with its own output and exit code', async () => {
    const r = await exec(ssh, `pct exec 900 -- sh -c ${q('echo out; echo err >&2; cat /etc/hostname; exit 7')}`);
    assert.deepEqual(r, { code: 7, stdout: 'out\nCT900\n', stderr: 'err\n' });
    const piped = await exec(ssh, 'pct exec 900 -- sh -c "cat > /root/in.txt && wc -c < /root/in.txt"', 'hello');
    assert.equal(piped.stdout.trim(), '5');
  });

  it('passes hostile arguments through as literal words and runs nothing on the host', async () => {
    const marker = join(sim.stateDir, 'pwned');
    const hostile = `a'b"c; touch ${marker} $(touch ${marker}) \`touch ${marker}\` \\ \n|& > x`;
    const r = await exec(ssh, `pct exec 900 -- printf %s ${q(hostile)}`);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, hostile);
    const refused = await exec(ssh, `pct status 900; touch ${marker}`);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /';' is not supported/);
    const substitution = await exec(ssh, `pct status $(touch ${marker})`);
    assert.equal(substitution.code, 2);
    assert.equal(existsSync(marker), false);
  });

  it('fails like pct on stopped and missing containers', async () => {
    const op = { user: 'root@pam', via: 'api' as const };
    await sim.state.lxc.create(op, sim.node, { vmid: '901', ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', rootfs: 'local-zfs:8' }).then((t) => t.done);
    const stopped = await exec(ssh, 'pct exec 901 -- true');
    assert.deepEqual([stopped.code, stopped.stderr], [255, "container '901' not running!\n"]);
    const missing = await exec(ssh, 'pct exec 950 -- true');
    assert.deepEqual([missing.code, missing.stderr], [255, "Configuration file 'nodes/pve/lxc/950.conf' does not exist\n"]);
    assert.equal((await exec(ssh, 'pct status 901')).stdout, 'status: stopped\n');
    const notFound = await exec(ssh, 'frobnicate 1');
    assert.equal(notFound.code, 127);
  });

  it('round-trips the conf file through the state', async () => {
    const before = await exec(ssh, 'cat /etc/pve/lxc/900.conf');
    assert.match(before.stdout, /^hostname: ct900$/m);
    const line = 'lxc.cgroup2.devices.allow: c 195:* rwm';
    assert.equal((await exec(ssh, `grep -qF ${q(line)} /etc/pve/lxc/900.conf`)).code, 1);
    assert.equal((await exec(ssh, 'tee -a /etc/pve/lxc/900.conf', `${line}\n`)).code, 0);
    assert.deepEqual(sim.state.guests.get(900)!.lxc, [['lxc.cgroup2.devices.allow', 'c 195:* rwm']]);
    assert.equal((await exec(ssh, `grep -qF ${q(line)} /etc/pve/lxc/900.conf`)).code, 0);
    assert.equal((await exec(ssh, `sed -i ${q('/^lxc\\.cgroup2/d')} /etc/pve/lxc/900.conf`)).code, 0);
    assert.deepEqual(sim.state.guests.get(900)!.lxc, []);
    const rewritten = await exec(ssh, 'cat > /etc/pve/lxc/900.conf', before.stdout.replace('hostname: ct900', 'hostname: renamed'));
    assert.equal(rewritten.code, 0);
    assert.equal(sim.state.guests.get(900)!.config.hostname, 'renamed');
    assert.match((await exec(ssh, 'pct config 900')).stdout, /^hostname: renamed$/m);
  });

  it('pct set applies root-only keys that an API token may not set', async () => {
    const r = await exec(ssh, `pct set 900 --dev0 ${q('/dev/nvidia0,mode=0666')} --features ${q('keyctl=1,nesting=1')}`);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const config = sim.state.guests.get(900)!.config;
    assert.equal(config.dev0, '/dev/nvidia0,mode=0666');
    assert.match(config.features ?? '', /keyctl=1/);
    const bad = await exec(ssh, 'pct set 900 --frobnicate 1');
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /frobnicate: property is not defined in schema/);
  });

  it('lists snapshots in PVE tree format and hides raw zfs snapshots', async () => {
    assert.equal((await exec(ssh, 'pct snapshot 900 first --description "base system"')).code, 0);
    assert.equal((await exec(ssh, 'pct snapshot 900 second')).code, 0);
    const zfsSnap = await exec(ssh, 'zfs snapshot rpool/data/subvol-900-disk-0@raw');
    assert.equal(zfsSnap.code, 0, zfsSnap.stderr);
    const tree = (await exec(ssh, 'pct listsnapshot 900')).stdout.split('\n');
    assert.match(tree[0]!, /^`-> first {23}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}base system$/);
    assert.match(tree[1]!, /^ {4}`-> second {18}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}no-description$/);
    assert.match(tree[2]!, /^ {8}`-> current {13} {24}You are here!$/);
    assert.equal(tree.length, 4);
    const rollback = await exec(ssh, 'pct rollback 900 first');
    assert.equal(rollback.code, 255);
    assert.match(rollback.stderr, /TASK ERROR: .*not most recent snapshot/);
    const list = await exec(ssh, 'zfs list -H -o name -t snapshot');
    assert.deepEqual(list.stdout.split('\n').filter(Boolean), ['rpool/data/subvol-900-disk-0@first', 'rpool/data/subvol-900-disk-0@raw', 'rpool/data/subvol-900-disk-0@second']);
    const table = await exec(ssh, 'zfs list');
    assert.match(table.stdout, /^NAME +USED +AVAIL +REFER +MOUNTPOINT\n/);
    assert.match(table.stdout, /^rpool\/data\/subvol-900-disk-0 .* \/rpool\/data\/subvol-900-disk-0$/m);
    const missing = await exec(ssh, 'zfs list rpool/nope');
    assert.deepEqual([missing.code, missing.stderr], [1, "cannot open 'rpool/nope': dataset does not exist\n"]);
  });

  it('keeps a setsid job running after its connection is cut; a new connection reads its result', async () => {
    const jobs = '/var/log/phoenix/jobs';
    const script = `sleep 1; echo finished`;
    const command = `mkdir -p ${jobs} && setsid -f bash -c ${q(`${script} > ${jobs}/j1.log 2>&1; echo $? > ${jobs}/j1.exit`)} < /dev/null > /dev/null 2>&1`;
    sim.setFaults([{ target: 'ssh', match: 'pct exec 900 -- sh -c *j1*', kind: 'disconnect', afterMs: 100 }]);
    const doomed = await connect(sim);
    const cut = await new Promise<string>((resolve) => {
      doomed.on('close', () => resolve('closed'));
      doomed.on('error', () => resolve('closed'));
      doomed.exec(`pct exec 900 -- sh -c ${q(command)}`, () => {});
    });
    assert.equal(cut, 'closed');
    sim.setFaults([]);
    const fresh = await connect(sim);
    const early = await exec(fresh, `pct exec 900 -- test -e ${jobs}/j1.exit`);
    assert.equal(early.code, 1, 'the job is still running');
    await waitFor('job j1 to write its exit file', async () => ((await exec(fresh, `pct exec 900 -- test -e ${jobs}/j1.exit`)).code === 0 ? true : undefined), 10_000, 100);
    const result = await exec(fresh, `pct exec 900 -- cat ${jobs}/j1.exit ${jobs}/j1.log`);
    assert.deepEqual([result.code, result.stdout], [0, '0\nfinished\n']);
    await waitFor('the ledger to record job j1 finishing', () => (sim.ledger({ kind: 'job.finish', vmid: 900 }).length > 0 ? true : undefined), 10_000, 50);
    const kinds = sim.ledger({ kind: 'job.start,job.finish', vmid: 900 }).map((e) => [e.kind, e.details.jobId, e.details.exitCode]);
    assert.deepEqual(kinds, [['job.start', 'j1', undefined], ['job.finish', 'j1', 0]]);
    fresh.end();
  });

  it('observes jobs kept in a folder per job: one job.start per new folder, job.finish with the exit code', async () => {
    const launcher = [
      'd=$1; shift',
      'mkdir -p /var/log/phoenix/jobs',
      'mkdir "$d" 2>/dev/null || { echo exists; exit 0; }',
      `setsid nohup sh -c ${q('d=$1; shift; "$@" > "$d/log" 2>&1; echo $? > "$d/exit"')} job "$d" "$@" > /dev/null 2>&1 < /dev/null &`,
      'echo $! > "$d/pid"',
    ].join('\n');
    const start = `pct exec 900 -- sh -c ${q(launcher)} launcher /var/log/phoenix/jobs/j2 sh -c ${q('sleep 0.3; exit 4')}`;
    assert.equal((await exec(ssh, start)).code, 0);
    assert.equal((await exec(ssh, start)).stdout, 'exists\n');
    const j2 = () => sim.ledger({ kind: 'job.start,job.finish', vmid: 900 }).filter((e) => e.details.jobId === 'j2');
    await waitFor('the ledger to record job j2 finishing', () => (j2().some((e) => e.kind === 'job.finish') ? true : undefined), 10_000, 50);
    const kinds = j2();
    assert.deepEqual(kinds.map((e) => [e.kind, e.details.exitCode]), [['job.start', undefined], ['job.finish', 4]]);
  });

  it('stopping a container kills its processes, detached ones included', async () => {
    // Like on a real host, the job must let go of the channel's pipes or the channel stays open.
    // A sleep with a duration no other process on this machine has: other tests' guests (and
    // other simulators) run `sleep 300` too, and only this sandbox's processes are counted.
    const marker = `300.${process.pid}${Date.now() % 100_000}`;
    const detached = `pct exec 900 -- sh -c ${q(`setsid -f sleep ${marker} < /dev/null > /dev/null 2>&1`)}`;
    await exec(ssh, detached);
    const pids = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\u0000${marker}\u0000`;
          } catch {
            return false;
          }
        });
    await waitFor('the detached sleep to start', () => (pids().length === 1 ? true : undefined), 10_000, 20);
    const stop = await exec(ssh, 'pct stop 900');
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(pids().length, 0);

    // The same through the HTTPS API (POST status/stop), as Phoenix's restarts do.
    const start = await exec(ssh, 'pct start 900');
    assert.equal(start.code, 0, start.stderr);
    await exec(ssh, detached);
    await waitFor('the detached sleep to start', () => (pids().length === 1 ? true : undefined), 10_000, 20);
    const { token, agent } = clientsFor(sim);
    try {
      const upid = await token.nodes.$('pve').lxc.$(900).status.stop.$post();
      assert.equal(await waitTask(token, upid), 'OK');
    } finally {
      await agent.close();
    }
    assert.equal(pids().length, 0, 'a container stopped through the API still had a process');
  });
});
