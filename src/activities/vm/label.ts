import type { VmPlan } from '../../shared/vm-plan';

/** How messages name the VM: `VM 8001 (docker-vm-01) on pve`. */
export const vmLabel = (plan: Pick<VmPlan, 'vmid' | 'name' | 'node'>) => `VM ${plan.vmid} (${plan.name}) on ${plan.node}`;
