/**
 * Every config problem Phoenix reports is a `ConfigIssue`: the file, the JSON path inside it and a
 * message a person can act on. They print as `file: json.path: message`, one per line, so an
 * operator can jump straight to the offending key.
 */

export interface ConfigIssue {
  /** Base name of the config file, e.g. `phoenix_lxc_configs.json`. */
  readonly file: string;
  /** Dotted JSON path (`lxc_configs.950.network_config.ip`, `vms[1].name`); empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export type JsonPath = ReadonlyArray<string | number>;

/** `['vms', 1, 'name']` → `vms[1].name`; numeric object keys such as CTIDs stay dotted (`lxc_configs.950`). */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segmentText(segment) : `.${segmentText(segment)}`;
  }
  return out;
}

export function issue(file: string, path: JsonPath | string, message: string): ConfigIssue {
  return { file, path: typeof path === 'string' ? path : formatPath(path), message };
}

export function formatIssue(i: ConfigIssue): string {
  return i.path === '' ? `${i.file}: ${i.message}` : `${i.file}: ${i.path}: ${i.message}`;
}

/** The configuration cannot be used. Carries every error found (not just the first) and the warnings. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly warnings: readonly ConfigIssue[] = [],
  ) {
    super(
      issues.length === 1
        ? `invalid configuration: ${formatIssue(issues[0]!)}`
        : `invalid configuration (${issues.length} errors):\n${issues.map(formatIssue).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** How much of a value a message echoes: a 10 MB hostname must not become 10 MB of stderr. */
export const ECHO_LIMIT = 80;

/**
 * Quote a config value for a message: JSON quoting makes newlines, quotes and control characters
 * visible; a long value is cut to about ECHO_LIMIT characters with its length said.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= ECHO_LIMIT - 20) return typeof value === 'string' ? JSON.stringify(value) : text;
  const head = text.slice(0, ECHO_LIMIT - 20);
  return `${typeof value === 'string' ? JSON.stringify(head).slice(0, -1) : head}…${typeof value === 'string' ? '"' : ''} (${text.length} characters)`;
}

/** A key as a path segment: long keys are cut like values. */
function segmentText(segment: string): string {
  return segment.length <= ECHO_LIMIT - 20 ? segment : `${segment.slice(0, ECHO_LIMIT - 20)}…(${segment.length} characters)`;
}
