/**
 * Checks that span entries or files, run once every file is valid on its own. Each error names the
 * key to change. Where PVE itself would refuse the result, the message says what PVE does.
 */
import { CONFIG_FILES } from './files';
import { findCycles, guestGraph } from './graph';
import { ipv4Subnet, ipv4ToNumber, numberToIpv4, parseIpv4Cidr } from './ipv4';
import type { ConfigIssue } from './issues';
import type { Guest, LxcGuest, PhoenixConfig, VmGuest } from './model';
import { isTemplate } from './model';
import { hostSetupChecks } from './setup-checks';
import { clusterChecks } from './cluster-checks';

/** Where a guest lives in its file, for error paths: `lxc_configs.950` or `vms[1]`. */
export type GuestLocator = (guest: Guest) => { file: string; path: string };

export interface CheckResult {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

export function crossChecks(config: PhoenixConfig, vmIndex: ReadonlyMap<number, number>): CheckResult {
  const locate: GuestLocator = (g) =>
    g.kind === 'lxc' ? { file: CONFIG_FILES.lxc, path: `lxc_configs.${g.id}` } : { file: CONFIG_FILES.vm, path: `vms[${vmIndex.get(g.id)}]` };
  const at = (g: Guest, key: string, message: string): ConfigIssue => {
    const { file, path } = locate(g);
    return { file, path: `${path}.${key}`, message };
  };
  const errors = [
    ...uniqueIds(config, at),
    ...creationSources(config, at),
    ...cloneParents(config, at),
    ...dependencyTargets(config, at),
    ...cycles(config, at),
    ...uniqueAddresses(config, at),
    ...gatewaysAndHostAddresses(config, at),
    ...sharedVolumeMounts(config),
    ...hostSetupChecks(config),
    ...clusterChecks(config, at),
  ];
  return { errors, warnings: mountPointClashes(config, at) };
}

type At = (g: Guest, key: string, message: string) => ConfigIssue;

const describeGuest = (g: Guest): string => (g.kind === 'lxc' ? `container ${g.id}` : `VM ${g.id}`);
const parentKey = (g: Guest): string => (g.kind === 'lxc' ? 'clone_from_ctid' : 'clone_from_vmid');

function uniqueIds(config: PhoenixConfig, at: At): ConfigIssue[] {
  const ctids = new Set(config.containers.map((c) => c.id));
  return config.vms
    .filter((vm) => ctids.has(vm.id))
    .map((vm) => at(vm, 'vmid', `${vm.id} is also a container in ${CONFIG_FILES.lxc}; IDs must be unique across containers and VMs`));
}

function creationSources(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const ct of config.containers) {
    if (ct.template === undefined && ct.clone_from_ctid === undefined)
      out.push(at(ct, 'template', 'is required unless clone_from_ctid is set: say which ostemplate to create the container from'));
    if (ct.template !== undefined && ct.clone_from_ctid !== undefined)
      out.push(at(ct, 'template', 'set either template (create from an ostemplate) or clone_from_ctid (clone a template container), not both'));
  }
  for (const vm of config.vms) {
    if (vm.template_image === undefined && vm.clone_from_vmid === undefined)
      out.push(at(vm, 'template_image', 'is required unless clone_from_vmid is set: say which cloud image to build the VM from'));
    if (vm.template_image !== undefined && vm.clone_from_vmid !== undefined)
      out.push(at(vm, 'template_image', 'set either template_image (build from a cloud image) or clone_from_vmid (clone a template VM), not both'));
    if (vm.is_template && vm.template_snapshot_name !== undefined)
      out.push(
        at(vm, 'template_snapshot_name', 'a VM template cannot keep snapshots (PVE refuses `qm template` on a VM with snapshots); drop template_snapshot_name or is_template'),
      );
  }
  return out;
}

