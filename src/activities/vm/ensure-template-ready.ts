/**
 * A clone needs its template VM (converted: `template: 1`). When it is missing or not yet
 * converted, the template's own workflow (`phoenix-vm-<id>`) builds it: started with
 * USE_EXISTING, so two clones asking at once join one build. This activity waits for that
 * run, heartbeating; a retry after a worker crash joins the same run again.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { StepOutcome } from '../../shared/progress';
import { PhoenixId, PhoenixKind } from '../../shared/search-attributes';
import { vmWorkflowId } from '../../shared/workflow-ids';
import { classified, permanent } from '../common/classify';
import { awaitWorkflowRun } from '../common/await-workflow';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createEnsureVmTemplateReady(deps: ProvisioningDeps) {
  async function isTemplate(vmid: number): Promise<boolean> {
    const pve = await deps.pve();
    const { api } = await deps.connection();
    // Several nodes: the template is wherever the cluster has it (else not built yet).
    const node = (await pve.cluster.findGuest(vmid))?.node ?? api.node;
    const presence = await pve.node(node).qemu(vmid).presence();
    return presence.state === 'present' && Number(presence.config.template) === 1;
  }

  return async function ensureVmTemplateReady({ vmid }: { vmid: number }): Promise<StepOutcome> {
    return classified('ensure the template VM is built', `template VM ${vmid}`, async () => {
      if (await isTemplate(vmid)) return { changed: false, summary: `template VM ${vmid} is ready` };

      const workflowId = vmWorkflowId(vmid);
      const handle = await deps.temporal().workflow.start('provisionVm', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ vmid }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: PhoenixId, value: String(vmid) },
          { key: PhoenixKind, value: 'vm' },
        ],
        staticSummary: `Template VM ${vmid} (needed by a clone)`,
      });
      try {
        // The template build is shared: cancelling this wait must not cancel it.
        await awaitWorkflowRun(handle, `waiting for ${workflowId} (${handle.firstExecutionRunId})`);
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          throw permanent(`the build of template VM ${vmid} (${workflowId}) failed: ${err.cause?.message ?? err.message}`, 'PhoenixTemplateFailed');
        }
        throw err;
      }
      if (!(await isTemplate(vmid))) throw permanent(`${workflowId} finished but VM ${vmid} is not a template (is_template in the config?)`);
      return { changed: true, summary: `built template VM ${vmid} (${workflowId})` };
    });
  };
}
