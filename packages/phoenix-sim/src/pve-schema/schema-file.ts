import schema82 from '../api/schema/pve-8.2.json';
import schema90 from '../api/schema/pve-9.0.json';

/**
 * The generated schema files (scripts/gen-pve-schema.ts): PVE's API description of one
 * release, reduced to the endpoints phoenix-sim implements.
 */
export type PveRelease = '8.2' | '9.0';

export interface SchemaParam {
  type?: string;
  optional?: number;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  requires?: string;
  default_key?: number;
  alias?: string;
  keyAlias?: string;
  /** A named PVE format (`pve-vmid`, `dns-name-list`, ...). */
  format?: string;
  /** A property-string format: its id in `formats`. */
  properties?: string;
  /** `net[n]`: the indexes that exist. */
  index?: [number, number];
  items?: SchemaParam;
  fromTypetext?: number;
}

export interface SchemaFile {
  release: PveRelease;
  source: { repository: string; commit: string; docsVersion: string; file: string };
  absent: string[];
  /** `METHOD /path` of endpoints that accept parameters their schema does not list. */
  additionalProperties: string[];
  formats: Record<string, Record<string, SchemaParam>>;
  /** `METHOD /path/{param}` → parameter name (`net[n]` for indexed keys) → schema. */
  endpoints: Record<string, Record<string, SchemaParam>>;
}

const FILES: Record<PveRelease, SchemaFile> = { '8.2': schema82 as unknown as SchemaFile, '9.0': schema90 as unknown as SchemaFile };

export function schemaFile(release: PveRelease): SchemaFile {
  return FILES[release];
}
