/**
 * The `proxmox` block of `phoenix_hypervisor_config.json`: where and how to reach the PVE host. It
 * holds no secrets: the API token secret, SSH key and password come from the environment (see
 * `connection.ts` and docs/configuration.md); `secrets.ts` refuses secret-looking keys here.
 */
import { z } from 'zod';
import { absolutePath } from '../formats';
import { port } from './common';
import { hostAddress, nodeName, sshFingerprint } from './addresses';
import { clusterNode } from './cluster';

export { hostAddress, nodeName, sshFingerprint, SSH_FINGERPRINT_RE } from './addresses';

export const TOKEN_ID_RE = /^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]*![A-Za-z][A-Za-z0-9.\-_]*$/;
/** TLS certificate SHA-256 fingerprint as PVE shows it: 32 colon-separated hex bytes. */
export const TLS_FINGERPRINT_RE = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

export const tokenId = z.string().regex(TOKEN_ID_RE, 'must be an API token ID such as "root@pam!phoenix"');
export const tlsFingerprint = z
  .string()
  .regex(TLS_FINGERPRINT_RE, 'must be a SHA-256 fingerprint: 32 colon-separated hex bytes (as `pvenode cert info` shows)');

export const proxmoxBlockSchema = z.strictObject({
  host: hostAddress.optional().meta({ description: 'PVE API host' }),
  port: port.optional().meta({ description: 'PVE API port (default 8006)' }),
  node: nodeName.optional().meta({ description: 'PVE node the API answers on, and the node of guests and templates that name none when the cluster has one node (default "pve")' }),
  nodes: z
    .array(z.lazy(() => clusterNode))
    .min(1)
    .optional()
    .meta({ description: "The cluster's nodes; absent: one node, proxmox.node, reached over proxmox.ssh" }),
  token_id: tokenId.optional().meta({ description: 'API token ID user@realm!name; the secret comes from PHOENIX_PVE_TOKEN_SECRET' }),
  tls: z
    .strictObject({
      ca_file: absolutePath.optional().meta({ description: 'PEM CA that signed the PVE certificate (e.g. a copy of /etc/pve/pve-root-ca.pem)' }),
      fingerprint: tlsFingerprint.optional(),
    })
    .optional(),
  ssh: z
    .strictObject({
      host: hostAddress.optional().meta({ description: 'SSH host (default: the API host)' }),
      port: port.optional().meta({ description: 'Default 22' }),
      user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'must be a user name').optional().meta({ description: 'Default root' }),
      host_key_fingerprint: sshFingerprint.optional(),
      known_hosts_file: absolutePath.optional(),
    })
    .optional(),
});

export type ProxmoxBlock = z.output<typeof proxmoxBlockSchema>;
