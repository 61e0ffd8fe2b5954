import { FormatError, namedFormat } from './formats';
import { schemaFile, type PveRelease, type SchemaFile, type SchemaParam } from './schema-file';

/**
 * PVE::JSONSchema's checks (check_object / check_prop / parse_property_string) compiled once
 * per endpoint from the generated schema file: unknown parameter, missing, type, format
 * (named and property strings), pattern, length, range and enumeration, in PVE's order and
 * with PVE's texts. The first failing check of a parameter is its message, as in PVE.
 */
export type Errors = Record<string, string>;
export type RawParams = Record<string, string | string[] | undefined>;

const UNKNOWN = 'property is not defined in schema and the schema does not allow additional properties';
const MISSING = 'property is missing and it is not optional';

/** A value check: adds at most one error under `path`. */
type ValueCheck = (value: string | string[], path: string, errors: Errors) => void;

interface CompiledParam {
  schema: SchemaParam;
  optional: boolean;
  check: ValueCheck;
}

/** Parameters of one endpoint: exact names and `name[n]` families. */
export class ParamTable {
  private readonly exact = new Map<string, CompiledParam>();
  private readonly families = new Map<string, { min: number; max: number; param: CompiledParam }>();

  constructor(
    params: Record<string, SchemaParam>,
    compile: (p: SchemaParam) => ValueCheck,
    /** The schema allows additional properties: unknown keys pass unchecked. */
    readonly open = false,
  ) {
    for (const [name, schema] of Object.entries(params)) {
      const compiled: CompiledParam = { schema, optional: !!schema.optional || !!schema.alias, check: schema.alias ? () => {} : compile(schema) };
      const m = /^(.*)\[n\]$/.exec(name);
      if (m && schema.index) this.families.set(m[1]!, { min: schema.index[0], max: schema.index[1], param: compiled });
      else this.exact.set(name, compiled);
    }
  }

  /** The schema of a concrete key (`net3`), undefined for keys PVE does not define (`net32`). */
  get(key: string): CompiledParam | undefined {
    const hit = this.exact.get(key);
    if (hit) return hit;
    const m = /^([a-z][a-z_-]*?)(\d+)$/i.exec(key);
    if (!m || (m[2]!.length > 1 && m[2]!.startsWith('0'))) return undefined;
    const fam = this.families.get(m[1]!);
    const n = Number(m[2]);
    return fam && n >= fam.min && n <= fam.max ? fam.param : undefined;
  }

  required(): Array<[string, CompiledParam]> {
    return [...this.exact].filter(([, p]) => !p.optional);
  }

  /** check_object: required keys first, then each given key (unknown, `requires`, value). */
  check(values: RawParams, prefix: string, errors: Errors): void {
    for (const [name, p] of this.exact) if (!p.optional && values[name] === undefined) errors[prefix + name] = MISSING;
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const p = this.get(key);
      if (!p) {
        if (!this.open) errors[prefix + key] = UNKNOWN;
        continue;
      }
      const requires = p.schema.requires;
      if (requires && values[requires] === undefined) errors[prefix + requires] = `missing property required by '${prefix + key}'`;
      p.check(value, prefix + key, errors);
    }
  }

  names(): string[] {
    return [...this.exact.keys(), ...[...this.families.keys()].map((f) => `${f}[n]`)];
  }

  families_(): Array<[string, { min: number; max: number }]> {
    return [...this.families].map(([k, v]) => [k, { min: v.min, max: v.max }]);
  }
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

export class SchemaValidator {
  readonly file: SchemaFile;
  private readonly endpoints = new Map<string, ParamTable>();
  private readonly formats = new Map<string, { table: ParamTable; defaultKey?: string; aliases: Map<string, SchemaParam> }>();
  /** Named formats the schema uses that the simulator does not check (documented). */
  readonly uncheckedFormats = new Set<string>();

  constructor(readonly release: PveRelease) {
    this.file = schemaFile(release);
    for (const [id, body] of Object.entries(this.file.formats)) {
      const aliases = new Map<string, SchemaParam>();
      for (const [k, p] of Object.entries(body)) if (p.alias) aliases.set(k, p);
      const defaultKey = Object.entries(body).find(([, p]) => p.default_key)?.[0];
      this.formats.set(id, { table: new ParamTable(body, (p) => this.compile(p)), defaultKey, aliases });
    }
    const open = new Set(this.file.additionalProperties);
    for (const [key, params] of Object.entries(this.file.endpoints)) this.endpoints.set(key, new ParamTable(params, (p) => this.compile(p), open.has(key)));
  }

  /** The parameter table of `METHOD /path/{template}`; undefined when the release lacks it. */
  endpoint(method: string, pathTemplate: string): ParamTable | undefined {
    return this.endpoints.get(`${method} ${pathTemplate}`);
  }

  /** The endpoint a concrete path (`/nodes/pve/lxc/100/config`) belongs to, with its path parameters. */
  resolve(method: string, concretePath: string): { template: string; table: ParamTable; path: Record<string, string> } | undefined {
    const segs = concretePath.split('/').filter(Boolean);
    for (const [k, table] of this.endpoints) {
      const [m, template] = k.split(' ') as [string, string];
      const t = template.split('/').filter(Boolean);
      if (m !== method || t.length !== segs.length || !t.every((s, i) => s.startsWith('{') || s === segs[i])) continue;
      const path: Record<string, string> = {};
      t.forEach((s, i) => s.startsWith('{') && (path[s.slice(1, -1)] = segs[i]!));
      return { template, table, path };
    }
    return undefined;
  }

