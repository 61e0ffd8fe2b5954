import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateFault, type FaultSpec, type StorageSpec } from './state';
import type { SimulatorOptions } from './index';

/**
 * phoenix-sim's flags, turned into `SimulatorOptions` before anything starts:
 * a bad flag names itself and changes nothing.
 */
export class UsageError extends Error {}

export interface StartCommand {
  command: 'start';
  options: SimulatorOptions;
  printEnv: boolean;
  ssh: boolean;
  guests: boolean;
  /** `--host-profile FILE`: the simulated machine's disks, GPUs and durations (src/host/profile.ts). */
  hostProfile?: unknown;
  /** `--guest-duration NAME=SECONDS`: a guest stand-in's time before scaling (nvidia, apt_install, ...). */
  guestDurations: Record<string, number>;
}

export interface LedgerCommand {
  command: 'ledger';
  url: string;
  caFile?: string;
  kind?: string;
  vmid?: string;
  since?: string;
}

export const USAGE = `usage:
  phoenix-sim [start] [--host 127.0.0.1] [--port 8006] [--ssh-port 2222] [--nodes pve1,pve2]
                      [--storage id:type:content[:path-or-pool[:shared]]]... [--template vztmpl/x.tar.zst]...
                      [--time-scale 1] [--state-dir DIR] [--fault JSON]... [--faults-file FILE] [--fault-seed N]
                      [--pve-version 8.2|9.0] [--rrd-lag-ms N] [--no-ssh] [--no-guests] [--print-env]
                      [--host-profile FILE] [--guest-duration nvidia=20]...
  phoenix-sim ledger --url https://127.0.0.1:8006 [--ca FILE] [--kind lxc.*] [--vmid N] [--since SEQ]`;

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name}: expected an integer in [${min}, ${max}], got '${value}'`);
  return Number(value);
}

/** `id:type:content[:path-or-pool[:shared]]`, e.g. `local-zfs:zfspool:images,rootdir:rpool/data`. */
export function parseStorage(text: string): StorageSpec {
  const [id, type, content, where, flag] = text.split(':');
  if (flag !== undefined && flag !== 'shared') throw new UsageError(`--storage '${text}': the last field may only be 'shared'`);
  const shared = flag === 'shared' ? { shared: true } : {};
  if (!id || !/^[a-z][a-z0-9\-_.]*$/i.test(id)) throw new UsageError(`--storage '${text}': bad storage id`);
  if (type !== 'dir' && type !== 'zfspool') throw new UsageError(`--storage '${text}': type must be dir or zfspool`);
  if (!content) throw new UsageError(`--storage '${text}': content list missing`);
  return type === 'dir' ? { id, type, content, path: where || `/mnt/pve/${id}`, ...shared } : { id, type, content, pool: where || 'rpool/data', ...shared };
}

function parseFault(text: string, where: string): FaultSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${where}: not JSON: ${text}`);
  }
  try {
    return validateFault(raw, where);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function parseCli(argv: string[]): StartCommand | LedgerCommand {
  const [first, ...rest] = argv;
  const command = first === 'ledger' || first === 'start' ? first : 'start';
  const args = command === first ? rest : argv;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'ssh-port': { type: 'string' },
        nodes: { type: 'string' },
        storage: { type: 'string', multiple: true },
        template: { type: 'string', multiple: true },
        'time-scale': { type: 'string' },
        'state-dir': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'faults-file': { type: 'string' },
        'fault-seed': { type: 'string' },
        'pve-version': { type: 'string' },
        'rrd-lag-ms': { type: 'string' },
        'no-ssh': { type: 'boolean' },
        'no-guests': { type: 'boolean' },
        'print-env': { type: 'boolean' },
        'host-profile': { type: 'string' },
        'guest-duration': { type: 'string', multiple: true },
        url: { type: 'string' },
        ca: { type: 'string' },
        kind: { type: 'string' },
        vmid: { type: 'string' },
        since: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError('');
  if (command === 'ledger') {
    if (!v.url) throw new UsageError('--url: required (https://host:port of the simulator)');
    return { command, url: v.url, caFile: v.ca, kind: v.kind, vmid: v.vmid, since: v.since };
  }
  const timeScale = v['time-scale'] === undefined ? undefined : Number(v['time-scale']);
  if (timeScale !== undefined && !(timeScale >= 0 && Number.isFinite(timeScale))) throw new UsageError(`--time-scale: expected a number >= 0, got '${v['time-scale']}'`);
  const pveVersion = v['pve-version'];
  if (pveVersion !== undefined && pveVersion !== '8.2' && pveVersion !== '9.0') throw new UsageError(`--pve-version: expected 8.2 or 9.0, got '${pveVersion}'`);
  const nodes = v.nodes?.split(',').map((n) => n.trim());
  if (nodes?.some((n) => !/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(n))) throw new UsageError(`--nodes: bad node name in '${v.nodes}'`);
  const faults = (v.fault ?? []).map((f, i) => parseFault(f, `--fault #${i + 1}`));
  if (v['faults-file']) {
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(v['faults-file'], 'utf8'));
    } catch (e) {
      throw new UsageError(`--faults-file ${v['faults-file']}: ${(e as Error).message}`);
    }
    if (!Array.isArray(list)) throw new UsageError(`--faults-file ${v['faults-file']}: expected a JSON array of faults`);
    list.forEach((f, i) => faults.push(parseFault(JSON.stringify(f), `${v['faults-file']}[${i}]`)));
  }
  let hostProfile: unknown;
  if (v['host-profile']) {
    try {
      hostProfile = JSON.parse(readFileSync(v['host-profile'], 'utf8'));
    } catch (e) {
      throw new UsageError(`--host-profile ${v['host-profile']}: ${(e as Error).message}`);
    }
  }
  const guestDurations: Record<string, number> = {};
  for (const given of v['guest-duration'] ?? []) {
    const m = /^([a-z][a-z0-9_]*)=(\d+(?:\.\d+)?)$/.exec(given);
    if (!m || Number(m[2]) > 86_400) throw new UsageError(`--guest-duration: expected NAME=SECONDS (a stand-in's name, 0-86400 s), got '${given}'`);
    guestDurations[m[1]!] = Number(m[2]);
  }
  return {
    command: 'start',
    ...(hostProfile !== undefined ? { hostProfile } : {}),
    guestDurations,
    printEnv: !!v['print-env'],
    ssh: !v['no-ssh'],
    guests: !v['no-guests'],
    options: {
      host: v.host ?? '127.0.0.1',
      apiPort: int('port', v.port, 0, 65535) ?? 8006,
      sshPort: int('ssh-port', v['ssh-port'], 0, 65535) ?? 2222,
      nodes,
      storages: v.storage?.map(parseStorage),
      templates: v.template,
      timeScale,
      stateDir: v['state-dir'],
      faults,
      faultSeed: int('fault-seed', v['fault-seed'], 0, 2 ** 32 - 1),
      pveVersion,
      rrdLagMs: int('rrd-lag-ms', v['rrd-lag-ms'], 0, 3_600_000),
    },
  };
}
