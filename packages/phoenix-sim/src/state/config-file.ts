import { createHash } from 'node:crypto';
import type { ConfigSection, RawLxcLine, SnapshotRecord } from './types';

/**
 * The on-disk guest config (`/etc/pve/lxc/<id>.conf`, `/etc/pve/qemu-server/<id>.conf`)
 * as PVE's `write_pct_config`/`parse_pct_config` produce and read it:
 * description as leading `#` lines, keys sorted, raw `lxc.*` lines in order,
 * then one `[snapname]` section per snapshot (sorted by name).
 */
export interface ParsedConfigFile {
  config: ConfigSection;
  lxc: RawLxcLine[];
  snapshots: SnapshotRecord[];
  /** Lines PVE would warn about and ignore (`unable to parse config`). */
  ignored: string[];
}

const SKIPPED_KEYS = new Set(['digest', 'description', 'pending', 'snapshots', 'snapname', 'lxc']);

/** PVE's `encode_text`: keeps the text on one comment line. */
function encodeText(line: string): string {
  return line.replace(/[%\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function decodeText(text: string): string {
  try {
    return decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return text;
  }
}

function renderSection(config: ConfigSection, lxc: RawLxcLine[]): string {
  let raw = '';
  for (const line of (config.description ?? '').split('\n')) {
    if (config.description !== undefined && config.description !== '') raw += `#${encodeText(line)}\n`;
  }
  for (const key of Object.keys(config).sort()) {
    if (SKIPPED_KEYS.has(key)) continue;
    raw += `${key}: ${config[key]}\n`;
  }
  for (const [k, v] of lxc) raw += `${k}: ${v}\n`;
  return raw;
}

export function renderConfigFile(config: ConfigSection, lxc: RawLxcLine[], snapshots: SnapshotRecord[]): string {
  let raw = renderSection(config, lxc);
  for (const snap of [...snapshots].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const section = { ...snap.config };
    if (snap.description !== undefined) section.description = snap.description;
    raw += `\n[${snap.name}]\n${renderSection(section, snap.lxc)}`;
  }
  return raw;
}

const LXC_RAW = /^(lxc\.[a-z0-9_\-.]+)(:|\s*=)\s*(.*?)\s*$/;
const KEY_VALUE = /^([a-z][a-z_-]*\d*):\s*(.*?)\s*$/;
const SECTION = /^\[([a-z][a-z0-9_-]+|pve:pending)\]\s*$/i;

export function parseConfigFile(text: string): ParsedConfigFile {
  const main: { config: ConfigSection; lxc: RawLxcLine[]; descr: string[] } = { config: {}, lxc: [], descr: [] };
  const snaps: Array<{ name: string; config: ConfigSection; lxc: RawLxcLine[]; descr: string[] }> = [];
  const ignored: string[] = [];
  let current = main;
  let inPending = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const section = SECTION.exec(line);
    if (section) {
      inPending = section[1] === 'pve:pending';
      if (!inPending) {
        current = { name: section[1]!, config: {}, lxc: [], descr: [] } as (typeof snaps)[number];
        snaps.push(current as (typeof snaps)[number]);
      }
      continue;
    }
    // Pending changes are applied at once by the simulator, so a pending section has nothing to hold.
    if (inPending) continue;
    if (line.startsWith('#')) {
      current.descr.push(decodeText(line.slice(1)));
      continue;
    }
    const raw = LXC_RAW.exec(line);
    if (raw) {
      current.lxc.push([raw[1]!, raw[3]!]);
      continue;
    }
    const kv = KEY_VALUE.exec(line);
    if (kv) {
      if (kv[1] === 'description') current.descr.push(decodeText(kv[2]!));
      else current.config[kv[1]!] = kv[2]!;
      continue;
    }
    ignored.push(line);
  }
  const withDescription = (s: { config: ConfigSection; descr: string[] }): ConfigSection =>
    s.descr.length ? { ...s.config, description: s.descr.join('\n') } : s.config;
  return {
    config: withDescription(main),
    lxc: main.lxc,
    snapshots: snaps.map((s) => {
      const record: SnapshotRecord = { name: s.name, config: s.config, lxc: s.lxc };
      if (s.descr.length) record.description = s.descr.join('\n');
      return record;
    }),
    ignored,
  };
}

/** `digest` as PVE computes it: SHA-1 of the raw file text. */
export function configDigest(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
