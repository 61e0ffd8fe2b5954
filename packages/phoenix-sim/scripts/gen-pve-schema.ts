// Writes src/api/schema/pve-<release>.json: PVE's API schema, reduced to the endpoints
// phoenix-sim implements, from PVE's published API description (pve-docs api-viewer/apidata.js).
//
//   git -C <pve-docs clone> show <commit>:api-viewer/apidata.js > /tmp/apidata.js
//   npx tsx packages/phoenix-sim/scripts/gen-pve-schema.ts 8.2 /tmp/apidata.js
//
// The upstream file is read from the path given and never committed. Each release is pinned
// to one pve-docs commit (RELEASES); re-run after adding a route to the simulator.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRouter } from '../src/api/server';
import { Authenticator } from '../src/api/auth';
import type { Credentials } from '../src/api/credentials';
import type { SchemaParam } from '../src/pve-schema/schema-file';

/**
 * pve-docs commits: "bump version to 8.2.4" (apidata.js of 2024-07-31, PVE 8.2) and
 * "bump version to 9.0.8" (apidata.js of 2025-08-04, the PVE 9.0 release of 2025-08-05).
 */
export const RELEASES = {
  '8.2': { repository: 'proxmox/pve-docs', commit: '997a6b4925ae207824ea9982da0b9e92b79d4a0f', docsVersion: '8.2.4' },
  '9.0': { repository: 'proxmox/pve-docs', commit: '6fa010b88a5f31a38ac063aa66b899be5425de1f', docsVersion: '9.0.8' },
} as const;
type Release = keyof typeof RELEASES;

/**
 * apidata.js folds `net0`..`net31` into `net[n]` and drops the range. The ranges are
 * qemu-server's and pve-container's constants (the same in 8.2 and 9.0): MAX_NETS 32,
 * the bus limits printed in the drive descriptions ("n is 0 to 30"), MAX_UNUSED_DISKS 256,
 * MAX_HOSTPCI_DEVICES 16, MAX_USB_DEVICES 14, MAX_SERIAL_PORTS 4, MAX_PARALLEL_PORTS 3,
 * MAX_NUMA 8, MAX_VIRTIOFS 10; pve-container MAX_LXC_NETWORKS 32, MAX_MOUNT_POINTS 256,
 * MAX_UNUSED_DISKS 256, MAX_DEVICES 256 (checked in qemu-server 8.2.x/9.0.x and pve-container 5.1.x).
 */
const INDEX_RANGES: Record<'qemu' | 'lxc', Record<string, number>> = {
  qemu: { net: 31, ipconfig: 31, ide: 3, sata: 5, scsi: 30, virtio: 15, unused: 255, hostpci: 15, usb: 13, serial: 3, parallel: 2, numa: 7, virtiofs: 9 },
  lxc: { net: 31, mp: 255, unused: 255, dev: 255 },
};

/** Placeholders of `typetext` that name a format PVE checks (for formats apidata.js does not expand). */
const PLACEHOLDER_FORMATS: Record<string, string> = {
  GatewayIPv4: 'ipv4',
  GatewayIPv6: 'ipv6',
  'IPv4Format/CIDR': 'pve-ipv4-config',
  'IPv6Format/CIDR': 'pve-ipv6-config',
  volume: 'pve-volume-id',
};

const KEEP = ['type', 'optional', 'default', 'enum', 'minimum', 'maximum', 'maxLength', 'minLength', 'pattern', 'requires', 'default_key', 'alias', 'keyAlias'] as const;

type Raw = Record<string, unknown>;

function loadApiData(file: string): Raw[] {
  const text = readFileSync(file, 'utf8');
  return JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as Raw[];
}

function indexTree(nodes: Raw[], into = new Map<string, Raw>()): Map<string, Raw> {
  for (const n of nodes) {
    into.set(n.path as string, n);
    if (Array.isArray(n.children)) indexTree(n.children as Raw[], into);
  }
  return into;
}