  /** The type of a parameter of the endpoint a concrete path belongs to. */
  paramType(method: string, concretePath: string, key: string): string | undefined {
    return this.resolve(method, concretePath)?.table.get(key)?.schema.type;
  }

  endpointKeys(): string[] {
    return [...this.endpoints.keys()];
  }

  /** Validates all parameters (path ones included); returns PVE's per-parameter errors, or undefined. */
  validate(method: string, pathTemplate: string, params: RawParams): Errors | undefined {
    const table = this.endpoint(method, pathTemplate);
    if (!table) throw new Error(`phoenix-sim: no ${this.release} schema for ${method} ${pathTemplate}`);
    const errors: Errors = {};
    table.check(params, '', errors);
    return Object.keys(errors).length ? errors : undefined;
  }

  private compile(p: SchemaParam): ValueCheck {
    const type = p.type;
    const items = p.items ? this.compile(p.items) : undefined;
    let format: ((v: string, path: string) => void) | undefined;
    if (p.properties) {
      const id = p.properties;
      format = (v, path) => this.checkPropertyString(id, v, path);
    } else if (p.format) {
      const named = namedFormat(p.format);
      if (named) format = (v) => named(v);
      else this.uncheckedFormats.add(p.format);
    }
    const pattern = p.pattern !== undefined ? new RegExp(`^${p.pattern}$`) : undefined;
    const { maxLength, minLength, maximum, minimum } = p;
    const enumValues = p.enum;
    return (raw, path, errors) => {
      if (Array.isArray(raw)) {
        if (type === 'array') {
          if (items) raw.forEach((v, i) => items(v, `${path}[${i}]`, errors));
          return;
        }
        // pve-http-server joins repeated keys with NUL.
        raw = raw.join('\0');
      }
      const value = raw;
      if (type === 'array') {
        if (items) items(value, `${path}[0]`, errors);
        return;
      }
      if (type === 'boolean' && value !== '0' && value !== '1') return void (errors[path] = `type check ('boolean') failed - got '${value}'`);
      if (type === 'integer' && !INTEGER.test(value)) return void (errors[path] = `type check ('integer') failed - got '${value}'`);
      if (type === 'number' && !NUMBER.test(value)) return void (errors[path] = `type check ('number') failed - got '${value}'`);
      if (format) {
        try {
          format(value, path);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          return void (errors[path] = `invalid format - ${e.message}`);
        }
      }
      if (pattern && !pattern.test(value)) return void (errors[path] = 'value does not match the regex pattern');
      if (maxLength !== undefined && value.length > maxLength) return void (errors[path] = `value may only be ${maxLength} characters long`);
      if (minLength !== undefined && value.length < minLength) return void (errors[path] = `value must be at least ${minLength} characters long`);
      if (NUMBER.test(value)) {
        if (maximum !== undefined && Number(value) > maximum) return void (errors[path] = `value must have a maximum value of ${maximum}`);
        if (minimum !== undefined && Number(value) < minimum) return void (errors[path] = `value must have a minimum value of ${minimum}`);
      }
      if (enumValues && !enumValues.includes(value)) errors[path] = `value '${value}' does not have a value in the enumeration '${enumValues.join(', ')}'`;
    };
  }

  /** parse_property_string + check_object; failures surface as `invalid format - format error\n<key.sub>: ...`. */
  private checkPropertyString(id: string, text: string, path: string): void {
    const format = this.formats.get(id)!;
    const values: RawParams = {};
    let defaultKeyUsed = false;
    for (const part of text.split(',')) {
      if (/^\s*$/.test(part)) continue;
      const m = /^([^=]+)=(.+)$/s.exec(part);
      if (m) {
        let key = m[1]!;
        let value = m[2]!;
        if (values[key] !== undefined) throw new FormatError(`duplicate key in comma-separated list property: ${key}\n`);
        const alias = format.aliases.get(key);
        if (alias) {
          if (alias.keyAlias) {
            if (values[alias.keyAlias] !== undefined) throw new FormatError(`key alias '${alias.keyAlias}' is already defined\n`);
            values[alias.keyAlias] = key;
          }
          key = alias.alias!;
        }
        const schema = format.table.get(key);
        if (!schema) throw new FormatError(`invalid key in comma-separated list property: ${key}\n`);
        if (schema.schema.type === 'boolean') value = parseBoolean(value) ?? value;
        values[key] = value;
      } else if (!part.includes('=')) {
        if (defaultKeyUsed || !format.defaultKey) {
          if (!format.defaultKey) throw new FormatError('value without key, but schema does not define a default key\n');
          throw new FormatError(`duplicate key in comma-separated list property: ${format.defaultKey}\n`);
        }
        if (values[format.defaultKey] !== undefined) throw new FormatError(`duplicate key in comma-separated list property: ${format.defaultKey}\n`);
        values[format.defaultKey] = part;
        defaultKeyUsed = true;
      } else {
        throw new FormatError('missing key in comma-separated list property\n');
      }
    }
    const errors: Errors = {};
    format.table.check(values, `${path}.`, errors);
    if (Object.keys(errors).length) throw new FormatError(`format error\n${Object.entries(errors).map(([k, v]) => `${k}: ${v}\n`).join('')}`);
  }
}

export function parseBoolean(value: string): '0' | '1' | undefined {
  if (/^(1|on|yes|true)$/i.test(value)) return '1';
  if (/^(0|off|no|false)$/i.test(value)) return '0';
  return undefined;
}

const cache = new Map<PveRelease, SchemaValidator>();

/** One compiled validator per release, built on first use (at server start). */
export function validatorFor(release: PveRelease): SchemaValidator {
  let v = cache.get(release);
  if (!v) cache.set(release, (v = new SchemaValidator(release)));
  return v;
}
