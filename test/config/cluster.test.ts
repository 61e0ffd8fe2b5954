// The cluster in the config: nodes, guest `node`, per-node GPUs and GPU memory claims.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterNodes, CONFIG_FILES, ConfigError, formatIssue, loadConfig, parseConfigSources, resolveConnection, templateCopyId, type ConfigFileKind,
} from '../../src/config';
import { SHIPPED_CONFIG_DIR, UPSTREAM_CONFIG_DIR } from './fixtures';

type Json = any;
const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

const shipped = (kind: ConfigFileKind): Json => JSON.parse(readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[kind]), 'utf8'));

/** The shipped config on a 3-node cluster (pve1 with two 16 GiB GPUs, pve2 with one, pve3 none). */
function threeNodes(): { lxc: Json; vm: Json; hypervisor: Json } {
  const hypervisor = shipped('hypervisor');
  hypervisor.proxmox.node = 'pve1';
  hypervisor.proxmox.nodes = [
    { name: 'pve1', gpus: [{ index: 0, model: 'RTX 5060 Ti', memory_mb: 16311 }, { index: 1, model: 'RTX 5060 Ti', memory_mb: 16311 }] },
    { name: 'pve2', ssh: { host: '10.0.0.12', host_key_fingerprint: FP }, gpus: [{ index: 0, memory_mb: 24576 }] },
    { name: 'pve3', ssh: { host: '10.0.0.13', port: 2222, host_key_fingerprint: FP }, gpus: [] },
  ];
  return { lxc: shipped('lxc'), vm: shipped('vm'), hypervisor };
}

function errorsOf(files: { lxc: Json; vm: Json; hypervisor: Json }): string[] {
  try {
    parseConfigSources({ lxc: { text: JSON.stringify(files.lxc) }, vm: { text: JSON.stringify(files.vm) }, hypervisor: { text: JSON.stringify(files.hypervisor) } });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map(formatIssue);
  }
}

