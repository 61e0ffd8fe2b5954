/**
 * The workflows a Phoenix worker registers (`workflowsPath` points here). Every
 * module reachable from this file is bundled into the workflow sandbox: no Node
 * built-ins, no I/O, activities imported as types only.
 */
export { workerDiagnosticsWorkflow } from './diagnostics';
export { provisionLxc } from './lxc/provision-lxc';
export { provisionVm } from './vm/provision-vm';
export { rebuildTemplates } from './rebuild/rebuild-templates';
export { phoenixUp } from './fleet/phoenix-up';
export { guestLifecycle } from './fleet/guest-lifecycle';
export { inspectGuests } from './inspect-guests';
export { setupHypervisor } from './setup/setup-hypervisor';
export { inspectHostSetup } from './setup/inspect-setup';
export { cloneLock } from './clone-lock/clone-lock';
