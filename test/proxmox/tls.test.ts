import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from 'phoenix-sim';
import { PveTlsVerification } from '../../src/proxmox/errors';
import { createPveTransport } from '../../src/proxmox/transport';
import { startSim, tokenClient, transportOptions } from './sim-harness';

let sim: RunningSimulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});

test('a pinned CA verifies the node certificate', async () => {
  const pve = tokenClient(sim);
  try {
    const nodes = await pve.nodes.list();
    assert.deepEqual(nodes.map((n) => n.node), [sim.node]);
  } finally {
    await pve.close();
  }
});

test('a pinned SHA-256 fingerprint verifies a self-signed host, in either spelling', async () => {
  for (const sha256 of [sim.fingerprint, sim.fingerprint.replace(/:/g, '').toLowerCase()]) {
    const pve = tokenClient(sim, { tls: { kind: 'fingerprint', sha256 } });
    try {
      assert.equal((await pve.nodes.list()).length, 1);
    } finally {
      await pve.close();
    }
  }
});

test('a wrong fingerprint is refused before any request is sent, naming the presented one', async () => {
  const wrong = 'AA:'.repeat(31) + 'AA';
  const pve = tokenClient(sim, { tls: { kind: 'fingerprint', sha256: wrong }, pinSettingHint: 'hypervisor.json $.proxmox.tls.fingerprint' });
  const before = sim.ledger().length;
  try {
    const err = await pve.node(sim.node).createContainer({ vmid: 990, ostemplate: 'local:vztmpl/x.tar.zst' }).catch((e: unknown) => e);
    assert.ok(err instanceof PveTlsVerification, `got ${String(err)}`);
    assert.equal(err.transient, false);
    assert.ok(err.message.includes(sim.fingerprint), err.message);
    assert.ok(err.message.includes('hypervisor.json $.proxmox.tls.fingerprint'));
    assert.equal(sim.ledger().length, before, 'nothing reached the simulator');
  } finally {
    await pve.close();
  }
});

test('without a pin the self-signed certificate is refused', async () => {
  const pve = tokenClient(sim, { tls: { kind: 'system' } });
  try {
    const err = await pve.nodes.list().catch((e: unknown) => e);
    assert.ok(err instanceof PveTlsVerification, `got ${String(err)}`);
    assert.match(err.message, /verification failed/);
  } finally {
    await pve.close();
  }
  // @ts-expect-error: a transport without TLS trust is a configuration error
  assert.throws(() => createPveTransport({ ...transportOptions(sim), tls: undefined }), /no TLS trust configured/);
});
