/**
 * What the provisioning activities need from the outside world: the configuration, a
 * Proxmox API client, SSH sessions to the host, a Temporal client (to start or join a
 * template's own workflow) and the folder holding the guest scripts. The worker builds
 * them from its environment (`provisioningDepsFromEnv`); tests and the demo do the same
 * with the simulator's connection settings in the environment.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { CONFIG_FILES, ConfigError, configDirFrom, loadConfig, resolveConnection, sshFor, type PhoenixConfig, type PveConnection } from '../../config';
import { connectPve, type PveClient } from '../../proxmox/client';
import type { PveTlsTrust } from '../../proxmox/tls';
import { createSshPool } from '../../ssh/pool';
import type { SshConnection } from '../../ssh/connection';
import type { HostKeyPin } from '../../ssh/host-key';
import { KnownHostsSyntaxError, parseKnownHosts } from '../../ssh/known-hosts';
import type { CommandRunner } from '../../ssh/exec';
import { createJobs } from '../../ssh/jobs';
import { createPct } from '../../ssh/pct';
import { reconnectingRunner } from '../../ssh/reconnecting';
import { heartbeatAgain } from './heartbeat';
import { pveSecrets, sshSecret } from './secrets';

type Env = Readonly<Record<string, string | undefined>>;

/** One SSH session to the PVE host: raw commands, pct helpers and guest jobs. */
export interface HostSession {
  run: CommandRunner;
  pct: ReturnType<typeof createPct>;
  jobs: ReturnType<typeof createJobs>;
}

export interface ProvisioningDeps {
  /** Reads the three files anew, so an edited config applies to the next run. */
  loadConfig(): Promise<PhoenixConfig>;
  connection(): Promise<PveConnection>;
  pve(): Promise<PveClient>;
  /**
   * A host-key-checked SSH session to `node` (default: the API node) for the duration of `fn`,
   * on a connection from the worker's pool; a dropped connection is replaced and idempotent
   * commands cut off by it are run again (ssh/reconnecting.ts).
   */
  withHost<T>(fn: (host: HostSession) => Promise<T>, signal?: AbortSignal, node?: string, opts?: { reconnectPatienceMs?: number }): Promise<T>;
  temporal(): Client;
  taskQueue: string;
  /** The folder holding `features/` and `apps/`: PHOENIX_SCRIPTS_DIR, the installation's own by default. */
  scriptsRoot: string;
  /** PHOENIX_HEARTBEAT_TIMEOUT: overrides the presets' heartbeat timeout for long steps. */
  heartbeatTimeout?: string;
  /** PHOENIX_RETRY_DEADLINE: how long steps keep retrying transient failures (default 2 h). */
  retryDeadline?: string;
}

export interface ProvisioningDepsOptions {
  env: Env;
  taskQueue: string;
  /** Defaults to the worker's own client, available to every activity. */
  temporal?: () => Client;
  scriptsRoot?: string;
}

/** `features/` and `apps/` sit beside src/ and dist/. */
export const DEFAULT_SCRIPTS_ROOT = resolve(__dirname, '..', '..', '..');

export function provisioningDepsFromEnv(options: ProvisioningDepsOptions): ProvisioningDeps {
  const { env } = options;
  const heartbeatTimeout = durationFrom(
    env,
    'PHOENIX_HEARTBEAT_TIMEOUT',
    MIN_HEARTBEAT_TIMEOUT_MS,
    `at least ${MIN_HEARTBEAT_TIMEOUT_MS / 1000} s (the long steps poll every 1-2 s) such as "10s"`,
  );
  const retryDeadline = durationFrom(env, 'PHOENIX_RETRY_DEADLINE', 60_000, 'at least 1 minute such as "2h" or "90m"');
  const scriptsRoot = options.scriptsRoot ?? scriptsDirFrom(env) ?? DEFAULT_SCRIPTS_ROOT;
  let client: PveClient | undefined;
  let clientKey = '';
  const sshPool = createSshPool();

  // Every activity asks for the config (and the connection derived from it) several times;
  // the files are read and validated again only when one of them changed on disk, so an
  // edit still applies to the next step while a step's repeated lookups cost a stat each.
  let cached: { signature: string; config: Promise<PhoenixConfig> } | undefined;
  const loadConfigNow = async (): Promise<PhoenixConfig> => {
    const dir = configDirFrom(undefined, env);
    const signature = await filesSignature(dir);
    if (!cached || cached.signature !== signature) {
      const config = loadConfig(dir).then((loaded) => loaded.config);
      cached = { signature, config };
      config.catch(() => (cached = undefined)); // a failed load is not remembered
    }
    return cached.config;
  };
  const connection = async () => resolveConnection((await loadConfigNow()).hypervisor, env);

  return {
    loadConfig: loadConfigNow,
    connection,
    async pve() {
      const conn = (await connection()).api;
      const trust = tlsTrust(conn.tls);
      const key = JSON.stringify([conn.host, conn.port, conn.tokenId, trust]);
      // One keep-alive client per connection setting; rebuilt if the config changes.
      if (!client || key !== clientKey) {
        // Not awaited: close() lets requests still using the old client finish first, and a
        // replaced pool that fails to close changes nothing for the new one.
        client?.close().catch(() => undefined);
        client = connectPve({
          host: conn.host,
          port: conn.port,
          auth: { kind: 'token', tokenId: conn.tokenId, tokenSecret: pveSecrets(env).tokenSecret },
          tls: trust,
          pinSettingHint: 'proxmox.tls in phoenix_hypervisor_config.json (or PHOENIX_PVE_FINGERPRINT / PHOENIX_PVE_CA_FILE)',
        });
        clientKey = key;
      }
      return client;
    },
    async withHost(fn, signal, node, opts) {
      const conn = await connection();
      const ssh = node === undefined ? conn.ssh : sshFor(conn, node);
      const secret = sshSecret(env);
      const hostKey = ssh.hostKeyFingerprint ? { sha256: ssh.hostKeyFingerprint } : await knownHostsPin(ssh.knownHostsFile!);
      const connectOptions = {
        host: ssh.host,
        port: ssh.port,
        username: ssh.user,
        auth: secret.kind === 'key' ? ({ kind: 'key', privateKey: secret.privateKey } as const) : ({ kind: 'password', password: secret.password } as const),
        hostKey,
        ...(signal ? { signal } : {}),
        pinSettingHint: 'proxmox.ssh.host_key_fingerprint in phoenix_hypervisor_config.json (or PHOENIX_SSH_HOST_KEY_FINGERPRINT)',
      };
      const leases = new Map<SshConnection, () => void>();
      const run = reconnectingRunner({
        target: `${ssh.user}@${ssh.host}:${ssh.port}`,
        // Connections come from the worker's pool and go back to it when the session ends.
        connect: async () => {
          const lease = await sshPool.lease(connectOptions);
          leases.set(lease.conn, lease.release);
          return lease.conn;
        },
        release: (c) => {
          leases.get(c)?.();
          leases.delete(c);
        },
        ...(signal ? { signal } : {}),
        ...(opts?.reconnectPatienceMs !== undefined ? { patienceMs: opts.reconnectPatienceMs } : {}),
        // Keeps the step's heartbeat going (with its own details) while a command is re-run.
        onRetry: () => heartbeatAgain(),
      });
      try {
        await run.open();
        const pct = createPct(run);
        return await fn({ run, pct, jobs: createJobs(pct) });
      } finally {
        run.close();
      }
    },
    temporal: options.temporal ?? (() => Context.current().client),
    taskQueue: options.taskQueue,
    scriptsRoot,
    ...(heartbeatTimeout ? { heartbeatTimeout } : {}),
    ...(retryDeadline ? { retryDeadline } : {}),
  };
}

