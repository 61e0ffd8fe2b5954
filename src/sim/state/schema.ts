import { SCHEMA_MISSING, SCHEMA_UNKNOWN, paramError } from './errors';
import type { ConfigSection, GuestType, Params } from './types';

/**
 * The parts of PVE's JSON schema the simulator enforces: which keys exist
 * (anything else, including raw `lxc.*` keys, is `property is not defined in
 * schema ...`), their JSON types, and the value checks with PVE's texts.
 */
export type ValueKind = 'int' | 'bool' | 'number' | 'string';

const LXC_KEYS: Array<[RegExp, ValueKind]> = [
  [/^(cores|memory|swap|cpuunits|tty)$/, 'int'],
  [/^(onboot|protection|unprivileged|template|console|debug)$/, 'bool'],
  [/^(cpulimit)$/, 'number'],
  [/^(lock|ostype|hostname|description|searchdomain|nameserver|timezone|rootfs|cmode|features|hookscript|tags|arch|startup|entrypoint|env|parent|snaptime)$/, 'string'],
  [/^(mp|net|unused|dev)\d+$/, 'string'],
];

const QEMU_KEYS: Array<[RegExp, ValueKind]> = [
  [/^(cores|sockets|balloon|vcpus|cpuunits|shares|migrate_downtime|migrate_speed)$/, 'int'],
  [/^(onboot|template|protection|numa|acpi|kvm|tablet|localtime|autostart|ciupgrade|freeze|reboot)$/, 'bool'],
  [/^(cpulimit)$/, 'number'],
  [
    /^(memory|agent|arch|args|bios|boot|bootdisk|cdrom|cicustom|cipassword|citype|ciuser|cpu|description|efidisk0|hookscript|hotplug|hugepages|keyboard|lock|machine|meta|name|nameserver|ostype|scsihw|searchdomain|smbios1|sshkeys|startup|tags|tpmstate0|vga|vmgenid|watchdog|parent|snaptime|vmstate|runningmachine|runningcpu|affinity|rng0|audio0|spice_enhancements|ivshmem|startdate|tdf|kvm64)$/,
    'string',
  ],
  [/^(net|ide|sata|scsi|virtio|ipconfig|hostpci|usb|serial|parallel|unused|numa|virtiofs)\d+$/, 'string'],
];

const LXC_CREATE_ONLY = new Set(['ostemplate', 'storage', 'password', 'ssh-public-keys', 'start', 'pool', 'force', 'restore', 'unique', 'ignore-unpack-errors', 'bwlimit', 'ha-managed']);
const QEMU_CREATE_ONLY = new Set(['pool', 'storage', 'start', 'archive', 'unique', 'live-restore', 'force', 'bwlimit', 'import-working-storage']);
const CREATE_BOOLS = new Set(['start', 'force', 'restore', 'unique', 'ignore-unpack-errors', 'ha-managed', 'live-restore']);

export function keyKind(type: GuestType, key: string): ValueKind | undefined {
  for (const [re, kind] of type === 'lxc' ? LXC_KEYS : QEMU_KEYS) if (re.test(key)) return kind;
  return undefined;
}

export function isConfigKey(type: GuestType, key: string): boolean {
  return keyKind(type, key) !== undefined;
}

/** PVE accepts these spellings for booleans and stores 0/1. */
export function parseBool(value: string): '0' | '1' | undefined {
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return '1';
  if (['0', 'false', 'no', 'off'].includes(v)) return '0';
  return undefined;
}

/** Checks one value against its kind; returns the stored form or an error text. */
export function checkValue(kind: ValueKind, value: string): { ok: string } | { error: string } {
  switch (kind) {
    case 'int':
      return /^-?\d+$/.test(value) ? { ok: String(Number(value)) } : { error: `type check ('integer') failed - got '${value}'` };
    case 'bool': {
      const b = parseBool(value);
      return b === undefined ? { error: `type check ('boolean') failed - got '${value}'` } : { ok: b };
    }
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value) ? { ok: value } : { error: `type check ('number') failed - got '${value}'` };
    default:
      return { ok: value };
  }
}

export function single(params: Params, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function checkVmid(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return SCHEMA_MISSING;
  if (!/^-?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
  if (!/^[1-9][0-9]{2,8}$/.test(value)) return 'invalid format - value does not look like a valid VM ID\n';
  if (Number(value) < 100) return 'value must have a minimum value of 100';
  return undefined;
}

export function checkSnapname(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return SCHEMA_MISSING;
  if (!/^[a-z][a-z0-9_-]+$/i.test(value)) return `invalid format - invalid configuration ID '${value}'\n`;
  if (value.length > 40) return 'value may only be 40 characters long';
  return undefined;
}

export interface ConfigParamsResult {
  /** Config keys with their stored (normalised) values. */
  config: ConfigSection;
  /** Non-config parameters that the operation itself consumes (delete, digest, storage, ...). */
  extra: Record<string, string | string[]>;
}

/**
 * Validates parameters of a config-taking call (create or set): every key must
 * be a config key or in `allowedExtra`; values are type-checked. All problems
 * are reported at once, as PVE's schema validator does.
 */
export function validateConfigParams(type: GuestType, params: Params, allowedExtra: string[], mode: 'create' | 'set'): ConfigParamsResult {
  const errors: Record<string, string> = {};
  const config: ConfigSection = {};
  const extra: Record<string, string | string[]> = {};
  const createOnly = type === 'lxc' ? LXC_CREATE_ONLY : QEMU_CREATE_ONLY;
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined || key === 'node' || key === '_dc') continue;
    if (allowedExtra.includes(key) || (mode === 'create' && createOnly.has(key))) {
      if (CREATE_BOOLS.has(key)) {
        const b = parseBool(single(params, key) ?? '');
        if (b === undefined) errors[key] = `type check ('boolean') failed - got '${single(params, key)}'`;
        else extra[key] = b;
      } else extra[key] = raw;
      continue;
    }
    const kind = keyKind(type, key);
    if (!kind || key === 'parent' || key === 'snaptime' || key === 'digest') {
      errors[key] = SCHEMA_UNKNOWN;
      continue;
    }
    if (Array.isArray(raw)) {
      errors[key] = `type check ('${kind === 'int' ? 'integer' : kind === 'bool' ? 'boolean' : kind}') failed - got ARRAY`;
      continue;
    }
    const checked = checkValue(kind, raw);
    if ('error' in checked) errors[key] = checked.error;
    else config[key] = checked.ok;
  }
  if (Object.keys(errors).length) throw paramError(errors);
  return { config, extra };
}

/** A config section as the API returns it: integers and booleans as JSON numbers, the rest as strings. */
export function configToJson(type: GuestType, config: ConfigSection): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(config)) {
    const kind = keyKind(type, k);
    out[k] = (kind === 'int' || kind === 'bool' || k === 'snaptime') && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}
