/**
 * Environment variables Phoenix reads. Named in one place so the config layer, the PVE and SSH
 * clients and the docs cannot drift apart (docs/configuration.md lists them for operators).
 */
export const ENV = {
  configDir: 'PHOENIX_CONFIG_DIR',
  // Connection settings: override the `proxmox` block of phoenix_hypervisor_config.json.
  pveHost: 'PHOENIX_PVE_HOST',
  pvePort: 'PHOENIX_PVE_PORT',
  pveNode: 'PHOENIX_PVE_NODE',
  pveTokenId: 'PHOENIX_PVE_TOKEN_ID',
  pveFingerprint: 'PHOENIX_PVE_FINGERPRINT',
  pveCaFile: 'PHOENIX_PVE_CA_FILE',
  sshHost: 'PHOENIX_SSH_HOST',
  sshPort: 'PHOENIX_SSH_PORT',
  sshUser: 'PHOENIX_SSH_USER',
  sshHostKeyFingerprint: 'PHOENIX_SSH_HOST_KEY_FINGERPRINT',
  // Secrets: only ever read from the environment (or a file it names), never from config files.
  tokenSecret: 'PHOENIX_PVE_TOKEN_SECRET',
  tokenSecretFile: 'PHOENIX_PVE_TOKEN_SECRET_FILE',
  sshKeyFile: 'PHOENIX_SSH_KEY_FILE',
  sshPassword: 'PHOENIX_SSH_PASSWORD',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;
