/**
 * Fast workflow-logic tests: `@temporalio/testing`'s local environment on the installed `temporal`
 * binary (nothing downloads), Phoenix's search attributes registered, Phoenix's real workflows,
 * and activities the test supplies (stubs that block, record and obey cancellation).
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { findTemporalBinary } from '../../src/temporal/temporal-binary';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { HEARTBEAT_THROTTLE, PHOENIX_WORKFLOWS_PATH } from '../../src/worker-factory';
import { silentLogger } from './replay-helpers';

export interface WorkflowTestEnv {
  env: TestWorkflowEnvironment;
  /** Runs `body` while a worker with these activities polls a task queue of its own. */
  withWorker<T>(activities: object, body: (taskQueue: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startWorkflowTestEnv(): Promise<WorkflowTestEnv> {
  installRuntimeLogging('ERROR');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: findTemporalBinary() }, searchAttributes: [...PHOENIX_SEARCH_ATTRIBUTES], ip: '127.0.0.1' },
  });
  let bundle: WorkflowBundle | undefined;
  return {
    env,
    async withWorker(activities, body) {
      bundle ??= await bundleWorkflowCode({ workflowsPath: PHOENIX_WORKFLOWS_PATH, logger: silentLogger });
      const taskQueue = `test-${randomUUID()}`;
      const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowBundle: bundle, activities,
        // As phoenix-worker does: a cancellation reaches a heartbeating activity within seconds.
        maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE, defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
      });
      return worker.runUntil(body(taskQueue));
    },
    close: () => env.teardown(),
  };
}

/** A promise with its resolve function, for stubs that signal the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
