/**
 * Read-only: the live half of `phoenix-client plan`. Loads each guest's plan on the worker and
 * inspects the live state, returning what a provisioning run would change. Changes nothing.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { LxcActivities } from '../activities/lxc/types';
import type { VmActivities } from '../activities/vm/types';
import type { GuestInspection } from '../shared/inspection';
import { personWaitingRead } from './activity-presets';

export interface InspectGuestsInput {
  guests: Array<{ kind: 'lxc' | 'vm'; id: number }>;
}

const lxc = proxyActivities<LxcActivities>(personWaitingRead);
const vm = proxyActivities<VmActivities>(personWaitingRead);

export async function inspectGuests(input: InspectGuestsInput): Promise<GuestInspection[]> {
  const results: GuestInspection[] = [];
  for (const guest of input.guests) {
    if (guest.kind === 'lxc') results.push(await lxc.inspectContainer(await lxc.loadLxcPlan({ ctid: guest.id })));
    else results.push(await vm.inspectVm(await vm.loadVmPlan({ vmid: guest.id })));
  }
  return results;
}
