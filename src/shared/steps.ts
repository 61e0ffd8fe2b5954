/**
 * The steps of a guest's provisioning, named after the original Phoenix's steps. The
 * workflows run them in this order, `phoenix-client plan` describes them, and the progress
 * view lists them. Bundled into workflow code: data only.
 */

/** Steps of the container build that act on the guest, in order. */
export const LXC_BUILD_STEPS = [
  'ensure_container_defined',
  'apply_configurations',
  'create_pre_configured_snapshot',
  'apply_shared_volumes',
  'start_container',
  'apply_features',
  'run_application_script',
  'run_health_check',
  'create_template_snapshot',
] as const;

/** Steps of the VM build that act on the guest, in order. */
export const VM_BUILD_STEPS = [
  'ensure_vm_defined',
  'apply_vm_configurations',
  'start_vm',
  'wait_for_guest_agent',
  'wait_for_cloud_init',
  'create_vm_snapshot',
  'convert_to_template',
] as const;

/** What every run does before building: resolve the plan, make sure the template it clones exists. */
export const PREPARATION_STEPS = ['load_plan', 'ensure_parent_template'] as const;

export const LXC_WORKFLOW_STEPS = [...PREPARATION_STEPS, ...LXC_BUILD_STEPS] as const;
export const VM_WORKFLOW_STEPS = [...PREPARATION_STEPS, ...VM_BUILD_STEPS] as const;
