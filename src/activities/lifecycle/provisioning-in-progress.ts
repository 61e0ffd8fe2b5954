/**
 * Whether a guest's provisioning run (`phoenix-lxc-<ctid>` / `phoenix-vm-<vmid>`) is in progress,
 * so a lifecycle verb can refuse to act on a guest that is being built (one run per guest).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface ProvisioningState {
  running: boolean;
  /** ISO time the running run started. */
  startTime?: string;
}

export function createProvisioningInProgress(deps: Pick<ProvisioningDeps, 'temporal'>) {
  return async function provisioningInProgress({ workflowId }: { workflowId: string }): Promise<ProvisioningState> {
    return classified('look for a provisioning run in progress', workflowId, async () => {
      try {
        const d = await deps.temporal().workflow.getHandle(workflowId).describe();
        return d.status.name === 'RUNNING' ? { running: true, startTime: d.startTime.toISOString() } : { running: false };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { running: false };
        throw err;
      }
    });
  };
}
