/**
 * start_vm: start if not running, and wait for the start task. A retry re-attaches to the
 * start it sent (heartbeated UPID) or finds one still running; QEMU reports "already
 * running" as a task error, which counts as done.
 */
import { isAlreadyRunning } from '../../proxmox/errors';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { classified } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { vmLabel } from './label';

export function createStartVm(deps: ProvisioningDeps) {
  return async function startVm(plan: VmPlan): Promise<StepOutcome> {
    const guest = vmLabel(plan);
    return classified('start the VM', guest, async () => {
      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const wait = (upid: string) =>
        pve.tasks.wait(upid, { what: `start of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) }).catch((err: unknown) => {
          if (!isAlreadyRunning(err)) throw err;
        });

      const earlier = previousHeartbeat()?.upid ?? (await vm.findRunningTask('qmstart'))?.upid;
      if (earlier) {
        heartbeat({ upid: earlier });
        await wait(earlier).catch(() => undefined);
      }
      const result = await vm.start();
      if (result.alreadyRunning) return earlier ? { changed: true, summary: 'started (re-attached)' } : { changed: false, summary: 'already running' };
      if (result.upid) {
        heartbeat({ upid: result.upid });
        await wait(result.upid);
      }
      return { changed: true, summary: 'started' };
    });
  };
}
