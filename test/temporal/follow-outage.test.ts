// The CLI's follow through a Temporal outage (issue 15, window 5; issue 10, item 6): while the
// server is down the follow says so ("reconnecting") and keeps waiting; when it is back, the run's
// real outcome is reported. A follow that gives up before seeing the end reports the end as
// unseen, never as a failure of the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { follow } from '../../src/cli/runs/follow';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { HEARTBEAT_THROTTLE } from '../../src/worker-factory';
import { phoenixWorkflowBundle } from './workflow-bundle';
import { provisioningStubs, within } from './workflow-env';

test('follow waits out a Temporal outage with a visible line and reports the real outcome', { timeout: 240_000 }, async () => {
  installRuntimeLogging('ERROR');
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-outage-'));
  const dbFile = join(dir, 'temporal.db');
  let server: DevServer | undefined = await startDevServer({ uiPort: false, dbFile });
  const port = Number(server.address.split(':').pop());
  // The SDK retries each call for about 15 s before giving up (10 attempts); the follow's own
  // reconnect loop is what is under test, so the client gives up on a call after 3 attempts.
  const client = new Client({
    connection: await Connection.connect({
      address: server.address,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    }),
    namespace: server.namespace,
  });
  const connection = await NativeConnection.connect({ address: server.address });
  const stubs = provisioningStubs();
  const worker = await Worker.create({
    connection, namespace: server.namespace, taskQueue: 'outage', activities: stubs.activities,
    workflowBundle: await phoenixWorkflowBundle(),
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE, defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    shutdownGraceTime: '1s', shutdownForceTime: '3s',
  });
  try {
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('provisionLxc', { taskQueue: 'outage', workflowId: 'phoenix-lxc-401', args: [{ ctid: 401 }] });
      await within(20_000, 'the first step to start', stubs.startedFor(401).promise);
      const lines: Array<string | undefined> = [];
      const patient = follow(client, handle, { related: [], onStep: () => {}, onConnection: (p) => lines.push(p), pollMs: 200 });

      await server!.stop();
      server = undefined;
      const impatient = await follow(client, handle, { related: [], onStep: () => {}, pollMs: 200, reconnectForMs: 1_000 });
      assert.equal(impatient.ok, false);
      assert.equal(impatient.unseen, true, JSON.stringify(impatient));
      assert.match(String(impatient.error), /how the run ended was not seen/);
      assert.doesNotMatch(String(impatient.error), /failed/);
      assert.match(String(lines[0]), /Temporal is unreachable .*reconnecting/);

      // A restart on an existing database takes longer than a fresh start on a loaded machine.
      server = await startDevServer({ port, uiPort: false, dbFile, startTimeoutMs: 120_000 });
      stubs.release();
      const outcome = await within(60_000, 'the followed run to end', patient);
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(lines.at(-1), undefined, 'the follow said Temporal was back');
    });
  } finally {
    await connection.close().catch(() => undefined);
    await client.connection.close().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
