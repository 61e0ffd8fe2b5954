/** The live half of `phoenix-client plan` for a VM: presence, state, cores/memory, snapshot. Read-only. */
import type { GuestInspection, PendingChange } from '../../shared/inspection';
import type { VmPlan } from '../../shared/vm-plan';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createInspectVm(deps: ProvisioningDeps) {
  return async function inspectVm(plan: VmPlan): Promise<GuestInspection> {
    return classified('inspect the live state', `VM ${plan.vmid} (${plan.name}) on ${plan.node}`, async () => {
      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const changes: PendingChange[] = [];
      const presence = await vm.presence();
      if (presence.state === 'absent') {
        const how = plan.source.kind === 'clone' ? `full clone of template ${plan.source.parentVmid}` : `create from ${plan.source.image}`;
        changes.push({ step: 'ensure_vm_defined', change: how }, { step: 'all later steps', change: 'run on the new VM' });
        return { kind: 'vm', id: plan.vmid, state: 'absent', changes };
      }
      if (presence.state === 'creating') return { kind: 'vm', id: plan.vmid, state: 'creating', changes: [{ step: 'ensure_vm_defined', change: `finish the ${presence.lock} in progress` }] };
      const live = presence.config;
      if (String(live.template) === '1') return { kind: 'vm', id: plan.vmid, state: 'template', changes };
      if (String(live.cores) !== String(plan.cores)) changes.push({ step: 'apply_vm_configurations', change: `cores: ${String(live.cores)} → ${plan.cores}` });
      if (String(live.memory) !== String(plan.memoryMb)) changes.push({ step: 'apply_vm_configurations', change: `memory: ${String(live.memory)} → ${plan.memoryMb}` });
      const running = (await vm.status()).status === 'running';
      if (!running) changes.push({ step: 'start_vm', change: 'start' });
      if (plan.isTemplate) changes.push({ step: 'convert_to_template', change: 'clean cloud-init and the machine id, stop, convert' });
      else if (plan.snapshot && !(await vm.snapshots()).some((s) => s.name === plan.snapshot)) changes.push({ step: 'create_vm_snapshot', change: `take '${plan.snapshot}'` });
      return { kind: 'vm', id: plan.vmid, state: running ? 'running' : 'stopped', changes };
    });
  };
}
