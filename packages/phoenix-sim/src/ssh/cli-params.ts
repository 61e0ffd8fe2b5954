import type { Params } from '../state/types';
import { paramError } from '../state/errors';
import { parseBoolean, type SchemaValidator } from '../pve-schema';
import { die } from './command-io';

/**
 * PVE's CLI argument convention (`PVE::CLIHandler`/`Getopt::Long`): positional arguments
 * first, then `--key value` or `-key value` pairs; repeated keys collect into a list.
 * Flags that take no value in PVE's schema are listed by each command as boolean options.
 */
export function parseCliOptions(args: string[], usage: string, booleans: string[] = []): { positional: string[]; params: Params } {
  const positional: string[] = [];
  const params: Params = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([a-z][a-z0-9_-]*)(?:=(.*))?$/i.exec(arg);
    if (!m) {
      positional.push(arg);
      continue;
    }
    const key = m[1]!;
    let value = m[2];
    if (value === undefined) {
      const next = args[i + 1];
      if (booleans.includes(key) && (next === undefined || !/^(0|1|true|false|yes|no|on|off)$/i.test(next))) value = '1';
      else if (next === undefined) die(`400 Parameter verification failed.\n${key}: missing value\n${usage}`);
      else {
        value = next;
        i++;
      }
    }
    const prev = params[key];
    params[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { positional, params };
}

export function requireVmid(value: string | undefined, usage: string): number {
  if (value === undefined) die(`400 not enough arguments\n${usage}`);
  if (!/^[1-9][0-9]{2,8}$/.test(value)) die(`400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n${usage}`);
  return Number(value);
}

/** PVE's CLI (get_options) reads boolean options as yes/no/true/false/on/off/1/0. */
export function cliBooleans(schema: SchemaValidator, method: string, path: string, params: Params): Params {
  const out: Params = { ...params };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== 'string') continue;
    const b = parseBoolean(v);
    if (b !== undefined && schema.paramType(method, path, k) === 'boolean') out[k] = b;
  }
  return out;
}

/**
 * pct/qm check their options against the API method they call (`pct set` is
 * `PUT .../config`): the same schema, the same 400 and per-option messages.
 */
export function checkCliParams(schema: SchemaValidator, method: string, path: string, params: Params): Params {
  const out = cliBooleans(schema, method, path, params);
  const target = schema.resolve(method, path);
  if (!target) return out;
  const errors = schema.validate(method, target.template, { ...out, ...target.path });
  if (errors) throw paramError(errors);
  return out;
}
