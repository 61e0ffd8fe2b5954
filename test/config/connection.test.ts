import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatIssue, loadConfig, resolveConnection } from '../../src/config';
import { SHIPPED_CONFIG_DIR } from './fixtures';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':');
const SSH_FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

function errorLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map(formatIssue);
  }
  return assert.fail('expected a ConfigError');
}

describe('resolveConnection', () => {
  test('reads the proxmox block and fills the defaults', async () => {
    const { config } = await loadConfig(SHIPPED_CONFIG_DIR);
    const conn = resolveConnection(config.hypervisor, { HOME: '/home/op' });
    assert.deepEqual(conn, {
      api: { host: '127.0.0.1', port: 8006, node: 'pve', tokenId: 'root@pam!phoenix', tls: {} },
      ssh: { host: '127.0.0.1', port: 22, user: 'root', knownHostsFile: '/home/op/.ssh/known_hosts' },
      // No proxmox.nodes: a one-node cluster, the API node over proxmox.ssh.
      nodes: [{ name: 'pve', ssh: { host: '127.0.0.1', port: 22, user: 'root', knownHostsFile: '/home/op/.ssh/known_hosts' } }],
    });
  });

  test('environment variables override every setting (how tests point Phoenix at phoenix-sim)', async () => {
    const { config } = await loadConfig(SHIPPED_CONFIG_DIR);
    const conn = resolveConnection(config.hypervisor, {
      PHOENIX_PVE_HOST: 'localhost',
      PHOENIX_PVE_PORT: '40123',
      PHOENIX_PVE_NODE: 'sim1',
      PHOENIX_PVE_TOKEN_ID: 'phoenix@pve!ci',
      PHOENIX_PVE_FINGERPRINT: FINGERPRINT,
      PHOENIX_PVE_CA_FILE: '/tmp/ca.pem',
      PHOENIX_SSH_HOST: '127.0.0.2',
      PHOENIX_SSH_PORT: '40222',
      PHOENIX_SSH_USER: 'admin',
      PHOENIX_SSH_HOST_KEY_FINGERPRINT: SSH_FINGERPRINT,
    });
    assert.deepEqual(conn, {
      api: { host: 'localhost', port: 40123, node: 'sim1', tokenId: 'phoenix@pve!ci', tls: { caFile: '/tmp/ca.pem', fingerprint: FINGERPRINT.toUpperCase() } },
      ssh: { host: '127.0.0.2', port: 40222, user: 'admin', hostKeyFingerprint: SSH_FINGERPRINT },
      nodes: [{ name: 'sim1', ssh: { host: '127.0.0.2', port: 40222, user: 'admin', hostKeyFingerprint: SSH_FINGERPRINT } }],
    });
  });

  test('an incomplete connection names each missing setting and where to set it', () => {
    assert.deepEqual(
      errorLines(() => resolveConnection({}, {})),
      [
        'phoenix_hypervisor_config.json: proxmox.host: is not set: set it in phoenix_hypervisor_config.json or in PHOENIX_PVE_HOST',
        'phoenix_hypervisor_config.json: proxmox.token_id: is not set: set it in phoenix_hypervisor_config.json or in PHOENIX_PVE_TOKEN_ID',
        'phoenix_hypervisor_config.json: proxmox.ssh.host_key_fingerprint: is not set: SSH host keys are always checked; set host_key_fingerprint or known_hosts_file, or PHOENIX_SSH_HOST_KEY_FINGERPRINT',
      ],
    );
  });

  test('malformed environment values name the variable', () => {
    const lines = errorLines(() =>
      resolveConnection(
        { proxmox: { host: 'pve.lan', token_id: 'root@pam!x' } },
        { HOME: '/root', PHOENIX_PVE_PORT: '80a', PHOENIX_PVE_TOKEN_ID: 'root', PHOENIX_SSH_HOST_KEY_FINGERPRINT: 'MD5:aa' },
      ),
    );
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^environment: PHOENIX_PVE_PORT: /);
    assert.match(lines[1]!, /^environment: PHOENIX_PVE_TOKEN_ID: must be an API token ID/);
    assert.match(lines[2]!, /^environment: PHOENIX_SSH_HOST_KEY_FINGERPRINT: must be an SSH key fingerprint/);
  });
});
