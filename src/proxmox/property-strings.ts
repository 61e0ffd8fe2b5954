// PVE "property strings": the `key=value,key=value` values of net0, rootfs/mpN, features,
// startup, ipconfig0, agent, cicustom, devN. Pure functions, no Node built-ins, so
// workflow-side planning code can import this file too.
//
// Comparisons are semantic (order-insensitive, boolean spellings folded, keys PVE fills
// in by itself ignored) so "only the difference" diffs do not flap.

export type PropertyValue = string | number | boolean | undefined | null;
export type PropertyFields = Record<string, PropertyValue>;
/** Parsed property string: keys in the order they appeared, values as strings. */
export type PropertyMap = Record<string, string>;

export interface PropertyFormat {
  /** Key whose value may appear first without `key=` (`rootfs: local-zfs:8,...` → `volume`). */
  defaultKey?: string;
  /** Preferred key order when formatting; other keys follow in insertion order. */
  keyOrder?: readonly string[];
  /** Keys PVE adds on its own (e.g. a generated `hwaddr`): ignored by `satisfies` when not asked for. */
  pveFilled?: readonly string[];
  /** Keys that are case-insensitive (MAC addresses). */
  caseInsensitive?: readonly string[];
}

export const NET_FORMAT: PropertyFormat = {
  keyOrder: ['name', 'bridge', 'hwaddr', 'ip', 'gw', 'ip6', 'gw6', 'firewall', 'tag', 'trunks', 'rate', 'mtu', 'link_down', 'type'],
  pveFilled: ['hwaddr', 'type'],
  caseInsensitive: ['hwaddr'],
};
export const MOUNT_FORMAT: PropertyFormat = {
  defaultKey: 'volume',
  keyOrder: ['volume', 'mp', 'size', 'acl', 'ro', 'quota', 'backup', 'replicate', 'shared', 'mountoptions', 'keepattrs'],
  pveFilled: ['size'],
};
export const FEATURES_FORMAT: PropertyFormat = { keyOrder: ['nesting', 'keyctl', 'fuse', 'mknod', 'mount', 'force_rw_sys'] };
export const STARTUP_FORMAT: PropertyFormat = { defaultKey: 'order', keyOrder: ['order', 'up', 'down'] };
export const IPCONFIG_FORMAT: PropertyFormat = { keyOrder: ['ip', 'gw', 'ip6', 'gw6'] };
export const AGENT_FORMAT: PropertyFormat = { defaultKey: 'enabled', keyOrder: ['enabled', 'fstrim_cloned_disks', 'freeze-fs-on-backup', 'type'] };
export const CICUSTOM_FORMAT: PropertyFormat = { keyOrder: ['user', 'network', 'meta', 'vendor'] };
export const DEVICE_FORMAT: PropertyFormat = { defaultKey: 'path', keyOrder: ['path', 'mode', 'uid', 'gid', 'deny-write'] };

// Keys whose values are PVE booleans; `1`, `true`, `yes`, `on` all mean the same.
const BOOLEAN_KEYS = new Set([
  'firewall', 'link_down', 'host-managed', 'acl', 'ro', 'quota', 'backup', 'replicate', 'shared', 'keepattrs',
  'nesting', 'keyctl', 'fuse', 'mknod', 'force_rw_sys', 'enabled', 'fstrim_cloned_disks', 'freeze-fs-on-backup', 'deny-write',
]);

function foldBoolean(key: string, value: string): string {
  if (!BOOLEAN_KEYS.has(key)) return value;
  if (/^(1|true|yes|on)$/i.test(value)) return '1';
  if (/^(0|false|no|off)$/i.test(value)) return '0';
  return value;
}

/** Parses `name=eth0,bridge=vmbr0` (and `local-zfs:8,mp=/x` with a default key). */
export function parsePropertyString(value: string, format: PropertyFormat = {}): PropertyMap {
  const out: PropertyMap = {};
  if (value.trim() === '') return out;
  value.split(',').forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq === -1) {
      if (i === 0 && format.defaultKey) {
        out[format.defaultKey] = part.trim();
        return;
      }
      throw new Error(`property string ${JSON.stringify(value)}: '${part}' is not key=value`);
    }
    const key = part.slice(0, eq).trim();
    if (!key) throw new Error(`property string ${JSON.stringify(value)}: empty key`);
    if (key in out) throw new Error(`property string ${JSON.stringify(value)}: duplicate key '${key}'`);
    out[key] = part.slice(eq + 1).trim();
  });
  return out;
}

function valueToString(key: string, v: Exclude<PropertyValue, undefined | null>): string {
  const s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  // PVE property strings have no escaping: these characters would change the meaning.
  if (/[,\n\r\0]/.test(s)) throw new Error(`property '${key}' value ${JSON.stringify(s)} must not contain ',' or line breaks`);
  return s;
}

