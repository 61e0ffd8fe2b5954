// The reconnecting runner against phoenix-sim dropping SSH connections: idempotent commands
// cut off by a drop run again on a new connection; others fail as before (whether they ran is
// unknown), and a failing command is never retried.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from 'phoenix-sim';
import { SshCommandFailed, SshDisconnected } from '../../src/ssh/errors';
import { reconnectingRunner } from '../../src/ssh/reconnecting';
import { connect, startSimWithSsh } from './ssh-harness';

describe('reconnecting SSH runner', { timeout: 120_000 }, () => {
  let sim: RunningSimulator;
  let connections = 0;
  const runner = () =>
    reconnectingRunner({
      target: 'sim',
      connect: () => {
        connections++;
        return connect(sim);
      },
    });
  before(async () => {
    sim = await startSimWithSsh();
  });
  after(async () => sim?.close());

  test('idempotent reads all answer while half the commands drop their connection', { timeout: 60_000 }, async () => {
    sim.setFaults([{ target: 'ssh', match: '/^echo /', kind: 'disconnect', afterMs: 0, rate: 0.5 }], 7);
    connections = 0;
    let retries = 0;
    const run = reconnectingRunner({
      target: 'sim',
      connect: () => {
        connections++;
        return connect(sim);
      },
      onRetry: () => retries++,
    });
    try {
      for (let i = 0; i < 20; i++) assert.equal((await run.execChecked(['echo', `read ${i}`], { idempotent: true })).stdout, `read ${i}\n`);
    } finally {
      run.close();
    }
    assert.ok(connections > 1, `the drops were survived by reconnecting (${connections} connections)`);
    assert.ok(retries > 0, 'onRetry was told of each re-run');
  });

  test('a command not marked idempotent is never run again: cut off, it fails with SshDisconnected; the next command reconnects', { timeout: 60_000 }, async () => {
    sim.setFaults([{ target: 'ssh', match: '/^echo cut/', kind: 'disconnect', afterMs: 0 }]);
    const ran = () => sim.ledger().filter((e) => e.kind === 'ssh.exec' && String(e.details?.command).startsWith('echo cut')).length;
    const before = ran();
    const run = runner();
    let cutOff = 0;
    try {
      // A quick command may send its exit status before the drop lands: try a few.
      for (let i = 0; i < 10 && cutOff === 0; i++) {
        const err = await run.execChecked(['echo', 'cut']).then(() => undefined, (e: unknown) => e);
        if (err) {
          assert.ok(err instanceof SshDisconnected, String(err));
          cutOff++;
        }
        // At most once a call (a call that found the connection already gone ran it not at all).
        assert.ok(ran() - before <= i + 1, `${ran() - before} runs of ${i + 1} calls`);
      }
      assert.equal(cutOff, 1, 'a drop cut a command off');
      sim.setFaults([]);
      assert.equal((await run.execChecked(['echo', 'next'])).stdout, 'next\n');
    } finally {
      run.close();
    }
  });

  test('a command that fails is not run again', { timeout: 60_000 }, async () => {
    sim.setFaults([]);
    const before = sim.ledger().filter((e) => e.kind === 'ssh.exec' && String(e.details?.command).includes('phoenix-once')).length;
    const run = runner();
    try {
      await assert.rejects(run.execChecked(['cat', '/nonexistent/phoenix-once'], { idempotent: true }), SshCommandFailed);
    } finally {
      run.close();
    }
    const ran = sim.ledger().filter((e) => e.kind === 'ssh.exec' && String(e.details?.command).includes('phoenix-once')).length - before;
    assert.equal(ran, 1);
  });
});
