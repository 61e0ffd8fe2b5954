/**
 * The setup workflow's own decisions, against the real dev server with stand-in activities:
 * the reboot runs only when the host says why, with the boot id it leaves; a worker configured
 * for another node stops the run at once; a cancelled run ends CANCELED, not FAILED.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { SetupActivities } from '../../src/activities/setup';
import { setupWorkflowId, type SetupStepOutcome } from '../../src/shared/setup';
import { connectClient, connectWorker } from '../../src/temporal/connection';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { phoenixWorkflowBundle } from '../temporal/workflow-bundle';

const unchanged: SetupStepOutcome = { changed: false, summary: 'unchanged', changes: [] };

/** Stand-ins for every setup activity, recording the calls; `overrides` replace some. */
function standIns(calls: string[], overrides: Partial<Record<keyof SetupActivities, (...args: any[]) => Promise<unknown>>> = {}) {
  const names: Array<keyof SetupActivities> = [
    'setupInitialSettings', 'setupZfsPools', 'setupZfsDatasets', 'setupProxmoxStorages', 'setupVfio', 'setupNvidiaDriver', 'setupVerifyDriver',
    'setupGpuInit', 'setupFirewall', 'setupNfsExports', 'setupUsers', 'setupSamba', 'setupApparmor', 'setupIdmap',
  ];
  const acts: Record<string, (...args: any[]) => Promise<unknown>> = {
    loadSetupSettings: async () => ({ node: 'pve', rebootTimeoutMs: 60_000 }),
    rebootNeeds: async () => ({ bootId: 'boot-1', reasons: [] }),
    rebootHost: async () => ({ changed: true, summary: 'rebooted', changes: ['reboot'] }),
  };
  for (const n of names) acts[n] = async () => unchanged;
  Object.assign(acts, overrides);
  return Object.fromEntries(Object.entries(acts).map(([k, f]) => [k, async (...args: unknown[]) => (calls.push(`${k} ${JSON.stringify(args[0] ?? null)}`), f(...args))]));
}

describe('setupHypervisor workflow', () => {
  let server: DevServer;
  let client: Client;
  let connection: NativeConnection;
  let bundle: WorkflowBundle;

  before(async () => {
    installRuntimeLogging('WARN');
    server = await startDevServer({ uiPort: false });
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace };
    client = await connectClient({ env });
    connection = (await connectWorker({ env })).connection;
    bundle = await phoenixWorkflowBundle();
  });

  after(async () => {
    await client?.connection.close();
    await connection?.close();
    await server?.stop();
  });

  async function runWith(activities: object, body: (taskQueue: string) => Promise<void>) {
    const taskQueue = `setup-${randomUUID()}`;
    const worker = await Worker.create({ connection, namespace: server.namespace, taskQueue, workflowBundle: { code: bundle.code }, activities });
    await worker.runUntil(body(taskQueue));
  }

  it('skips the reboot when the host needs none, and reboots with the boot id it leaves when it does', { timeout: 120_000 }, async () => {
    const calls: string[] = [];
    await runWith(standIns(calls), async (taskQueue) => {
      const result = await client.workflow.execute('setupHypervisor', { taskQueue, workflowId: `${setupWorkflowId('pve')}-${randomUUID()}`, args: [{ node: 'pve', wipeDisks: false }] });
      assert.equal((result as { steps: unknown[] }).steps.length, 14, 'every step but the skipped reboot');
    });
    assert.ok(!calls.some((c) => c.startsWith('rebootHost')));
    assert.ok(calls.some((c) => c.startsWith('setupZfsPools {"apply":true,"wipeDisks":false,')));

    const again: string[] = [];
    const reasons = ['NVIDIA driver 580.76.05 is installed but not loaded'];
    await runWith(standIns(again, { rebootNeeds: async () => ({ bootId: 'boot-7', reasons }) }), async (taskQueue) => {
      await client.workflow.execute('setupHypervisor', { taskQueue, workflowId: `${setupWorkflowId('pve')}-${randomUUID()}`, args: [{ node: 'pve', wipeDisks: true }] });
    });
    const order = again.map((c) => c.split(' ')[0]);
    assert.deepEqual(order.slice(order.indexOf('setupNvidiaDriver'), order.indexOf('setupVerifyDriver') + 1), ['setupNvidiaDriver', 'rebootNeeds', 'rebootHost', 'setupVerifyDriver']);
    assert.ok(again.includes(`rebootHost ${JSON.stringify({ bootIdBefore: 'boot-7', reasons, timeoutMs: 60_000 })}`), again.join('\n'));
  });

  it('stops at once on a worker configured for another node', { timeout: 60_000 }, async () => {
    const calls: string[] = [];
    await runWith(standIns(calls, { loadSetupSettings: async () => ({ node: 'pve2', rebootTimeoutMs: 60_000 }) }), async (taskQueue) => {
      await assert.rejects(
        client.workflow.execute('setupHypervisor', { taskQueue, workflowId: `${setupWorkflowId('pve')}-${randomUUID()}`, args: [{ node: 'pve', wipeDisks: false }] }),
        (err: unknown) => err instanceof WorkflowFailedError && /manages node pve2, not pve/.test(err.cause?.message ?? ''),
      );
    });
    assert.deepEqual(calls.map((c) => c.split(' ')[0]), ['loadSetupSettings']);
  });

  it('a cancelled run ends CANCELED', { timeout: 60_000 }, async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const waitForever = async () => {
      started();
      for (;;) {
        Context.current().heartbeat();
        await Context.current().sleep(200);
      }
    };
    await runWith(standIns([], { setupZfsPools: waitForever }), async (taskQueue) => {
      const handle = await client.workflow.start('setupHypervisor', { taskQueue, workflowId: `${setupWorkflowId('pve')}-${randomUUID()}`, args: [{ node: 'pve', wipeDisks: false }] });
      await running;
      await handle.cancel();
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof Error && err.cause.name === 'CancelledFailure');
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
    });
  });
});