/** Formats fields as a property string; undefined/null fields are left out. */
export function formatPropertyString(fields: PropertyFields, format: PropertyFormat = {}): string {
  const keys = Object.keys(fields).filter((k) => fields[k] !== undefined && fields[k] !== null);
  const order = format.keyOrder ?? [];
  keys.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia === -1 ? order.length : ia) - (ib === -1 ? order.length : ib);
  });
  return keys
    .map((k) => {
      const v = valueToString(k, fields[k] as Exclude<PropertyValue, undefined | null>);
      if (!/^[A-Za-z0-9_-]+$/.test(k)) throw new Error(`property key ${JSON.stringify(k)} is not a PVE property name`);
      return k === format.defaultKey ? v : `${k}=${v}`;
    })
    .join(',');
}

function normalized(map: PropertyMap, format: PropertyFormat): PropertyMap {
  const out: PropertyMap = {};
  for (const [k, v] of Object.entries(map)) {
    let value = foldBoolean(k, v);
    if (format.caseInsensitive?.includes(k)) value = value.toUpperCase();
    out[k] = value;
  }
  return out;
}

/** Same keys, same values, in any order. */
export function propertyStringsEqual(a: string, b: string, format: PropertyFormat = {}): boolean {
  const na = normalized(parsePropertyString(a, format), format);
  const nb = normalized(parsePropertyString(b, format), format);
  const ka = Object.keys(na);
  return ka.length === Object.keys(nb).length && ka.every((k) => nb[k] === na[k]);
}

/**
 * Does the live value already give what `desired` asks for? Every desired key must match;
 * extra live keys are fine only if PVE fills them in itself (`hwaddr`, `type=veth`, `size`).
 */
export function propertyStringSatisfies(live: string, desired: string, format: PropertyFormat = {}): boolean {
  const nl = normalized(parsePropertyString(live, format), format);
  const nd = normalized(parsePropertyString(desired, format), format);
  for (const [k, v] of Object.entries(nd)) if (nl[k] !== v) return false;
  for (const k of Object.keys(nl)) if (!(k in nd) && !format.pveFilled?.includes(k)) return false;
  return true;
}

// ---- typed helpers for the formats Phoenix writes ----

export interface NetSettings {
  name: string;
  bridge: string;
  hwaddr?: string;
  /** `10.0.0.5/24`, `dhcp` or `manual`. */
  ip?: string;
  gw?: string;
  ip6?: string;
  gw6?: string;
  firewall?: boolean;
  tag?: number;
  mtu?: number;
  rate?: number;
  type?: 'veth';
}
export const formatNet = (n: NetSettings): string => formatPropertyString({ ...n }, NET_FORMAT);
export function parseNet(value: string): NetSettings {
  const m = parsePropertyString(value, NET_FORMAT);
  if (!m.name || !m.bridge) throw new Error(`net property string ${JSON.stringify(value)} needs name= and bridge=`);
  return {
    ...m,
    name: m.name,
    bridge: m.bridge,
    firewall: m.firewall === undefined ? undefined : foldBoolean('firewall', m.firewall) === '1',
    tag: m.tag === undefined ? undefined : Number(m.tag),
    mtu: m.mtu === undefined ? undefined : Number(m.mtu),
    rate: m.rate === undefined ? undefined : Number(m.rate),
  } as NetSettings;
}

export interface StartupSettings {
  order?: number;
  /** Seconds to wait after starting this guest before the next. */
  up?: number;
  down?: number;
}
export const formatStartup = (s: StartupSettings): string => formatPropertyString({ order: s.order, up: s.up, down: s.down }, { keyOrder: STARTUP_FORMAT.keyOrder });
export function parseStartup(value: string): StartupSettings {
  const m = parsePropertyString(value, STARTUP_FORMAT);
  const num = (v?: string) => (v === undefined ? undefined : Number(v));
  return { order: num(m.order), up: num(m.up), down: num(m.down) };
}

export interface LxcFeatures {
  nesting?: boolean;
  keyctl?: boolean;
  fuse?: boolean;
  mknod?: boolean;
  /** Allowed file system types, e.g. ['nfs', 'cifs']. */
  mount?: string[];
  force_rw_sys?: boolean;
}
export function formatFeatures(f: LxcFeatures): string {
  // A flag that is off is the same as an absent one; leaving it out keeps diffs quiet.
  const on = (v: boolean | undefined) => (v ? true : undefined);
  return formatPropertyString(
    { nesting: on(f.nesting), keyctl: on(f.keyctl), fuse: on(f.fuse), mknod: on(f.mknod), force_rw_sys: on(f.force_rw_sys), mount: f.mount?.length ? f.mount.join(';') : undefined },
    FEATURES_FORMAT,
  );
}
export function parseFeatures(value: string): LxcFeatures {
  const m = parsePropertyString(value, FEATURES_FORMAT);
  const out: LxcFeatures = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'mount') out.mount = v.split(';').filter(Boolean);
    else (out as Record<string, boolean>)[k] = foldBoolean(k, v) === '1';
  }
  return out;
}

