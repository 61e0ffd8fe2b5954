import { isIPv4, isIPv6 } from 'node:net';

/**
 * PVE's named string formats (`register_format` in pve-common, pve-storage, qemu-server,
 * pve-container), each throwing PVE's own message. `-list` and `-opt` variants are derived
 * as PVE does (split_list, empty allowed). A format not listed here is not checked:
 * docs/simulator.md lists them (`uncheckedFormats`).
 */
export class FormatError extends Error {}

type Check = (value: string) => void;

const bad = (message: string): never => {
  throw new FormatError(message);
};

const DNS_LABEL = '([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DNS_NAME = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const VOLUME_ID = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/is;
const DRIVE_NAME = /^(ide[0-3]|sata[0-5]|scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|efidisk0|tpmstate0)$/;

function cidr(value: string, v4: boolean): boolean {
  const m = /^(.*)\/(\d+)$/.exec(value);
  if (!m) return false;
  const bits = Number(m[2]);
  return v4 ? isIPv4(m[1]!) && bits > 7 && bits <= 32 : isIPv6(m[1]!) && bits > 7 && bits <= 128;
}

function volumeId(value: string): void {
  if (!VOLUME_ID.test(value)) bad(`unable to parse volume ID '${value}'\n`);
}

function volumeIdOrAbsolutePath(value: string): void {
  if (value.startsWith('/')) return;
  volumeId(value);
}

