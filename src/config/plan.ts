/**
 * What building a guest involves, worked out from the config alone (no Proxmox contact): the chain
 * of templates to build first and, for each, the steps the build workflow runs, with the values it
 * will use. Pure; `phoenix-client plan` prints it.
 */
import { ancestors, guestGraph } from './graph';
import { resolveGuest } from './guest';
import type { Guest, LxcGuest, PhoenixConfig, VmGuest } from './model';
import { cloneParentId, isTemplate, reconfigureSnapshotName } from './model';
import { clusterNodes, pinnedNode, templateHomeNode } from './cluster';
import { LXC_BUILD_STEPS, VM_BUILD_STEPS } from '../shared/steps';

/** Step names of the container and VM builds, in order: the provisioning workflows' own. */
export const LXC_STEPS = LXC_BUILD_STEPS;
export const VM_STEPS = VM_BUILD_STEPS;

export type StepName = (typeof LXC_STEPS)[number] | (typeof VM_STEPS)[number];

export interface PlannedStep {
  readonly step: StepName;
  readonly detail: string;
}

export interface GuestPlan {
  readonly id: number;
  readonly kind: Guest['kind'];
  readonly name: string;
  readonly template: boolean;
  /** Guests that must be built and running before this one starts (its `dependencies`). */
  readonly dependencies: readonly number[];
  readonly steps: readonly PlannedStep[];
  /** Where it goes and how its clone source gets there, as far as the config decides it. */
  readonly placement: { readonly node?: string; readonly why: string; readonly route?: string };
}

export interface TargetPlan {
  readonly target: number;
  /** Clone chain, root first, ending with the target. */
  readonly chain: readonly GuestPlan[];
}

export function planTargets(config: PhoenixConfig, ids: readonly number[]): TargetPlan[] {
  const graph = guestGraph(config);
  return ids.map((id) => {
    resolveGuest(config, id); // unknown IDs fail here with a clear error
    return { target: id, chain: ancestors(graph, id).map((a) => planGuest(config, resolveGuest(config, a))) };
  });
}

export function planGuest(config: PhoenixConfig, guest: Guest): GuestPlan {
  return {
    id: guest.id,
    kind: guest.kind,
    name: guest.name,
    template: isTemplate(guest),
    dependencies: guest.kind === 'lxc' ? guest.dependencies : [],
    steps: guest.kind === 'lxc' ? lxcSteps(config, guest) : vmSteps(guest),
    placement: placementOf(config, guest),
  };
}

/**
 * Offline: the pinned node (or that placement picks one at run time), and the route rule for a
 * clone whose template is elsewhere; the live plan adds what placement and the storages decided.
 */
function placementOf(config: PhoenixConfig, guest: Guest): GuestPlan['placement'] {
  const node = pinnedNode(config, guest) ?? (isTemplate(guest) ? templateHomeNode(config, guest) : undefined);
  const why =
    guest.node !== undefined ? 'named by its node key'
    : clusterNodes(config.hypervisor).length === 1 ? 'the only node'
    : isTemplate(guest) ? 'a template without a node lives on the API node'
    : `by free memory and cores${guest.kind === 'lxc' && guest.gpu_assignment.length ? ` on a node with GPU ${guest.gpu_assignment.join(',')} and room for its GPU memory claim` : ''}`;
  const parentId = cloneParentId(guest);
  if (parentId === undefined) return { ...(node ? { node } : {}), why };
  const parent = resolveGuest(config, parentId);
  const home = pinnedNode(config, parent) ?? templateHomeNode(config, parent);
  const route =
    node === home ? `local template ${parentId} on ${home}`
    : `template ${parentId} is on ${home}: on another node, a clone with target if storage ${parent.storage_pool} is shared, else a per-node copy of its chain (decided from the live storage)`;
  return { ...(node ? { node } : {}), why, route };
}

function lxcSteps(config: PhoenixConfig, ct: LxcGuest): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const add = (step: StepName, detail: string): void => void steps.push({ step, detail });

  if (ct.clone_from_ctid !== undefined) {
    const parent = resolveGuest(config, ct.clone_from_ctid);
    add('ensure_container_defined', `clone from ${parent.id} snapshot ${parent.kind === 'lxc' ? parent.template_snapshot_name : '?'}`);
  } else {
    add('ensure_container_defined', `create from ostemplate ${ct.template} on ${ct.storage_pool} (${ct.storage_size_gb} GiB)`);
  }
  const net = ct.network_config;
  const settings = [
    `${ct.cores} cores`,
    `${ct.memory_mb} MiB`,
    `net ${net.name} on ${net.bridge} ${net.ip}${net.gw ? ` gw ${net.gw}` : ''}`,
    ...(ct.gpu_assignment.length > 0 ? [`GPUs ${ct.gpu_assignment.join(',')}`] : []),
    ...[...ct.volumes, ...ct.zfs_volumes].map((v) => `volume ${v.name} ${v.pool}:${v.size_gb} at ${v.mount_point}`),
  ];
  add('apply_configurations', settings.join(', '));
  if (!isTemplate(ct)) add('create_pre_configured_snapshot', reconfigureSnapshotName(ct));
  if (ct.shared_mounts.length > 0) {
    add('apply_shared_volumes', ct.shared_mounts.map((m) => `${m.volume} ${m.host_path} at ${m.mount_point}`).join(', '));
  }
  add('start_container', ct.dependencies.length > 0 ? `after ${ct.dependencies.join(', ')} are running` : '');
  if (ct.features.length > 0) add('apply_features', ct.features.join(', '));
  if (ct.application_script) add('run_application_script', ct.application_script);
  if (ct.health_check) {
    const h = ct.health_check;
    add('run_health_check', `${h.command} (up to ${h.retries} tries, ${h.interval} s apart)`);
  }
  if (ct.template_snapshot_name) add('create_template_snapshot', ct.template_snapshot_name);
  return steps;
}

function vmSteps(vm: VmGuest): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const add = (step: StepName, detail: string): void => void steps.push({ step, detail });
  if (vm.clone_from_vmid !== undefined) {
    add('ensure_vm_defined', `full clone of template ${vm.clone_from_vmid} on ${vm.storage_pool}, disk ${vm.disk_size_gb} GiB`);
  } else {
    add('ensure_vm_defined', `create from cloud image ${vm.template_image} on ${vm.storage_pool}, disk ${vm.disk_size_gb} GiB`);
  }
  const net = vm.network_config;
  add(
    'apply_vm_configurations',
    `${vm.cores} cores, ${vm.memory_mb} MiB, ${vm.network_bridge} ${net.ip}${net.gw ? ` gw ${net.gw}` : ''}, cloud-init user ${vm.user_config.username}`,
  );
  add('start_vm', '');
  add('wait_for_guest_agent', '');
  add('wait_for_cloud_init', vm.features.length > 0 ? `first boot runs features: ${vm.features.join(', ')}` : 'first boot');
  if (vm.is_template) add('convert_to_template', 'clean cloud-init state and machine-id, stop, qm template');
  else add('create_vm_snapshot', reconfigureSnapshotName(vm));
  return steps;
}
