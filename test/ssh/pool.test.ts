// SSH connection reuse (issue 11): a worker lends a finished activity's connection to the next
// one for the same host, port, user and host key; the host key is checked on every new
// connection; a dropped or cancelled connection is never lent again; idle ones close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import { SshHostKeyMismatch } from '../../src/ssh/errors';
import { commandRunner } from '../../src/ssh/exec';
import { createSshPool, type SshPool } from '../../src/ssh/pool';
import type { SshConnection } from '../../src/ssh/connection';
import { waitFor } from 'phoenix-sim';
import { sshOptions, startSimWithSsh } from './ssh-harness';

let sim: RunningSimulator;
let pool: SshPool;

before(async () => {
  sim = await startSimWithSsh();
  pool = createSshPool({ idleMs: 60_000 });
});
after(async () => {
  pool?.close();
  await sim?.close();
});

const listGuests = (conn: SshConnection) => commandRunner(conn).execChecked(['pct', 'list']).then((r) => r.stdout.trim());

test('one connection serves consecutive borrowers; concurrent borrowers get one each', { timeout: 30_000 }, async () => {
  const first = await pool.with(sshOptions(sim), async (c) => (await listGuests(c), c));
  const second = await pool.with(sshOptions(sim), async (c) => (await listGuests(c), c));
  assert.equal(second, first, 'the idle connection was reused');
  const [a, b] = await Promise.all([pool.with(sshOptions(sim), async (c) => (await listGuests(c), c)), pool.with(sshOptions(sim), async (c) => (await listGuests(c), c))]);
  assert.notEqual(a, b, 'two at once never share one');
  assert.equal(pool.idleCount(), 2);
});

test('a different host key pin never reuses a connection: the new one is checked and refused', { timeout: 30_000 }, async () => {
  await pool.with(sshOptions(sim), listGuests);
  const wrong = { sha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
  await assert.rejects(pool.with(sshOptions(sim, { hostKey: wrong }), listGuests), SshHostKeyMismatch);
});

test('a dropped connection is evicted and the next borrower opens a new one', { timeout: 30_000 }, async () => {
  const dropped = await pool.with(sshOptions(sim), async (c) => (c.close(), c));
  const next = await pool.with(sshOptions(sim), async (c) => (await listGuests(c), c));
  assert.notEqual(next, dropped);
  assert.ok(next.isOpen());
});

test('a cancelled borrower closes its connection, which is not lent again', { timeout: 30_000 }, async () => {
  const abort = new AbortController();
  let held: SshConnection | undefined;
  await assert.rejects(
    pool.with({ ...sshOptions(sim), signal: abort.signal }, async (c) => {
      held = c;
      abort.abort(new Error('cancelled'));
      // What a cancelled step's next command meets: its connection closed under it.
      return commandRunner(c).execChecked(['pct', 'list']);
    }),
  );
  assert.equal(held?.isOpen(), false);
  const next = await pool.with(sshOptions(sim), async (c) => (await listGuests(c), c));
  assert.notEqual(next, held);
});

test('idle connections close after the idle time', { timeout: 30_000 }, async () => {
  const short = createSshPool({ idleMs: 200 });
  const conn = await short.with(sshOptions(sim), async (c) => (await listGuests(c), c));
  assert.equal(short.idleCount(), 1);
  await waitFor('the idle connection to close', async () => (short.idleCount() === 0 && !conn.isOpen() ? true : undefined), 10_000, 50);
});
