/** Tiny helpers to look at raw (not yet validated) JSON by path. */
import type { JsonPath } from './issues';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(root: unknown, path: JsonPath): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

export interface KeyMatch {
  /** Full path to the matched key. */
  readonly path: (string | number)[];
  /** The object holding the key. */
  readonly holder: JsonObject;
  readonly key: string;
}

/**
 * Every place a dotted pattern names in `root`. `*` matches any key of an object or any index of an
 * array; the last segment is the key looked for. `lxc_configs.*.firewall` → each container's firewall.
 */
export function matchKeys(root: unknown, pattern: string): KeyMatch[] {
  const segments = pattern.split('.');
  const out: KeyMatch[] = [];
  const walk = (node: unknown, depth: number, path: (string | number)[]): void => {
    const seg = segments[depth]!;
    const last = depth === segments.length - 1;
    if (last) {
      if (isObject(node) && Object.prototype.hasOwnProperty.call(node, seg)) out.push({ path: [...path, seg], holder: node, key: seg });
      return;
    }
    if (seg === '*') {
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, depth + 1, [...path, i]));
      else if (isObject(node)) for (const [k, child] of Object.entries(node)) walk(child, depth + 1, [...path, k]);
    } else if (isObject(node) && seg in node) {
      walk(node[seg], depth + 1, [...path, seg]);
    }
  };
  walk(root, 0, []);
  return out;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}
