/**
 * What the original Phoenix's files carry that Phoenix tolerates. Its real files must load unchanged,
 * yet many keys in them were never read by its code (upstream-phoenix.md §7). Those keys are listed
 * here with the reason they do nothing, removed before validation, and reported as warnings — one per
 * key and path, naming every guest that has it, so the original's files produce a short list rather
 * than a flood. Any other unknown key is an error (see zod-issues.ts).
 */
import type { ConfigFileKind } from './files';
import { CONFIG_FILES } from './files';
import { formatPath, quote, type ConfigIssue } from './issues';
import { matchKeys } from './json-walk';

export interface IgnoredKey {
  readonly file: ConfigFileKind;
  /** Dotted path; `*` stands for any CTID, list index or volume name. */
  readonly path: string;
  readonly reason: string;
}

const NEVER_READ = 'the original Phoenix never read it';
const TESTS = 'a test suite of the original Phoenix; Phoenix checks guests with health_check instead';
const VLLM_DUPLICATE = 'duplicates vllm_args, which is what the vLLM service is started with';
const HOST_SETUP = 'Docker images and host paths are not part of host setup in Phoenix';

/** Keys of one file that do nothing for one reason (listed in this order). */
const ignored = (file: ConfigFileKind, reason: string, ...paths: string[]): IgnoredKey[] => paths.map((path) => ({ file, path, reason }));
const inEveryContainer = (...keys: string[]) => keys.map((key) => `lxc_configs.*.${key}`);

export const IGNORED_KEYS: readonly IgnoredKey[] = [
  ...ignored('lxc', 'Phoenix installs Portainer with the "portainer" feature instead', ...inEveryContainer('portainer_role')),
  ...ignored('lxc', 'Phoenix does not manage the Proxmox firewall (the original never applied these rules either)', ...inEveryContainer('firewall')),
  ...ignored('lxc', TESTS, ...inEveryContainer('tests', 'integration_tests', 'run_integration_tests', 'vllm')),
  ...ignored('lxc', VLLM_DUPLICATE, ...inEveryContainer('vllm_parameters', 'vllm_quantization', 'vllm_trust_remote_code')),
  ...ignored('vm', 'VMs are built from template_image or cloned with clone_from_vmid', 'vm_defaults.template'),
  ...ignored('vm', 'misplaced: the gateway belongs in network_config.gw', 'vms.*.user_config.gw'),
  ...ignored('hypervisor', 'Phoenix reads its files from --config-dir or PHOENIX_CONFIG_DIR', 'core_paths'),
  ...ignored('hypervisor', HOST_SETUP, 'docker'),
  ...ignored('hypervisor', `${NEVER_READ}; use browsable and read_only`, 'samba.shares.*.options'),
  ...ignored('hypervisor', NEVER_READ, 'behavior'),
  ...ignored('hypervisor', `${NEVER_READ}; container defaults go at the top of ${CONFIG_FILES.lxc}`, 'proxmox_defaults'),
  ...ignored('hypervisor', TESTS, 'tests'),
  ...ignored(
    'hypervisor', NEVER_READ,
    'network.external_registry_url', 'network.portainer_server_ip', 'network.portainer_server_port', 'network.portainer_agent_port',
  ),
  ...ignored('hypervisor', 'setup exports NFS from this host; the server is the host itself', 'network.nfs_server'),
  ...ignored('hypervisor', NEVER_READ, 'nvidia_driver.cuda_version', 'nvidia_driver.install_vllm_libs'),
  ...ignored(
    'hypervisor',
    'misplaced firewall settings, not a shared volume (the original looked for them at the top level, so they never took effect): move them to the top-level "firewall" block for setup to apply them',
    'shared_volumes.firewall',
  ),
];

/**
 * Remove ignored keys from `raw` (in place) and return one warning per key pattern found.
 * `lxc_configs.*.firewall` in six containers gives one line listing the six CTIDs.
 */
export function stripIgnoredKeys(kind: ConfigFileKind, raw: unknown): ConfigIssue[] {
  const file = CONFIG_FILES[kind];
  const warnings: ConfigIssue[] = [];
  for (const ignored of IGNORED_KEYS) {
    if (ignored.file !== kind) continue;
    const matches = matchKeys(raw, ignored.path);
    if (matches.length === 0) continue;
    for (const m of matches) delete m.holder[m.key];
    if (matches.length === 1) {
      warnings.push({ file, path: formatPath(matches[0]!.path), message: `ignored: ${ignored.reason}` });
    } else {
      const where = matches.map((m) => wildcardValues(ignored.path, m.path)).join(', ');
      warnings.push({ file, path: ignored.path, message: `ignored (in ${where}): ${ignored.reason}` });
    }
  }
  return warnings;
}

/** The concrete values the `*` segments took, e.g. `950` or `[1]`. */
function wildcardValues(pattern: string, path: readonly (string | number)[]): string {
  return pattern
    .split('.')
    .map((seg, i) => (seg === '*' ? path[i] : undefined))
    .filter((v) => v !== undefined)
    .map((v) => (typeof v === 'number' ? `[${v}]` : v))
    .join('/');
}

/**
 * The original's own file writes `"gpu_assignment": "0, 1"`, which its schema rejected. Phoenix reads
 * it as "0,1" and says so.
 */
export function normaliseGpuAssignments(raw: unknown): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  // Root-level gpu_assignment is a default for every container, so it is tolerated the same way.
  for (const m of [...matchKeys(raw, 'gpu_assignment'), ...matchKeys(raw, 'lxc_configs.*.gpu_assignment')]) {
    const value = m.holder[m.key];
    if (typeof value !== 'string' || !/\s/.test(value) || !/^\s*[0-9]+(\s*,\s*[0-9]+)*\s*$/.test(value)) continue;
    const normalised = value.replace(/\s+/g, '');
    m.holder[m.key] = normalised;
    warnings.push({
      file: CONFIG_FILES.lxc,
      path: formatPath(m.path),
      message: `read ${quote(value)} as ${quote(normalised)}; write GPU indexes without spaces`,
    });
  }
  return warnings;
}
