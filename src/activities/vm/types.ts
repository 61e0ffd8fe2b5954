/**
 * The VM provisioning activities, as the workflow sees them (type-only import).
 */
import type { GuestInspection } from '../../shared/inspection';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';

export interface VmGuestInfo {
  ips: string[];
}

export interface VmActivities {
  /** Read-only: what a run would change (phoenix-client plan). */
  inspectVm(plan: VmPlan): Promise<GuestInspection>;
  loadVmPlan(input: { vmid: number }): Promise<VmPlan>;
  /** Makes sure the template VM exists and is a template, building it through its own workflow. */
  ensureVmTemplateReady(input: { vmid: number }): Promise<StepOutcome>;
  /** `isTemplate` reports the live state: a VM already converted to a template is finished. */
  ensureVmDefined(plan: VmPlan): Promise<StepOutcome & { isTemplate: boolean }>;
  applyVmConfigurations(plan: VmPlan): Promise<StepOutcome>;
  startVm(plan: VmPlan): Promise<StepOutcome>;
  waitForGuestAgent(plan: VmPlan): Promise<StepOutcome & VmGuestInfo>;
  /** First-boot features: waits for cloud-init to finish, surfacing a failing feature with its log. */
  waitForCloudInit(plan: VmPlan): Promise<StepOutcome>;
  createVmSnapshot(plan: VmPlan): Promise<StepOutcome>;
  /** Cleans cloud-init state and the machine id, stops the VM and converts it to a template. */
  convertVmToTemplate(plan: VmPlan): Promise<StepOutcome>;
}
