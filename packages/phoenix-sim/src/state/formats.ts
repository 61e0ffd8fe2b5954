import { paramError } from './errors';
import { randomMac } from './guests';
import { parsePropertyString } from './property-string';

/**
 * Property strings as PVE re-prints them after parsing: the leading key
 * first (`name` of an LXC NIC, the model of a QEMU NIC, the volume of a
 * mount point, then `mp`), everything else sorted; a NIC without `hwaddr`
 * gets a fresh MAC.
 */
function printSorted(first: Array<[string, string]>, rest: Map<string, string>): string {
  const tail = [...rest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  return [...first.map(([k, v]) => (k === '' ? v : `${k}=${v}`)), ...tail].join(',');
}

const LXC_NET_KEYS = new Set(['name', 'bridge', 'hwaddr', 'ip', 'gw', 'ip6', 'gw6', 'firewall', 'tag', 'trunks', 'rate', 'mtu', 'link_down', 'type', 'host-managed']);

export function normalizeLxcNet(key: string, value: string): string {
  const { props } = parsePropertyString(value);
  for (const k of props.keys()) {
    if (!LXC_NET_KEYS.has(k)) throw paramError({ [key]: `invalid format - format error\n${key}.${k}: property is not defined in schema and the schema does not allow additional properties\n` });
  }
  const name = props.get('name');
  if (!name) throw paramError({ [key]: `invalid format - format error\n${key}.name: property is missing and it is not optional\n` });
  props.delete('name');
  if (!props.has('hwaddr')) props.set('hwaddr', randomMac());
  if (!props.has('type')) props.set('type', 'veth');
  return printSorted([['name', name]], props);
}

const QEMU_NIC_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3', 'ne2k_pci', 'pcnet', 'i82551', 'i82557b', 'i82559er', 'ne2k_isa'];

export function normalizeQemuNet(key: string, value: string): string {
  const { head, props } = parsePropertyString(value);
  let model: string | undefined;
  let mac: string | undefined;
  // `virtio,bridge=vmbr0`: a bare model asks PVE for a new MAC.
  if (head !== undefined && QEMU_NIC_MODELS.includes(head)) props.set(head, '');
  for (const m of QEMU_NIC_MODELS) {
    if (props.has(m)) {
      model = m;
      mac = props.get(m) || undefined;
      props.delete(m);
      break;
    }
  }
  if (!model && props.has('model')) {
    model = props.get('model');
    mac = props.get('macaddr');
    props.delete('model');
    props.delete('macaddr');
  }
  if (!model) throw paramError({ [key]: `invalid format - format error\n${key}.model: property is missing and it is not optional\n` });
  return printSorted([[model, mac ?? randomMac()]], props);
}

/** Mount points: volume first, then `mp`, then the rest sorted. */
export function printMount(volume: string, props: Map<string, string>): string {
  const rest = new Map(props);
  const first: Array<[string, string]> = [['', volume]];
  const mp = rest.get('mp');
  if (mp !== undefined) {
    first.push(['mp', mp]);
    rest.delete('mp');
  }
  return printSorted(first, rest);
}

/** QEMU drives: volume first, then the rest sorted. */
export function printDrive(volume: string, props: Map<string, string>): string {
  return printSorted([['', volume]], props);
}