describe('cluster config', () => {
  test('the upstream single-node files load unchanged as a one-node cluster', { timeout: 30_000 }, async () => {
    const { config } = await loadConfig(UPSTREAM_CONFIG_DIR);
    const nodes = clusterNodes(config.hypervisor);
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]!.name, config.hypervisor.proxmox?.node ?? 'pve');
    assert.ok(config.containers.every((c) => c.node === undefined));
  });

  test('a 3-node cluster loads; each node gets its own SSH endpoint; template copies get offset IDs', { timeout: 30_000 }, () => {
    const files = threeNodes();
    files.lxc.lxc_configs['950'].node = 'pve2';
    const { config } = parseConfigSources({ lxc: { text: JSON.stringify(files.lxc) }, vm: { text: JSON.stringify(files.vm) }, hypervisor: { text: JSON.stringify(files.hypervisor) } });
    assert.deepEqual(clusterNodes(config.hypervisor).map((n) => [n.name, n.templateCopyIdOffset]), [['pve1', 100000], ['pve2', 200000], ['pve3', 300000]]);
    assert.equal(templateCopyId(config, 920, 'pve3'), 300920);
    const conn = resolveConnection(config.hypervisor, { HOME: '/home/op' });
    assert.equal(conn.api.node, 'pve1');
    assert.deepEqual(conn.nodes.map((n) => [n.name, n.ssh.host, n.ssh.port]), [['pve1', '127.0.0.1', 22], ['pve2', '10.0.0.12', 22], ['pve3', '10.0.0.13', 2222]]);
  });

  test('a guest naming a node outside the cluster is refused at its JSON path', { timeout: 30_000 }, () => {
    const files = threeNodes();
    files.lxc.lxc_configs['952'].node = 'pve9';
    files.vm.vms[0].node = 'nowhere';
    const errors = errorsOf(files);
    assert.ok(errors.some((e) => e.startsWith(`${CONFIG_FILES.lxc}: lxc_configs.952.node: node 'pve9' is not in the cluster (pve1, pve2, pve3)`)), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith(`${CONFIG_FILES.vm}: vms[0].node: node 'nowhere' is not in the cluster`)), errors.join('\n'));
  });

  test('a node listed twice, the API node outside the list, and a node without SSH are refused', { timeout: 30_000 }, () => {
    const files = threeNodes();
    files.hypervisor.proxmox.nodes.push({ name: 'pve2', ssh: { host: '10.0.0.99', host_key_fingerprint: FP } });
    assert.ok(errorsOf(files).some((e) => e.startsWith(`${CONFIG_FILES.hypervisor}: proxmox.nodes[3].name: node 'pve2' is listed twice`)));
    const bad = threeNodes();
    bad.hypervisor.proxmox.node = 'pve7';
    delete bad.hypervisor.proxmox.nodes[1].ssh;
    const { config } = parseConfigSources({ lxc: { text: JSON.stringify(bad.lxc) }, vm: { text: JSON.stringify(bad.vm) }, hypervisor: { text: JSON.stringify(bad.hypervisor) } });
    assert.throws(
      () => resolveConnection(config.hypervisor, { HOME: '/home/op' }),
      (err: unknown) => {
        const lines = (err as ConfigError).issues.map(formatIssue);
        assert.ok(lines.some((l) => l.includes('proxmox.nodes[1].ssh: is not set')), lines.join('\n'));
        assert.ok(lines.some((l) => l.includes("proxmox.node: 'pve7' is not one of proxmox.nodes")), lines.join('\n'));
        return true;
      },
    );
  });

  test('a GPU index that does not exist on the guest node is refused', { timeout: 30_000 }, () => {
    const files = threeNodes();
    files.lxc.lxc_configs['950'].node = 'pve2';
    files.lxc.lxc_configs['950'].gpu_assignment = '0,1';
    const errors = errorsOf(files);
    assert.ok(errors.some((e) => e === `${CONFIG_FILES.lxc}: lxc_configs.950.gpu_assignment: GPU 1 does not exist on node pve2 (its GPUs: 0)`), errors.join('\n'));
  });

  test('vLLM guests claiming more than one GPU memory are refused, naming every guest on that GPU', { timeout: 30_000 }, () => {
    const files = threeNodes();
    const second = structuredClone(files.lxc.lxc_configs['950']);
    Object.assign(second, { name: 'vllm-second', mac_address: '52:54:00:67:89:C1', vllm_gpu_memory_utilization: 0.3 });
    second.network_config = { ...second.network_config, ip: '10.0.0.161/24' };
    files.lxc.lxc_configs['961'] = second;
    files.lxc.lxc_configs['950'].node = 'pve1';
    files.lxc.lxc_configs['961'].node = 'pve1';
    files.lxc.lxc_configs['950'].vllm_gpu_memory_utilization = 0.85;
    const errors = errorsOf(files).filter((e) => e.includes('over-subscribed'));
    assert.deepEqual(errors, [
      `${CONFIG_FILES.lxc}: lxc_configs.950.vllm_gpu_memory_utilization: GPU 0 on node pve1 is over-subscribed: container 950 (0.85) + container 961 (0.3) = 1.15 of its memory (at most 1.0); lower vllm_gpu_memory_utilization or move one of them to another GPU or node`,
      `${CONFIG_FILES.lxc}: lxc_configs.961.vllm_gpu_memory_utilization: GPU 0 on node pve1 is over-subscribed: container 950 (0.85) + container 961 (0.3) = 1.15 of its memory (at most 1.0); lower vllm_gpu_memory_utilization or move one of them to another GPU or node`,
    ]);
    // On different nodes they fit.
    files.lxc.lxc_configs['961'].node = 'pve2';
    assert.deepEqual(errorsOf(files).filter((e) => e.includes('over-subscribed')), []);
  });
});
