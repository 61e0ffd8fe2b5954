import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { RunningSimulator } from 'phoenix-sim';
import { toApplicationFailure } from '../../src/activities/common/application-failure';
import type { PveClient } from '../../src/proxmox/client';
import {
  classifyPveError,
  PveAlreadyExists,
  PveAuth,
  PveBadRequest,
  PveNetwork,
  PveNotFound,
  PveNotImplemented,
  PvePermission,
} from '../../src/proxmox/errors';
import { apiPath } from '../../src/proxmox/transport';
import { createCt, startSim, tokenClient } from './sim-harness';

let sim: RunningSimulator;
let pve: PveClient;
before(async () => {
  sim = await startSim();
  pve = tokenClient(sim);
  await createCt(pve, sim.node, 200);
});
after(async () => {
  await pve.close();
  await sim.close();
});

const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected a failure'), (e: unknown) => e);

test('a missing guest is PveNotFound (PVE answers 500 "does not exist")', async () => {
  const err = await failure(pve.node(sim.node).lxc(9999).config());
  assert.ok(err instanceof PveNotFound, String(err));
  assert.equal(err.status, 500);
  assert.match(err.reason ?? '', /does not exist/);
  assert.equal(err.transient, false);
  assert.deepEqual(await pve.node(sim.node).lxc(9999).presence(), { state: 'absent' });
});

test('creating an existing vmid is PveAlreadyExists', async () => {
  const err = await failure(pve.node(sim.node).createContainer({ vmid: 200, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', rootfs: 'local-zfs:4' }));
  assert.ok(err instanceof PveAlreadyExists, String(err));
  assert.match(err.message, /already exists/);
  assert.equal(await pve.cluster.isVmidFree(200), false);
  assert.equal(await pve.cluster.isVmidFree(201), true);
});

test('bad parameters are PveBadRequest with per-parameter errors', async () => {
  const err = await failure(pve.node(sim.node).lxc(200).updateConfig({ cores: 'many' }));
  assert.ok(err instanceof PveBadRequest, String(err));
  assert.equal(err.status, 400);
  assert.match(err.paramErrors?.cores ?? '', /type check/);
  assert.match(err.message, /cores: /);
  const failureForTemporal = toApplicationFailure(err, { operation: 'apply config', guest: 'CT 200 on ' + sim.node });
  assert.equal(failureForTemporal.nonRetryable, true);
  assert.match(failureForTemporal.message, /apply config \(CT 200 on .*\) failed: .*cores/);
});

test('a bind mount with an API token is PvePermission (403, root@pam only)', async () => {
  const err = await failure(pve.node(sim.node).lxc(200).updateConfig({ mp0: '/srv/models,mp=/models' }));
  assert.ok(err instanceof PvePermission, String(err));
  assert.equal(err.status, 403);
  assert.match(err.message, /root@pam/);
});

test('an unknown endpoint is PveNotImplemented (501)', async () => {
  const err = await failure(pve.http.get(apiPath('nodes', sim.node, 'no-such-area')));
  assert.ok(err instanceof PveNotImplemented, String(err));
  assert.equal(err.status, 501);
  assert.equal(err.transient, false);
});

test('a wrong token secret is PveAuth (401)', async () => {
  const bad = tokenClient(sim, { auth: { kind: 'token', tokenId: sim.tokenId, tokenSecret: '00000000-0000-0000-0000-000000000000' } });
  try {
    const err = await failure(bad.nodes.list());
    assert.ok(err instanceof PveAuth, String(err));
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes('00000000-0000'), 'the secret is not echoed');
  } finally {
    await bad.close();
  }
});

test('connection refused is PveNetwork (transient)', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const dead = tokenClient(sim, { port });
  try {
    const err = await failure(dead.nodes.list());
    assert.ok(err instanceof PveNetwork, String(err));
    assert.equal(err.transient, true);
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(toApplicationFailure(err, { operation: 'list nodes' }).nonRetryable, false);
  } finally {
    await dead.close();
  }
});

test('classification of proxmox-api message shapes that the simulator cannot produce', () => {
  const lockTimeout = classifyPveError(
    new Error(`PUT https://pve:8006/api2/json/nodes/pve/qemu/8001/config return Error 500 can't lock file '/var/lock/qemu-server/lock-8001.conf' - got timeout: {"data":null}`),
  );
  assert.equal((lockTimeout as Error).name, 'PveLocked');
  const unavailable = classifyPveError(new Error('GET https://pve:8006/api2/json/nodes/pve2/status connection failed with 595 Connection refused return: {"data":null,"errors":""}'));
  assert.equal((unavailable as Error).name, 'PveUnavailable');
  const notPve = new TypeError('x is not a function');
  assert.equal(classifyPveError(notPve), notPve, 'programming errors are not disguised');
});