export interface MountPointSettings {
  /** `local-zfs:32` (new volume), `local-zfs:subvol-901-disk-1`, a host dir (bind) or `/dev/...` (device). */
  volume: string;
  mp?: string;
  size?: string;
  ro?: boolean;
  backup?: boolean;
  acl?: boolean;
  quota?: boolean;
  replicate?: boolean;
  shared?: boolean;
  mountoptions?: string[];
}
export function formatMountPoint(m: MountPointSettings): string {
  return formatPropertyString({ ...m, mountoptions: m.mountoptions?.length ? m.mountoptions.join(';') : undefined }, MOUNT_FORMAT);
}
export function parseMountPoint(value: string): MountPointSettings {
  const m = parsePropertyString(value, MOUNT_FORMAT);
  if (!m.volume) throw new Error(`mount point ${JSON.stringify(value)} has no volume`);
  const out: MountPointSettings = { volume: m.volume };
  for (const [k, v] of Object.entries(m)) {
    if (k === 'volume') continue;
    if (k === 'mountoptions') out.mountoptions = v.split(';').filter(Boolean);
    else if (BOOLEAN_KEYS.has(k)) (out as unknown as Record<string, boolean>)[k] = foldBoolean(k, v) === '1';
    else (out as unknown as Record<string, string>)[k] = v;
  }
  return out;
}

/** How PVE treats a mount point's volume: bind and device mounts are root@pam-only and block snapshots/clones. */
export function mountPointKind(volume: string): 'volume' | 'bind' | 'device' {
  if (volume.startsWith('/dev/')) return 'device';
  if (volume.startsWith('/')) return 'bind';
  return 'volume';
}

export interface IpConfigSettings {
  /** `10.0.0.5/24` or `dhcp`. */
  ip?: string;
  gw?: string;
  ip6?: string;
  gw6?: string;
}
export const formatIpConfig = (c: IpConfigSettings): string => formatPropertyString({ ...c }, IPCONFIG_FORMAT);
export const parseIpConfig = (v: string): IpConfigSettings => parsePropertyString(v, IPCONFIG_FORMAT);

export interface AgentSettings {
  enabled: boolean;
  fstrim_cloned_disks?: boolean;
  'freeze-fs-on-backup'?: boolean;
  type?: 'virtio' | 'isa';
}
export const formatAgent = (a: AgentSettings): string => formatPropertyString({ ...a }, { keyOrder: AGENT_FORMAT.keyOrder });
export function parseAgent(value: string): AgentSettings {
  const m = parsePropertyString(value, AGENT_FORMAT);
  return {
    ...m,
    enabled: foldBoolean('enabled', m.enabled ?? '0') === '1',
    fstrim_cloned_disks: m.fstrim_cloned_disks === undefined ? undefined : foldBoolean('fstrim_cloned_disks', m.fstrim_cloned_disks) === '1',
    'freeze-fs-on-backup': m['freeze-fs-on-backup'] === undefined ? undefined : foldBoolean('freeze-fs-on-backup', m['freeze-fs-on-backup']) === '1',
  } as AgentSettings;
}

export interface CiCustomSettings {
  /** Volume ids of `snippets` content, e.g. `local:snippets/user-8001.yml`. */
  user?: string;
  network?: string;
  meta?: string;
  vendor?: string;
}
export const formatCiCustom = (c: CiCustomSettings): string => formatPropertyString({ ...c }, CICUSTOM_FORMAT);
export const parseCiCustom = (v: string): CiCustomSettings => parsePropertyString(v, CICUSTOM_FORMAT);

/**
 * `sshkeys` for PUT/POST qemu config. PVE expects the value itself percent-encoded
 * (`%20` for spaces, never `+`: its check is `^[-%a-zA-Z0-9_.!~*'()]*$` followed by
 * uri_unescape); proxmox-api's form encoding then adds the second layer.
 */
export function encodeSshKeys(keys: string | readonly string[]): string {
  const list = (typeof keys === 'string' ? keys.split('\n') : [...keys]).map((k) => k.trim()).filter(Boolean);
  for (const k of list) {
    if (!/^(ssh-|ecdsa-|sk-)[A-Za-z0-9@._-]+ [A-Za-z0-9+/=]+( .*)?$/.test(k)) {
      throw new Error(`not an OpenSSH public key line: ${JSON.stringify(k.slice(0, 40))}`);
    }
  }
  // encodeURIComponent leaves exactly PVE's unreserved set (-_.!~*'()) unescaped.
  return encodeURIComponent(list.join('\n') + (list.length ? '\n' : ''));
}

/** Inverse of encodeSshKeys (GET config returns the encoded form). */
export function decodeSshKeys(value: string): string[] {
  return decodeURIComponent(value)
    .split('\n')
    .map((k) => k.trim())
    .filter(Boolean);
}