/** pve-container: no `.`/`..` path components in mount point paths. */
function lxcPath(value: string, what: string): void {
  if (/\/\.\.?\//.test(value) || /\/\.\.?$/.test(value) || /^\.\.?\//.test(value)) bad(`${what} contains illegal character sequences\n`);
}

const CONTENT_TYPES = new Set(['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import', 'none']);
const HOTPLUG = new Set(['network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit']);

const FORMATS: Record<string, Check> = {
  string: () => {},
  urlencoded: (v) => {
    if (!/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v)) bad(`invalid urlencoded string: ${v}\n`);
  },
  'pve-configid': (v) => {
    if (!/^[a-z][a-z0-9_-]+$/i.test(v)) bad(`invalid configuration ID '${v}'\n`);
  },
  'pve-storage-id': (v) => {
    if (!ID.test(v)) bad(`storage ID '${v}' contains illegal characters\n`);
  },
  'pve-bridge-id': (v) => {
    if (!/^[-_.\w\d]+$/.test(v)) bad(`invalid bridge ID '${v}'\n`);
  },
  'pve-vmid': (v) => {
    if (!/^[1-9][0-9]{2,8}$/.test(v)) bad('value does not look like a valid VM ID\n');
  },
  'pve-node': (v) => {
    if (!/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v)) bad('value does not look like a valid node name\n');
  },
  'mac-addr': (v) => {
    if (!/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v)) bad('value does not look like a valid unicast MAC address\n');
  },
  ipv4: (v) => {
    if (!isIPv4(v)) bad('value does not look like a valid IPv4 address\n');
  },
  ipv6: (v) => {
    if (!isIPv6(v)) bad('value does not look like a valid IPv6 address\n');
  },
  ip: (v) => {
    if (!isIPv4(v) && !isIPv6(v)) bad('value does not look like a valid IP address\n');
  },
  CIDR: (v) => {
    if (!cidr(v, true) && !cidr(v, false)) bad('value does not look like a valid CIDR network\n');
  },
  CIDRv4: (v) => {
    if (!cidr(v, true)) bad('value does not look like a valid IPv4 CIDR network\n');
  },
  CIDRv6: (v) => {
    if (!cidr(v, false)) bad('value does not look like a valid IPv6 CIDR network\n');
  },
  'pve-ipv4-config': (v) => {
    if (!/^(dhcp|manual)$/.test(v) && !cidr(v, true)) bad('value does not look like a valid ipv4 network configuration\n');
  },
  'pve-ipv6-config': (v) => {
    if (!/^(auto|dhcp|manual)$/.test(v) && !cidr(v, false)) bad('value does not look like a valid ipv6 network configuration\n');
  },
  'dns-name': (v) => {
    if (!DNS_NAME.test(v)) bad('value does not look like a valid DNS name\n');
  },
  address: (v) => {
    if (!isIPv4(v) && !isIPv6(v) && !DNS_NAME.test(v)) bad(`value does not look like a valid address: ${v}\n`);
  },
  'disk-size': (v) => {
    if (!/^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/.test(v)) bad(`value does not look like a valid disk size: ${v}\n`);
  },
  'pve-startup-order': (v) => {
    const parts = v.split(',').filter((p) => !/^\s*$/.test(p));
    if (!v || !parts.every((p) => /^(order=)?\d+$|^up=\d+$|^down=\d+$/.test(p))) bad('unable to parse startup options\n');
  },
  'pve-tag': (v) => {
    if (!/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v)) bad('invalid characters in tag\n');
  },
  'pve-task-status-type': (v) => {
    if (!/^(ok|error|warning|unknown)$/i.test(v)) bad(`invalid status '${v}'\n`);
  },
  'pve-volume-id': volumeId,
  'pve-volume-id-or-absolute-path': volumeIdOrAbsolutePath,
  'pve-volume-id-or-qm-path': (v) => {
    if (v === 'none' || v === 'cdrom') return;
    volumeIdOrAbsolutePath(v);
  },
  'pve-qm-ide': (v) => {
    if (v === 'none' || v === 'cdrom') return;
    volumeIdOrAbsolutePath(v);
  },
  'pve-qm-bootdisk': (v) => {
    if (!DRIVE_NAME.test(v)) bad(`invalid boot disk '${v}'\n`);
  },
  'pve-hotplug-features': (v) => {
    if (v === '0' || v === '1') return;
    for (const f of v.split(',')) if (!HOTPLUG.has(f)) bad(`invalid hotplug feature '${f}'\n`);
  },
  'pve-cpuset': (v) => {
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) bad(`unable to parse cpuset '${v}'\n`);
  },
  'pve-lxc-mp-string': (v) => lxcPath(v, v),
  'pve-lxc-dev-string': (v) => {
    lxcPath(v, v);
    if (!v.startsWith('/dev/')) bad(`${v} is not a valid device path\n`);
  },
  'pve-ct-timezone': (v) => {
    if (v === 'host' || v === 'UTC') return;
    if (!/^[A-Z][A-Za-z_-]+(\/[A-Z0-9][A-Za-z0-9_+-]*)+$/.test(v)) bad(`invalid time zone '${v}'\n`);
  },
  'lxc-ip-with-ll-iface': (v) => {
    const [ip, iface] = v.split('%');
    if (!isIPv4(ip!) && !isIPv6(ip!)) bad(`value does not look like a valid IP address\n`);
    if (iface !== undefined && (!isIPv6(ip!) || !/^fe80:/i.test(ip!))) bad(`value does not look like a valid IP address\n`);
  },
  'pve-storage-content': (v) => {
    if (!CONTENT_TYPES.has(v)) bad(`invalid content type '${v}'\n`);
  },
  'pve-poolid': (v) => {
    if (!/^[A-Za-z0-9_\-.]+$/.test(v)) bad(`pool name '${v}' contains illegal characters\n`);
  },
  'pve-realm': (v) => {
    if (!/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v)) bad(`realm '${v}' contains illegal characters\n`);
  },
  'storage-pair': (v) => {
    const [a, b, more] = v.split(':');
    if (more !== undefined || !ID.test(a!) || (b !== undefined && !ID.test(b))) bad(`invalid storage ID pair '${v}'\n`);
  },
};

/** PVE::Tools::split_list: NUL-separated, else `,` `;` and blanks. */
export function splitList(value: string): string[] {
  if (value.includes('\0')) return value.split('\0');
  return value.replace(/[,;]/g, ' ').trim().split(/\s+/).filter(Boolean);
}

/** The checker of a named format, or undefined when the simulator does not check it. */
export function namedFormat(name: string): Check | undefined {
  const m = /^(.*?)(?:-(list|opt))?$/.exec(name)!;
  const base = FORMATS[m[1]!];
  if (!base) return undefined;
  if (m[2] === 'list') return (v) => splitList(v).forEach(base);
  if (m[2] === 'opt') return (v) => (v ? base(v) : undefined);
  return base;
}