function cloneParents(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const byId = guestsById(config);
  for (const g of [...config.containers, ...config.vms]) {
    const parentId = g.kind === 'lxc' ? g.clone_from_ctid : g.clone_from_vmid;
    if (parentId === undefined) continue;
    const parent = byId.get(parentId);
    const key = parentKey(g);
    if (parentId === g.id) out.push(at(g, key, 'a guest cannot be cloned from itself'));
    else if (!parent) out.push(at(g, key, `parent ${parentId} does not exist`));
    else if (parent.kind !== g.kind)
      out.push(at(g, key, `parent ${parentId} is a ${parent.kind === 'lxc' ? 'container' : 'VM'}; a ${g.kind === 'lxc' ? 'container' : 'VM'} can only be cloned from a ${g.kind === 'lxc' ? 'container' : 'VM'}`));
    else if (!isTemplate(parent))
      out.push(
        at(
          g,
          key,
          parent.kind === 'lxc'
            ? `parent ${parentId} is not a template: give container ${parentId} a template_snapshot_name (the snapshot clones are made from)`
            : `parent ${parentId} is not a template: set is_template on VM ${parentId} (the original Phoenix, like PVE linked clones, clones only template VMs)`,
        ),
      );
  }
  return out;
}

function dependencyTargets(config: PhoenixConfig, at: At): ConfigIssue[] {
  const byId = guestsById(config);
  const out: ConfigIssue[] = [];
  for (const ct of config.containers) {
    ct.dependencies.forEach((dep, i) => {
      if (dep === ct.id) out.push(at(ct, `dependencies[${i}]`, 'a container cannot depend on itself'));
      else if (!byId.has(dep)) out.push(at(ct, `dependencies[${i}]`, `${dep} is neither a container nor a VM in this configuration`));
    });
  }
  return out;
}

function cycles(config: PhoenixConfig, at: At): ConfigIssue[] {
  const byId = guestsById(config);
  return findCycles(guestGraph(config)).map((cycle) => {
    const first = byId.get(cycle[0]!)!;
    const next = cycle[1]!;
    const key = (first.kind === 'lxc' ? first.clone_from_ctid : first.clone_from_vmid) === next ? parentKey(first) : 'dependencies';
    return at(first, key, `cycle through clone_from and dependencies: ${cycle.join(' → ')}`);
  });
}

function uniqueAddresses(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const ipOwners = new Map<string, string>();
  const hostAddress = config.hypervisor.network?.interfaces?.address;
  const hostIp = hostAddress ? parseIpv4Cidr(hostAddress)?.address : undefined;
  if (hostIp) ipOwners.set(hostIp, `the Proxmox host (network.interfaces.address in ${CONFIG_FILES.hypervisor})`);
  const macOwners = new Map<string, string>();
  for (const g of [...config.containers, ...config.vms]) {
    const ip = g.network_config?.ip;
    const cidr = ip && ip !== 'dhcp' ? parseIpv4Cidr(ip) : undefined;
    if (cidr) {
      const owner = ipOwners.get(cidr.address);
      if (owner) out.push(at(g, 'network_config.ip', `${cidr.address} is already used by ${owner}`));
      else ipOwners.set(cidr.address, describeGuest(g));
    }
    if (g.kind === 'lxc' && g.mac_address) {
      const mac = g.mac_address.toUpperCase();
      const owner = macOwners.get(mac);
      if (owner) out.push(at(g, 'mac_address', `${g.mac_address} is already used by ${owner}`));
      else macOwners.set(mac, describeGuest(g));
    }
  }
  return out;
}

/**
 * A static address must be a host address of its subnet, and the gateway a different host of the
 * same subnet: PVE accepts anything, and the guest then boots without a route. /31 and /32 have no
 * network or broadcast address (RFC 3021 point-to-point; a /32 needs an on-link route PVE sets up).
 */
