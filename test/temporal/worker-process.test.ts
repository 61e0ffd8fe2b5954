// phoenix-worker as operators run it: a separate process configured only through
// the environment, serving the diagnostics workflow, then shutting down gracefully
// on SIGTERM. Runs src/worker.ts through tsx so it tests the source, not a stale dist/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { waitFor } from 'phoenix-sim';
import { connectClient } from '../../src/temporal/connection';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { REPO_ROOT } from '../../src/temporal/temporal-binary';
import { diagnosticsWorkflowId } from '../../src/shared/workflow-ids';
import { findFreePort } from '../../src/temporal/free-port';
import { workerDiagnosticsWorkflow } from '../../src/workflows';

const WORKER_ENTRY = join(REPO_ROOT, 'src', 'worker.ts');

interface RunningWorker {
  child: ChildProcess;
  output: () => string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

function spawnWorker(env: Record<string, string>): RunningWorker {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    cwd: REPO_ROOT,
    // Only what the test sets: a developer's TEMPORAL_* must not leak in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output: () => output, exit };
}

async function waitForOutput(worker: RunningWorker, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${pattern} in the worker output`, () => {
    if (pattern.test(worker.output())) return true;
    if (worker.child.exitCode !== null) assert.fail(`worker exited early:\n${worker.output()}`);
    return undefined;
  }, timeoutMs, 100).catch((err: Error) => assert.fail(`${err.message}:\n${worker.output()}`));
}

describe('phoenix-worker process', () => {
  let server: DevServer;
  let client: Client;
  const started: RunningWorker[] = [];

  before(async () => {
    server = await startDevServer({ uiPort: false });
    client = await connectClient({ address: server.address, namespace: server.namespace });
  });

  after(async () => {
    for (const { child } of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await client?.connection.close();
    await server?.stop();
  });

  test('serves the task queue named in PHOENIX_TASK_QUEUE and stops cleanly on SIGTERM', async () => {
    const taskQueue = `phoenix-test-${randomUUID()}`;
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      PHOENIX_TASK_QUEUE: taskQueue,
      PHOENIX_SHUTDOWN_GRACE: '2s',
      PHOENIX_SHUTDOWN_FORCE: '10s',
      PHOENIX_LOG_LEVEL: 'WARN',
    });
    started.push(worker);
    await waitForOutput(worker, /serving task queue/);
    assert.match(worker.output(), new RegExp(`'${taskQueue}' at ${server.address} namespace=default \\(plaintext\\)`));

    const result = await client.workflow.execute(workerDiagnosticsWorkflow, {
      workflowId: diagnosticsWorkflowId(randomUUID()),
      taskQueue,
    });
    assert.equal(result.worker.pid, worker.child.pid, 'the spawned worker ran the activity');
    assert.equal(result.worker.taskQueue, taskQueue);

    worker.child.kill('SIGTERM');
    const [code, signal] = await worker.exit;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, worker.output());
    assert.match(worker.output(), /phoenix-worker: stopped/);
  });

  test('refuses a malformed setting, naming the variable, before connecting', async () => {
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: server.address,
      PHOENIX_SHUTDOWN_GRACE: 'soon',
    });
    started.push(worker);
    const [code] = await worker.exit;
    assert.equal(code, 1);
    assert.match(worker.output(), /PHOENIX_SHUTDOWN_GRACE must be a duration such as "30s".*got "soon"/);
  });

  test('exposes the Temporal runtime metrics for Prometheus on PHOENIX_METRICS_ADDRESS', async () => {
    const taskQueue = `phoenix-test-${randomUUID()}`;
    const address = `127.0.0.1:${await findFreePort()}`;
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      PHOENIX_TASK_QUEUE: taskQueue,
      PHOENIX_METRICS_ADDRESS: address,
      PHOENIX_SHUTDOWN_GRACE: '2s',
      PHOENIX_SHUTDOWN_FORCE: '10s',
      PHOENIX_LOG_LEVEL: 'WARN',
    });
    started.push(worker);
    await waitForOutput(worker, /serving task queue/);
    assert.match(worker.output(), new RegExp(`Prometheus metrics at http://${address}/metrics`));
    await client.workflow.execute(workerDiagnosticsWorkflow, { workflowId: diagnosticsWorkflowId(randomUUID()), taskQueue });

    // Counters are exported on the next collection; poll briefly for the completed workflow.
    const text = await waitFor('temporal_workflow_completed in /metrics', async () => {
      const body = await (await fetch(`http://${address}/metrics`)).text();
      return /temporal_workflow_completed/.test(body) ? body : undefined;
    }, 20_000, 500);
    assert.match(text, /^# (HELP|TYPE) temporal_/m, 'a Prometheus exposition of temporal_* metrics');
    assert.match(text, new RegExp(`temporal_workflow_completed\\w*\\{[^}]*task_queue="${taskQueue}"`), text.slice(0, 2000));

    worker.child.kill('SIGTERM');
    await worker.exit;
  });

  test('refuses a metrics address that is not host:port', async () => {
    const worker = spawnWorker({ TEMPORAL_ADDRESS: server.address, PHOENIX_METRICS_ADDRESS: '9464' });
    started.push(worker);
    const [code] = await worker.exit;
    assert.equal(code, 1);
    assert.match(worker.output(), /PHOENIX_METRICS_ADDRESS must be host:port/);
  });
});
