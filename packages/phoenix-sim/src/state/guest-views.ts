import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fail } from './errors';
import { firstBootUserData } from './cloudinit';
import { parsePropertyString } from './property-string';
import type { SimState } from './index';
import type { ConfigSection, GuestType } from './types';

/**
 * Read-only guest views PVE answers from the config: `pending` (the simulator applies every
 * change at once, so nothing is ever pending), the cloud-init settings and the documents
 * generated from them, a container's interfaces, and the guest agent's info calls.
 */
const CLOUDINIT_KEYS = /^(ciuser|cipassword|citype|ciupgrade|cicustom|sshkeys|nameserver|searchdomain|ipconfig\d+)$/;

function section(state: SimState, type: GuestType, node: string, vmid: string): ConfigSection {
  state.cluster.requireNode(node);
  return state.guests.require(type, node, Number(vmid)).config;
}

/** `GET .../pending`: every key with its current value, sorted as PVE sorts them. */
export function pending(state: SimState, type: GuestType, node: string, vmid: string): Array<Record<string, string | number>> {
  const config = section(state, type, node, vmid);
  return Object.keys(config)
    .sort()
    .map((key) => ({ key, value: key === 'cipassword' ? '**********' : /^\d+$/.test(config[key]!) && !/^(description|name|hostname)$/.test(key) ? Number(config[key]) : config[key]! }));
}

/** `GET qemu/{vmid}/cloudinit`: the cloud-init keys; none pending, as the drive is regenerated at once. */
export function cloudinitSettings(state: SimState, node: string, vmid: string): Array<Record<string, string>> {
  const config = section(state, 'qemu', node, vmid);
  return Object.keys(config)
    .filter((k) => CLOUDINIT_KEYS.test(k))
    .sort()
    .map((key) => ({ key, value: key === 'cipassword' ? '**********' : config[key]! }));
}

/** `GET qemu/{vmid}/cloudinit/dump?type=user|network|meta`: the generated document. */
export function cloudinitDump(state: SimState, node: string, vmid: string, type: string): string {
  const config = section(state, 'qemu', node, vmid);
  const custom = firstBootUserData(config, state.storages, (p) => readFileSync(state.storages.hostPath(p), 'utf8'));
  if (type === 'user') return custom.userData ?? '';
  if (type === 'meta') return `instance-id: ${createHash('sha1').update(JSON.stringify(config)).digest('hex')}\n`;
  if (custom.networkConfig) return custom.networkConfig;
  const lines = ['version: 1', 'config:'];
  for (const key of Object.keys(config).filter((k) => /^net\d+$/.test(k)).sort()) {
    const n = key.slice(3);
    const mac = ([...parsePropertyString(config[key]!).props.values()][0] ?? '').toLowerCase();
    const ip = parsePropertyString(config[`ipconfig${n}`] ?? '').props;
    lines.push('    - type: physical', `      name: eth${n}`, `      mac_address: '${mac}'`, '      subnets:');
    const v4 = ip.get('ip');
    if (!v4 || v4 === 'dhcp') lines.push('      - type: dhcp4');
    else lines.push('      - type: static', `        address: '${v4}'`, ...(ip.get('gw') ? [`        gateway: '${ip.get('gw')}'`] : []));
  }
  return `${lines.join('\n')}\n`;
}

/** `GET lxc/{vmid}/interfaces`: lo and each NIC with the address the simulator gives it. */
export function lxcInterfaces(state: SimState, node: string, vmid: string): Array<Record<string, string>> {
  const g = state.guests.require('lxc', node, Number(vmid));
  if (g.status !== 'running') throw fail(`CT ${g.vmid} not running`);
  const out = [{ name: 'lo', hwaddr: '00:00:00:00:00:00', inet: '127.0.0.1/8', inet6: '::1/128' }];
  for (const key of Object.keys(g.config).filter((k) => /^net\d+$/.test(k)).sort()) {
    const props = parsePropertyString(g.config[key]!).props;
    const ip = props.get('ip');
    const n = Number(key.slice(3));
    const inet = !ip || ip === 'dhcp' || ip === 'manual' ? `10.${(g.vmid >> 8) & 255}.${g.vmid & 255}.${10 + n}/24` : ip;
    out.push({ name: props.get('name') ?? `eth${n}`, hwaddr: (props.get('hwaddr') ?? '').toLowerCase(), inet, inet6: 'fe80::1/64' });
  }
  return out;
}

const AGENT_COMMANDS = ['exec', 'exec-status', 'file-read', 'file-write', 'fsfreeze-freeze', 'fsfreeze-status', 'fsfreeze-thaw', 'fstrim', 'get-fsinfo', 'get-host-name', 'get-memory-block-info', 'get-memory-blocks', 'get-osinfo', 'get-time', 'get-timezone', 'get-users', 'get-vcpus', 'info', 'network-get-interfaces', 'ping', 'set-user-password', 'shutdown', 'suspend-disk', 'suspend-hybrid', 'suspend-ram'];

/** `GET qemu/{vmid}/agent`: the index of agent commands. */
export function agentIndex(): Array<{ name: string }> {
  return AGENT_COMMANDS.map((name) => ({ name }));
}

export function agentInfo(state: SimState, node: string, vmid: string): { result: Record<string, unknown> } {
  state.qemu.agentReady(node, vmid);
  const supported = ['guest-exec', 'guest-exec-status', 'guest-get-osinfo', 'guest-info', 'guest-network-get-interfaces', 'guest-ping'];
  return { result: { version: '8.2.2', supported_commands: supported.map((name) => ({ name, enabled: true, 'success-response': name !== 'guest-shutdown' })) } };
}

export function agentOsInfo(state: SimState, node: string, vmid: string): { result: Record<string, string> } {
  state.qemu.agentReady(node, vmid);
  return { result: { id: 'ubuntu', name: 'Ubuntu', 'pretty-name': 'Ubuntu 24.04 LTS', 'version-id': '24.04', version: '24.04 LTS (Noble Numbat)', 'kernel-release': '6.8.0-31-generic', 'kernel-version': '#31-Ubuntu SMP PREEMPT_DYNAMIC', machine: 'x86_64' } };
}
