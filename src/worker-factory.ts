import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { DEFAULT_TASK_QUEUE } from './shared/task-queue';
import { PHOENIX_WORKFLOW_INTERCEPTOR_MODULES } from './workflow-bundle';
import { DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_SHUTDOWN_FORCE, DEFAULT_SHUTDOWN_GRACE, type WorkerSettings } from './worker-settings';

/**
 * Builds the Phoenix worker exactly as `phoenix-worker` runs it, so tests and the
 * demo can run the same worker in-process (`worker.runUntil(...)`).
 */
export interface PhoenixWorkerOptions
  extends Partial<Pick<WorkerSettings, 'taskQueue' | 'shutdownGraceTime' | 'shutdownForceTime' | 'maxCachedWorkflows'>> {
  connection: NativeConnection;
  namespace: string;
  /** Replaces individual activity dependencies (tests hand in simulator-backed clients). */
  deps?: Partial<ActivityDeps>;
  /**
   * A pre-built bundle (`bundleWorkflowCode({ workflowsPath: PHOENIX_WORKFLOWS_PATH, workflowInterceptorModules: PHOENIX_WORKFLOW_INTERCEPTOR_MODULES })`):
   * suites creating several workers bundle once instead of once per worker.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Stable worker identity in the Web UI and in task failures; the SDK's pid@host otherwise. */
  identity?: string;
}

/**
 * How often an activity's heartbeats reach the server at most. A cancellation reaches a running
 * activity only in the answer to a heartbeat, and the SDK's default throttle (80% of the
 * heartbeat timeout: 24 s with the presets) would leave a cancelled step's Proxmox task wait or
 * guest job wait running that long. Two seconds is one small RPC per long step every 2 s.
 */
export const HEARTBEAT_THROTTLE = '2s';

/** Resolves to src/workflows/index.ts under tsx and to dist/workflows/index.js when built. */
export const PHOENIX_WORKFLOWS_PATH = require.resolve('./workflows');

export async function createPhoenixWorker(options: PhoenixWorkerOptions): Promise<Worker> {
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const deps: ActivityDeps = {
    taskQueue,
    namespace: options.namespace,
    phoenixVersion: phoenixVersion(),
    ...options.deps,
  };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue,
    // Spread only when set: an explicit `identity: undefined` would replace the SDK's default.
    ...(options.identity ? { identity: options.identity } : {}),
    activities: createActivities(deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: PHOENIX_WORKFLOWS_PATH, interceptors: { workflowModules: PHOENIX_WORKFLOW_INTERCEPTOR_MODULES } }),
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    shutdownGraceTime: options.shutdownGraceTime ?? DEFAULT_SHUTDOWN_GRACE,
    shutdownForceTime: options.shutdownForceTime ?? DEFAULT_SHUTDOWN_FORCE,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  });
}

let cachedVersion: string | undefined;

/** package.json sits one level above both src/ and dist/. */
function phoenixVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  return cachedVersion;
}