function gatewaysAndHostAddresses(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const g of [...config.containers, ...config.vms]) {
    const ip = g.network_config?.ip;
    const cidr = ip && ip !== 'dhcp' ? parseIpv4Cidr(ip) : undefined;
    if (!cidr) continue;
    const { network, broadcast } = ipv4Subnet(cidr);
    const subnet = `${numberToIpv4(network)}/${cidr.prefix}`;
    const own = ipv4ToNumber(cidr.address);
    const edges = cidr.prefix <= 30;
    if (edges && own === network) out.push(at(g, 'network_config.ip', `${cidr.address} is the network address of ${subnet}, not a host address`));
    if (edges && own === broadcast) out.push(at(g, 'network_config.ip', `${cidr.address} is the broadcast address of ${subnet}, not a host address`));
    const gw = g.network_config?.gw;
    if (!gw || cidr.prefix === 32) continue;
    const gateway = ipv4ToNumber(gw);
    if (gateway === own) out.push(at(g, 'network_config.gw', `${gw} is the guest's own address (network_config.ip); the gateway is another host, usually the router`));
    else if (gateway < network || gateway > broadcast) out.push(at(g, 'network_config.gw', `${gw} is not in the guest's subnet ${subnet} (from network_config.ip ${ip}): the guest could not reach it`));
    else if (edges && (gateway === network || gateway === broadcast))
      out.push(at(g, 'network_config.gw', `${gw} is the ${gateway === network ? 'network' : 'broadcast'} address of ${subnet}, not a host address`));
  }
  return out;
}

function sharedVolumeMounts(config: PhoenixConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const byId = guestsById(config);
  for (const [volume, spec] of Object.entries(config.hypervisor.shared_volumes ?? {})) {
    for (const ctidKey of Object.keys(spec.mounts)) {
      const path = `shared_volumes.${volume}.mounts.${ctidKey}`;
      const guest = byId.get(Number(ctidKey));
      const file = CONFIG_FILES.hypervisor;
      if (!guest) out.push({ file, path, message: `container ${ctidKey} does not exist in ${CONFIG_FILES.lxc}` });
      else if (guest.kind === 'vm') out.push({ file, path, message: `${ctidKey} is a VM; shared volumes are bind mounts for containers` });
      else if (isTemplate(guest))
        out.push({
          file,
          path,
          message:
            `container ${ctidKey} is a template (it has template_snapshot_name), and PVE cannot snapshot or clone a container ` +
            `with bind mounts: mount shared volume "${volume}" into the containers cloned from it instead`,
        });
    }
  }
  return out;
}

/**
 * Two mounts at one path in a container: the later one hides the earlier. PVE accepts it, and the
 * original's own files do it (CT 950 mounts both a zfs_volume and the vllm_models shared volume at
 * /vllm_models), so this is a warning.
 */
function mountPointClashes(config: PhoenixConfig, at: At): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const ct of config.containers) {
    const seen = new Map<string, string>();
    const claim = (mountPoint: string, what: string, where: ConfigIssue): void => {
      const prev = seen.get(mountPoint);
      if (prev) out.push({ ...where, message: `${what} mounts at ${mountPoint}, where ${prev} is mounted too; one hides the other` });
      else seen.set(mountPoint, what);
    };
    ct.volumes.forEach((v, i) => claim(v.mount_point, `volume "${v.name}"`, at(ct, `volumes[${i}].mount_point`, '')));
    ct.zfs_volumes.forEach((v, i) => claim(v.mount_point, `volume "${v.name}"`, at(ct, `zfs_volumes[${i}].mount_point`, '')));
    for (const m of ct.shared_mounts) {
      const where = { file: CONFIG_FILES.hypervisor, path: `shared_volumes.${m.volume}.mounts.${ct.id}`, message: '' };
      claim(m.mount_point, `shared volume "${m.volume}"`, where);
    }
  }
  return out;
}

function guestsById(config: PhoenixConfig): Map<number, LxcGuest | VmGuest> {
  return new Map<number, LxcGuest | VmGuest>([...config.containers, ...config.vms].map((g) => [g.id, g]));
}