/** Reads `[gw=<GatewayIPv4>] [,ip=<IPv4Format/CIDR>]` / `[type=]<a|b> [,x=<1|0>]` into key specs. */
function formatFromTypetext(typetext: string): Record<string, SchemaParam> | undefined {
  const out: Record<string, SchemaParam> = {};
  const item = /(\[?\[?),?([A-Za-z0-9_-]+)=(\]?)<([^>]*)>/g;
  for (const m of typetext.matchAll(item)) {
    const [, open, key, defaultKey, placeholder] = m as unknown as [string, string, string, string, string];
    const p: SchemaParam = { type: 'string' };
    const alternatives = placeholder.split('|');
    if (placeholder === '1|0') p.type = 'boolean';
    else if (placeholder === 'integer') p.type = 'integer';
    else if (alternatives.length > 1 && alternatives.every((a) => /^[\w./-]+$/.test(a) && !/^\d+-\d+$/.test(a))) p.enum = alternatives;
    else if (PLACEHOLDER_FORMATS[placeholder]) p.format = PLACEHOLDER_FORMATS[placeholder];
    if (defaultKey) {
      p.default_key = 1;
      if (open === '[[') p.optional = 1;
    } else if (open.startsWith('[')) p.optional = 1;
    out[key] = p;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * apidata.js prints compiled Perl regexes: `(?^:...)` is a stringified `qr//` (a plain group in
 * JavaScript) and Perl 5.34+ reads `{,n}` as `{0,n}`. PVE anchors every pattern as `^pattern$`.
 */
function perlPatternToJs(pattern: string): string {
  const js = pattern.replace(/\(\?\^:/g, '(?:').replace(/\{,(\d+)\}/g, '{0,$1}');
  new RegExp(`^${js}$`); // fails the generation on a pattern JavaScript cannot compile
  return js;
}

class Writer {
  readonly formats = new Map<string, { id: string; body: Record<string, SchemaParam> }>();

  /** One entry per distinct property-string format, named after the first parameter using it. */
  formatId(name: string, body: Record<string, SchemaParam>): string {
    const key = JSON.stringify(body);
    const known = this.formats.get(key);
    if (known) return known.id;
    const base = name.replace(/\[n\]$/, '');
    let id = base;
    for (let i = 2; [...this.formats.values()].some((f) => f.id === id); i++) id = `${base}-${i}`;
    this.formats.set(key, { id, body });
    return id;
  }

  param(name: string, raw: Raw, family: 'qemu' | 'lxc' | undefined): SchemaParam {
    const p: SchemaParam = {};
    for (const k of KEEP) if (raw[k] !== undefined && raw[k] !== null) (p as Raw)[k] = raw[k];
    if (p.pattern !== undefined) p.pattern = perlPatternToJs(p.pattern);
    // Perl schemas sometimes spell numbers as strings (`minimum => '0'`).
    for (const k of ['minimum', 'maximum', 'maxLength', 'minLength'] as const) if (typeof p[k] === 'string') p[k] = Number(p[k]);
    const format = raw.format;
    if (format && typeof format === 'object') {
      const body: Record<string, SchemaParam> = {};
      for (const [k, v] of Object.entries(format as Record<string, Raw>).sort(([a], [b]) => (a < b ? -1 : 1))) body[k] = this.param(k, v, undefined);
      p.properties = this.formatId(name, body);
    } else if (typeof format === 'string') {
      const derived = typeof raw.typetext === 'string' && /=/.test(raw.typetext) ? formatFromTypetext(raw.typetext) : undefined;
      if (derived) {
        p.properties = this.formatId(name, derived);
        p.fromTypetext = 1;
      } else p.format = format;
    }
    if (raw.items && typeof raw.items === 'object') p.items = this.param(`${name}-item`, raw.items as Raw, undefined);
    const m = /^(.*)\[n\]$/.exec(name);
    if (m) {
      const max = family ? INDEX_RANGES[family][m[1]!] : undefined;
      if (max === undefined) throw new Error(`no index range known for ${name} (${family ?? 'no guest type'}): add it to INDEX_RANGES`);
      p.index = [0, max];
    }
    return p;
  }
}

function main(): void {
  const [release, apidataFile] = process.argv.slice(2) as [Release, string];
  if (!RELEASES[release] || !apidataFile) {
    console.error(`usage: tsx packages/phoenix-sim/scripts/gen-pve-schema.ts <${Object.keys(RELEASES).join('|')}> <path to apidata.js of pve-docs ${'<commit>'}>`);
    process.exit(2);
  }
  const tree = indexTree(loadApiData(apidataFile));
  const router = buildRouter(new Authenticator({} as Credentials), release);
  const writer = new Writer();
  const endpoints: Record<string, Record<string, SchemaParam>> = {};
  const missing: string[] = [];
  const open: string[] = [];
  for (const { method, path } of router.routes()) {
    const info = (tree.get(path)?.info as Record<string, Raw> | undefined)?.[method];
    if (!info) {
      missing.push(`${method} ${path}`);
      continue;
    }
    const schema = (info.parameters ?? {}) as Raw;
    if (schema.additionalProperties) open.push(`${method} ${path}`);
    const family = /\/qemu(\/|$)/.test(path) ? 'qemu' : /\/lxc(\/|$)/.test(path) ? 'lxc' : undefined;
    const params: Record<string, SchemaParam> = {};
    for (const [name, raw] of Object.entries((schema.properties ?? {}) as Record<string, Raw>).sort(([a], [b]) => (a < b ? -1 : 1))) params[name] = writer.param(name, raw, family);
    endpoints[`${method} ${path}`] = params;
  }
  const out = {
    release,
    source: { ...RELEASES[release], file: 'api-viewer/apidata.js', generator: 'packages/phoenix-sim/scripts/gen-pve-schema.ts' },
    /** Routes of the simulator this release does not have (answered 501). */
    absent: missing,
    /** Endpoints whose schema allows additional properties (PVE ignores unknown ones there). */
    additionalProperties: open,
    formats: Object.fromEntries([...writer.formats.values()].map((f) => [f.id, f.body])),
    endpoints,
  };
  // One endpoint or format a line: compact, yet a change shows as a readable diff.
  const section = (o: Record<string, unknown>): string => `{\n${Object.entries(o).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n  }`;
  const text = `{\n  "release": ${JSON.stringify(out.release)},\n  "source": ${JSON.stringify(out.source)},\n  "absent": ${JSON.stringify(out.absent)},\n  "additionalProperties": ${JSON.stringify(out.additionalProperties)},\n  "formats": ${section(out.formats)},\n  "endpoints": ${section(out.endpoints)}\n}\n`;
  const file = join(__dirname, '..', 'src', 'sim', 'api', 'schema', `pve-${release}.json`);
  writeFileSync(file, text);
  console.log(`wrote ${file}: ${Object.keys(endpoints).length} endpoints, ${writer.formats.size} property-string formats${missing.length ? `; not in ${release}: ${missing.join(', ')}` : ''}`);
}

main();
