/**
 * The whole validation pipeline, pure (load.ts does the reading): for each file JSON syntax, secret
 * keys, the original's tolerated keys, then the schema; once all three files are valid on their own,
 * defaults are merged and the cross-file checks run. Every error found is reported together.
 */
import type { z } from 'zod';
import { normaliseGpuAssignments, stripIgnoredKeys } from './compat';
import { crossChecks } from './checks';
import { CONFIG_FILES, type ConfigFileKind } from './files';
import { ConfigError, formatPath, type ConfigIssue } from './issues';
import { parseJsonText } from './json-text';
import type { PhoenixConfig } from './model';
import { resolveConfig } from './resolve';
import { hypervisorFileSchema, type HypervisorFile } from './schema/hypervisor';
import { lxcFileSchema, type LxcFile } from './schema/lxc';
import { vmFileSchema, type VmFile } from './schema/vm';
import { extractSecretKeys } from './secrets';
import { issuesFromZod } from './zod-issues';

export const FILE_SCHEMAS = {
  lxc: lxcFileSchema,
  vm: vmFileSchema,
  hypervisor: hypervisorFileSchema,
} as const satisfies Record<ConfigFileKind, z.ZodType>;

/** A file's text, or why it could not be read (e.g. `file not found: /etc/phoenix/x.json`). */
export type ConfigSource = { readonly text: string } | { readonly problem: string };
export type ConfigSources = Readonly<Record<ConfigFileKind, ConfigSource>>;

export interface LoadedConfig {
  readonly config: PhoenixConfig;
  readonly warnings: readonly ConfigIssue[];
}

interface FileOutcome<T> {
  value?: T;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** Validate one file's text against its schema, tolerating what the original's files carry. */
export function parseConfigFile<K extends ConfigFileKind>(kind: K, text: string): FileOutcome<z.output<(typeof FILE_SCHEMAS)[K]>> {
  const file = CONFIG_FILES[kind];
  const json = parseJsonText(text);
  if (!json.ok) {
    const { line, column, reason } = json.problem;
    return { errors: [{ file, path: '', message: `not valid JSON at line ${line}, column ${column}: ${reason}` }], warnings: [] };
  }
  if (json.keyProblems.length > 0) {
    // Which of two values was meant is unknown: report, validate nothing further.
    return { errors: json.keyProblems.map((k) => ({ file, path: formatPath(k.path), message: k.message })), warnings: [] };
  }
  const raw = json.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ file, path: '', message: 'must contain a JSON object' }], warnings: [] };
  }
  const errors = kind === 'hypervisor' ? extractSecretKeys(raw) : [];
  const warnings = [...stripIgnoredKeys(kind, raw), ...(kind === 'lxc' ? normaliseGpuAssignments(raw) : [])];
  const schema: z.ZodType = FILE_SCHEMAS[kind];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) errors.push(...issuesFromZod(file, parsed.error, schema, raw));
  if (errors.length > 0) return { errors, warnings };
  return { value: parsed.data as z.output<(typeof FILE_SCHEMAS)[K]>, errors, warnings };
}

/** Parse, resolve and cross-check the three files. Throws `ConfigError` listing every error. */
export function parseConfigSources(sources: ConfigSources): LoadedConfig {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const parse = <K extends ConfigFileKind>(kind: K) => {
    const source = sources[kind];
    if ('problem' in source) {
      errors.push({ file: CONFIG_FILES[kind], path: '', message: source.problem });
      return undefined;
    }
    const outcome = parseConfigFile(kind, source.text);
    errors.push(...outcome.errors);
    warnings.push(...outcome.warnings);
    return outcome.value;
  };
  const lxc = parse('lxc') as LxcFile | undefined;
  const vm = parse('vm') as VmFile | undefined;
  const hypervisor = parse('hypervisor') as HypervisorFile | undefined;
  // Cross-file checks need both guest files; without a valid hypervisor file they still run, minus
  // its shared volumes and host address, so one bad file does not hide the other errors.
  if (!lxc || !vm) throw new ConfigError(errors, warnings);

  errors.push(...duplicateVmids(vm));
  const resolved = resolveConfig(lxc, vm, hypervisor ?? {});
  errors.push(...resolved.errors);
  const vmIndex = new Map(vm.vms.map((v, i) => [v.vmid, i] as const));
  const checked = crossChecks(resolved.config, vmIndex);
  errors.push(...checked.errors);
  warnings.push(...checked.warnings);
  if (errors.length > 0) throw new ConfigError(errors, warnings);
  return { config: resolved.config, warnings };
}

function duplicateVmids(vm: VmFile): ConfigIssue[] {
  const first = new Map<number, number>();
  const out: ConfigIssue[] = [];
  vm.vms.forEach((entry, i) => {
    const prev = first.get(entry.vmid);
    if (prev !== undefined) out.push({ file: CONFIG_FILES.vm, path: `vms[${i}].vmid`, message: `${entry.vmid} is also the vmid of vms[${prev}]` });
    else first.set(entry.vmid, i);
  });
  return out;
}
