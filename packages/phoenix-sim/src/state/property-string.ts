/**
 * PVE property strings (`name=eth0,bridge=vmbr0,ip=dhcp`), the simulator's own
 * reading of them. A leading value without `=` is the "default key" of the
 * format (the volume of `rootfs`, the model of a QEMU `net0`, `enabled` of `agent`).
 */
export interface PropertyString {
  /** The value before the first `key=` pair when it has no key (`local-zfs:8` in `local-zfs:8,size=8G`). */
  head?: string;
  props: Map<string, string>;
}

export function parsePropertyString(text: string, defaultKey?: string): PropertyString {
  const props = new Map<string, string>();
  let head: string | undefined;
  const parts = text.split(',');
  parts.forEach((part, index) => {
    if (part === '') return;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (index === 0) {
        head = part;
        if (defaultKey) props.set(defaultKey, part);
      } else {
        props.set(part, '');
      }
      return;
    }
    props.set(part.slice(0, eq), part.slice(eq + 1));
  });
  return { head, props };
}

/** Renders `head` first (if any), then pairs in insertion order. */
export function formatPropertyString(ps: PropertyString, defaultKey?: string): string {
  const parts: string[] = [];
  if (ps.head !== undefined) parts.push(ps.head);
  for (const [k, v] of ps.props) {
    if (defaultKey && k === defaultKey && ps.head !== undefined) continue;
    parts.push(`${k}=${v}`);
  }
  return parts.join(',');
}

/** Reads one key of a property string without keeping the parse. */
export function propertyOf(text: string | undefined, key: string): string | undefined {
  if (text === undefined) return undefined;
  return parsePropertyString(text).props.get(key);
}

/** Returns the property string with `key` set to `value` (appended if absent). */
export function withProperty(text: string, key: string, value: string): string {
  const ps = parsePropertyString(text);
  ps.props.set(key, value);
  return formatPropertyString(ps);
}

/** PVE sizes: `8G`, `512M`, `1T`, bare number = GiB for `storage:N` allocations, bytes otherwise. */
export function parseSize(text: string, bareUnit: 'G' | 'B' = 'B'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] || bareUnit;
  const mult: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
  return Math.round(n * (mult[unit] ?? 1));
}

/** Renders bytes the way PVE writes `size=` (largest whole unit). */
export function formatSize(bytes: number): string {
  const units: Array<[string, number]> = [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ];
  for (const [u, m] of units) if (bytes % m === 0 && bytes >= m) return `${bytes / m}${u}`;
  return String(bytes);
}
