/**
 * verifyTrust: the cheap check a run makes before its first side effect. It reaches the PVE
 * API of every node the run will touch (TLS verified against the pinned CA or fingerprint) and
 * opens an SSH session to the host (host key checked against the pin or known_hosts, markers
 * honoured). A wrong certificate or host key, or a missing known_hosts file, then fails the
 * run before anything was created, instead of at the first SSH step after the API already
 * created the guest.
 *
 * Success is cached per worker for a few minutes, keyed by the connection settings and the
 * known_hosts file's size and time, so a fleet of runs costs one check; every later connection
 * still checks the certificate and host key itself.
 */
import { stat } from 'node:fs/promises';
import { sshFor } from '../../config';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface VerifyTrustInput {
  /** PVE node names the run will act on. */
  nodes: string[];
}

export interface PreflightActivities {
  verifyTrust(input: VerifyTrustInput): Promise<{ summary: string; cached: boolean }>;
}

const TRUST_CACHE_MS = 5 * 60_000;

export function createVerifyTrust(deps: ProvisioningDeps, now: () => number = Date.now): PreflightActivities['verifyTrust'] {
  const verified = new Map<string, number>();
  return async function verifyTrust(input) {
    const nodes = [...new Set(input.nodes)].sort();
    return classified('verify API certificate and SSH host key', `node ${nodes.join(', ')}`, async () => {
      const conn = await deps.connection();
      const knownHosts = conn.ssh.knownHostsFile ? await stat(conn.ssh.knownHostsFile).catch(() => undefined) : undefined;
      const key = JSON.stringify([conn, knownHosts ? [knownHosts.size, knownHosts.mtimeMs] : null, nodes]);
      const at = verified.get(key);
      if (at !== undefined && now() - at < TRUST_CACHE_MS) return { summary: 'trust verified (cached)', cached: true };

      const pve = await deps.pve();
      for (const node of nodes) await pve.node(node).status();
      // Each node's own shell: a cluster has one SSH endpoint (and host key) per node.
      for (const node of nodes) await deps.withHost((host) => host.run.execChecked(['true']), undefined, node);
      const shells = nodes.map((n) => { const s = sshFor(conn, n); return `${s.host}:${s.port}`; }).join(', ');
      verified.set(key, now());
      return { summary: `API certificate of ${conn.api.host}:${conn.api.port} and SSH host key of ${shells} verified`, cached: false };
    });
  };
}