/** Checked when the worker starts, so a typo stops it with the variable's name. */
/**
 * The shortest heartbeat timeout a worker accepts. Long steps heartbeat once per poll: a guest
 * job every 2 s plus the status command's own round trip, a Proxmox task every 1 s, a wait for
 * another workflow every timeout/4. Below 5 s a healthy step could miss its heartbeat.
 */
export const MIN_HEARTBEAT_TIMEOUT_MS = 5_000;

function durationFrom(env: Env, name: string, minMs: number, hint: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let ms = NaN;
  try {
    ms = msToNumber(/^\d+$/.test(raw) ? Number(raw) : (raw as Parameters<typeof msToNumber>[0]));
  } catch {
    // reported below
  }
  if (!(ms >= minMs)) throw new Error(`${name} must be a duration of ${hint}, or milliseconds, got ${JSON.stringify(raw)}`);
  return `${ms}ms`;
}

/**
 * PHOENIX_SCRIPTS_DIR: a folder of the same layout as the installation's (`features/lxc`,
 * `features/vm`, `apps/`), used instead of it. Checked when the worker starts, so a wrong path
 * stops it with the variable's name rather than failing the first feature step.
 */
function scriptsDirFrom(env: Env): string | undefined {
  const raw = env.PHOENIX_SCRIPTS_DIR?.trim();
  if (!raw) return undefined;
  const dir = resolve(raw);
  if (!statSync(join(dir, 'features'), { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`PHOENIX_SCRIPTS_DIR must be a folder holding features/ (and apps/), got ${JSON.stringify(raw)}: ${dir}/features is not a folder`);
  }
  return dir;
}

/** Path, size and modification time of the three files: changes whenever one is edited. */
async function filesSignature(dir: string): Promise<string> {
  const parts = await Promise.all(
    Object.values(CONFIG_FILES).map(async (name) => {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      return st ? `${path}:${st.size}:${st.mtimeMs}` : `${path}:missing`;
    }),
  );
  return parts.join('|');
}

function tlsTrust(tls: PveConnection['api']['tls']): PveTlsTrust {
  if (tls.fingerprint) return { kind: 'fingerprint', sha256: tls.fingerprint };
  if (tls.caFile) return { kind: 'ca', caPem: readFileSync(tls.caFile, 'utf8') };
  return { kind: 'system' };
}

/**
 * The whole known_hosts file, parsed strictly (markers honoured at connect time). A file that is
 * missing, unreadable or malformed is a configuration error (non-retryable): retrying cannot
 * make the host trusted, a person must fix the file or the setting.
 */
async function knownHostsPin(file: string): Promise<HostKeyPin> {
  const where = { file: CONFIG_FILES.hypervisor, path: 'proxmox.ssh.known_hosts_file' };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by the worker' : `cannot be read (${code ?? (err as Error).message})`;
    throw new ConfigError([{ ...where, message: `the SSH known_hosts file ${file} ${why}: create it (ssh-keyscan the host), or set proxmox.ssh.host_key_fingerprint` }]);
  }
  try {
    return { knownHosts: parseKnownHosts(text, file), source: file };
  } catch (err) {
    if (err instanceof KnownHostsSyntaxError) throw new ConfigError([{ ...where, message: err.message }]);
    throw err;
  }
}
