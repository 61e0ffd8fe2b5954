/** create_vm_snapshot: the configured snapshot of a provisioned (non-template) VM, if missing. */
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { classified } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { vmLabel } from './label';

export function createCreateVmSnapshot(deps: ProvisioningDeps) {
  return async function createVmSnapshot(plan: VmPlan): Promise<StepOutcome> {
    const guest = vmLabel(plan);
    const name = plan.snapshot;
    if (!name) return { changed: false, summary: 'no snapshot configured' };
    return classified(`create the snapshot '${name}'`, guest, async () => {
      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const wait = (upid: string) =>
        pve.tasks.wait(upid, { what: `snapshot '${name}' of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
      const earlier = previousHeartbeat()?.upid ?? (await vm.findRunningTask('qmsnapshot'))?.upid;
      if (earlier) await wait(earlier).catch(() => undefined);
      if ((await vm.snapshots()).some((s) => s.name === name)) return { changed: false, summary: `snapshot '${name}' exists` };
      const upid = await vm.createSnapshot(name, { description: 'Phoenix: the VM as provisioned' });
      heartbeat({ upid });
      await wait(upid);
      return { changed: true, summary: `snapshot '${name}' taken` };
    });
  };
}
