// The foundation end to end: the real dev server from the shared launcher, the
// real Phoenix worker in-process, a real workflow and activity, search attributes
// through visibility, a determinism check by replay, and a clean stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { connectClient, connectWorker } from '../../src/temporal/connection';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { isPortInUse } from '../../src/temporal/free-port';
import { PhoenixId } from '../../src/shared/search-attributes';
import { diagnosticsWorkflowId } from '../../src/shared/workflow-ids';
import { workerDiagnosticsWorkflow } from '../../src/workflows';
import { waitFor } from 'phoenix-sim';
import { createPhoenixWorker } from '../../src/worker-factory';
import { phoenixWorkflowBundle } from './workflow-bundle';


describe('Temporal dev server, worker and diagnostics workflow', () => {
  let server: DevServer;
  let client: Client;
  let workerConnection: NativeConnection;
  let bundle: WorkflowBundle;
  // A queue of its own, so a stray worker from another suite can never answer.
  const taskQueue = `phoenix-test-${randomUUID()}`;
  const workflowId = diagnosticsWorkflowId(randomUUID());
  const phoenixId = `diag-${randomUUID()}`;
  let runId: string;

  before(async () => {
    installRuntimeLogging('WARN');
    server = await startDevServer({ uiPort: false });
    // Exactly how phoenix-client and phoenix-worker find Temporal: the environment.
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace };
    client = await connectClient({ env });
    workerConnection = (await connectWorker({ env })).connection;
    bundle = await phoenixWorkflowBundle();
  });

  after(async () => {
    await client?.connection.close();
    await workerConnection?.close();
    await server?.stop();
  });

  test('a Phoenix worker runs workerDiagnosticsWorkflow and its describeWorker activity', async () => {
    const worker = await createPhoenixWorker({
      connection: workerConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: { code: bundle.code },
    });
    const handle = await client.workflow.start(workerDiagnosticsWorkflow, {
      workflowId,
      taskQueue,
      typedSearchAttributes: [{ key: PhoenixId, value: phoenixId }],
    });
    const result = await worker.runUntil(handle.result());
    runId = handle.firstExecutionRunId;

    assert.equal(result.worker.pid, process.pid, 'the in-process worker ran the activity');
    assert.equal(result.worker.taskQueue, taskQueue);
    assert.equal(result.worker.namespace, server.namespace);
    assert.match(result.worker.phoenixVersion, /^\d+\.\d+\.\d+/);
    assert.deepEqual(result.workflow, { workflowId, runId, taskQueue, namespace: server.namespace });
  });

  test('the run is found through the custom search attributes it carries', async () => {
    assert.ok(runId, 'needs the run from the previous test');
    // PhoenixId was set at start, PhoenixStep upserted by the workflow at its end.
    const query = `PhoenixId='${phoenixId}' AND PhoenixStep='done' AND PhoenixKind='diagnostics'`;
    const found = await waitFor('the run to appear in visibility', async () => {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 15_000, 100);
    assert.deepEqual(found, [workflowId]);

    const none: string[] = [];
    for await (const execution of client.workflow.list({ query: `PhoenixId='${phoenixId}-other'` })) {
      none.push(execution.workflowId);
    }
    assert.deepEqual(none, [], 'the query really filters');
  });

  test('the recorded history replays deterministically against the current workflow code', async () => {
    assert.ok(runId, 'needs the run from the previous test');
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    assert.ok((history.events?.length ?? 0) > 5, 'a complete history was fetched');
    await Worker.runReplayHistory({ workflowBundle: { code: bundle.code } }, history, workflowId);
  });

  test('stop() ends the server process and frees its port', async () => {
    const port = Number(server.address.split(':').pop());
    await server.stop(); // the connections are closed by after(); a dead server must not block that

    const exit = await server.exited;
    assert.ok(exit.code !== null || exit.signal !== null, 'the process reported its exit');
    assert.throws(() => process.kill(server.pid, 0), { code: 'ESRCH' }, 'no process with that pid is left');
    assert.equal(await isPortInUse(port), false, `port ${port} is free again`);
  });
});
