import { SCHEMA_MISSING, SCHEMA_UNKNOWN, paramError } from './errors';
import type { ConfigSection, GuestType, Params } from './types';
import { splitList, type SchemaValidator } from '../pve-schema';

/**
 * The parts of PVE's JSON schema the simulator enforces: which keys exist
 * (anything else, including raw `lxc.*` keys, is `property is not defined in
 * schema ...`), their JSON types, and the value checks with PVE's texts.
 */
export type ValueKind = 'int' | 'bool' | 'number' | 'string';

/** The endpoint whose parameters are a guest's config keys, and its parameters that are not config keys. */
const CONFIG_ENDPOINT: Record<GuestType, [string, string]> = { lxc: ['PUT', '/nodes/{node}/lxc/{vmid}/config'], qemu: ['POST', '/nodes/{node}/qemu/{vmid}/config'] };
const NOT_CONFIG = new Set(['delete', 'revert', 'digest', 'node', 'vmid', 'skiplock', 'force', 'background_delay']);
const KINDS: Record<string, ValueKind> = { integer: 'int', boolean: 'bool', number: 'number' };

/** The kind of a config key in this release's schema; undefined for keys PVE does not define (`net32`, `lxc.*`). */
export function keyKind(schema: SchemaValidator, type: GuestType, key: string): ValueKind | undefined {
  if (NOT_CONFIG.has(key)) return undefined;
  const [method, path] = CONFIG_ENDPOINT[type];
  const p = schema.endpoint(method, path)?.get(key);
  if (!p) return undefined;
  return KINDS[p.schema.type ?? ''] ?? 'string';
}

export function isConfigKey(schema: SchemaValidator, type: GuestType, key: string): boolean {
  return keyKind(schema, type, key) !== undefined;
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
export function validateConfigParams(schema: SchemaValidator, type: GuestType, params: Params, allowedExtra: string[], mode: 'create' | 'set'): ConfigParamsResult {
  const errors: Record<string, string> = {};
  const config: ConfigSection = {};
  const extra: Record<string, string | string[]> = {};
  const createParams = schema.endpoint('POST', `/nodes/{node}/${type}`);
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined || key === 'node' || key === '_dc') continue;
    const createOnly = mode === 'create' && !isConfigKey(schema, type, key) ? createParams?.get(key) : undefined;
    if (allowedExtra.includes(key) || createOnly) {
      if (createOnly?.schema.type === 'boolean') {
        const b = parseBool(single(params, key) ?? '');
        if (b === undefined) errors[key] = `type check ('boolean') failed - got '${single(params, key)}'`;
        else extra[key] = b;
      } else extra[key] = raw;
      continue;
    }
    const kind = keyKind(schema, type, key);
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
export function configToJson(schema: SchemaValidator, type: GuestType, config: ConfigSection): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(config)) {
    const kind = keyKind(schema, type, k);
    out[k] = (kind === 'int' || kind === 'bool' || k === 'snaptime') && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

/**
 * `delete`/`revert` as qemu-server's and pve-container's update code check them: every
 * listed key must be an option of the release (`unknown option`), and may not be set or
 * reverted in the same call. Returns the keys to delete (qemu: `cdrom` means `ide2`).
 */
export function checkDeleteRevert(schema: SchemaValidator, type: GuestType, config: ConfigSection, extra: Record<string, string | string[]>): string[] {
  const revert = splitList(String(extra.revert ?? ''));
  for (const opt of revert) {
    if (!isConfigKey(schema, type, opt)) throw paramError({ revert: `unknown option '${opt}'` });
    if (config[opt] !== undefined) throw paramError({ [type === 'qemu' ? 'delete' : 'revert']: `you can't use '-${opt}' and ${type === 'qemu' ? '' : "'"}-revert ${opt}' at the same time` });
  }
  const deletes: string[] = [];
  for (let opt of splitList(String(extra.delete ?? ''))) {
    if (type === 'qemu' && opt === 'cdrom') opt = 'ide2';
    if (type === 'lxc' && !isConfigKey(schema, type, opt)) throw paramError({ delete: `unknown option '${opt}'` });
    if (config[opt] !== undefined) throw paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    if (revert.includes(opt)) throw paramError({ [type === 'qemu' ? 'revert' : 'delete']: `you can't use '-delete ${opt}' and '-revert ${opt}' at the same time` });
    if (type === 'qemu' && !isConfigKey(schema, type, opt)) throw paramError({ delete: `unknown option '${opt}'` });
    deletes.push(opt);
  }
  return deletes;
}
