/**
 * Where and how to reach the PVE host: the `proxmox` block of phoenix_hypervisor_config.json, each
 * setting overridable from the environment (so tests and the demo can point Phoenix at a simulator on
 * random ports). Secrets are not part of this: the PVE and SSH client layers read them from
 * PHOENIX_PVE_TOKEN_SECRET(_FILE), PHOENIX_SSH_KEY_FILE and PHOENIX_SSH_PASSWORD themselves.
 */
import type { z } from 'zod';
import { apiNodeName, DEFAULT_PVE_NODE } from './cluster';
import { ENV, type Env } from './env';

export { DEFAULT_PVE_NODE } from './cluster';
import { CONFIG_FILES } from './files';
import { ConfigError, type ConfigIssue } from './issues';
import { port as portSchema } from './schema/common';
import type { HypervisorFile } from './schema/hypervisor';
import { nodeName, proxmoxBlockSchema, sshFingerprint, tlsFingerprint, tokenId } from './schema/proxmox';

export const DEFAULT_PVE_PORT = 8006;
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_SSH_USER = 'root';

export interface PveApiConnection {
  readonly host: string;
  readonly port: number;
  readonly node: string;
  /** `user@realm!name`; the secret is read from the environment by the PVE client layer. */
  readonly tokenId: string;
  /**
   * How to trust the PVE certificate: a pinned CA file, a pinned SHA-256 fingerprint (uppercase colon
   * hex), or neither, meaning the system's CA store (a PVE host with a public certificate).
   */
  readonly tls: { readonly caFile?: string; readonly fingerprint?: string };
}

export interface SshConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** At least one of these is set: host keys are always checked. */
  readonly hostKeyFingerprint?: string;
  readonly knownHostsFile?: string;
}

/** One node of the cluster and how to reach its shell. */
export interface NodeConnection {
  readonly name: string;
  readonly ssh: SshConnection;
}

export interface PveConnection {
  readonly api: PveApiConnection;
  /** SSH to the API node (`api.node`). */
  readonly ssh: SshConnection;
  /** Every node of the cluster, the API node included (one entry for a one-node cluster). */
  readonly nodes: readonly NodeConnection[];
}

/** SSH settings of `node` (the API node's when the cluster has one node). */
export function sshFor(connection: PveConnection, node: string): SshConnection {
  const found = connection.nodes.find((n) => n.name === node);
  if (!found) {
    throw new ConfigError([
      { file: CONFIG_FILES.hypervisor, path: 'proxmox.nodes', message: `node '${node}' is not in the cluster (${connection.nodes.map((n) => n.name).join(', ')}): add it to proxmox.nodes` },
    ]);
  }
  return found.ssh;
}

const HYPERVISOR = CONFIG_FILES.hypervisor;

/**
 * Resolve the connection from the hypervisor config and `env`. Throws `ConfigError` naming every
 * missing or malformed setting, each with the config key and environment variable that can set it.
 */
