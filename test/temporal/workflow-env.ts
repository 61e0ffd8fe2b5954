/**
 * Fast workflow-logic tests: `@temporalio/testing`'s local environment on the installed `temporal`
 * binary (nothing downloads), Phoenix's search attributes registered, Phoenix's real workflows,
 * and activities the test supplies (stubs that block, record and obey cancellation).
 */
import type { CloneLockState } from '../../src/shared/clone-lock';
import type { CloneTaskHooks } from '../../src/activities/common/clone-task-hooks';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { cloneInSlotActivities } from '../../src/activities/lifecycle/clone-in-slot';
import { createRequestCloneSlot } from '../../src/activities/lifecycle/request-clone-slot';
import type { ProvisioningDeps } from '../../src/activities/common/provisioning-deps';
import type { LxcPlan } from '../../src/shared/lxc-plan';
import type { StepOutcome } from '../../src/shared/progress';
import type { VmPlan } from '../../src/shared/vm-plan';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { findTemporalBinary } from '../../src/temporal/temporal-binary';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { HEARTBEAT_THROTTLE } from '../../src/worker-factory';
import { phoenixWorkflowBundle } from './workflow-bundle';

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
      bundle ??= await phoenixWorkflowBundle();
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

const ok = async () => ({ changed: false, summary: 'ok' });

export function plan(ctid: number): LxcPlan {
  return {
    ctid, hostname: `ct${ctid}`, node: 'pve', source: { kind: 'ostemplate', ostemplate: 'local:vztmpl/x.tar.zst' }, storage: 'local-zfs',
    rootfsGb: 8, unprivileged: true, cores: 1, memoryMb: 512, swapMb: 0, net0: { name: 'eth0', bridge: 'vmbr0', ip: 'dhcp' }, onboot: false,
    pctFeatures: {}, apparmorProfile: 'generated', apparmorManagesNesting: false, lxcOptions: [], volumes: [], sharedVolumes: [],
    gpuIndices: [], features: [], healthChecks: [],
  };
}

/** Provisioning stubs whose ensure_container_defined step blocks until released (or cancelled). */
export function provisioningStubs() {
  const started = new Map<number, ReturnType<typeof deferred<void>>>();
  const released = deferred<void>();
  const cancelled = deferred<string>();
  const startedFor = (ctid: number) => started.get(ctid) ?? started.set(ctid, deferred<void>()).get(ctid)!;
  return {
    startedFor,
    release: () => released.resolve(undefined),
    cancelled: cancelled.promise,
    activities: {
      loadLxcPlan: async ({ ctid }: { ctid: number }) => plan(ctid),
      // The trust preflight (API certificate, SSH host key) has nothing to check here.
      verifyTrust: async () => ({ summary: 'trusted', cached: true }),
      async ensureContainerDefined(p: LxcPlan) {
        startedFor(p.ctid).resolve(undefined);
        const ctx = Context.current();
        let done = false;
        void released.promise.then(() => (done = true));
        try {
          while (!done) {
            ctx.heartbeat();
            await ctx.sleep(100);
          }
        } catch (err) {
          if (err instanceof CancelledFailure) cancelled.resolve(`CT ${p.ctid}`);
          throw err;
        }
        return { changed: true, summary: 'created' };
      },
      applyConfigurations: ok,
      applySharedVolumes: ok,
      startContainer: ok,
    },
  };
}

