import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, parseStorage, UsageError } from '../src/cli-options';
import { envLines, fetchLedger, runStart } from '../src/cli';

test('phoenix-sim flags become simulator options; bad flags name themselves', () => {
  const cmd = parseCli(['--port', '0', '--nodes', 'pve1,pve2', '--storage', 'fast:zfspool:images,rootdir:tank/vm', '--time-scale', '0.5', '--fault', '{"target":"api","match":"GET /version","kind":"http-error","rate":0.5}']);
  assert.equal(cmd.command, 'start');
  if (cmd.command !== 'start') return;
  assert.deepEqual(cmd.options.nodes, ['pve1', 'pve2']);
  assert.deepEqual(cmd.options.storages, [{ id: 'fast', type: 'zfspool', content: 'images,rootdir', pool: 'tank/vm' }]);
  assert.equal(cmd.options.faults?.length, 1);
  assert.throws(() => parseCli(['--time-scale', 'fast']), (e: Error) => e instanceof UsageError && /--time-scale/.test(e.message));
  assert.throws(() => parseCli(['--fault', '{"target":"api","match":"*","kind":"boom"}']), /--fault #1\.kind/);
  assert.throws(() => parseStorage('x:lvm:images'), /type must be dir or zfspool/);
  assert.deepEqual(parseStorage('san:zfspool:images,rootdir:san/data:shared'), { id: 'san', type: 'zfspool', content: 'images,rootdir', pool: 'san/data', shared: true });
  assert.throws(() => parseStorage('san:zfspool:images:san/data:yes'), /may only be 'shared'/);
  assert.throws(() => parseCli(['ledger']), /--url: required/);
  const timed = parseCli(['--guest-duration', 'nvidia=200', '--guest-duration', 'apt_install=0.5']);
  assert.ok(timed.command === 'start');
  assert.deepEqual(timed.guestDurations, { nvidia: 200, apt_install: 0.5 });
  assert.throws(() => parseCli(['--guest-duration', 'nvidia']), /--guest-duration: expected NAME=SECONDS/);
  assert.throws(() => parseCli(['--guest-duration', 'NV;rm=1']), /--guest-duration/);
});

test('start prints connection lines and the ledger command reads /sim/ledger over pinned TLS', async (t) => {
  const cmd = parseCli(['--port', '0', '--time-scale', '0.01', '--no-ssh', '--no-guests', '--print-env']);
  if (cmd.command !== 'start') throw new Error('expected start');
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
  let sim;
  try {
    sim = await runStart(cmd);
  } finally {
    process.stdout.write = write;
  }
  t.after(() => sim.close());
  assert.equal(written.join(''), envLines(sim).join('\n') + '\n');
  assert.match(written.join(''), new RegExp(`^PHOENIX_PVE_PORT=${sim.apiPort}$`, 'm'));
  sim.state.record('job.start', { node: 'pve', vmid: 900 });
  const ledger = (await fetchLedger({ command: 'ledger', url: `https://127.0.0.1:${sim.apiPort}`, caFile: sim.caFile, kind: 'job.*' })) as { entries: Array<{ kind: string }> };
  assert.deepEqual(ledger.entries.map((e) => e.kind), ['job.start']);
  await assert.rejects(fetchLedger({ command: 'ledger', url: `https://127.0.0.1:${sim.apiPort}` }), /self-signed certificate/);
});
