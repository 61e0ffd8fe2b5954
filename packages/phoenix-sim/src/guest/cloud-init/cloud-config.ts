import { readUserDataYaml, YamlError, type YamlValue } from './read-yaml';

/** The parts of a `#cloud-config` document the simulated first boot carries out. */
export interface CloudConfig {
  hostname?: string;
  writeFiles: WriteFile[];
  users: Array<{ name: string; groups: string[]; shell?: string }>;
  packageUpdate: boolean;
  packages: string[];
  /** Each entry is one line of cloud-init's runcmd script: a shell string or an argv list. */
  runcmd: Array<string | string[]>;
  /** A `#!` user-data script instead of cloud-config. */
  script?: string;
}

export interface WriteFile {
  path: string;
  content: Buffer;
  /** Octal mode; cloud-init's default is 0644. */
  mode: number;
  owner?: string;
  append: boolean;
}

export class CloudConfigError extends Error {}

function asString(value: YamlValue | undefined, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  throw new CloudConfigError(`${where}: expected a string`);
}

function asList(value: YamlValue | undefined, where: string): YamlValue[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CloudConfigError(`${where}: expected a list`);
  return value;
}

function decodeContent(content: string, encoding: string | undefined, where: string): Buffer {
  switch ((encoding ?? 'text').toLowerCase()) {
    case 'text':
      return Buffer.from(content, 'utf8');
    case 'b64':
    case 'base64':
      return Buffer.from(content, 'base64');
    default:
      throw new CloudConfigError(`${where}.encoding: '${encoding}' is not supported (text, b64, base64)`);
  }
}

/**
 * cloud-init's decode_perms: a quoted mode is octal text; an unquoted `0755` is already an
 * integer (YAML 1.1 reads a leading 0 as octal), taken as it is.
 */
function fileMode(value: YamlValue | undefined, where: string): number {
  if (value === undefined || value === null) return 0o644;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0o7777) throw new CloudConfigError(`${where}: ${value} is not a file mode`);
    return value;
  }
  const text = asString(value, where);
  if (!/^0?[0-7]{3,4}$/.test(text)) throw new CloudConfigError(`${where}: '${text}' is not an octal mode`);
  return parseInt(text, 8);
}

export function parseUserData(userData: string): CloudConfig {
  const empty: CloudConfig = { writeFiles: [], users: [], packageUpdate: false, packages: [], runcmd: [] };
  if (userData.startsWith('#!')) return { ...empty, script: userData };
  if (!/^#cloud-config\s*(\n|$)/.test(userData)) {
    throw new CloudConfigError("user-data must start with '#cloud-config' or '#!' (other formats are not simulated)");
  }
  let doc: YamlValue;
  try {
    doc = readUserDataYaml(userData);
  } catch (e) {
    if (e instanceof YamlError) throw new CloudConfigError(`user-data is not valid YAML: ${e.message}`);
    throw e;
  }
  if (doc === null) return empty;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new CloudConfigError('user-data: top level must be a mapping');

  const config: CloudConfig = { ...empty };
  if (doc.hostname !== undefined && doc.hostname !== null) config.hostname = asString(doc.hostname, 'hostname');
  config.packageUpdate = doc.package_update === true || doc.package_upgrade === true;
  config.packages = asList(doc.packages, 'packages').map((p, i) =>
    Array.isArray(p) ? p.map((x) => asString(x, `packages[${i}]`)).join('=') : asString(p, `packages[${i}]`),
  );
  config.writeFiles = asList(doc.write_files, 'write_files').map((raw, i) => {
    const where = `write_files[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CloudConfigError(`${where}: expected a mapping`);
    const path = asString(raw.path, `${where}.path`);
    if (!path.startsWith('/')) throw new CloudConfigError(`${where}.path: must be absolute`);
    const mode = fileMode(raw.permissions, `${where}.permissions`);
    const file: WriteFile = {
      path,
      content: decodeContent(raw.content == null ? '' : asString(raw.content, `${where}.content`), raw.encoding as string | undefined, where),
      mode,
      append: raw.append === true,
    };
    if (typeof raw.owner === 'string') file.owner = raw.owner;
    return file;
  });
  config.users = asList(doc.users, 'users').flatMap((raw, i) => {
    if (raw === 'default') return [];
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CloudConfigError(`users[${i}]: expected a mapping or 'default'`);
    const groups = raw.groups === undefined || raw.groups === null ? [] : Array.isArray(raw.groups)
      ? raw.groups.map((g, j) => asString(g, `users[${i}].groups[${j}]`))
      : asString(raw.groups, `users[${i}].groups`).split(',').map((g) => g.trim()).filter(Boolean);
    const user: { name: string; groups: string[]; shell?: string } = { name: asString(raw.name, `users[${i}].name`), groups };
    if (typeof raw.shell === 'string') user.shell = raw.shell;
    return [user];
  });
  config.runcmd = asList(doc.runcmd, 'runcmd').map((entry, i) =>
    Array.isArray(entry) ? entry.map((w, j) => asString(w, `runcmd[${i}][${j}]`)) : asString(entry, `runcmd[${i}]`),
  );
  return config;
}

/** cloud-init's shell quoting of an argv runcmd entry (each word in single quotes). */
export function runcmdLine(entry: string | string[]): string {
  if (typeof entry === 'string') return entry;
  return entry.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
}
