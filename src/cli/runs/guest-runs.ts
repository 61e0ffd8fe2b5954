/**
 * Starting and finding provisioning runs. One workflow per guest with a fixed id
 * (`phoenix-lxc-<ctid>` / `phoenix-vm-<vmid>`), started with USE_EXISTING: a `start` while a
 * run is in progress attaches to it instead of racing it.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Guest } from '../../config';
import { PhoenixId, PhoenixKind, PhoenixTemplate } from '../../shared/search-attributes';
import { lxcWorkflowId, vmWorkflowId } from '../../shared/workflow-ids';

export interface GuestRun {
  id: number;
  kind: 'lxc' | 'vm';
  name: string;
  workflowId: string;
  runId: string;
  /** False when an earlier `start` is still running and we joined it. */
  started: boolean;
  handle: WorkflowHandle;
}

export function workflowIdFor(guest: Pick<Guest, 'kind' | 'id'>): string {
  return guest.kind === 'lxc' ? lxcWorkflowId(guest.id) : vmWorkflowId(guest.id);
}

export function workflowTypeFor(kind: Guest['kind']): string {
  return kind === 'lxc' ? 'provisionLxc' : 'provisionVm';
}

/** The lifecycle verbs' workflow ids for a guest (`phoenix-<verb>-<lxc|vm>-<id>`), but reconfigure's (it provisions through the guest's own id). */
const BLOCKING_VERBS = ['stop', 'restart', 'delete'] as const;

/** A stop, restart or delete of the guest in progress: provisioning now would race it. */
export class GuestBusy extends Error {
  override name = 'GuestBusy';
}

async function refuseWhileVerbRuns(client: Client, guest: Pick<Guest, 'kind' | 'id'>): Promise<void> {
  for (const verb of BLOCKING_VERBS) {
    const workflowId = `phoenix-${verb}-${guest.kind}-${guest.id}`;
    const status = await client.workflow.getHandle(workflowId).describe().then((d) => d.status.name, (err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    if (status === 'RUNNING') {
      throw new GuestBusy(`${guest.kind === 'lxc' ? 'CT' : 'VM'} ${guest.id}: not started: ${workflowId} is running; wait for it to end, then start again`);
    }
  }
}

export async function startOrAttach(client: Client, guest: Guest, taskQueue: string): Promise<GuestRun> {
  const workflowId = workflowIdFor(guest);
  await refuseWhileVerbRuns(client, guest); // one run per guest
  const parent = guest.kind === 'lxc' ? guest.clone_from_ctid : guest.clone_from_vmid;
  const calledAt = Date.now();
  const handle = await client.workflow.start(workflowTypeFor(guest.kind), {
    workflowId,
    taskQueue,
    args: [guest.kind === 'lxc' ? { ctid: guest.id } : { vmid: guest.id }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: PhoenixId, value: String(guest.id) },
      { key: PhoenixKind, value: guest.kind },
      ...(parent !== undefined ? [{ key: PhoenixTemplate, value: String(parent) }] : []),
    ],
    staticSummary: `${guest.kind === 'lxc' ? 'Container' : 'VM'} ${guest.id} (${guest.name})`,
  });
  const description = await handle.describe();
  const started = startedByThisCall(description.startTime, calledAt);
  return { id: guest.id, kind: guest.kind, name: guest.name, workflowId, runId: description.runId, started, handle };
}

/**
 * Whether a start with USE_EXISTING began the run (rather than joining one in progress). The start
 * response does not say; a run that began before the call (with a second of slack for clock
 * skew) was already there.
 */
export function startedByThisCall(runStartTime: Date, calledAt: number): boolean {
  return runStartTime.getTime() >= calledAt - 1000;
}

export function webUiUrl(base: string, namespace: string, workflowId: string, runId: string): string {
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}