export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * requestCloneSlot as the worker runs it, against the test server's cloneLock workflow, with a
 * host where no guest exists yet (so every clone asks for its source's slot).
 */
export function cloneSlotStub(client: Client) {
  const absentEverywhere = (async () => {
    const guest = { presence: async () => ({ state: 'absent' }) };
    return { node: () => ({ lxc: () => guest, qemu: () => guest }) };
  }) as unknown as ProvisioningDeps['pve'];
  return createRequestCloneSlot({ pve: absentEverywhere, temporal: () => client });
}

/**
 * Fake PVE clone tasks for stubs: a stub starts one (and reports its UPID through the clone
 * activity's `cloneTaskStarted` hook), then ends it; `stopped` is the in-slot activities' wait for
 * a task to stop (a clone granted ahead waits for the holder's task). An unknown UPID has stopped.
 */
/** Who waits for a clone lock's slot, in the order served: its successor granted ahead (committed), then its queue. */
export function lockWaiters(state: CloneLockState): string[] {
  return [...(state.successor ? [state.successor.holder] : []), ...state.queue].map((h) => h.workflowId);
}

/** The UPID a test's fake clone of guest `id` runs under. */
export const fakeCloneUpid = (id: number) => `UPID:pve:fake:vzclone:${id}`;

/** `promise`, or the abort of `signal` as a rejection. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

export function fakeCloneTasks() {
  const tasks = new Map<string, { ended: ReturnType<typeof deferred<void>>; running: boolean }>();
  const task = (upid: string) => tasks.get(upid) ?? tasks.set(upid, { ended: deferred<void>(), running: false }).get(upid)!;
  return {
    start(upid: string): void {
      task(upid).running = true;
    },
    end(upid: string): void {
      task(upid).running = false;
      task(upid).ended.resolve(undefined);
    },
    /** Some task is running now (a clone must never start while one does). */
    anyRunning: () => [...tasks.values()].some((t) => t.running),
    ended: (upid: string) => task(upid).ended.promise,
    /** Resolves once the clone making guest `id` (its task named fakeCloneUpid(id)) has started and ended: what PVE would show a clone granted before that task. */
    made(id: number, signal: AbortSignal): Promise<void> {
      return abortable(task(fakeCloneUpid(id)).ended.promise, signal);
    },
    stopped(upid: string, signal: AbortSignal): Promise<void> {
      if (!tasks.has(upid)) return Promise.resolve();
      return abortable(task(upid).ended.promise, signal);
    },
  };
}

/**
 * The activities with the clone-slot activities as the worker runs them (requestCloneSlot, and
 * cloneContainerInSlot / cloneVmInSlot around the stubs' own ensureContainerDefined /
 * ensureVmDefined), against the test server's cloneLock, no guest existing yet. A clone granted
 * ahead waits for the end of a task of `tasks`.
 */
export function withCloneSlots<A extends { ensureContainerDefined?: (p: never, cloneTask: never) => Promise<StepOutcome>; ensureVmDefined?: (p: never, cloneTask: never) => Promise<StepOutcome & { isTemplate: boolean }> }>(
  client: Client,
  activities: A,
  tasks: ReturnType<typeof fakeCloneTasks> = fakeCloneTasks(),
) {
  const missing = (name: string) => () => Promise.reject(new Error(`the test stubs no ${name}`));
  // Stubs take any argument shape (some record a feature's name); they are called with the plan.
  // A stub may take the slot's hooks: the release when its "clone task" ends, the report of its UPID when it starts.
  const container = activities.ensureContainerDefined as ((p: LxcPlan, cloneTask: CloneTaskHooks) => Promise<StepOutcome>) | undefined;
  const vm = activities.ensureVmDefined as ((p: VmPlan, cloneTask: CloneTaskHooks) => Promise<StepOutcome & { isTemplate: boolean }>) | undefined;
  return {
    ...activities,
    requestCloneSlot: cloneSlotStub(client),
    ...cloneInSlotActivities({
      temporal: () => client,
      exists: async () => false,
      taskStopped: (upid, signal) => tasks.stopped(upid, signal),
      cloneEnded: (_source, made, signal) => tasks.made(made.id, signal),
      defineContainer: (p, cloneTask) => (container ?? missing('ensureContainerDefined'))(p, cloneTask),
      defineVm: (p, cloneTask) => (vm ?? missing('ensureVmDefined'))(p, cloneTask),
    }),
  };
}