export function resolveConnection(hypervisor: Pick<HypervisorFile, 'proxmox'>, env: Env): PveConnection {
  const block = hypervisor.proxmox ?? {};
  const issues: ConfigIssue[] = [];

  /** The env variable when set (validated), else the config value, else the fallback. */
  const pick = <T>(name: string, schema: z.ZodType<T>, configValue: T | undefined, fallback?: T): T | undefined => {
    const raw = env[name];
    if (raw !== undefined && raw !== '') {
      // Environment values are text; ports are numbers in the schema.
      const parsed = schema.safeParse((schema as z.ZodType) === portSchema ? Number(raw) : raw);
      if (parsed.success) return parsed.data;
      issues.push({ file: 'environment', path: name, message: parsed.error.issues[0]?.message ?? 'invalid value' });
      return undefined;
    }
    return configValue ?? fallback;
  };
  const required = <T>(value: T | undefined, key: string, envName: string): T => {
    if (value === undefined && !issues.some((i) => i.path === envName)) {
      issues.push({ file: HYPERVISOR, path: `proxmox.${key}`, message: `is not set: set it in ${HYPERVISOR} or in ${envName}` });
    }
    return value as T;
  };

  const hostSchema = proxmoxBlockSchema.shape.host.unwrap();
  const host = required(pick(ENV.pveHost, hostSchema, block.host), 'host', ENV.pveHost);
  const api: PveApiConnection = {
    host,
    port: pick(ENV.pvePort, portSchema, block.port, DEFAULT_PVE_PORT)!,
    node: pick(ENV.pveNode, nodeName, block.node, apiNodeName(hypervisor) ?? DEFAULT_PVE_NODE)!,
    tokenId: required(pick(ENV.pveTokenId, tokenId, block.token_id), 'token_id', ENV.pveTokenId),
    tls: withoutUndefined({
      caFile: pick(ENV.pveCaFile, proxmoxBlockSchema.shape.tls.unwrap().shape.ca_file.unwrap(), block.tls?.ca_file),
      fingerprint: pick(ENV.pveFingerprint, tlsFingerprint, block.tls?.fingerprint)?.toUpperCase(),
    }),
  };

  const ssh = block.ssh ?? {};
  const hostKeyFingerprint = pick(ENV.sshHostKeyFingerprint, sshFingerprint, ssh.host_key_fingerprint);
  const home = env['HOME'];
  const knownHostsFile = ssh.known_hosts_file ?? (hostKeyFingerprint === undefined && home ? `${home}/.ssh/known_hosts` : undefined);
  if (hostKeyFingerprint === undefined && knownHostsFile === undefined) {
    issues.push({
      file: HYPERVISOR,
      path: 'proxmox.ssh.host_key_fingerprint',
      message: `is not set: SSH host keys are always checked; set host_key_fingerprint or known_hosts_file, or ${ENV.sshHostKeyFingerprint}`,
    });
  }
  const sshConnection: SshConnection = withoutUndefined({
    host: pick(ENV.sshHost, hostSchema, ssh.host, host)!,
    port: pick(ENV.sshPort, portSchema, ssh.port, DEFAULT_SSH_PORT)!,
    user: pick(ENV.sshUser, proxmoxBlockSchema.shape.ssh.unwrap().shape.user.unwrap(), ssh.user, DEFAULT_SSH_USER)!,
    hostKeyFingerprint,
    knownHostsFile,
  });

  const nodes: NodeConnection[] = (block.nodes ?? [{ name: api.node }]).map((entry, i) => {
    const own = 'ssh' in entry ? entry.ssh : undefined;
    if (!own) {
      if (entry.name !== api.node) {
        issues.push({ file: HYPERVISOR, path: `proxmox.nodes[${i}].ssh`, message: `is not set: node ${entry.name} is not the API node (${api.node}), so say how to reach its shell (host and host_key_fingerprint)` });
      }
      return { name: entry.name, ssh: sshConnection };
    }
    const fingerprint = own.host_key_fingerprint;
    const knownHosts = own.known_hosts_file ?? (fingerprint === undefined && home ? `${home}/.ssh/known_hosts` : undefined);
    if (fingerprint === undefined && knownHosts === undefined) {
      issues.push({ file: HYPERVISOR, path: `proxmox.nodes[${i}].ssh.host_key_fingerprint`, message: 'is not set: SSH host keys are always checked; set host_key_fingerprint or known_hosts_file' });
    }
    return {
      name: entry.name,
      ssh: withoutUndefined({ host: own.host, port: own.port ?? DEFAULT_SSH_PORT, user: own.user ?? sshConnection.user, hostKeyFingerprint: fingerprint, knownHostsFile: knownHosts }),
    };
  });
  if (block.nodes && !block.nodes.some((n) => n.name === api.node)) {
    issues.push({ file: HYPERVISOR, path: 'proxmox.node', message: `'${api.node}' is not one of proxmox.nodes (${block.nodes.map((n) => n.name).join(', ')}): the API node must be a node of the cluster` });
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return { api, ssh: nodes.find((n) => n.name === api.node)?.ssh ?? sshConnection, nodes };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
